//! [`Op`] and [`BatchOp`]: the one interface generated code drives every layer kind through,
//! and the way to run a layer on its own (see [`Op`] for the formulas, shapes and an example).

use super::Layer;
use crate::Scalar;
use nalgebra::SVector;

/// One sample through a layer: forward, backward and tangent, with no heap. Every layer of
/// [`layer`](super) implements it; `network!` drives them through it, and it runs one on its own.
///
/// A layer maps `IN` values per sample to `OUT` values per sample (images in C,H,W order and
/// sequences step after step, flattened), `y = f(x; θ)`. Its backward is the
/// vector-Jacobian product of the lecture's backward chain rule,
/// `dℓ/dx = (∂y/∂x)ᵀ dℓ/dy` and `dℓ/dθ = (∂y/∂θ)ᵀ dℓ/dy`; its tangent is the
/// Jacobian-vector product of the forward chain rule, `dy = (∂y/∂x) dx` with `θ` held fixed.
///
/// Shapes: one sample is `SVector<T, IN> -> SVector<T, OUT>` and allocates nothing (whatever
/// the backward needs beyond `x` and `y` lives in a fixed-size [`Op::Cache`]); a batch is
/// [`Batch<T, IN>`](crate::Batch) `(IN x n) -> Batch<T, OUT>`, one sample per column.
///
/// Conventions: every output argument is overwritten, never accumulated into (`grad` too);
/// a layer without parameters is a zero-sized type whose `grad` argument is ignored.
///
/// ```
/// use nn_core::layer::{Dense, Op};
/// use nn_core::nalgebra::SVector;
/// let mut d = Dense::<f64, 2, 1>::zeros();
/// d.weight[(0, 0)] = 2.0;
/// d.weight[(0, 1)] = 3.0;
/// let x = SVector::from([1.0, 1.0]);
/// let (mut y, mut cache) = (SVector::zeros(), <Dense<f64, 2, 1> as Op<f64, 2, 1>>::empty_cache());
/// d.op_forward(&x, &mut y, &mut cache);
/// assert_eq!(y[0], 5.0);
/// let (mut grad, mut dx) = (Dense::zeros(), SVector::zeros());
/// d.op_backward(&x, &y, &cache, &SVector::from([1.0]), &mut grad, &mut dx);
/// assert_eq!((dx[0], dx[1], grad.weight[(0, 1)]), (2.0, 3.0, 1.0));
/// ```
pub trait Op<T: Scalar, const IN: usize, const OUT: usize>: Layer<T> {
    /// What the forward keeps for the backward beyond `x` and `y` (a max-pool's argmax, an
    /// LSTM's gates); `()` when `x` and `y` suffice. Fixed size: it lives in the trace.
    type Cache: Copy;

    /// A cache to pass to the first forward.
    fn empty_cache() -> Self::Cache;

    /// `y = f(x)`, keeping what the backward needs in `cache`.
    fn op_forward(&self, x: &SVector<T, IN>, y: &mut SVector<T, OUT>, cache: &mut Self::Cache);

    /// Given `dy = dℓ/dy`, writes `dℓ/dθ` into `grad` and `dℓ/dx` into `dx`, at the point
    /// `x`, `y`, `cache` of the forward that made them.
    #[allow(clippy::too_many_arguments)]
    fn op_backward(
        &self,
        x: &SVector<T, IN>,
        y: &SVector<T, OUT>,
        cache: &Self::Cache,
        dy: &SVector<T, OUT>,
        grad: &mut Self,
        dx: &mut SVector<T, IN>,
    );

    /// Forward mode: `dy = (∂y/∂x) dx` at the point of the forward that made `cache`.
    fn op_tangent(
        &self,
        x: &SVector<T, IN>,
        y: &SVector<T, OUT>,
        cache: &Self::Cache,
        dx: &SVector<T, IN>,
        dy: &mut SVector<T, OUT>,
    );
}

/// A batch through a layer (the training path): one sample per column.
///
/// ```
/// use nn_core::layer::{BatchOp, Dense};
/// use nn_core::Batch;
/// type D = Dense<f64, 2, 1>;
/// let mut d = D::zeros();
/// d.weight[(0, 1)] = 3.0;
/// let mut cache = <D as BatchOp<f64, 2, 1>>::empty_batch_cache();
/// let mut y = Batch::<f64, 1>::zeros(0);
/// d.op_forward_batch(&Batch::<f64, 2>::from_element(4, 1.0), &mut y, &mut cache, false);
/// assert_eq!(y, Batch::<f64, 1>::from_element(4, 3.0));
/// ```
#[cfg(feature = "alloc")]
pub trait BatchOp<T: Scalar, const IN: usize, const OUT: usize>: Op<T, IN, OUT> {
    /// What the batch forward keeps for the batch backward (batch statistics, indices).
    type BatchCache;

    /// A cache to pass to the first batch forward (buffers grow to the batch on use).
    fn empty_batch_cache() -> Self::BatchCache;

    /// `Y = f(X)` into `y` (resized to the batch if needed). `train` selects training
    /// behaviour where a layer has one (batch statistics instead of running ones).
    fn op_forward_batch(
        &self,
        x: &crate::Batch<T, IN>,
        y: &mut crate::Batch<T, OUT>,
        cache: &mut Self::BatchCache,
        train: bool,
    );

    /// Parameter gradients summed over the batch into `grad`, and, when `dx` is given, each
    /// sample's `dℓ/dx` into it (resized if needed).
    #[allow(clippy::too_many_arguments)]
    fn op_backward_batch(
        &self,
        x: &crate::Batch<T, IN>,
        y: &crate::Batch<T, OUT>,
        cache: &Self::BatchCache,
        dy: &crate::Batch<T, OUT>,
        grad: &mut Self,
        dx: Option<&mut crate::Batch<T, IN>>,
    );

    /// After a training forward: updates state that is not trained by gradients (a batch
    /// norm's running statistics) from the batch just seen. Nothing by default.
    fn op_update_state(&mut self, cache: &Self::BatchCache) {
        let _ = cache;
    }

    /// Restarts the random numbers the layer draws in training (dropout inside it, as
    /// between stacked recurrent layers) from `seed`. Nothing by default.
    fn op_seed(cache: &mut Self::BatchCache, seed: u64) {
        let _ = (cache, seed);
    }

    /// While frozen, training forward passes reuse the layer's last random draws (for
    /// gradient checks of a fixed dropout mask). Nothing by default.
    fn op_freeze(cache: &mut Self::BatchCache, frozen: bool) {
        let _ = (cache, frozen);
    }
}
