//! What [`Fit::run`](super::Fit::run) and [`Fit::run_graph`](super::Fit::run_graph) share
//! around their epochs: the learning-rate control (schedule and reduce-on-plateau, `η` set
//! before every step), resuming from a checkpoint, the callbacks with the optimizer's rate,
//! and saving a checkpoint at an epoch's end.
//!
//! With base rate `η₀` (the optimizer's when training starts), the rate of step `t` (earlier
//! steps of the run) in epoch `e` is `η = max(s · schedule(t or e - 1), η_min)`, `s` the
//! plateau's scale; see [`rate`](super::rate).

use super::rate::RateControl;
use super::{Callback, Control, EpochStats, Fit, TrainError};
use crate::optim::{Optimizer, RateOf};
use crate::params::Parameters;
use crate::Scalar;

/// One run's rate control, from [`Around::start`].
pub(super) struct Around {
    rate: RateControl,
    base: f64,
}

impl Around {
    /// Checks `fit`'s options against the optimizer, resumes from a checkpoint when asked,
    /// and returns the control with the first epoch to train (from 1).
    pub fn start<T, P, O>(fit: &Fit, net: &mut P, opt: &mut O) -> Result<(Self, usize), TrainError>
    where
        T: Scalar,
        P: Parameters<T> + Clone,
        O: Optimizer<T, P>,
    {
        fit.options.step.validate()?;
        let mut rate = fit.options.rate;
        rate.validate()?;
        let base = match (rate.active(), opt.learning_rate()) {
            (false, _) => 0.0,
            (true, Some(lr)) => lr,
            (true, None) => {
                return Err(TrainError::Core(crate::Error::Unsupported {
                    what: "learning-rate schedules",
                    by: "an optimizer without a learning rate (Rprop)",
                    expected: "SGD, momentum, Nesterov, Adam, Nadam or RMSprop",
                }))
            }
        };
        if let Some((_, 0)) = &fit.options.checkpoint {
            return Err(TrainError::Core(crate::Error::InvalidConfig {
                what: "checkpoint period",
                expected: "at least 1 epoch",
                found: 0.0,
            }));
        }
        let mut first = 1;
        if let Some(path) = &fit.options.resume {
            let (info, plateau) = super::checkpoint::load_with(path, net, opt, Some(fit.seed))?;
            if let Some(p) = &mut rate.plateau {
                p.set_state(plateau);
            }
            first = info.epoch + 1;
        }
        Ok((Self { rate, base }, first))
    }

    /// Sets the rate of step `step` (from 0) of epoch `epoch` (from 1), `steps` an epoch.
    pub fn before_step<T, P, O>(
        &self,
        opt: &mut O,
        epoch: usize,
        step: usize,
        steps: usize,
    ) -> Result<(), TrainError>
    where
        T: Scalar,
        P: Parameters<T> + Clone,
        O: Optimizer<T, P>,
    {
        if self.rate.active() {
            let t = ((epoch - 1) * steps + step) as u64;
            opt.set_learning_rate(self.rate.rate(self.base, t, epoch))?;
        }
        Ok(())
    }

    /// After an epoch: the plateau sees the validation loss (the training loss without
    /// validation data), the callbacks run with the optimizer's rate, and the checkpoint is
    /// saved when due. Whether a callback asked to stop.
    pub fn after_epoch<T, P, O>(
        &mut self,
        fit: &Fit,
        net: &mut P,
        opt: &mut O,
        stats: &EpochStats,
        callbacks: &mut [&mut dyn Callback<P>],
    ) -> Result<bool, TrainError>
    where
        T: Scalar,
        P: Parameters<T> + Clone,
        O: Optimizer<T, P>,
    {
        if let Some(p) = &mut self.rate.plateau {
            p.observe(stats.validation.map_or(stats.train.loss, |v| v.loss));
        }
        let mut stopped = false;
        for c in callbacks.iter_mut() {
            let mut lr = RateOf::new(opt);
            if c.on_epoch_end_with(stats, net, &mut lr) == Control::Stop {
                stopped = true;
            }
        }
        if let Some((path, every)) = &fit.options.checkpoint {
            if stats.epoch.is_multiple_of(*every) || stopped || stats.epoch == fit.epochs {
                let plateau = self.rate.plateau.map(|p| p.state());
                super::checkpoint::save_with(path, net, opt, stats.epoch, fit.seed, plateau)?;
            }
        }
        Ok(stopped)
    }
}
