//! Custom layers: a type of your own in a `network!` declaration, written
//! `name: custom(MyLayer<T, ...>)` (`T` is the network's scalar).
//!
//! The type implements [`Layer`] (its parameter count, `zeros` and `init`),
//! [`Parameters`] (its tensors, which optimizers, `io` and gradient checks visit), `Debug`,
//! and [`CustomLayer`]: its sizes `INPUTS` and `OUTPUTS` and one sample's map
//! `y = f(x; θ)` over slices, `x` of `INPUTS` values and `y` of `OUTPUTS`, with its
//! backward, the vector-Jacobian products of the lecture's backward chain rule
//! `dℓ/dx = (∂y/∂x)ᵀ dℓ/dy` and `dℓ/dθ = (∂y/∂θ)ᵀ dℓ/dy`.
//!
//! The network holds it as a [`Custom`] field, which drives it through [`Op`] and
//! [`BatchOp`](super::BatchOp): a batch is computed sample by sample (gradients summed over
//! the batch), and the forward-mode tangent, unless the layer gives one, from `OUTPUTS`
//! backward passes. The macro checks `INPUTS` against what the layer reads (the compiler
//! reports a mismatch, naming the layer); one sample allocates nothing.
//!
//! ```
//! use nn_core::layer::{CustomLayer, Layer};
//! use nn_core::{init::Init, network, ParamInfo, ParamKind, Parameters, Scalar, Shape};
//! use nn_core::nalgebra::SVector;
//!
//! /// `y_i = s_i · x_i`: a learned scale per value.
//! #[derive(Clone, Debug)]
//! pub struct Scale<T: Scalar, const N: usize> {
//!     pub s: SVector<T, N>,
//! }
//!
//! impl<T: Scalar, const N: usize> Layer<T> for Scale<T, N> {
//!     const KIND: &'static str = "scale";
//!     const TENSORS: usize = 1;
//!     const PARAMETERS: usize = N;
//!     fn zeros() -> Self {
//!         Scale { s: SVector::zeros() }
//!     }
//!     fn init<R: rand::Rng + ?Sized>(&mut self, _: Init, _: &mut R) {
//!         self.s.fill(T::one());
//!     }
//! }
//!
//! impl<T: Scalar, const N: usize> Parameters<T> for Scale<T, N> {
//!     fn tensor_count(&self) -> usize {
//!         1
//!     }
//!     fn tensor_info(&self, i: usize) -> Option<ParamInfo> {
//!         (i == 0).then(|| ParamInfo {
//!             layer: "",
//!             name: "scale",
//!             shape: Shape::new(&[N]),
//!             kind: ParamKind::Weight,
//!         })
//!     }
//!     fn tensor(&self, i: usize) -> Option<&[T]> {
//!         (i == 0).then(|| self.s.as_slice())
//!     }
//!     fn tensor_mut(&mut self, i: usize) -> Option<&mut [T]> {
//!         (i == 0).then(|| self.s.as_mut_slice())
//!     }
//! }
//!
//! impl<T: Scalar, const N: usize> CustomLayer<T> for Scale<T, N> {
//!     const INPUTS: usize = N;
//!     const OUTPUTS: usize = N;
//!     type Cache = ();
//!     fn empty_cache() {}
//!     fn forward(&self, x: &[T], y: &mut [T], _: &mut ()) {
//!         for i in 0..N {
//!             y[i] = self.s[i] * x[i];
//!         }
//!     }
//!     fn backward(&self, x: &[T], _: &[T], _: &(), dy: &[T], grad: &mut Self, dx: &mut [T]) {
//!         for i in 0..N {
//!             grad.s[i] = dy[i] * x[i];
//!             dx[i] = dy[i] * self.s[i];
//!         }
//!     }
//! }
//!
//! network! {
//!     struct Net { input: 3, scale: custom(Scale<T, 3>), out: dense(2) }
//! }
//!
//! let mut net: Net<f64> = Net::zeros();
//! net.scale.0.s = SVector::from([1.0, 2.0, 3.0]);
//! net.out.weight.fill(1.0);
//! let y = net.forward(&SVector::from([1.0, 1.0, 1.0]));
//! assert_eq!(y, SVector::from([6.0, 6.0]));
//! ```

use super::{Layer, Op};
use crate::{init::Init, ParamInfo, Parameters, Scalar};
use nalgebra::SVector;

/// A layer of your own, for `custom(Type)` in a `network!`: its sizes and one sample's
/// forward and backward over slices (see the [module](self) for an example).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a custom layer",
    label = "used in `custom(...)` here",
    note = "a type in `custom(Type)` implements `nn_core::layer::CustomLayer<T>` (and `Layer<T>`, `Parameters<T>`, `Debug`) for every scalar `T`"
)]
pub trait CustomLayer<T: Scalar>: Layer<T> + core::fmt::Debug {
    /// Values per sample in.
    const INPUTS: usize;
    /// Values per sample out.
    const OUTPUTS: usize;
    /// What the forward keeps for the backward beyond `x` and `y`; `()` when they suffice.
    type Cache: Copy;

    /// A cache to pass to the first forward.
    fn empty_cache() -> Self::Cache;

    /// `y = f(x)` (`x` holds `INPUTS` values, `y` `OUTPUTS`), keeping what the backward
    /// needs in `cache`.
    fn forward(&self, x: &[T], y: &mut [T], cache: &mut Self::Cache);

    /// Given `dy = dℓ/dy`, writes (overwrites) `dℓ/dθ` into `grad` and `dℓ/dx` into `dx`,
    /// at the point `x`, `y`, `cache` of the forward that made them.
    fn backward(
        &self,
        x: &[T],
        y: &[T],
        cache: &Self::Cache,
        dy: &[T],
        grad: &mut Self,
        dx: &mut [T],
    );

    /// Forward mode, `dy = (∂y/∂x) dx`: returns `false` when the layer does not provide it
    /// (the default), and the network then computes it from `OUTPUTS` backward passes.
    fn tangent(&self, x: &[T], y: &[T], cache: &Self::Cache, dx: &[T], dy: &mut [T]) -> bool {
        let _ = (x, y, cache, dx, dy);
        false
    }
}

/// The field a `custom(L)` layer is in a network: `L` driven through [`Op`] and
/// [`BatchOp`](super::BatchOp). The layer itself is `.0`.
#[derive(Clone, Debug)]
pub struct Custom<L>(pub L);

impl<T: Scalar, L: CustomLayer<T>> Layer<T> for Custom<L> {
    const KIND: &'static str = L::KIND;
    const TENSORS: usize = L::TENSORS;
    const PARAMETERS: usize = L::PARAMETERS;
    fn zeros() -> Self {
        Custom(L::zeros())
    }
    fn init<R: rand::Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
        self.0.init(init, rng);
    }
}

impl<T: Scalar, L: CustomLayer<T>> Parameters<T> for Custom<L> {
    fn tensor_count(&self) -> usize {
        self.0.tensor_count()
    }
    fn tensor_info(&self, i: usize) -> Option<ParamInfo> {
        self.0.tensor_info(i)
    }
    fn tensor(&self, i: usize) -> Option<&[T]> {
        self.0.tensor(i)
    }
    fn tensor_mut(&mut self, i: usize) -> Option<&mut [T]> {
        self.0.tensor_mut(i)
    }
}

/// `IN` and `OUT` are `L::INPUTS` and `L::OUTPUTS`: `network!` checks the first and
/// derives the second.
impl<T: Scalar, L: CustomLayer<T>, const IN: usize, const OUT: usize> Op<T, IN, OUT> for Custom<L> {
    type Cache = L::Cache;

    fn empty_cache() -> L::Cache {
        L::empty_cache()
    }

    fn op_forward(&self, x: &SVector<T, IN>, y: &mut SVector<T, OUT>, cache: &mut L::Cache) {
        self.0.forward(x.as_slice(), y.as_mut_slice(), cache);
    }

    fn op_backward(
        &self,
        x: &SVector<T, IN>,
        y: &SVector<T, OUT>,
        cache: &L::Cache,
        dy: &SVector<T, OUT>,
        grad: &mut Self,
        dx: &mut SVector<T, IN>,
    ) {
        let (x, y) = (x.as_slice(), y.as_slice());
        self.0
            .backward(x, y, cache, dy.as_slice(), &mut grad.0, dx.as_mut_slice());
    }

    fn op_tangent(
        &self,
        x: &SVector<T, IN>,
        y: &SVector<T, OUT>,
        cache: &L::Cache,
        dx: &SVector<T, IN>,
        dy: &mut SVector<T, OUT>,
    ) {
        let (xs, ys) = (x.as_slice(), y.as_slice());
        if self
            .0
            .tangent(xs, ys, cache, dx.as_slice(), dy.as_mut_slice())
        {
            return;
        }
        // Row k of ∂y/∂x is the backward of the unit vector e_k: dy_k = (J^T e_k) · dx.
        let (mut e, mut row, mut grad) = (
            SVector::<T, OUT>::zeros(),
            SVector::<T, IN>::zeros(),
            L::zeros(),
        );
        for k in 0..OUT {
            e[k] = T::one();
            self.0
                .backward(xs, ys, cache, e.as_slice(), &mut grad, row.as_mut_slice());
            dy[k] = row.dot(dx);
            e[k] = T::zero();
        }
    }
}

#[cfg(feature = "alloc")]
impl<T: Scalar, L: CustomLayer<T>, const IN: usize, const OUT: usize> super::BatchOp<T, IN, OUT>
    for Custom<L>
{
    /// Each sample's cache.
    type BatchCache = alloc::vec::Vec<L::Cache>;

    fn empty_batch_cache() -> Self::BatchCache {
        alloc::vec::Vec::new()
    }

    fn op_forward_batch(
        &self,
        x: &crate::Batch<T, IN>,
        y: &mut crate::Batch<T, OUT>,
        cache: &mut Self::BatchCache,
        _: bool,
    ) {
        crate::__private::resize(y, x.ncols());
        cache.clear();
        cache.resize(x.ncols(), L::empty_cache());
        let ys = y.as_mut_slice().chunks_exact_mut(OUT.max(1));
        for ((x, y), c) in x.as_slice().chunks_exact(IN.max(1)).zip(ys).zip(cache) {
            self.0.forward(x, y, c);
        }
    }

    fn op_backward_batch(
        &self,
        x: &crate::Batch<T, IN>,
        y: &crate::Batch<T, OUT>,
        cache: &Self::BatchCache,
        dy: &crate::Batch<T, OUT>,
        grad: &mut Self,
        mut dx: Option<&mut crate::Batch<T, IN>>,
    ) {
        let n = x.ncols();
        grad.visit_mut(|_, g| g.fill(T::zero()));
        let mut one = L::zeros();
        let mut scratch = SVector::<T, IN>::zeros();
        if let Some(dx) = dx.as_deref_mut() {
            crate::__private::resize(dx, n);
        }
        for (j, c) in cache.iter().enumerate().take(n) {
            let (xj, yj, dyj) = (
                &x.as_slice()[j * IN..(j + 1) * IN],
                &y.as_slice()[j * OUT..(j + 1) * OUT],
                &dy.as_slice()[j * OUT..(j + 1) * OUT],
            );
            let dxj = match dx.as_deref_mut() {
                Some(dx) => &mut dx.as_mut_slice()[j * IN..(j + 1) * IN],
                None => scratch.as_mut_slice(),
            };
            self.0.backward(xj, yj, c, dyj, &mut one, dxj);
            for t in 0..one.tensor_count() {
                if let (Some(src), Some(dst)) = (one.tensor(t), grad.0.tensor_mut(t)) {
                    for (d, s) in dst.iter_mut().zip(src) {
                        *d += *s;
                    }
                }
            }
        }
    }
}
