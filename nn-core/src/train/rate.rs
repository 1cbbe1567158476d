//! The learning rate [`Fit`](super::Fit) sets before each step: a [`Schedule`] indexed by
//! the step (or the epoch) and a [`ReduceOnPlateau`] factor.
//!
//! With `t` the number of earlier steps of the run ([`Fit::schedule`](super::Fit::schedule))
//! or of earlier epochs ([`Fit::epoch_schedule`](super::Fit::epoch_schedule)), `s` the
//! plateau's factor (1 until a plateau, times `factor` at each) and `η` the optimizer's own
//! rate when training starts:
//!
//! ```text
//! η_t = max(η_min, s · schedule.rate(t))     with a schedule
//! η_t = max(η_min, s · η)                    reduce-on-plateau alone
//! ```
//!
//! `η_min` is the plateau's `min_rate` (0 without one). Without either option `Fit` leaves the
//! optimizer's rate alone (callbacks may still set it).

use crate::optim::Schedule;
use crate::Error;

/// Multiplies the learning rate by `factor` once the monitored loss (the validation loss
/// when there is validation data, else the training loss) has not improved on its best by
/// more than the relative `threshold` for more than `patience` epochs; as PyTorch's
/// `ReduceLROnPlateau` in mode `min` with `threshold_mode = "rel"` and no cool-down.
///
/// ```
/// use nn_core::train::ReduceOnPlateau;
/// let mut p = ReduceOnPlateau::new(0.5, 1);
/// for loss in [1.0, 0.8, 0.8, 0.8, 0.8] {
///     p.observe(loss);
/// }
/// assert_eq!(p.scale(), 0.5); // two epochs without improvement after the best (0.8)
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReduceOnPlateau {
    /// The factor in `(0, 1)`.
    pub factor: f64,
    /// Epochs without improvement tolerated before reducing.
    pub patience: usize,
    /// The relative improvement that counts: `loss < best · (1 - threshold)`.
    pub threshold: f64,
    /// The rate is never reduced below this.
    pub min_rate: f64,
    best: f64,
    bad: usize,
    scale: f64,
}

impl ReduceOnPlateau {
    /// `factor` and `patience`, PyTorch's `threshold = 1e-4`, `min_rate = 0`.
    ///
    /// ```
    /// let p = nn_core::train::ReduceOnPlateau::new(0.1, 10);
    /// assert_eq!((p.threshold, p.min_rate, p.scale()), (1e-4, 0.0, 1.0));
    /// ```
    pub fn new(factor: f64, patience: usize) -> Self {
        Self {
            factor,
            patience,
            threshold: 1e-4,
            min_rate: 0.0,
            best: f64::INFINITY,
            bad: 0,
            scale: 1.0,
        }
    }

    /// Sets the relative threshold.
    ///
    /// ```
    /// assert_eq!(nn_core::train::ReduceOnPlateau::new(0.1, 2).with_threshold(0.0).threshold, 0.0);
    /// ```
    pub fn with_threshold(self, threshold: f64) -> Self {
        Self { threshold, ..self }
    }

    /// Sets the smallest rate.
    ///
    /// ```
    /// assert_eq!(nn_core::train::ReduceOnPlateau::new(0.1, 2).with_min_rate(1e-5).min_rate, 1e-5);
    /// ```
    pub fn with_min_rate(self, min_rate: f64) -> Self {
        Self { min_rate, ..self }
    }

    /// The factor applied so far (`factor` to the power of the reductions).
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// Records one epoch's loss; reduces the scale after too many epochs without
    /// improvement (a NaN loss counts as none).
    pub fn observe(&mut self, loss: f64) {
        if loss < self.best * (1.0 - self.threshold) {
            self.best = loss;
            self.bad = 0;
        } else {
            self.bad += 1;
        }
        if self.bad > self.patience {
            self.scale *= self.factor;
            self.bad = 0;
        }
    }

    /// The state a checkpoint keeps: the best loss, the epochs without improvement, the scale.
    pub(crate) fn state(&self) -> [f64; 3] {
        [self.best, self.bad as f64, self.scale]
    }

    pub(crate) fn set_state(&mut self, s: [f64; 3]) {
        self.best = s[0];
        self.bad = s[1] as usize;
        self.scale = s[2];
    }

    /// `Ok` for `factor` in `(0, 1)`, finite non-negative `threshold` and `min_rate`.
    ///
    /// ```
    /// assert!(nn_core::train::ReduceOnPlateau::new(1.5, 2).validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |what, expected, found| {
            Err(Error::InvalidConfig {
                what,
                expected,
                found,
            })
        };
        if !(self.factor > 0.0 && self.factor < 1.0) {
            return bad("reduce-on-plateau factor", "a value in (0, 1)", self.factor);
        }
        if !(self.threshold >= 0.0 && self.threshold < 1.0) {
            return bad(
                "reduce-on-plateau threshold",
                "a value in [0, 1)",
                self.threshold,
            );
        }
        crate::optim::check_range(
            "reduce-on-plateau min_rate",
            "a finite rate >= 0",
            self.min_rate,
            0.0,
            f64::MAX,
            true,
        )
    }
}

/// The seed of epoch `epoch`'s random numbers in a [`Fit`](super::Fit) run seeded with
/// `seed` (SplitMix64 of the two): the shuffle's `StdRng` and, through
/// [`Trainer::reseed`](super::Trainer::reseed), the dropout masks. A custom loop seeds
/// with it to repeat `Fit`'s random numbers.
///
/// ```
/// use nn_core::train::rate::epoch_seed;
/// assert_ne!(epoch_seed(0, 1), epoch_seed(0, 2));
/// assert_eq!(epoch_seed(5, 3), epoch_seed(5, 3));
/// ```
pub fn epoch_seed(seed: u64, epoch: usize) -> u64 {
    let mut z = seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Whether a schedule's `t` counts steps or epochs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Per {
    Step,
    Epoch,
}

/// The rate options of a `Fit` and, during a run, the plateau's state.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct RateControl {
    pub schedule: Option<(Schedule, Per)>,
    pub plateau: Option<ReduceOnPlateau>,
}

impl RateControl {
    /// Whether `Fit` sets the rate at all.
    pub fn active(&self) -> bool {
        self.schedule.is_some() || self.plateau.is_some()
    }

    pub fn validate(&self) -> Result<(), Error> {
        if let Some((s, _)) = &self.schedule {
            s.validate()?;
        }
        if let Some(p) = &self.plateau {
            p.validate()?;
        }
        Ok(())
    }

    /// `η_t` for the step after `steps` earlier steps of the run, in epoch `epoch` (from 1);
    /// `base` is the optimizer's rate when training started.
    pub fn rate(&self, base: f64, steps: u64, epoch: usize) -> f64 {
        let r = match self.schedule {
            Some((s, Per::Step)) => s.rate(steps),
            Some((s, Per::Epoch)) => s.rate(epoch as u64 - 1),
            None => base,
        };
        match &self.plateau {
            Some(p) => (p.scale * r).max(p.min_rate),
            None => r,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plateau_follows_pytorch_rule() {
        // PyTorch: ReduceLROnPlateau(factor=0.5, patience=2, threshold=0.1) on these losses
        // reduces after the epochs marked, worked out by hand from its rule.
        let mut p = ReduceOnPlateau::new(0.5, 2).with_threshold(0.1);
        let losses = [1.0, 0.95, 0.92, 0.91, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
        let want = [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125];
        for (l, w) in losses.iter().zip(want) {
            p.observe(*l);
            assert_eq!(p.scale(), w, "after loss {l}");
        }
    }

    #[test]
    fn rate_combines_schedule_and_plateau() {
        let mut c = RateControl {
            schedule: Some((Schedule::exponential(1.0, 0.5), Per::Step)),
            plateau: Some(ReduceOnPlateau::new(0.1, 0).with_min_rate(0.01)),
        };
        assert_eq!(c.rate(7.0, 2, 1), 0.25);
        c.plateau.as_mut().unwrap().observe(1.0);
        c.plateau.as_mut().unwrap().observe(1.0);
        assert!((c.rate(7.0, 2, 1) - 0.025).abs() < 1e-15);
        assert_eq!(c.rate(7.0, 10, 1), 0.01); // floored
        c.schedule = Some((Schedule::step_decay(1.0, 0.5, 1), Per::Epoch));
        assert!((c.rate(7.0, 1000, 2) - 0.05).abs() < 1e-15);
    }
}
