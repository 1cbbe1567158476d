//! Activation functions `x = σ(z)` and their derivatives.
//!
//! The lecture's forward propagation applies a non-linearity element-wise after each linear
//! map: `z_l = W_l x_{l-1} + b_l`, `x_l = σ(z_l)`. Backpropagation multiplies by its
//! derivative: `δ_l = [δ_{l+1} W_{l+1}] ∘ σ'(z_l)`.
//!
//! Every activation works on column-major blocks of `rows x samples` values, so one
//! implementation serves a single sample (`SVector`) and a batch (one column per sample).
//! Element-wise ones are written as the tiny [`Elementwise`] trait (`f` and `df`), from which
//! their [`Activation`] follows; [`Softmax`] works on whole columns.
//!
//! | name | σ(z) | σ'(z) |
//! |---|---|---|
//! | [`Identity`] | z | 1 |
//! | [`Relu`] | max(0, z) | `[z > 0]` (0 at z = 0, as PyTorch) |
//! | [`LeakyRelu`] | max(αz, z), α = 0.01 by default | 1 for z > 0, α for z ≤ 0 (α at z = 0, as PyTorch) |
//! | [`Sigmoid`] | 1 / (1 + e^{-z}) | σ(z)(1 - σ(z)) |
//! | [`Tanh`] | tanh z | 1 - tanh² z |
//! | [`Softmax`] | e^{z_i} / Σ_j e^{z_j} (per column) | diag(p) - p pᵀ |
//!
//! [`log_softmax`] (and [`log_softmax_in_place`]) give `z_i - ln Σ_j e^{z_j}` per column,
//! PyTorch's `log_softmax`, finite for logits of any magnitude.
//!
//! ```
//! use nn_core::activation::{Activation, Relu, Sigmoid};
//! let z = [-1.0f64, 2.0];
//! let mut x = [0.0; 2];
//! Relu.forward(2, &z, &mut x);
//! assert_eq!(x, [0.0, 2.0]);
//! let mut delta = [1.0, 1.0]; // dℓ/dx
//! Relu.backward(2, &z, &x, &mut delta); // now dℓ/dz
//! assert_eq!(delta, [0.0, 1.0]);
//! Sigmoid.forward(2, &z, &mut x);
//! assert!((x[0] - 0.2689414213699951).abs() < 1e-12);
//! ```

mod identity;
mod leaky_relu;
mod relu;
mod sigmoid;
pub(crate) mod softmax;
mod tanh;

pub use identity::Identity;
pub use leaky_relu::LeakyRelu;
pub use relu::Relu;
pub use sigmoid::Sigmoid;
pub use softmax::{log_softmax, log_softmax_in_place, softmax_in_place, Softmax};
pub use tanh::Tanh;

use crate::Scalar;

/// A non-linearity applied to column-major blocks of `rows x samples` values.
pub trait Activation<T: Scalar>: Copy + core::fmt::Debug {
    /// The name used in `network!` declarations.
    const NAME: &'static str;

    /// `x = σ(z)`; `z` and `x` hold whole columns of `rows` values.
    fn forward(&self, rows: usize, z: &[T], x: &mut [T]);

    /// Turns `delta` from `dℓ/dx` into `dℓ/dz`, given `z` and `x = σ(z)`.
    fn backward(&self, rows: usize, z: &[T], x: &[T], delta: &mut [T]);

    /// `v = σ(v)` in place (inference, where `z` need not be kept).
    fn forward_in_place(&self, rows: usize, v: &mut [T]);

    /// `x = σ(z)` for one sample.
    ///
    /// ```
    /// use nn_core::{activation::{Activation, Relu}, nalgebra::SVector};
    /// assert_eq!(Relu.apply(&SVector::<f32, 2>::new(-1.0, 1.0)), SVector::<f32, 2>::new(0.0, 1.0));
    /// ```
    #[inline]
    fn apply<const R: usize>(&self, z: &nalgebra::SVector<T, R>) -> nalgebra::SVector<T, R> {
        let mut x = *z;
        self.forward_in_place(R, x.as_mut_slice());
        x
    }

    /// `δ ← σ'(z) ∘ δ` (or the softmax Jacobian product) for one sample.
    #[inline]
    fn backprop<const R: usize>(
        &self,
        z: &nalgebra::SVector<T, R>,
        x: &nalgebra::SVector<T, R>,
        delta: &mut nalgebra::SVector<T, R>,
    ) {
        self.backward(R, z.as_slice(), x.as_slice(), delta.as_mut_slice());
    }

    /// `X = σ(Z)` for a batch, into `x` (resized to `z`'s shape if needed).
    #[cfg(feature = "alloc")]
    fn apply_batch_into<const R: usize>(&self, z: &crate::Batch<T, R>, x: &mut crate::Batch<T, R>) {
        crate::__private::resize(x, z.ncols());
        self.forward(R, z.as_slice(), x.as_mut_slice());
    }

    /// `Δ ← σ'(Z) ∘ Δ` for a batch.
    #[cfg(feature = "alloc")]
    fn backprop_batch<const R: usize>(
        &self,
        z: &crate::Batch<T, R>,
        x: &crate::Batch<T, R>,
        delta: &mut crate::Batch<T, R>,
    ) {
        self.backward(R, z.as_slice(), x.as_slice(), delta.as_mut_slice());
    }

    /// Forward mode: turns a tangent `dz` into `dx = (∂x/∂z) dz`, in place. For element-wise
    /// activations (a diagonal Jacobian) this is the same product as `backward`.
    fn tangent(&self, rows: usize, z: &[T], x: &[T], dz: &mut [T]) {
        self.backward(rows, z, x, dz)
    }
}

/// An element-wise activation: a scalar function and its derivative.
///
/// ```
/// use nn_core::activation::{Elementwise, Tanh};
/// let z = 0.5f64;
/// let x = Tanh.f(z);
/// assert!((Tanh.df(z, x) - (1.0 - x * x)).abs() < 1e-15);
/// ```
pub trait Elementwise<T: Scalar>: Copy + core::fmt::Debug {
    /// The name used in `network!` declarations.
    const NAME: &'static str;
    /// σ(z).
    fn f(&self, z: T) -> T;
    /// σ'(z), given `z` and `x = σ(z)` (whichever is cheaper).
    fn df(&self, z: T, x: T) -> T;
}

/// Implements [`Activation`] for element-wise activations through their `f` and `df`.
macro_rules! elementwise_activation {
    ($($ty:ty),*) => {$(
        impl<T: Scalar> Activation<T> for $ty {
            const NAME: &'static str = <$ty as Elementwise<T>>::NAME;

            #[inline]
            fn forward(&self, _rows: usize, z: &[T], x: &mut [T]) {
                for (x, &z) in x.iter_mut().zip(z) {
                    *x = self.f(z);
                }
            }

            #[inline]
            fn forward_in_place(&self, _rows: usize, v: &mut [T]) {
                for v in v.iter_mut() {
                    *v = self.f(*v);
                }
            }

            #[inline]
            fn backward(&self, _rows: usize, z: &[T], x: &[T], delta: &mut [T]) {
                for ((d, &z), &x) in delta.iter_mut().zip(z).zip(x) {
                    *d *= self.df(z, x);
                }
            }
        }
    )*};
}

elementwise_activation!(Identity, Relu, LeakyRelu, Sigmoid, Tanh);
