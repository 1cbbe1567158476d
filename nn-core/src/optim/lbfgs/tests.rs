//! The Armijo L-BFGS against an independent reference written out on plain arrays, and its
//! behaviour on bad directions, changed parameters, minima and a small network.

use super::*;
use crate::optim::testutil::{assert_close, flat, grad_ref, loss_grad, loss_ref, unflat, N, P, X0};
use alloc::collections::VecDeque;

fn dot(a: &[f64; N], b: &[f64; N]) -> f64 {
    (0..N).map(|k| a[k] * b[k]).sum()
}

/// L-BFGS with backtracking Armijo, written out on plain arrays from the spec.
struct Reference {
    x: [f64; N],
    f: f64,
    g: [f64; N],
    hist: VecDeque<([f64; N], [f64; N])>, // (s, y), oldest first
}

impl Reference {
    fn new() -> Self {
        Self {
            x: X0,
            f: loss_ref(&X0),
            g: grad_ref(&X0),
            hist: VecDeque::new(),
        }
    }

    fn direction(&self) -> [f64; N] {
        let mut q = self.g;
        let mut a = [0.0; 10];
        for (j, (s, y)) in self.hist.iter().enumerate().rev() {
            a[j] = dot(s, &q) / dot(s, y);
            for k in 0..N {
                q[k] -= a[j] * y[k];
            }
        }
        let (s, y) = self.hist.back().unwrap();
        let gamma = dot(s, y) / dot(y, y);
        for qk in &mut q {
            *qk *= gamma;
        }
        for (j, (s, y)) in self.hist.iter().enumerate() {
            let b = dot(y, &q) / dot(s, y);
            for k in 0..N {
                q[k] += (a[j] - b) * s[k];
            }
        }
        q.map(|r| -r)
    }

    fn step(&mut self) {
        let l1: f64 = self.g.iter().map(|g| g.abs()).sum();
        let (mut d, mut t) = (self.g.map(|g| -g), f64::min(1.0, 1.0 / l1));
        if !self.hist.is_empty() {
            let qn = self.direction();
            if dot(&self.g, &qn) < 0.0 {
                d = qn;
                t = 1.0;
            } else {
                self.hist.clear();
            }
        }
        let gd = dot(&self.g, &d);
        loop {
            let mut xn = self.x;
            for k in 0..N {
                xn[k] += t * d[k];
            }
            let fnew = loss_ref(&xn);
            if fnew <= self.f + 1e-4 * t * gd {
                let gn = grad_ref(&xn);
                let mut s = [0.0; N];
                let mut y = [0.0; N];
                for k in 0..N {
                    s[k] = xn[k] - self.x[k];
                    y[k] = gn[k] - self.g[k];
                }
                if dot(&s, &y) > f64::EPSILON * dot(&y, &y) {
                    if self.hist.len() == 3 {
                        self.hist.pop_front();
                    }
                    self.hist.push_back((s, y));
                }
                (self.x, self.f, self.g) = (xn, fnew, gn);
                return;
            }
            t *= 0.5;
        }
    }
}

#[test]
fn five_steps_match_the_reference() {
    let mut p = unflat(&X0);
    let mut lbfgs = Lbfgs::with_memory(&p, 3).unwrap();
    let mut r = Reference::new();
    for _ in 0..5 {
        let f = lbfgs.minimize_step(&mut p, loss_grad).unwrap();
        r.step();
        assert_close(&flat(&p), &r.x, "lbfgs iterate");
        assert!((f - r.f).abs() <= 1e-10 * r.f.abs());
    }
    assert_eq!(lbfgs.steps(), 5);
    assert_eq!(lbfgs.len, 3); // the memory filled and wrapped around
}

#[test]
fn converges_on_the_test_problem() {
    let mut p = unflat(&X0);
    let mut lbfgs = Lbfgs::new(&p);
    let mut last = f64::INFINITY;
    for _ in 0..60 {
        let f = lbfgs.minimize_step(&mut p, loss_grad).unwrap();
        assert!(f <= last);
        last = f;
    }
    // The Armijo test compares losses, so it stops where a step's decrease, about
    // ‖g‖²/(2λ), drops below the loss's rounding (|L| ≈ 6.8, ulp ≈ 9e-16, λ from 0.7
    // to 6.5): at ‖g‖ between 4e-8 and 1e-7; it gets to 1.6e-8 here.
    let g = grad_ref(&flat(&p));
    assert!(dot(&g, &g).sqrt() < 1e-7);
}

#[test]
fn falls_back_to_steepest_descent_on_a_bad_direction() {
    let mut p = unflat(&X0);
    let mut lbfgs = Lbfgs::with_memory(&p, 3).unwrap();
    lbfgs.minimize_step(&mut p, loss_grad).unwrap();
    lbfgs.minimize_step(&mut p, loss_grad).unwrap();
    // Corrupt the history so that H is negative definite: the direction ascends.
    for r in &mut lbfgs.rho {
        *r = -r.abs();
    }
    assert!(lbfgs.len > 0);
    let before = lbfgs.loss;
    let f = lbfgs.minimize_step(&mut p, loss_grad).unwrap();
    assert!(f < before);
    assert!(lbfgs.len <= 1); // the history was dropped
}

#[test]
fn recomputes_after_the_parameters_change() {
    let mut p = unflat(&X0);
    let mut lbfgs = Lbfgs::new(&p);
    lbfgs.minimize_step(&mut p, loss_grad).unwrap();
    p.bias[1] += 1.0;
    let at = loss_ref(&flat(&p));
    let f = lbfgs.minimize_step(&mut p, loss_grad).unwrap();
    assert!(f < at);
}

#[test]
fn stays_put_at_a_minimum() {
    let mut p = P::zeros();
    let mut lbfgs = Lbfgs::new(&p);
    let f = lbfgs
        .minimize_step(&mut p, |p, g| {
            g.fill(0.0);
            let _ = p;
            1.0
        })
        .unwrap();
    assert_eq!((f, lbfgs.steps(), flat(&p)), (1.0, 0, [0.0; N]));
}

#[test]
fn reduces_a_full_batch_loss_monotonically() {
    use crate::optim::testutil::{tiny, tiny_loss, Tiny};
    let mut net = tiny();
    let mut lbfgs = Lbfgs::new(&net);
    let start = tiny_loss(&net, &mut Tiny::zeros());
    let mut last = start;
    for _ in 0..150 {
        let f = lbfgs.minimize_step(&mut net, tiny_loss).unwrap();
        assert!(f <= last, "loss rose from {last} to {f}");
        // and the returned loss is the loss at the new parameters
        assert_eq!(f, tiny_loss(&net, &mut Tiny::zeros()));
        last = f;
    }
    assert!(last < 1e-4 * start, "{start} -> {last}");
    assert!(lbfgs.steps() >= 100);
}

/// Every value of the state that a step may change, as bits: the history, the current
/// point with its loss and gradient, the counters (not the scratch buffers, nor the
/// evaluation count).
fn state_bits(l: &Lbfgs<P>) -> alloc::vec::Vec<u64> {
    let mut out = alloc::vec::Vec::new();
    for p in l.s.iter().chain(&l.y).chain([&l.x, &l.g]) {
        out.extend(flat(p).map(f64::to_bits));
    }
    out.extend(l.rho.iter().map(|r| r.to_bits()));
    out.extend([
        l.loss.to_bits(),
        l.len as u64,
        l.head as u64,
        l.t,
        l.cached as u64,
    ]);
    out
}

/// Defect: a non-finite loss or gradient at the starting point overwrote the cached
/// gradient and dropped the cache, so the failed step changed the optimizer's state.
#[test]
fn a_failed_step_changes_nothing_bit_for_bit() {
    for bad in ["loss", "gradient"] {
        let mut p = unflat(&X0);
        let mut lbfgs = Lbfgs::new(&p);
        for _ in 0..4 {
            lbfgs.minimize_step(&mut p, loss_grad).unwrap();
        }
        // Moved by hand, so the next step evaluates its starting point.
        p.bias[1] += 0.5;
        let (params, state) = (flat(&p).map(f64::to_bits), state_bits(&lbfgs));
        let err = lbfgs
            .minimize_step(&mut p, |p, g| {
                let l = loss_grad(p, g);
                if bad == "loss" {
                    f64::NAN
                } else {
                    g.bias[0] = f64::INFINITY;
                    l
                }
            })
            .unwrap_err();
        assert!(matches!(err, Error::NotFinite { .. }), "{bad}: {err:?}");
        assert_eq!(flat(&p).map(f64::to_bits), params, "{bad}: parameters");
        assert!(state_bits(&lbfgs) == state, "{bad}: state changed");
        // and it goes on from there
        assert!(lbfgs.minimize_step(&mut p, loss_grad).is_ok());
    }
}
