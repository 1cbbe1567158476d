//! Weight decay: L2 or L1 regularization added to the gradient, as the lecture does it.
//!
//! "Compute the unregularized gradient as usual, then add `λ W_{l,ij}` (for L2), or
//! `λ sign W_{l,ij}` (for L1) to the gradient", for every weight:
//!
//! | [`Penalty`] | added to `∂L/∂W` | penalty with that gradient ([`WeightDecay::penalty`]) |
//! |---|---|---|
//! | `L2` (ridge) | `λ W` | `(λ/2) Σ W²` |
//! | `L1` (lasso) | `λ sign(W)` (`sign(0) = 0`) | `λ Σ \|W\|` |
//!
//! The lecture writes the ridge penalty as `λ W²` and its gradient contribution as `λ W`;
//! the two agree up to the factor 2 absorbed in `λ`. [`WeightDecay::penalty`] returns
//! `(λ/2) Σ W²` so that loss and gradient stay consistent, which a line search
//! ([`Lbfgs`](super::Lbfgs)) needs.
//!
//! Biases are not decayed by default; [`WeightDecay::including`] /
//! [`WeightDecay::excluding`] choose by [`ParamKind`]. With plain SGD, adding `λW` to the
//! gradient multiplies the weights by `1 - ηλ` each step, hence the name. (With Adam the
//! added gradient is normalized like the rest; decoupled decay, AdamW, is a different method.)
//!
//! ```
//! use nn_core::{layer::Dense, optim::WeightDecay, Parameters};
//! let mut w = Dense::<f64, 1, 1>::zeros();
//! w.weight[(0, 0)] = 2.0;
//! w.bias[0] = 3.0;
//! let mut g = Dense::<f64, 1, 1>::zeros();
//! WeightDecay::l2(0.1).apply(&mut g, &w).unwrap();
//! assert_eq!((g.weight[(0, 0)], g.bias[0]), (0.2, 0.0)); // the bias is left alone
//! ```

use super::{check_range, check_same, sign};
use crate::{Error, ParamKind, Parameters, Scalar};

/// Which regularizer.
///
/// ```
/// use nn_core::optim::{Penalty, WeightDecay};
/// assert_eq!(WeightDecay::l1(0.01).penalty, Penalty::L1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Penalty {
    /// Ridge: adds `λ W` to the gradient.
    L2,
    /// Lasso: adds `λ sign(W)` to the gradient.
    L1,
}

/// L2 or L1 weight decay of strength `λ` on chosen kinds of tensors.
///
/// ```
/// use nn_core::{optim::WeightDecay, ParamKind};
/// let d = WeightDecay::l2(1e-4);
/// assert!(d.applies_to(ParamKind::Weight) && !d.applies_to(ParamKind::Bias));
/// let d = d.including(ParamKind::Bias);
/// assert!(d.applies_to(ParamKind::Bias));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WeightDecay {
    /// `λ >= 0`.
    pub lambda: f64,
    /// L2 or L1.
    pub penalty: Penalty,
    weights: bool,
    biases: bool,
}

impl WeightDecay {
    /// L2 decay: adds `λW` to the gradient of every weight (not biases).
    ///
    /// ```
    /// assert_eq!(nn_core::optim::WeightDecay::l2(0.5).lambda, 0.5);
    /// ```
    pub fn l2(lambda: f64) -> Self {
        Self {
            lambda,
            penalty: Penalty::L2,
            weights: true,
            biases: false,
        }
    }

    /// L1 decay: adds `λ sign(W)` to the gradient of every weight (not biases).
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::WeightDecay};
    /// let mut w = Dense::<f64, 2, 1>::zeros();
    /// w.weight[(0, 0)] = -2.0; // w[(0, 1)] stays 0: sign(0) = 0
    /// let mut g = Dense::<f64, 2, 1>::zeros();
    /// WeightDecay::l1(0.1).apply(&mut g, &w).unwrap();
    /// assert_eq!((g.weight[(0, 0)], g.weight[(0, 1)]), (-0.1, 0.0));
    /// ```
    pub fn l1(lambda: f64) -> Self {
        Self {
            penalty: Penalty::L1,
            ..Self::l2(lambda)
        }
    }

    /// Also decays tensors of this kind (e.g. [`ParamKind::Bias`]).
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::WeightDecay, ParamKind};
    /// let mut w = Dense::<f64, 1, 1>::zeros();
    /// w.bias[0] = 1.0;
    /// let mut g = Dense::<f64, 1, 1>::zeros();
    /// WeightDecay::l2(0.1).including(ParamKind::Bias).apply(&mut g, &w).unwrap();
    /// assert_eq!(g.bias[0], 0.1);
    /// ```
    pub fn including(self, kind: ParamKind) -> Self {
        match kind {
            ParamKind::Weight => Self {
                weights: true,
                ..self
            },
            ParamKind::Bias => Self {
                biases: true,
                ..self
            },
            // Buffers are not trained, so they are never decayed.
            ParamKind::Buffer => self,
        }
    }

    /// Leaves tensors of this kind alone.
    ///
    /// ```
    /// use nn_core::{optim::WeightDecay, ParamKind};
    /// let d = WeightDecay::l2(0.1).including(ParamKind::Bias).excluding(ParamKind::Weight);
    /// assert!(!d.applies_to(ParamKind::Weight) && d.applies_to(ParamKind::Bias));
    /// ```
    pub fn excluding(self, kind: ParamKind) -> Self {
        match kind {
            ParamKind::Weight => Self {
                weights: false,
                ..self
            },
            ParamKind::Bias => Self {
                biases: false,
                ..self
            },
            ParamKind::Buffer => self,
        }
    }

    /// Whether tensors of this kind are decayed.
    ///
    /// ```
    /// use nn_core::{optim::WeightDecay, ParamKind};
    /// assert!(WeightDecay::l1(0.1).applies_to(ParamKind::Weight));
    /// ```
    pub fn applies_to(&self, kind: ParamKind) -> bool {
        match kind {
            ParamKind::Weight => self.weights,
            ParamKind::Bias => self.biases,
            ParamKind::Buffer => false,
        }
    }

    fn validate(&self) -> Result<(), Error> {
        check_range(
            "weight decay lambda",
            "a finite value >= 0",
            self.lambda,
            0.0,
            f64::MAX,
            true,
        )
    }

    /// Adds the decay term of `params` to `grads`: `λW` (L2) or `λ sign(W)` (L1) on every
    /// tensor whose kind [`applies_to`](Self::applies_to). Allocates nothing. Fails,
    /// changing nothing, on a negative or non-finite `λ` or tensors of different shapes.
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::WeightDecay, Parameters};
    /// let mut w = Dense::<f32, 2, 2>::zeros();
    /// w.fill(2.0);
    /// let mut g = Dense::<f32, 2, 2>::zeros();
    /// g.fill(1.0);
    /// WeightDecay::l2(0.5).apply(&mut g, &w).unwrap();
    /// assert_eq!((g.weight[(1, 1)], g.bias[1]), (2.0, 1.0));
    /// ```
    pub fn apply<T: Scalar, P: Parameters<T>>(
        &self,
        grads: &mut P,
        params: &P,
    ) -> Result<(), Error> {
        self.validate()?;
        check_same(params, grads, "gradient values")?;
        let lambda = T::of(self.lambda);
        let penalty = self.penalty;
        grads.zip_mut(params, |info, g, w| {
            if !self.applies_to(info.kind) {
                return;
            }
            for (g, &w) in g.iter_mut().zip(w) {
                *g += lambda
                    * match penalty {
                        Penalty::L2 => w,
                        Penalty::L1 => sign(w),
                    };
            }
        });
        Ok(())
    }

    /// The penalty whose gradient [`apply`](Self::apply) adds, in `f64`: `(λ/2) Σ W²` (L2)
    /// or `λ Σ |W|` (L1) over the decayed tensors. Add it to the loss when the loss value
    /// matters (line searches, reporting).
    ///
    /// ```
    /// use nn_core::{layer::Dense, optim::WeightDecay, Parameters};
    /// let mut w = Dense::<f64, 2, 1>::zeros();
    /// w.fill(-3.0);
    /// assert_eq!(WeightDecay::l2(0.1).penalty(&w), 0.05 * 18.0);
    /// assert_eq!(WeightDecay::l1(0.1).penalty(&w), 0.1 * 6.0);
    /// ```
    pub fn penalty<T: Scalar, P: Parameters<T>>(&self, params: &P) -> f64 {
        let mut sum = 0.0;
        params.visit(|info, w| {
            if self.applies_to(info.kind) {
                for &w in w {
                    let w = w.to_f64();
                    sum += match self.penalty {
                        Penalty::L2 => 0.5 * w * w,
                        Penalty::L1 => w.max(-w),
                    };
                }
            }
        });
        self.lambda * sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::testutil::{flat, grad, unflat, N, X0};

    #[test]
    fn l2_and_l1_by_hand() {
        let p = unflat(&X0);
        for (decay, bias) in [
            (WeightDecay::l2(0.3), false),
            (WeightDecay::l1(0.3).including(ParamKind::Bias), true),
        ] {
            let mut g = grad(&p);
            let before = flat(&g);
            decay.apply(&mut g, &p).unwrap();
            let after = flat(&g);
            for k in 0..N {
                let is_weight = k < 4; // tensor order: 4 weights, then 2 biases
                let add = if is_weight || bias {
                    match decay.penalty {
                        Penalty::L2 => 0.3 * X0[k],
                        Penalty::L1 => 0.3 * X0[k].signum(),
                    }
                } else {
                    0.0
                };
                assert!((after[k] - (before[k] + add)).abs() < 1e-15, "k = {k}");
            }
        }
    }

    #[test]
    fn penalty_is_consistent_with_the_gradient() {
        let p = unflat(&X0);
        for decay in [
            WeightDecay::l2(0.7),
            WeightDecay::l1(0.7).including(ParamKind::Bias),
        ] {
            let mut g = crate::optim::testutil::P::zeros();
            decay.apply(&mut g, &p).unwrap();
            let mut q = p.clone();
            let num = crate::gradcheck::numeric_gradient(&mut q, 1e-6, |q| decay.penalty(q));
            assert!(crate::gradcheck::max_relative_error(&num, &g).0 < 1e-8);
        }
    }

    #[test]
    fn invalid_lambda_is_an_error() {
        let p = unflat(&X0);
        let mut g = grad(&p);
        assert!(WeightDecay::l2(-1.0).apply(&mut g, &p).is_err());
        assert!(WeightDecay::l2(f64::NAN).apply(&mut g, &p).is_err());
    }
}
