//! Learning-rate schedules: the step size `η_t` of step `t = 0, 1, 2, …`.
//!
//! | [`Schedule`] | `η_t` |
//! |---|---|
//! | `Constant(η)` | `η` |
//! | `Exponential { eta0, gamma }` (exponential cooling) | `η₀ γᵗ` |
//! | `Step { eta0, gamma, every }` (step decay) | `η₀ γ^⌊t / every⌋` |
//! | `Cosine { eta0, eta_min, period }` (cosine annealing) | `η_min + (η₀ - η_min)(1 + cos(π min(t, T)/T))/2`, `T` = `period` |
//! | `Warmup { eta0, start_factor, steps }` (linear warm-up) | `η₀ (f + (1 - f) min(t, W)/W)`, `f` = `start_factor`, `W` = `steps` |
//!
//! `t` counts the steps taken before the current one, so the first step uses `η₀` (the
//! warm-up's first step `f η₀`). Cosine annealing is PyTorch's `CosineAnnealingLR` up to
//! `t = T` and stays at `η_min` after it; the warm-up is PyTorch's `LinearLR` with
//! `end_factor = 1`. [`Fit`](crate::train::Fit) can drive any of them per step or per epoch
//! for every optimizer with a learning rate, Adam and Nadam included. The
//! lecture's slide writes exponential cooling as `η = η₀ᵗ`; as a rate it must start at `η₀`
//! and shrink geometrically, which is `η₀ γᵗ` with a cooling factor `γ < 1`.
//!
//! ```
//! use nn_core::optim::Schedule;
//! let s = Schedule::exponential(0.1, 0.5);
//! assert_eq!((s.rate(0), s.rate(1), s.rate(3)), (0.1, 0.05, 0.0125));
//! let s = Schedule::step_decay(1.0, 0.1, 10);
//! assert_eq!((s.rate(9), s.rate(10), s.rate(25)), (1.0, 0.1, 0.1f64 * 0.1));
//! ```

use super::{check_range, powf};
use crate::Error;

/// A learning rate as a function of the step counter.
///
/// ```
/// use nn_core::optim::Schedule;
/// let s: Schedule = 0.01.into(); // a plain number is a constant rate
/// assert_eq!(s, Schedule::Constant(0.01));
/// assert_eq!(s.rate(1_000_000), 0.01);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Schedule {
    /// `η_t = η`.
    Constant(f64),
    /// Exponential cooling, `η_t = η₀ γᵗ`.
    Exponential {
        /// `η₀`, the first step's rate.
        eta0: f64,
        /// `γ`, the factor per step (below 1 to cool).
        gamma: f64,
    },
    /// Step decay, `η_t = η₀ γ^⌊t / every⌋`: multiply by `γ` every `every` steps.
    Step {
        /// `η₀`, the rate of the first `every` steps.
        eta0: f64,
        /// `γ`, the factor per stage.
        gamma: f64,
        /// Steps per stage (at least 1).
        every: u64,
    },
    /// Cosine annealing from `η₀` down to `η_min` over `period` steps, then `η_min`.
    Cosine {
        /// `η₀`, the first step's rate.
        eta0: f64,
        /// `η_min`, the rate from step `period` on.
        eta_min: f64,
        /// `T`, the steps from `η₀` to `η_min` (at least 1).
        period: u64,
    },
    /// Linear warm-up from `start_factor · η₀` to `η₀` over `steps` steps, then `η₀`.
    Warmup {
        /// `η₀`, the rate after the warm-up.
        eta0: f64,
        /// `f`, the first step's fraction of `η₀`, in `[0, 1]`.
        start_factor: f64,
        /// `W`, the steps of the warm-up (at least 1).
        steps: u64,
    },
}

impl Schedule {
    /// `η_t = eta`.
    ///
    /// ```
    /// assert_eq!(nn_core::optim::Schedule::constant(0.5).rate(7), 0.5);
    /// ```
    pub fn constant(eta: f64) -> Self {
        Schedule::Constant(eta)
    }

    /// Exponential cooling, `η_t = eta0 · gammaᵗ`.
    ///
    /// ```
    /// let s = nn_core::optim::Schedule::exponential(1.0, 0.9);
    /// assert!((s.rate(2) - 0.81).abs() < 1e-15);
    /// ```
    pub fn exponential(eta0: f64, gamma: f64) -> Self {
        Schedule::Exponential { eta0, gamma }
    }

    /// Step decay, `η_t = eta0 · gamma^⌊t / every⌋`.
    ///
    /// ```
    /// let s = nn_core::optim::Schedule::step_decay(0.1, 0.5, 2);
    /// assert_eq!([s.rate(0), s.rate(1), s.rate(2), s.rate(4)], [0.1, 0.1, 0.05, 0.025]);
    /// ```
    pub fn step_decay(eta0: f64, gamma: f64, every: u64) -> Self {
        Schedule::Step { eta0, gamma, every }
    }

    /// Cosine annealing, `η_t = eta_min + (eta0 - eta_min)(1 + cos(π min(t, period)/period))/2`.
    ///
    /// ```
    /// let s = nn_core::optim::Schedule::cosine(1.0, 0.0, 4);
    /// assert_eq!(s.rate(0), 1.0);
    /// assert!((s.rate(2) - 0.5).abs() < 1e-15); // half-way: the mean of the two
    /// assert_eq!((s.rate(4), s.rate(100)), (0.0, 0.0));
    /// ```
    pub fn cosine(eta0: f64, eta_min: f64, period: u64) -> Self {
        Schedule::Cosine {
            eta0,
            eta_min,
            period,
        }
    }

    /// Linear warm-up, `η_t = eta0 (start_factor + (1 - start_factor) min(t, steps)/steps)`.
    ///
    /// ```
    /// let s = nn_core::optim::Schedule::warmup(0.1, 0.0, 4);
    /// assert_eq!([s.rate(0), s.rate(2), s.rate(4), s.rate(9)], [0.0, 0.05, 0.1, 0.1]);
    /// ```
    pub fn warmup(eta0: f64, start_factor: f64, steps: u64) -> Self {
        Schedule::Warmup {
            eta0,
            start_factor,
            steps,
        }
    }

    /// `η_t`, the rate of the step taken after `t` earlier steps.
    ///
    /// ```
    /// let s = nn_core::optim::Schedule::exponential(2.0, 0.5);
    /// assert_eq!(s.rate(0), 2.0);
    /// assert_eq!(s.rate(2), 0.5);
    /// ```
    pub fn rate(&self, t: u64) -> f64 {
        match *self {
            Schedule::Constant(eta) => eta,
            Schedule::Exponential { eta0, gamma } => eta0 * powf(gamma, t as f64),
            Schedule::Step { eta0, gamma, every } => eta0 * powf(gamma, (t / every.max(1)) as f64),
            Schedule::Cosine {
                eta0,
                eta_min,
                period,
            } => {
                let q = t.min(period.max(1)) as f64 / period.max(1) as f64;
                eta_min + (eta0 - eta_min) * (1.0 + cos(core::f64::consts::PI * q)) / 2.0
            }
            Schedule::Warmup {
                eta0,
                start_factor,
                steps,
            } => {
                let q = t.min(steps.max(1)) as f64 / steps.max(1) as f64;
                eta0 * (start_factor + (1.0 - start_factor) * q)
            }
        }
    }

    /// `Ok` when the rates are finite and non-negative, `γ` is positive and finite and
    /// `every` is at least 1.
    ///
    /// ```
    /// use nn_core::optim::Schedule;
    /// assert!(Schedule::exponential(0.1, 0.99).validate().is_ok());
    /// assert!(Schedule::constant(-0.1).validate().is_err());
    /// assert!(Schedule::step_decay(0.1, 0.5, 0).validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        const ETA: &str = "a finite rate >= 0";
        const GAMMA: &str = "a finite factor > 0";
        match *self {
            Schedule::Constant(eta) => check_range("learning rate", ETA, eta, 0.0, f64::MAX, true),
            Schedule::Exponential { eta0, gamma } => {
                check_range("learning rate eta0", ETA, eta0, 0.0, f64::MAX, true)?;
                check_gamma(gamma, GAMMA)
            }
            Schedule::Step { eta0, gamma, every } => {
                check_range("learning rate eta0", ETA, eta0, 0.0, f64::MAX, true)?;
                check_gamma(gamma, GAMMA)?;
                check_period("step decay period", every)
            }
            Schedule::Cosine {
                eta0,
                eta_min,
                period,
            } => {
                check_range("learning rate eta0", ETA, eta0, 0.0, f64::MAX, true)?;
                check_range("cosine eta_min", ETA, eta_min, 0.0, f64::MAX, true)?;
                check_period("cosine period", period)
            }
            Schedule::Warmup {
                eta0,
                start_factor,
                steps,
            } => {
                check_range("learning rate eta0", ETA, eta0, 0.0, f64::MAX, true)?;
                check_range(
                    "warm-up start_factor",
                    "a value in [0, 1]",
                    start_factor,
                    0.0,
                    1.0,
                    true,
                )?;
                check_period("warm-up steps", steps)
            }
        }
    }
}

fn check_period(what: &'static str, n: u64) -> Result<(), Error> {
    check_range(what, "at least 1 step", n as f64, 1.0, f64::INFINITY, true)
}

fn cos(x: f64) -> f64 {
    nalgebra::ComplexField::cos(x)
}

fn check_gamma(gamma: f64, expected: &'static str) -> Result<(), Error> {
    if gamma > 0.0 && gamma <= f64::MAX {
        Ok(())
    } else {
        Err(Error::InvalidConfig {
            what: "learning-rate decay factor gamma",
            expected,
            found: gamma,
        })
    }
}

impl From<f64> for Schedule {
    /// A constant rate.
    fn from(eta: f64) -> Self {
        Schedule::Constant(eta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_follow_the_formulas() {
        let e = Schedule::exponential(0.3, 0.7);
        let s = Schedule::step_decay(0.3, 0.7, 3);
        for t in 0..20u64 {
            assert!((e.rate(t) - 0.3 * 0.7f64.powi(t as i32)).abs() < 1e-15);
            assert!((s.rate(t) - 0.3 * 0.7f64.powi((t / 3) as i32)).abs() < 1e-15);
            assert_eq!(Schedule::constant(0.3).rate(t), 0.3);
            let c =
                0.01 + 0.29 * (1.0 + (core::f64::consts::PI * t.min(8) as f64 / 8.0).cos()) / 2.0;
            assert!((Schedule::cosine(0.3, 0.01, 8).rate(t) - c).abs() < 1e-15);
            let w = 0.3 * (0.25 + 0.75 * t.min(5) as f64 / 5.0);
            assert!((Schedule::warmup(0.3, 0.25, 5).rate(t) - w).abs() < 1e-15);
        }
    }

    #[test]
    fn invalid_settings_are_errors() {
        assert!(Schedule::constant(f64::NAN).validate().is_err());
        assert!(Schedule::constant(f64::INFINITY).validate().is_err());
        assert!(Schedule::exponential(0.1, 0.0).validate().is_err());
        assert!(Schedule::exponential(0.1, f64::NAN).validate().is_err());
        assert!(Schedule::step_decay(0.1, 0.5, 1).validate().is_ok());
        assert!(Schedule::cosine(0.1, 0.0, 0).validate().is_err());
        assert!(Schedule::cosine(0.1, -1.0, 5).validate().is_err());
        assert!(Schedule::warmup(0.1, 1.5, 5).validate().is_err());
        assert!(Schedule::warmup(0.1, 0.5, 0).validate().is_err());
        assert!(Schedule::warmup(0.1, 0.5, 5).validate().is_ok());
    }
}
