//! The places where nn follows PyTorch's (or gymnasium's) conventions, checked against the
//! values their own code produced: `tests/fixtures/pytorch_conventions.json`, written by
//! `tools/pytorch_conventions.py` (torch and gymnasium, float64). CI needs no Python.
//!
//! - ReLU's and leaky ReLU's derivatives, at the kink included;
//! - `log_softmax` at logits of ±1000;
//! - `MSELoss` (mean over every element) and its sum;
//! - RMSprop (plain, momentum, centered, weight decay), SGD with momentum, Nesterov momentum,
//!   Adam and Rprop: 60-step trajectories on a test problem, to 1e-12;
//! - L-BFGS without line search: PyTorch's `LBFGS(line_search_fn=None)` points, to 1e-12,
//!   from a loss closure and from gradients computed outside;
//! - CartPole: gymnasium's states, exactly, over 500 closed-loop steps.

use nn_core::activation::{log_softmax_in_place, Elementwise, LeakyRelu, Relu};
use nn_core::layer::Dense;
use nn_core::loss::{LossExt, MeanSquaredError, Reduction, SquaredError};
use nn_core::optim::{Adam, Lbfgs, Momentum, Nesterov, Optimizer, Rmsprop, Rprop, WeightDecay};
use nn_core::rl::{CartPole, Environment};
use nn_core::{Batch, ParamKind, Parameters};
use serde_json::Value;
use std::sync::OnceLock;

fn fixture() -> &'static Value {
    static FIXTURE: OnceLock<Value> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/pytorch_conventions.json"
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    })
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// The largest `|a - b|`, after checking the lengths agree.
fn max_dev(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
}

// ------------------------------------------------------------------ activations, losses

#[test]
fn relu_and_leaky_relu_derivatives_are_pytorchs_at_the_kink_too() {
    let a = &fixture()["activations"];
    let z = floats(&a["z"]);
    assert!(z.contains(&0.0));
    let check = |name: &str, f: &dyn Fn(f64) -> f64, df: &dyn Fn(f64) -> f64| {
        let (value, derivative) = (floats(&a[name]["value"]), floats(&a[name]["derivative"]));
        for (k, &z) in z.iter().enumerate() {
            assert_eq!(f(z), value[k], "{name}({z})");
            assert_eq!(df(z), derivative[k], "{name}'({z})");
        }
    };
    check("relu", &|z| Relu.f(z), &|z| Relu.df(z, Relu.f(z)));
    for (name, slope) in [("leaky_relu_0.01", 0.01), ("leaky_relu_0.2", 0.2)] {
        let l = LeakyRelu::new(slope).unwrap();
        check(name, &|z| l.f(z), &|z| l.df(z, l.f(z)));
    }
}

#[test]
fn log_softmax_is_pytorchs_and_finite_at_logits_of_1000() {
    let ls = &fixture()["log_softmax"];
    let (mut worst, mut largest) = (0f64, 0f64);
    for (logits, want) in ls["logits"]
        .as_array()
        .unwrap()
        .iter()
        .zip(ls["log_softmax"].as_array().unwrap())
    {
        let mut v = floats(logits);
        largest = v.iter().fold(largest, |m, z| m.max(z.abs()));
        log_softmax_in_place(&mut v);
        assert!(v.iter().all(|x| x.is_finite()), "{v:?}");
        for (a, b) in v.iter().zip(floats(want)) {
            // relative to ε (PyTorch's exp may round in the last place)
            worst = worst.max((a - b).abs() / (b.abs() * f64::EPSILON));
        }
    }
    assert_eq!(largest, 1000.0);
    println!("log_softmax: max relative deviation from PyTorch {worst:.2} ε");
    assert!(
        worst <= 1.0,
        "log_softmax deviates from PyTorch by {worst} ε"
    );
}

#[test]
fn mean_squared_error_is_mse_loss_and_the_squared_error_its_sum() {
    let m = &fixture()["mse"];
    let rows =
        |key: &str| -> Vec<Vec<f64>> { m[key].as_array().unwrap().iter().map(floats).collect() };
    let (f, y) = (rows("outputs"), rows("targets"));
    // PyTorch's (sample, output) rows are our columns
    let to_batch = |r: &[Vec<f64>]| Batch::<f64, 4>::from_column_slice(&r.concat());
    let (f, y) = (to_batch(&f), to_batch(&y));
    let grad = |key: &str| {
        let g: Vec<Vec<f64>> = m[key]["grad"]
            .as_array()
            .unwrap()
            .iter()
            .map(floats)
            .collect();
        g.concat()
    };
    let (l, g) = MeanSquaredError
        .batch_value_and_grad(&f, &y, Reduction::Mean)
        .unwrap();
    let (dl, dg) = (
        (l - m["mean"]["loss"].as_f64().unwrap()).abs(),
        max_dev(g.as_slice(), &grad("mean")),
    );
    println!("MSELoss(): loss {dl:.1e}, gradient {dg:.1e} from PyTorch's");
    assert!(dl < 1e-14 && dg < 1e-15, "{dl:e} {dg:e}");
    let (l, g) = SquaredError
        .batch_value_and_grad(&f, &y, Reduction::Sum)
        .unwrap();
    let (dl, dg) = (
        (l - m["sum"]["loss"].as_f64().unwrap()).abs(),
        max_dev(g.as_slice(), &grad("sum")),
    );
    println!("MSELoss(reduction='sum'): loss {dl:.1e}, gradient {dg:.1e} from PyTorch's");
    assert!(dl < 1e-13 && dg < 1e-15, "{dl:e} {dg:e}");
}

// ------------------------------------------------------------------ the test problem

/// Six parameters: the weight's four values (column-major) and the bias's two, in the
/// order PyTorch's single tensor holds them.
type P = Dense<f64, 2, 2>;

fn flat(p: &P) -> Vec<f64> {
    let mut out = Vec::new();
    p.visit(|_, v| out.extend_from_slice(v));
    out
}

fn unflat(x: &[f64]) -> P {
    let mut p = P::zeros();
    let mut k = 0;
    p.visit_mut(|_, v| {
        for v in v {
            *v = x[k];
            k += 1;
        }
    });
    p
}

/// `L(x) = ½ xᵀAx - bᵀx + Σ x⁴/40` with `A`, `b` from the fixture; writes `∇L` into `g`.
fn problem_loss(p: &P, g: &mut P) -> f64 {
    let pr = &fixture()["problem"];
    let a: Vec<Vec<f64>> = pr["a"].as_array().unwrap().iter().map(floats).collect();
    let b = floats(&pr["b"]);
    let x = flat(p);
    let ax: Vec<f64> = a
        .iter()
        .map(|row| row.iter().zip(&x).map(|(a, x)| a * x).sum())
        .collect();
    let grad: Vec<f64> = (0..6).map(|i| ax[i] - b[i] + 0.1 * x[i].powi(3)).collect();
    *g = unflat(&grad);
    (0..6)
        .map(|i| 0.5 * x[i] * ax[i] - b[i] * x[i] + 0.025 * x[i].powi(4))
        .sum()
}

fn problem_grad(p: &P) -> P {
    let mut g = P::zeros();
    problem_loss(p, &mut g);
    g
}

fn x0() -> Vec<f64> {
    floats(&fixture()["problem"]["x0"])
}

/// PyTorch's parameters after each step of optimizer `name`, and its settings.
fn steps(name: &str) -> (Vec<Vec<f64>>, &'static Value) {
    let case = &fixture()["optimizers"][name];
    let steps = case["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(floats)
        .collect();
    (steps, &case["settings"])
}

/// Runs `opt` from `x0` with the gradient at the current parameters and returns the largest
/// deviation from PyTorch's trajectory `name`.
fn trajectory_dev(name: &str, opt: &mut dyn Optimizer<f64, P>) -> f64 {
    let (want, _) = steps(name);
    assert_eq!(want.len(), 60);
    let mut p = unflat(&x0());
    let mut worst = 0f64;
    for w in &want {
        let g = problem_grad(&p);
        opt.step(&mut p, &g).unwrap();
        worst = worst.max(max_dev(&flat(&p), w));
    }
    // the trajectory goes somewhere: far from the start compared with the tolerance
    assert!(max_dev(&want[59], &x0()) > 0.1, "{name} barely moves");
    worst
}

#[test]
fn rmsprop_follows_pytorchs_trajectories() {
    let s = |name: &str, key: &str| steps(name).1[key].as_f64();
    // defaults
    assert_eq!(s("rmsprop", "lr"), Some(Rmsprop::<P>::default().lr));
    assert_eq!(s("rmsprop", "alpha"), Some(Rmsprop::<P>::default().alpha));
    assert_eq!(s("rmsprop", "eps"), Some(Rmsprop::<P>::default().eps));
    let cases: [(&str, Rmsprop<P>); 4] = [
        ("rmsprop", Rmsprop::default()),
        ("rmsprop_momentum", Rmsprop::new(0.005).with_momentum(0.9)),
        ("rmsprop_centered", Rmsprop::new(0.01).centered()),
        (
            "rmsprop_centered_momentum",
            Rmsprop::new(0.003)
                .with_alpha(0.9)
                .with_eps(1e-6)
                .with_momentum(0.5)
                .centered(),
        ),
    ];
    for (name, mut opt) in cases {
        let dev = trajectory_dev(name, &mut opt);
        println!("{name}: max deviation from PyTorch {dev:.1e}");
        assert!(dev < 1e-12, "{name}: {dev:e}");
    }
}

#[test]
fn momentum_and_adam_follow_pytorchs_sgd_and_adam() {
    // SGD(lr=η, momentum=α): PyTorch's buffer b = αb + g, θ -= ηb is the lecture's
    // Δβ = αΔβ - ηg = -ηb for a constant η.
    let dev = trajectory_dev("sgd_momentum", &mut Momentum::new(0.05, 0.9));
    println!("sgd_momentum: {dev:.1e}");
    assert!(dev < 1e-12, "{dev:e}");
    let dev = trajectory_dev("adam", &mut Adam::new(0.01));
    println!("adam: {dev:.1e}");
    assert!(dev < 1e-12, "{dev:e}");
}

/// An optimizer that adds `decay`'s gradient before each step of `inner`.
struct Decayed<O>(WeightDecay, O);

impl<O: Optimizer<f64, P>> Optimizer<f64, P> for Decayed<O> {
    fn step(&mut self, params: &mut P, grads: &P) -> Result<(), nn_core::Error> {
        let mut g = grads.clone();
        self.0.apply(&mut g, params)?;
        self.1.step(params, &g)
    }
    fn steps(&self) -> u64 {
        self.1.steps()
    }
    fn reset(&mut self) {
        self.1.reset();
    }
}

#[test]
fn pytorchs_weight_decay_is_l2_decay_including_biases() {
    // RMSprop(weight_decay=λ) adds λθ to every gradient, biases included.
    let decay = WeightDecay::l2(0.1).including(ParamKind::Bias);
    let dev = trajectory_dev(
        "rmsprop_weight_decay",
        &mut Decayed(decay, Rmsprop::new(0.01)),
    );
    println!("rmsprop_weight_decay: {dev:.1e}");
    assert!(dev < 1e-12, "{dev:e}");
    // the library's default leaves biases alone, which is not PyTorch's
    let dev = trajectory_dev(
        "rmsprop_weight_decay",
        &mut Decayed(WeightDecay::l2(0.1), Rmsprop::new(0.01)),
    );
    assert!(dev > 1e-3);
}

#[test]
fn rprop_with_an_initial_step_of_0_01_is_pytorchs_rprop() {
    let dev = trajectory_dev("rprop", &mut Rprop::new(0.01));
    println!("rprop: {dev:.1e}");
    assert!(dev < 1e-12, "{dev:e}");
    // the library's default first step is 0.1
    assert!(trajectory_dev("rprop", &mut Rprop::default()) > 1e-3);
}

#[test]
fn nesterov_lookahead_points_are_pytorchs_nesterov_parameters() {
    // PyTorch's SGD(momentum=α, nesterov=True) keeps the look-ahead point β + αΔβ as its
    // parameters: the point `lookahead` moves ours to.
    let (want, _) = steps("sgd_nesterov");
    let mut p = unflat(&x0());
    let mut opt = Nesterov::new(0.05, 0.9);
    let mut worst = 0f64;
    for (k, w) in std::iter::once(&x0()).chain(&want).enumerate() {
        opt.lookahead(&mut p).unwrap();
        worst = worst.max(max_dev(&flat(&p), w));
        if k == want.len() {
            break;
        }
        let g = problem_grad(&p);
        opt.step(&mut p, &g).unwrap();
    }
    println!("sgd_nesterov: {worst:.1e}");
    assert!(worst < 1e-12, "{worst:e}");
}

// ------------------------------------------------------------------ L-BFGS

/// PyTorch's points (every point its closure was evaluated at, in order) for case `name`,
/// with the optimizer our settings make from the case's.
fn lbfgs_case(name: &str) -> (Vec<Vec<f64>>, Vec<f64>, Lbfgs<P>) {
    let case = &fixture()["lbfgs"][name];
    let points = case["points"].as_array().unwrap();
    let x: Vec<Vec<f64>> = points.iter().map(|p| floats(&p["x"])).collect();
    let losses = points.iter().map(|p| p["loss"].as_f64().unwrap()).collect();
    let p = unflat(&x0());
    let memory = case["history_size"].as_u64().unwrap() as usize;
    let mut lbfgs = Lbfgs::fixed_step(&p, case["lr"].as_f64().unwrap()).unwrap();
    if memory != lbfgs.memory() {
        let (lr, tg, tc) = (lbfgs.lr, lbfgs.tolerance_grad, lbfgs.tolerance_change);
        lbfgs = Lbfgs::with_memory(&p, memory).unwrap();
        lbfgs.line_search = nn_core::optim::LineSearch::Fixed;
        (lbfgs.lr, lbfgs.tolerance_grad, lbfgs.tolerance_change) = (lr, tg, tc);
    }
    assert_eq!(
        lbfgs.tolerance_grad,
        case["tolerance_grad"].as_f64().unwrap()
    );
    assert_eq!(
        lbfgs.tolerance_change,
        case["tolerance_change"].as_f64().unwrap()
    );
    assert_eq!(x[0], x0());
    (x, losses, lbfgs)
}

#[test]
fn lbfgs_without_line_search_reproduces_pytorch_to_1e_12() {
    for name in ["defaults", "lr_0.5_history_3"] {
        let (want, losses, mut lbfgs) = lbfgs_case(name);
        let mut p = unflat(&x0());
        let (mut worst, mut worst_loss) = (0f64, 0f64);
        // PyTorch stopped moving after its last point (gᵀd above -tolerance_change); run
        // five more iterations to see that ours stops there too.
        for k in 1..want.len() + 5 {
            let f = lbfgs.minimize_step(&mut p, problem_loss).unwrap();
            let j = k.min(want.len() - 1);
            worst = worst.max(max_dev(&flat(&p), &want[j]));
            worst_loss = worst_loss.max((f - losses[j]).abs());
        }
        assert_eq!(lbfgs.steps() as usize, want.len() - 1);
        println!(
            "lbfgs {name}: {} points, max deviation {worst:.1e}, loss {worst_loss:.1e}",
            want.len()
        );
        assert!(worst < 1e-12, "{name}: {worst:e}");
        assert!(worst_loss < 1e-12, "{name}: {worst_loss:e}");
    }
}

#[test]
fn lbfgs_from_outside_gradients_reproduces_pytorch_to_1e_12() {
    for name in ["defaults", "lr_0.5_history_3"] {
        let (want, _, mut lbfgs) = lbfgs_case(name);
        let mut p = unflat(&x0());
        let mut worst = 0f64;
        for k in 1..want.len() + 5 {
            let g = problem_grad(&p);
            Optimizer::step(&mut lbfgs, &mut p, &g).unwrap();
            worst = worst.max(max_dev(&flat(&p), &want[k.min(want.len() - 1)]));
        }
        println!("lbfgs {name} from outside gradients: max deviation {worst:.1e}");
        assert!(worst < 1e-12, "{name}: {worst:e}");
    }
}

// ------------------------------------------------------------------ CartPole

#[test]
fn cartpole_reproduces_gymnasiums_states_exactly() {
    let cp = &fixture()["cartpole"];
    let episodes = cp["episodes"].as_array().unwrap();
    assert!(!episodes.is_empty());
    for e in episodes {
        let start: [f64; 4] = floats(&e["start"]).try_into().unwrap();
        let want: Vec<Vec<f64>> = e["states"].as_array().unwrap().iter().map(floats).collect();
        let terminated = e["terminated"].as_bool().unwrap();
        // the policy keeps the pole up and the cart within bounds: 500 steps, truncated
        assert_eq!((want.len(), terminated), (500, false));
        let mut env = CartPole::new(0);
        env.set_state(start);
        let mut s = start;
        for (k, w) in want.iter().enumerate() {
            let action = usize::from(s[2] + 0.5 * s[3] > 0.0);
            let step = env.step(action).unwrap();
            s = step.state;
            assert_eq!(&s[..], &w[..], "seed {}, step {}", e["seed"], k + 1);
            let last = k + 1 == want.len();
            assert_eq!(step.terminated, last && terminated);
            assert_eq!(step.truncated, last && !terminated && k + 1 == 500);
        }
    }
}
