//! `init = torch`: dense and conv layers drawn as PyTorch's `nn.Linear` and `nn.Conv2d`
//! reset_parameters() draw them, weights by kaiming-uniform with `a = √5` and biases
//! uniform, both `U(-1/√fan_in, 1/√fan_in)`: the bound and the variance `1/(3 fan_in)`.

use nn_core::init::Init;
use nn_core::{network, ParamKind, Parameters};
use rand::{rngs::StdRng, SeedableRng};

network! {
    struct Net {
        input: [4, 10, 10],
        conv: conv2d(32, 3, relu, init = torch),   // fan_in = 4·3·3 = 36
        flat: flatten,
        fc: dense(512, relu, init = torch),        // fan_in = 32·8·8 = 2048
        out: dense(10, init = torch),               // fan_in = 512
    }
}

/// Checks every value of `v` is within `±1/√fan_in`, and their mean and variance against
/// `0` and `1/(3 fan_in)` within `tol` standard errors' worth.
fn check(name: &str, v: &[f32], fan_in: f64) {
    let a = 1.0 / fan_in.sqrt();
    let n = v.len() as f64;
    assert!(
        v.iter().all(|&x| (x as f64).abs() <= a + 1e-7),
        "{name}: a value beyond {a}"
    );
    let largest = v.iter().fold(0.0f64, |m, &x| m.max((x as f64).abs()));
    if v.len() >= 100 {
        // P(all within 0.9a) = 0.9ⁿ < 3·10⁻⁵
        assert!(
            largest > 0.9 * a,
            "{name}: the largest value {largest} is far inside the bound {a}"
        );
    }
    let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n;
    let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let want = a * a / 3.0;
    // U(-a, a): the sample mean's sd is √(a²/3n); the sample variance's is a²√(4/(45 n)).
    assert!(mean.abs() < 5.0 * (want / n).sqrt(), "{name}: mean {mean}");
    let sd_var = a * a * (4.0 / (45.0 * n)).sqrt();
    assert!(
        (var - want).abs() < 5.0 * sd_var,
        "{name}: variance {var}, want {want} ± {sd_var}"
    );
}

#[test]
fn dense_and_conv_follow_pytorch_bounds_and_variance() {
    let net: Net = Net::new(&mut StdRng::seed_from_u64(7));
    for (layer, fan_in) in [("conv", 36.0), ("fc", 2048.0), ("out", 512.0)] {
        let mut weights = vec![];
        let mut biases = vec![];
        net.visit(|info, v| {
            if info.layer == layer {
                match info.kind {
                    ParamKind::Weight => weights.extend_from_slice(v),
                    ParamKind::Bias => biases.extend_from_slice(v),
                    _ => {}
                }
            }
        });
        check(&format!("{layer} weight"), &weights, fan_in);
        check(&format!("{layer} bias"), &biases, fan_in);
    }
}

#[test]
fn init_fill_draws_weights_and_biases_uniformly() {
    let (rows, cols) = (300, 50);
    let mut w = vec![0.0f32; rows * cols];
    let mut b = vec![0.0f32; rows];
    Init::Torch.fill(rows, cols, &mut w, &mut b, &mut StdRng::seed_from_u64(3));
    check("fill weight", &w, cols as f64);
    check("fill bias", &b, cols as f64);
    // Other schemes keep zero biases.
    Init::He.fill(rows, cols, &mut w, &mut b, &mut StdRng::seed_from_u64(3));
    assert!(b.iter().all(|&x| x == 0.0));
}

/// PyTorch's own initialization of the same layers (`tools/init_torch_fixture.py`, 20 seeds)
/// has the bound and the variance the test above holds ours to: the formula is PyTorch's.
#[test]
fn pytorchs_own_draws_have_these_bounds_and_variances() {
    let f: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/init_torch.json")).unwrap();
    // Values per layer over the 20 seeds: weights, biases.
    for (layer, counts) in [
        ("conv", [20 * 32 * 36, 20 * 32]),
        ("fc", [20 * 512 * 2048, 20 * 512]),
        ("out", [20 * 10 * 512, 20 * 10]),
    ] {
        let l = &f[layer];
        let fan_in = l["fan_in"].as_f64().unwrap();
        let a = 1.0 / fan_in.sqrt();
        for (kind, n) in ["weight", "bias"].into_iter().zip(counts) {
            let max = l[format!("{kind}_max_abs")].as_f64().unwrap();
            let var = l[format!("{kind}_var")].as_f64().unwrap();
            assert!(
                max <= a * (1.0 + 1e-6) && max > 0.99 * a,
                "{layer} {kind}: max {max}, bound {a}"
            );
            let want = a * a / 3.0;
            let sd = a * a * (4.0 / (45.0 * n as f64)).sqrt();
            assert!(
                (var - want).abs() < 5.0 * sd,
                "{layer} {kind}: PyTorch's variance {var}, want {want}"
            );
        }
    }
}
