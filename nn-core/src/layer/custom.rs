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
//! [`BatchOp`](super::BatchOp): a batch goes through the layer's own
//! [`CustomLayer::forward_batch`] and [`CustomLayer::backward_batch`] when it writes them
//! (the whole batch at once), else sample by sample (gradients summed over the batch); the
//! forward-mode tangent, unless the layer gives one, comes from `OUTPUTS` backward passes.
//! The macro checks `INPUTS` against what the layer reads (the compiler reports a mismatch,
//! naming the layer); one sample allocates nothing.
//!
//! Embedded from a weights file (`#[weights]`), the layer is a
//! [`StaticCustom`](crate::embed::StaticCustom) viewing its tensors in static data: the type
//! describes them at compile time in [`CustomLayer::TENSOR_INFO`] (the file is checked
//! against it while compiling) and runs one sample with [`CustomLayer::forward_embedded`].
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
//!         <Self as CustomLayer<T>>::TENSOR_INFO.get(i).copied()
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
//!     // Its tensor as a weights file holds it (`scale.scale`, shape (N,)).
//!     const TENSOR_INFO: &'static [ParamInfo] = &[ParamInfo {
//!         layer: "",
//!         name: "scale",
//!         shape: Shape::new(&[N]),
//!         kind: ParamKind::Weight,
//!     }];
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

    /// A batch forward, `Y = f(X)` for `n` samples at once (`x` holds `n · INPUTS` values,
    /// sample after sample, `y` `n · OUTPUTS`, `cache` one cache per sample): returns `false`
    /// when the layer does not provide it (the default), and the network then runs
    /// [`CustomLayer::forward`] on each sample. A layer writes one to compute the batch as a
    /// whole (one matrix product, one pass over the values).
    fn forward_batch(&self, x: &[T], y: &mut [T], cache: &mut [Self::Cache]) -> bool {
        let _ = (x, y, cache);
        false
    }

    /// The batch backward of [`CustomLayer::forward_batch`]: given `dy` (`n · OUTPUTS`
    /// values), writes (overwrites) `dℓ/dθ` summed over the batch into `grad` and, when `dx`
    /// is given, each sample's `dℓ/dx` into it (`n · INPUTS` values). Returns `false` when the
    /// layer does not provide it (the default), and the network then runs
    /// [`CustomLayer::backward`] on each sample and sums the gradients.
    #[allow(clippy::too_many_arguments)]
    fn backward_batch(
        &self,
        x: &[T],
        y: &[T],
        cache: &[Self::Cache],
        dy: &[T],
        grad: &mut Self,
        dx: Option<&mut [T]>,
    ) -> bool {
        let _ = (x, y, cache, dy, grad, dx);
        false
    }

    /// The layer's tensors as a weights file holds them, known at compile time: in the order
    /// of [`Parameters::tensor`], each with its name under the layer's (`weight` for
    /// `scale.weight`) and its shape, outermost first; the dtype is the network's scalar
    /// (`F32` or `F64`). A network embedded from a weights file (`#[weights]`) checks the
    /// file's tensors under the layer against it while compiling (an error names the tensor
    /// when they disagree). Empty by default: a layer with parameters lists them to be
    /// embedded, and may return them from [`Parameters::tensor_info`] too, so the two agree.
    const TENSOR_INFO: &'static [ParamInfo] = &[];

    /// The forward of the layer embedded from a weights file, with no heap: `tensors` are
    /// views of the file's tensors in [`CustomLayer::TENSOR_INFO`]'s order (each of the
    /// shape it describes, checked while compiling). By default copies them into a
    /// [`Layer::zeros`] on the stack and runs [`CustomLayer::forward`]; a layer with large
    /// tensors computes from the views instead.
    fn forward_embedded(tensors: &[&[T]], x: &[T], y: &mut [T]) {
        let mut layer = Self::zeros();
        for (i, src) in tensors.iter().enumerate() {
            if let Some(dst) = layer.tensor_mut(i) {
                dst.iter_mut().zip(src.iter()).for_each(|(d, s)| *d = *s);
            }
        }
        let mut cache = Self::empty_cache();
        layer.forward(x, y, &mut cache);
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
        if self.0.forward_batch(x.as_slice(), y.as_mut_slice(), cache) {
            return;
        }
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
        if let Some(dx) = dx.as_deref_mut() {
            crate::__private::resize(dx, n);
        }
        let (xs, ys, dys) = (x.as_slice(), y.as_slice(), dy.as_slice());
        let whole = dx.as_deref_mut().map(|d| d.as_mut_slice());
        if self
            .0
            .backward_batch(xs, ys, cache, dys, &mut grad.0, whole)
        {
            return;
        }
        // Sample by sample, the gradients summed.
        grad.visit_mut(|_, g| g.fill(T::zero()));
        let mut one = L::zeros();
        let mut scratch = SVector::<T, IN>::zeros();
        for (j, c) in cache.iter().enumerate().take(n) {
            let (xj, yj, dyj) = (
                &xs[j * IN..(j + 1) * IN],
                &ys[j * OUT..(j + 1) * OUT],
                &dys[j * OUT..(j + 1) * OUT],
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
