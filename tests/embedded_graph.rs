//! Graphs embedded from weights files (`#[weights = "..."]`): skip connections, joins, several
//! inputs and outputs give what the trainable networks saved in those files give.
//!
//! Each fixture holds a randomly initialized trainable network, written by
//! `nn_core::io::save_safetensors`; `NN_BLESS=1 cargo test --test embedded_graph` rewrites
//! them from their seeds (the `#[weights]` declarations read the committed files while
//! compiling, so a new fixture is first written with its embedded declaration left out).
//!
//! The embedded layers sum in a fixed order; the trainable dense and conv layers may use the
//! host's AVX kernels, which round in another order, so outputs (of order 1) differ by a few
//! units in the last place and are compared within 1e-6, as `tests/embedded.rs` compares the
//! sine network.

use nn_core::io::{load_safetensors, save_safetensors};
use nn_core::nalgebra::SVector;
use nn_core::Parameters;
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::path::{Path, PathBuf};

/// Largest accepted difference between an embedded and a trainable output.
const TOL: f32 = 1e-6;

#[macro_use]
#[path = "support/twins.rs"]
mod twins;

twins! {
    /// A residual MLP: `out = W3 (x1 + relu(W2 x1))`, `x1 = tanh(W1 x)`.
    pub struct Residual, ResidualStatic = "tests/fixtures/graph_residual.safetensors" {
        input: 12,
        x1: dense(16, tanh),
        h: dense(16, relu),
        sum: add(x1, h),
        out: dense(3)(sum),
    }
}

twins! {
    /// Two inputs, two outputs, fan-out, `concat`, `mul` and `dueling`.
    pub struct TwoHeads, TwoHeadsStatic = "tests/fixtures/graph_two_heads.safetensors" {
        img: input(6),
        feat: input(2),
        h: dense(5, tanh)(img),
        g: dense(5, sigmoid)(h),
        f: dense(5)(feat),
        s: add(h, g, f),
        m: mul(s, h),
        d: dropout(0.3)(m),
        c: concat(d, feat, tanh),
        v: dense(1)(c),
        a: dense(3)(c),
        q: dueling(v, a),
        r: dense(2, softmax)(c),
        output: (q, r),
    }
}

twins! {
    /// A residual conv block with a strided 1x1 projection shortcut (`ResNetMini`'s
    /// downsampling block without batch norm): 4x8x8 -> 8x4x4.
    pub struct ConvBlock, ConvBlockStatic = "tests/fixtures/graph_conv_block.safetensors" {
        input: [2, 8, 8],
        stem: conv2d(4, 3, pad = 1, relu),
        c1: conv2d(8, 3, stride = 2, pad = 1, floor = true, relu),
        c2: conv2d(8, 3, pad = 1),
        proj: conv2d(8, 1, stride = 2, bias = false, floor = true)(stem),
        block: add(c2, proj, relu),
        gap: global_avg_pool,
        out: dense(3),
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The trainable network in fixture `name`; under `NN_BLESS=1`, first rewrites the file
/// with `fresh`'s parameters.
fn trained<N: Parameters<f32>>(name: &str, mut net: N, fresh: impl FnOnce() -> N) -> N {
    if std::env::var_os("NN_BLESS").is_some() {
        save_safetensors(&fresh(), fixture(name)).unwrap();
    }
    load_safetensors(&mut net, fixture(name)).unwrap();
    net
}

fn random<const N: usize>(rng: &mut StdRng) -> SVector<f32, N> {
    SVector::from_fn(|_, _| rng.random_range(-1.0..1.0))
}

/// `max |a - b|`, after checking that `b` is not all zeros (a file of zeros would match
/// anything built the same way).
fn diff<const N: usize>(a: &SVector<f32, N>, b: &SVector<f32, N>) -> f32 {
    assert!(b.amax() > 0.0, "the trainable output is all zeros");
    (a - b).amax()
}

#[test]
fn a_residual_mlp_embeds() {
    let net = trained("graph_residual.safetensors", Residual::zeros(), || {
        Residual::new(&mut StdRng::seed_from_u64(1))
    });
    let embedded = ResidualStatic::new();
    let mut rng = StdRng::seed_from_u64(2);
    for _ in 0..20 {
        let x = random::<12>(&mut rng);
        let d = diff(&embedded.forward(&x), &net.forward(&x));
        assert!(d <= TOL, "outputs differ by {d}");
    }
    assert_eq!(ResidualStatic::PARAMETERS, Residual::<f32>::PARAMETERS);
    assert_eq!((ResidualStatic::INPUTS, ResidualStatic::OUTPUTS), (12, 3));
}

#[test]
fn two_inputs_and_two_outputs_embed_with_concat_mul_and_dueling() {
    let net = trained("graph_two_heads.safetensors", TwoHeads::zeros(), || {
        TwoHeads::new(&mut StdRng::seed_from_u64(3))
    });
    let embedded = TwoHeadsStatic::new();
    let mut rng = StdRng::seed_from_u64(4);
    for _ in 0..20 {
        let (img, feat) = (random::<6>(&mut rng), random::<2>(&mut rng));
        let (q, r) = embedded.forward(&img, &feat);
        let (tq, tr) = net.forward(&img, &feat);
        let d = diff(&q, &tq).max(diff(&r, &tr));
        assert!(d <= TOL, "outputs differ by {d}");
        // Dueling: `q = v + a - mean(a)`, so `mean(q) = v`; softmax sums to 1.
        let v = net.forward_trace(&img, &feat).v_x[0];
        assert!(
            (q.mean() - v).abs() < TOL,
            "mean(q) = {} vs v = {v}",
            q.mean()
        );
        assert!((r.sum() - 1.0).abs() < 1e-6);
    }
    assert_eq!(TwoHeadsStatic::INPUT_SIZES, TwoHeads::<f32>::INPUT_SIZES);
    assert_eq!(TwoHeadsStatic::OUTPUT_SIZES, &[3, 2]);
    assert_eq!(TwoHeadsStatic::PARAMETERS, TwoHeads::<f32>::PARAMETERS);
}

#[test]
fn a_residual_conv_block_with_a_strided_projection_embeds() {
    let net = trained("graph_conv_block.safetensors", ConvBlock::zeros(), || {
        ConvBlock::new(&mut StdRng::seed_from_u64(5))
    });
    let embedded = ConvBlockStatic::new();
    let mut rng = StdRng::seed_from_u64(6);
    for _ in 0..20 {
        let x = random::<128>(&mut rng);
        let d = diff(&embedded.forward(&x), &net.forward(&x));
        assert!(d <= TOL, "outputs differ by {d}");
    }
    assert_eq!(ConvBlockStatic::PARAMETERS, ConvBlock::<f32>::PARAMETERS);
    assert_eq!(
        (ConvBlockStatic::INPUTS, ConvBlockStatic::OUTPUTS),
        (128, 3)
    );
}
