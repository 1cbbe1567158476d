//! [`StepOptions`]: weight decay and gradient clipping around the optimizer's step, as
//! [`Fit`](super::Fit) and [`Trainer`](super::Trainer) options.
//!
//! With `g = ∂L/∂β` the mean loss gradient of the mini-batch, `η` the optimizer's learning
//! rate for this step and `λ` the decay, one step is, in this order:
//!
//! ```text
//! g ← clamp(g, -c_v, c_v)                    clip_value(c_v), element-wise
//! g ← g · min(1, c_n / ‖g‖)                  clip_norm(c_n), ‖g‖ over every trained tensor
//! g ← g + λ W                                 weight_decay(λ): L2 in the gradient
//! W ← W - η λ W                               decoupled_weight_decay(λ): AdamW-style
//! β ← optimizer step with g
//! ```
//!
//! Clipping sees the loss gradient only, before the decay term is added, as PyTorch's
//! `clip_grad_norm_` / `clip_grad_value_` before `optimizer.step()` with `weight_decay`.
//! [`weight_decay`](StepOptions::weight_decay) is the lecture's L2 regularization, the
//! gradient of `(λ/2) Σ W²` (PyTorch's `weight_decay` of SGD and `Adam`); with Adam the
//! term is normalized like the rest of the gradient. [`decoupled_weight_decay`]
//! (StepOptions::decoupled_weight_decay) shrinks the weights directly by `η λ`, outside the
//! optimizer's normalization (Loshchilov & Hutter's AdamW, PyTorch's `AdamW`); with plain SGD
//! both are the same update. Both decay weights, not biases, unless a [`WeightDecay`] says
//! otherwise ([`weight_decay_with`](StepOptions::weight_decay_with)).

use crate::optim::{clip_global_norm, Optimizer, Parts, Penalty, WeightDecay};
use crate::{Error, Parameters, Scalar};

/// Where weight decay acts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Decay {
    /// Added to the gradient before the optimizer sees it (L2 regularization).
    InGradient(WeightDecay),
    /// Applied to the weights, `W ← W - η λ W` (`W ← W - η λ sign W` for L1), before the
    /// optimizer's update (AdamW).
    Decoupled(WeightDecay),
}

/// Weight decay and gradient clipping of every step. With `g` the mean loss gradient, `η`
/// the optimizer's rate and `λ` the decay, in this order:
///
/// ```text
/// g ← clamp(g, -c_v, c_v)          clip_value(c_v)
/// g ← g · min(1, c_n / ‖g‖)        clip_norm(c_n)
/// g ← g + λW                       weight_decay(λ): L2 in the gradient
/// W ← W - ηλW                      decoupled_weight_decay(λ): AdamW
/// then the optimizer's step with g
/// ```
///
/// ```
/// use nn_core::train::StepOptions;
/// let o = StepOptions::default().weight_decay(1e-4).clip_norm(1.0);
/// assert!(o.validate().is_ok());
/// assert!(StepOptions::default().clip_value(-1.0).validate().is_err());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StepOptions {
    decay: Option<Decay>,
    clip_norm: Option<f64>,
    clip_value: Option<f64>,
}

impl StepOptions {
    /// L2 weight decay in the gradient: `g ← g + λW` on every weight (not biases).
    ///
    /// ```
    /// use nn_core::{optim::WeightDecay, train::{Decay, StepOptions}};
    /// let o = StepOptions::default().weight_decay(0.01);
    /// assert_eq!(o.decay(), Some(Decay::InGradient(WeightDecay::l2(0.01))));
    /// ```
    pub fn weight_decay(self, lambda: f64) -> Self {
        self.weight_decay_with(Decay::InGradient(WeightDecay::l2(lambda)))
    }

    /// Decoupled (AdamW-style) weight decay: `W ← W - ηλW` on every weight (not biases),
    /// before each update, `η` the optimizer's learning rate.
    ///
    /// ```
    /// use nn_core::{optim::WeightDecay, train::{Decay, StepOptions}};
    /// let o = StepOptions::default().decoupled_weight_decay(0.01);
    /// assert_eq!(o.decay(), Some(Decay::Decoupled(WeightDecay::l2(0.01))));
    /// ```
    pub fn decoupled_weight_decay(self, lambda: f64) -> Self {
        self.weight_decay_with(Decay::Decoupled(WeightDecay::l2(lambda)))
    }

    /// Any decay: L1 or L2, in the gradient or decoupled, on the kinds of tensors chosen.
    ///
    /// ```
    /// use nn_core::{optim::WeightDecay, train::{Decay, StepOptions}, ParamKind};
    /// let d = Decay::InGradient(WeightDecay::l1(1e-5).including(ParamKind::Bias));
    /// assert_eq!(StepOptions::default().weight_decay_with(d).decay(), Some(d));
    /// ```
    pub fn weight_decay_with(mut self, decay: Decay) -> Self {
        self.decay = Some(decay);
        self
    }

    /// Rescales a gradient whose global norm is above `max_norm` to that norm.
    ///
    /// ```
    /// assert_eq!(nn_core::train::StepOptions::default().clip_norm(5.0).max_norm(), Some(5.0));
    /// ```
    pub fn clip_norm(mut self, max_norm: f64) -> Self {
        self.clip_norm = Some(max_norm);
        self
    }

    /// Clamps every gradient value to `[-max, max]`.
    ///
    /// ```
    /// assert_eq!(nn_core::train::StepOptions::default().clip_value(0.5).max_value(), Some(0.5));
    /// ```
    pub fn clip_value(mut self, max: f64) -> Self {
        self.clip_value = Some(max);
        self
    }

    /// The weight decay set, if any.
    pub fn decay(&self) -> Option<Decay> {
        self.decay
    }

    /// The norm [`clip_norm`](Self::clip_norm) set, if any.
    pub fn max_norm(&self) -> Option<f64> {
        self.clip_norm
    }

    /// The bound [`clip_value`](Self::clip_value) set, if any.
    pub fn max_value(&self) -> Option<f64> {
        self.clip_value
    }

    /// Whether nothing is set (the step is the optimizer's alone).
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// `Ok` when `λ`, the norm and the bound are finite and non-negative.
    ///
    /// ```
    /// use nn_core::train::StepOptions;
    /// assert!(StepOptions::default().weight_decay(f64::NAN).validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<(), Error> {
        if let Some(Decay::InGradient(d) | Decay::Decoupled(d)) = self.decay {
            crate::optim::check_range(
                "weight decay lambda",
                "a finite value >= 0",
                d.lambda,
                0.0,
                f64::MAX,
                true,
            )?;
        }
        for (what, v) in [
            ("gradient clipping max_norm", self.clip_norm),
            ("gradient clipping max value", self.clip_value),
        ] {
            if let Some(v) = v {
                crate::optim::check_range(what, "a finite value >= 0", v, 0.0, f64::MAX, true)?;
            }
        }
        Ok(())
    }

    /// Clips `grads`, adds the decay, and steps `opt`, its update shared by `parts`
    /// (decoupled decay first shrinks `params`, kept in `saved` so that a failed step leaves
    /// them as they were).
    pub(crate) fn step<T: Scalar, P: Parameters<T> + Clone, O: Optimizer<T, P>>(
        &self,
        opt: &mut O,
        params: &mut P,
        grads: &mut P,
        saved: &mut Option<P>,
        parts: &mut dyn Parts,
    ) -> Result<(), Error> {
        if self.is_empty() {
            return opt.step_parts(params, grads, parts);
        }
        self.validate()?;
        if let Some(c) = self.clip_value {
            let (hi, lo) = (T::of(c), T::of(-c));
            grads.visit_mut(|info, g| {
                if info.kind.is_trainable() {
                    g.iter_mut().for_each(|x| *x = x.max(lo).min(hi));
                }
            });
        }
        if let Some(c) = self.clip_norm {
            clip_global_norm(grads, c)?;
        }
        match self.decay {
            None => opt.step_parts(params, grads, parts),
            Some(Decay::InGradient(d)) => {
                d.apply(grads, params)?;
                opt.step_parts(params, grads, parts)
            }
            Some(Decay::Decoupled(d)) => {
                let lr = opt.learning_rate().ok_or(Error::Unsupported {
                    what: "decoupled weight decay (it scales by the learning rate)",
                    by: "an optimizer without a learning rate",
                    expected: "`weight_decay` (in the gradient) instead",
                })?;
                match saved {
                    Some(s) => s.zip_mut(params, |_, s, p| s.copy_from_slice(p)),
                    None => *saved = Some(params.clone()),
                }
                let k = T::of(lr * d.lambda);
                params.visit_mut(|info, w| {
                    if d.applies_to(info.kind) {
                        for w in w {
                            *w -= k * match d.penalty {
                                Penalty::L2 => *w,
                                Penalty::L1 => crate::optim::sign(*w),
                            };
                        }
                    }
                });
                let r = opt.step_parts(params, grads, parts);
                if r.is_err() {
                    if let Some(s) = saved {
                        params.zip_mut(s, |_, p, s| p.copy_from_slice(s));
                    }
                }
                r
            }
        }
    }
}
