//! [`StaticBatchNorm2d`]: batch normalization at inference over `γ`, `β`, `μ̄`, `σ̄²` viewed
//! in static bytes.
//!
//! ```text
//! y[c, p] = scale_c · x[c, p] + shift_c,   scale_c = γ_c/√(σ̄²_c + ε),   shift_c = β_c - μ̄_c · scale_c
//! ```
//!
//! for each of the `C` channels and its `HW` positions (`H·W` of an image, 1 for a flat
//! vector of `C` features). Shapes: one sample is `C x HW` in and out, flat in (C, HW)
//! order; the four tensors are PyTorch's `weight`, `bias`, `running_mean` and `running_var`,
//! shape `(C,)` each, as [`save_safetensors`](crate::io::save_safetensors) writes a
//! [`BatchNorm2d`](crate::layer::BatchNorm2d). The scale and shift come from the same
//! function as the trainable layer's inference forward, so the two give the same bits. No
//! heap; the square root goes through [`Scalar`] (`libm` without `std`).
//!
//! `ε` is not in a weights file: [`new`](StaticBatchNorm2d::new) takes the trainable layer's
//! default, 1e-5 (PyTorch's too); a layer trained with another `ε` sets it with
//! [`with_eps`](StaticBatchNorm2d::with_eps), or folds the layer into its convolution first
//! ([`BatchNorm2d::fold_into`](crate::layer::BatchNorm2d::fold_into)).

use super::Infer;
use crate::layer::batch_norm2d::{inference_affine, inference_forward};
use crate::Scalar;
use nalgebra::SVector;

/// Batch normalization at inference whose tensors are `'static` (embedded) data; the const
/// parameters are [`BatchNorm2d`](crate::layer::BatchNorm2d)'s (`C` channels of `HW`
/// positions).
///
/// ```
/// use nn_core::embed::{Infer, StaticBatchNorm2d};
/// use nn_core::nalgebra::{ArrayStorage, SVector};
/// const fn v(a: [f32; 2]) -> SVector<f32, 2> {
///     SVector::from_array_storage(ArrayStorage([a]))
/// }
/// // Channel 0: γ = 2, β = 1, μ̄ = 3, σ̄² = 4; channel 1: the identity (up to ε = 1e-5).
/// static GAMMA: SVector<f32, 2> = v([2.0, 1.0]);
/// static BETA: SVector<f32, 2> = v([1.0, 0.0]);
/// static MEAN: SVector<f32, 2> = v([3.0, 0.0]);
/// static VAR: SVector<f32, 2> = v([4.0, 1.0]);
/// const BN: StaticBatchNorm2d<f32, 2, 3> = StaticBatchNorm2d::new(&GAMMA, &BETA, &MEAN, &VAR);
/// let x = SVector::<f32, 6>::from([5.0, 3.0, 1.0, 7.0, 8.0, 9.0]);
/// let mut y = SVector::<f32, 6>::zeros();
/// BN.infer(&x, &mut y);
/// let want = SVector::<f32, 6>::from([3.0, 1.0, -1.0, 7.0, 8.0, 9.0]); // 2(x - 3)/2 + 1, x
/// assert!((y - want).amax() < 1e-4);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct StaticBatchNorm2d<T: Scalar, const C: usize, const HW: usize> {
    /// `γ`, one scale per channel.
    pub weight: &'static SVector<T, C>,
    /// `β`, one shift per channel.
    pub bias: &'static SVector<T, C>,
    /// `μ̄`, the running mean.
    pub running_mean: &'static SVector<T, C>,
    /// `σ̄²`, the running variance.
    pub running_var: &'static SVector<T, C>,
    /// `ε`, added to every variance (1e-5 from [`new`](Self::new)).
    pub eps: f64,
}

impl<T: Scalar, const C: usize, const HW: usize> StaticBatchNorm2d<T, C, HW> {
    /// A layer over `γ`, `β`, `μ̄` and `σ̄²`, with `ε = 1e-5` (the trainable layer's default).
    pub const fn new(
        weight: &'static SVector<T, C>,
        bias: &'static SVector<T, C>,
        running_mean: &'static SVector<T, C>,
        running_var: &'static SVector<T, C>,
    ) -> Self {
        Self {
            weight,
            bias,
            running_mean,
            running_var,
            eps: 1e-5,
        }
    }

    /// The same layer with another `ε`, for a layer trained with it.
    ///
    /// ```
    /// use nn_core::embed::{Infer, StaticBatchNorm2d};
    /// use nn_core::nalgebra::{ArrayStorage, SVector};
    /// static ONE: SVector<f64, 1> = SVector::from_array_storage(ArrayStorage([[1.0]]));
    /// static ZERO: SVector<f64, 1> = SVector::from_array_storage(ArrayStorage([[0.0]]));
    /// let bn = StaticBatchNorm2d::<f64, 1, 1>::new(&ONE, &ZERO, &ZERO, &ONE).with_eps(3.0);
    /// let mut y = SVector::<f64, 1>::zeros();
    /// bn.infer(&SVector::from([4.0]), &mut y);
    /// assert_eq!(y[0], 2.0); // 4/√(1 + 3)
    /// ```
    pub const fn with_eps(self, eps: f64) -> Self {
        Self { eps, ..self }
    }
}

impl<T: Scalar, const C: usize, const HW: usize, const IN: usize, const OUT: usize>
    Infer<T, IN, OUT> for StaticBatchNorm2d<T, C, HW>
{
    fn infer(&self, x: &SVector<T, IN>, y: &mut SVector<T, OUT>) {
        const {
            assert!(HW > 0, "batch_norm: needs at least one position");
            assert!(
                IN == C * HW && OUT == IN,
                "batch_norm: IN and OUT must be C·HW"
            );
        };
        let eps = T::of(self.eps);
        inference_forward::<T, HW>(x.as_slice(), y.as_mut_slice(), |c| {
            inference_affine(
                self.weight[c],
                self.bias[c],
                self.running_mean[c],
                self.running_var[c],
                eps,
            )
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::{BatchNorm2d, Op};
    use alloc::boxed::Box;
    use rand::{rngs::StdRng, Rng, SeedableRng};

    fn leak<T: Scalar, const C: usize>(v: &SVector<T, C>) -> &'static SVector<T, C> {
        Box::leak(Box::new(*v))
    }

    fn same_bits<T: Scalar>(seed: u64, eps: f64) {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut bn = BatchNorm2d::<T, 5, 6>::new();
        bn.eps = eps;
        for (p, lo, hi) in [
            (&mut bn.weight, -2.0, 2.0),
            (&mut bn.bias, -1.0, 1.0),
            (&mut bn.running_mean, -1.0, 1.0),
            (&mut bn.running_var, 0.1, 3.0),
        ] {
            p.iter_mut()
                .for_each(|v| *v = T::of(rng.random_range(lo..hi)));
        }
        let s = StaticBatchNorm2d::<T, 5, 6>::new(
            leak(&bn.weight),
            leak(&bn.bias),
            leak(&bn.running_mean),
            leak(&bn.running_var),
        )
        .with_eps(eps);
        let x = SVector::<T, 30>::from_fn(|_, _| T::of(rng.random_range(-3.0..3.0)));
        let (mut y, mut ys) = (SVector::<T, 30>::zeros(), SVector::<T, 30>::zeros());
        bn.op_forward(&x, &mut y, &mut ());
        s.infer(&x, &mut ys);
        assert_eq!(y, ys);
        assert!(y != x, "the layer is not the identity");
    }

    #[test]
    fn gives_the_trainable_layers_bits() {
        same_bits::<f64>(1, 1e-5);
        same_bits::<f32>(2, 1e-5);
        same_bits::<f32>(3, 1e-3);
    }
}
