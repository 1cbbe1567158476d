//! The losses' gradients `∂ℓ/∂f` as the lecture writes them, checked two ways: against the
//! closed formula computed here independently, and against central finite differences of
//! the loss value alone. Also the batch reductions, and cross-entropy at logits of
//! magnitude 1e4 in `f32` and `f64`.

use crate::{random_batch, random_probabilities, random_vector, rng, EPS};
use nn_core::gradcheck::{numeric_gradient_of, relative_error};
use nn_core::loss::{CrossEntropy, Hinge, Huber, Loss, LossExt, Reduction, SquaredError, Target};
use nn_core::nalgebra::SVector;
use nn_core::Batch;
use rand::Rng;

/// Tolerance for the finite differences of a loss alone (smooth, cheap, well-scaled).
const LOSS_TOL: f64 = 1e-8;

/// `∂ℓ/∂f` by central differences of `ℓ` alone.
fn numeric<const M: usize>(
    f: &SVector<f64, M>,
    loss: impl Fn(&SVector<f64, M>) -> f64,
) -> Vec<f64> {
    numeric_gradient_of(f.as_slice(), EPS, |v| loss(&SVector::from_column_slice(v)))
}

/// `softmax(f)` computed directly from the definition (fine for moderate logits).
fn softmax<const M: usize>(f: &SVector<f64, M>) -> SVector<f64, M> {
    let e = f.map(f64::exp);
    e / e.sum()
}

fn one_hot<const M: usize>(c: usize) -> SVector<f64, M> {
    SVector::from_fn(|i, _| if i == c { 1.0 } else { 0.0 })
}

fn assert_close(what: &str, a: &[f64], b: &[f64], tol: f64) {
    let e = relative_error(a, b);
    assert!(e < tol, "{what}: relative error {e:e}\n {a:?}\n {b:?}");
}

#[test]
fn squared_error_vector_target_is_2_f_minus_y() {
    let mut r = rng(1);
    for _ in 0..10 {
        let f: SVector<f64, 5> = random_vector(&mut r) * 3.0;
        let y: SVector<f64, 5> = random_vector(&mut r);
        let (l, g) = SquaredError.value_and_grad(&f, &y).unwrap();
        assert_close("ℓ = Σ (f - y*)²", &[l], &[(f - y).norm_squared()], 1e-15);
        assert_close(
            "∂ℓ/∂f = 2(f - y*)",
            g.as_slice(),
            (2.0 * (f - y)).as_slice(),
            1e-15,
        );
        let n = numeric(&f, |f| SquaredError.value(f, &y).unwrap());
        assert_close(
            "squared error vs finite differences",
            g.as_slice(),
            &n,
            LOSS_TOL,
        );
    }
}

#[test]
fn squared_error_class_target_is_one_hot() {
    let mut r = rng(2);
    for c in 0..4 {
        let f: SVector<f64, 4> = random_vector(&mut r);
        let y = one_hot::<4>(c);
        let (l, g) = SquaredError.value_and_grad(&f, &c).unwrap();
        assert_close("ℓ = Σ (f - e_c)²", &[l], &[(f - y).norm_squared()], 1e-15);
        assert_close(
            "∂ℓ/∂f = 2(f - e_c)",
            g.as_slice(),
            (2.0 * (f - y)).as_slice(),
            1e-15,
        );
        let n = numeric(&f, |f| SquaredError.value(f, &c).unwrap());
        assert_close(
            "squared error (class) vs finite differences",
            g.as_slice(),
            &n,
            LOSS_TOL,
        );
    }
}

#[test]
fn cross_entropy_class_is_p_minus_one_hot() {
    let mut r = rng(3);
    for c in 0..4 {
        let f: SVector<f64, 4> = random_vector(&mut r) * 4.0;
        let p = softmax(&f);
        let (l, g) = CrossEntropy.value_and_grad(&f, &c).unwrap();
        assert_close("ℓ = -log p(y*|x)", &[l], &[-p[c].ln()], 1e-14);
        assert_close(
            "∂ℓ/∂f = p - e_y*",
            g.as_slice(),
            (p - one_hot::<4>(c)).as_slice(),
            1e-14,
        );
        let n = numeric(&f, |f| CrossEntropy.value(f, &c).unwrap());
        assert_close(
            "cross-entropy (class) vs finite differences",
            g.as_slice(),
            &n,
            LOSS_TOL,
        );
    }
}

#[test]
fn cross_entropy_probabilities_is_p_minus_q() {
    let mut r = rng(4);
    for _ in 0..10 {
        let f: SVector<f64, 4> = random_vector(&mut r) * 4.0;
        let q: SVector<f64, 4> = random_probabilities(&mut r);
        let p = softmax(&f);
        let (l, g) = CrossEntropy.value_and_grad(&f, &q).unwrap();
        let expected: f64 = -(0..4).map(|i| q[i] * p[i].ln()).sum::<f64>();
        assert_close("ℓ = -Σ q log p", &[l], &[expected], 1e-14);
        assert_close("∂ℓ/∂f = p - q", g.as_slice(), (p - q).as_slice(), 1e-14);
        let n = numeric(&f, |f| CrossEntropy.value(f, &q).unwrap());
        assert_close(
            "cross-entropy (probabilities) vs finite differences",
            g.as_slice(),
            &n,
            LOSS_TOL,
        );
    }
}

#[test]
fn hinge_is_the_lecture_indicator_formula() {
    let mut r = rng(5);
    let (mut active, mut inactive) = (0, 0);
    for k in 0..40 {
        let f: SVector<f64, 4> = random_vector(&mut r) * 2.0;
        let c = k % 4;
        let margin = |y: usize| 1.0 - (f[c] - f[y]);
        let others = || (0..4).filter(move |&y| y != c);
        if others().any(|y| margin(y).abs() < 1e-3) {
            continue; // a kink: the derivative is not defined there
        }
        // ℓ = Σ_{y≠y*} [1 - (f_{y*} - f_y)]_+
        let expected_l: f64 = others().map(|y| margin(y).max(0.0)).sum();
        // ∂ℓ/∂f_y = [f_{y*} < f_y + 1] for y ≠ y*, and minus their sum at y*.
        let mut expected_g = [0.0; 4];
        for y in others() {
            if f[c] < f[y] + 1.0 {
                expected_g[y] = 1.0;
                expected_g[c] -= 1.0;
                active += 1;
            } else {
                inactive += 1;
            }
        }
        let (l, g) = Hinge.value_and_grad(&f, &c).unwrap();
        assert_close("hinge ℓ", &[l], &[expected_l], 1e-15);
        assert_eq!(
            g.as_slice(),
            &expected_g,
            "hinge ∂ℓ/∂f at f = {f:?}, y* = {c}"
        );
        let n = numeric(&f, |f| Hinge.value(f, &c).unwrap());
        assert_close("hinge vs finite differences", g.as_slice(), &n, LOSS_TOL);
    }
    assert!(
        active > 10 && inactive > 10,
        "both branches: {active} active, {inactive} inactive"
    );
}

#[test]
fn huber_is_quadratic_inside_delta_and_linear_outside() {
    let mut r = rng(7);
    let (mut inside, mut outside) = (0, 0);
    for k in 0..40 {
        let delta = [0.5, 1.0, 2.0][k % 3];
        let f: SVector<f64, 4> = random_vector(&mut r) * 3.0;
        let y: SVector<f64, 4> = random_vector(&mut r);
        let res = f - y;
        if res.iter().any(|v| (v.abs() - delta).abs() < 1e-3) {
            continue; // the second derivative jumps at |r| = δ
        }
        // h(r) = r²/2 for |r| ≤ δ, δ(|r| - δ/2) otherwise; h'(r) = clamp(r, -δ, δ).
        let mut expected_l = 0.0;
        let mut expected_g = [0.0; 4];
        for i in 0..4 {
            let v = res[i];
            if v.abs() <= delta {
                expected_l += v * v / 2.0;
                expected_g[i] = v;
                inside += 1;
            } else {
                expected_l += delta * (v.abs() - delta / 2.0);
                expected_g[i] = delta * v.signum();
                outside += 1;
            }
        }
        let huber = Huber::new(delta);
        let (l, g) = huber.value_and_grad(&f, &y).unwrap();
        assert_close("huber ℓ", &[l], &[expected_l], 1e-15);
        assert_close("huber ∂ℓ/∂f", g.as_slice(), &expected_g, 1e-15);
        let n = numeric(&f, |f| huber.value(f, &y).unwrap());
        assert_close("huber vs finite differences", g.as_slice(), &n, LOSS_TOL);
        // A class index is the one-hot vector.
        let c = k % 4;
        let (lc, gc) = huber.value_and_grad(&f, &c).unwrap();
        let (lv, gv) = huber.value_and_grad(&f, &one_hot::<4>(c)).unwrap();
        assert_eq!((lc, gc), (lv, gv));
    }
    assert!(
        inside > 20 && outside > 20,
        "both branches: {inside} inside δ, {outside} outside"
    );
}

#[test]
fn huber_rejects_a_non_positive_delta_and_wrong_lengths() {
    let f = SVector::<f64, 2>::zeros();
    for delta in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert!(Huber::new(delta).value(&f, &1usize).is_err(), "δ = {delta}");
    }
    assert!(Huber::default().value(&f, &2usize).is_err());
    let short = [0.0];
    assert!(Huber::default()
        .eval(f.as_slice(), Target::Values(&short), None)
        .is_err());
}

#[test]
fn hinge_rejects_probability_targets() {
    let f = SVector::<f64, 3>::zeros();
    assert!(Hinge
        .value(&f, &SVector::<f64, 3>::from([0.2, 0.3, 0.5]))
        .is_err());
}

#[test]
fn batch_reductions_are_sums_and_means_of_the_samples() {
    let mut r = rng(6);
    let n = 5;
    let f: Batch<f64, 3> = random_batch(&mut r, n) * 3.0;
    let labels: Vec<usize> = (0..n).map(|_| r.random_range(0..3)).collect();
    let targets: Batch<f64, 3> = random_batch(&mut r, n);

    fn compare<'t, L: Loss<f64>>(
        what: &str,
        loss: &L,
        f: &Batch<f64, 3>,
        target: &dyn Fn(usize) -> Target<'t, f64>,
        (sum, g_sum): (f64, Batch<f64, 3>),
        (mean, g_mean): (f64, Batch<f64, 3>),
    ) {
        let n = f.ncols();
        let mut total = 0.0;
        for j in 0..n {
            let mut g = [0.0; 3];
            total += loss
                .eval(f.column(j).as_slice(), target(j), Some(&mut g))
                .unwrap();
            assert_close(
                &format!("{what}: Sum gradient column {j}"),
                g_sum.column(j).as_slice(),
                &g,
                1e-15,
            );
            let scaled: Vec<f64> = g.iter().map(|g| g / n as f64).collect();
            assert_close(
                &format!("{what}: Mean gradient column {j}"),
                g_mean.column(j).as_slice(),
                &scaled,
                1e-15,
            );
        }
        assert_close(&format!("{what}: Sum"), &[sum], &[total], 1e-15);
        assert_close(
            &format!("{what}: Mean"),
            &[mean],
            &[total / n as f64],
            1e-15,
        );
    }

    let labels = &labels[..];
    let by_label = |j: usize| Target::Class(labels[j]);
    let by_vector = |j: usize| Target::Values(&targets.as_slice()[3 * j..3 * j + 3]);
    macro_rules! both {
        ($loss:expr, $y:expr) => {
            (
                $loss.batch_value_and_grad(&f, $y, Reduction::Sum).unwrap(),
                $loss.batch_value_and_grad(&f, $y, Reduction::Mean).unwrap(),
            )
        };
    }
    let (s, m) = both!(SquaredError, &targets);
    compare(
        "squared error, vectors",
        &SquaredError,
        &f,
        &by_vector,
        s,
        m,
    );
    let (s, m) = both!(SquaredError, labels);
    compare("squared error, classes", &SquaredError, &f, &by_label, s, m);
    let (s, m) = both!(CrossEntropy, labels);
    compare("cross-entropy, classes", &CrossEntropy, &f, &by_label, s, m);
    let (s, m) = both!(Hinge, labels);
    compare("hinge", &Hinge, &f, &by_label, s, m);
    let (s, m) = both!(Huber::default(), &targets);
    compare("huber, vectors", &Huber::default(), &f, &by_vector, s, m);

    // batch_grad_into writes the same values into a reused buffer.
    let mut g = Batch::<f64, 3>::zeros(1);
    let l = CrossEntropy
        .batch_grad_into(&f, labels, Reduction::Mean, &mut g)
        .unwrap();
    let (l2, g2) = CrossEntropy
        .batch_value_and_grad(&f, labels, Reduction::Mean)
        .unwrap();
    assert_eq!((l, &g), (l2, &g2));
}

/// Cross-entropy at logits of magnitude 1e4 against exact values worked out by hand
/// (`e^{-2e4}` and `e^{-1e4}` are 0 in both float types).
fn huge_logits<T: nn_core::Scalar>(tol: f64) {
    let t = |v: f64| T::of(v);
    let close = |what: &str, got: T, want: f64| {
        let got = got.to_f64();
        assert!(got.is_finite(), "{what}: {got} is not finite ({})", T::NAME);
        let err = (got - want).abs() / want.abs().max(1.0);
        assert!(
            err <= tol,
            "{what} ({}): got {got:e}, want {want:e} (error {err:e})",
            T::NAME
        );
    };
    let mut g = [T::zero(); 3];

    // One dominant logit, the target elsewhere: ℓ = 1e4 - (-1e4) = 2e4, ∂ℓ/∂f = (1, -1, 0).
    let f = [t(1e4), t(-1e4), t(0.0)];
    let l = CrossEntropy
        .eval(&f, Target::Class(1), Some(&mut g))
        .unwrap();
    close("ℓ, target far below the maximum", l, 2e4);
    for (i, want) in [1.0, -1.0, 0.0].into_iter().enumerate() {
        close(&format!("∂ℓ/∂f_{i}"), g[i], want);
    }

    // The target is the dominant logit: ℓ = 0, ∂ℓ/∂f = 0.
    let l = CrossEntropy
        .eval(&f, Target::Class(0), Some(&mut g))
        .unwrap();
    close("ℓ, target at the maximum", l, 0.0);
    g.iter()
        .for_each(|&g| close("∂ℓ/∂f, target at the maximum", g, 0.0));

    // Two logits near 1e4 one apart: p = (s, 1 - s, 0) with s = 1/(1 + e^{-1}).
    let s = 1.0 / (1.0 + (-1.0f64).exp());
    let f = [t(1e4), t(1e4 - 1.0), t(-1e4)];
    let l = CrossEntropy
        .eval(&f, Target::Class(0), Some(&mut g))
        .unwrap();
    close("ℓ = -log s", l, -s.ln());
    close("∂ℓ/∂f_0 = s - 1", g[0], s - 1.0);
    close("∂ℓ/∂f_1 = 1 - s", g[1], 1.0 - s);
    close("∂ℓ/∂f_2 = 0", g[2], 0.0);
    let l = CrossEntropy
        .eval(&f, Target::Class(1), Some(&mut g))
        .unwrap();
    close("ℓ = -log(1 - s)", l, -(1.0 - s).ln());

    // Probability targets at the same logits: ℓ = -Σ q log p, ∂ℓ/∂f = p - q.
    let q = [t(0.25), t(0.75), t(0.0)];
    let l = CrossEntropy
        .eval(&f, Target::Values(&q), Some(&mut g))
        .unwrap();
    close(
        "ℓ = -Σ q log p",
        l,
        -(0.25 * s.ln() + 0.75 * (1.0 - s).ln()),
    );
    close("∂ℓ/∂f_0 = p_0 - q_0", g[0], s - 0.25);
    close("∂ℓ/∂f_1 = p_1 - q_1", g[1], (1.0 - s) - 0.75);

    // Negative logits of magnitude 1e4 (no overflow in e^{-f}).
    let f = [t(-1e4), t(-1e4), t(-1e4 - 1.0)];
    let l = CrossEntropy
        .eval(&f, Target::Class(2), Some(&mut g))
        .unwrap();
    let z = 2.0 + (-1.0f64).exp();
    close("ℓ at logits near -1e4", l, z.ln() + 1.0);
    close("∂ℓ/∂f_0 near -1e4", g[0], 1.0 / z);
}

#[test]
fn cross_entropy_is_finite_and_exact_for_huge_logits_f64() {
    huge_logits::<f64>(1e-14);
}

#[test]
fn cross_entropy_is_finite_and_exact_for_huge_logits_f32() {
    huge_logits::<f32>(4.0 * f32::EPSILON as f64);
}
