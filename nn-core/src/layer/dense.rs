//! Dense (fully connected) layer: `z = W x + b`, `W ∈ R^{out x in}`, `b ∈ R^{out}`.
//!
//! Backward, for `δ = dℓ/dz` (one column per sample, the transpose of the lecture's row
//! vector): `dℓ/dW = δ xᵀ` (summed over the batch), `dℓ/db = δ` (summed), and the input
//! gradient `dℓ/dx = Wᵀ δ`, which the previous layer multiplies by its `σ'`.
//!
//! Shapes: one sample is `SVector<T, IN> -> SVector<T, OUT>`; a batch of `n` samples is
//! [`Batch<T, IN>`](crate::Batch) `(IN x n) -> Batch<T, OUT>` `(OUT x n)`, computed with one
//! matrix product.
//!
//! ```
//! use nn_core::{layer::Dense, nalgebra::{SMatrix, SVector}};
//! let mut d = Dense::<f64, 2, 1>::zeros();
//! *d.weight = SMatrix::from([[2.0], [3.0]]); // W = [2 3]
//! d.bias[0] = 1.0;
//! assert_eq!(d.forward(&SVector::from([1.0, 1.0]))[0], 6.0);
//! ```

use super::Layer;
#[cfg(feature = "alloc")]
use crate::kernels::{gemm, Operand};
use crate::{init::Init, Param, ParamInfo, ParamKind, Parameters, Scalar, Shape};
use core::fmt;
use nalgebra::{SMatrix, SVector};

/// `z = W x + b` with `IN` inputs and `OUT` outputs.
pub struct Dense<T, const IN: usize, const OUT: usize> {
    /// `W`, `OUT x IN`: row `i` holds the weights into unit `i` (PyTorch's `weight`).
    pub weight: Param<SMatrix<T, OUT, IN>>,
    /// `b`, `OUT` values.
    pub bias: Param<SVector<T, OUT>>,
}

impl<T: Scalar, const IN: usize, const OUT: usize> Dense<T, IN, OUT> {
    /// A layer with all-zero parameters (on the heap under `alloc`).
    pub fn zeros() -> Self {
        Self {
            weight: Param::zeroed(),
            bias: Param::zeroed(),
        }
    }

    /// A layer drawn with `init`.
    ///
    /// ```
    /// use nn_core::{init::Init, layer::Dense};
    /// use rand::{rngs::StdRng, SeedableRng};
    /// let d = Dense::<f32, 4, 3>::new(Init::He, &mut StdRng::seed_from_u64(0));
    /// assert!(d.weight.iter().any(|&w| w != 0.0));
    /// ```
    pub fn new<R: rand::Rng + ?Sized>(init: Init, rng: &mut R) -> Self {
        let mut d = Self::zeros();
        Layer::init(&mut d, init, rng);
        d
    }

    /// `z = W x + b` for one sample; no heap allocation.
    #[inline]
    pub fn forward(&self, x: &SVector<T, IN>) -> SVector<T, OUT> {
        let mut z = *self.bias;
        T::gemv_acc(z.as_mut_slice(), self.weight.as_slice(), x.as_slice());
        z
    }

    /// Backward for one sample: `grad.weight = δ xᵀ + beta·grad.weight`,
    /// `grad.bias = δ + beta·grad.bias`, and returns `dℓ/dx = Wᵀ δ`. `beta` is 0 to
    /// overwrite the gradient, 1 to accumulate into it. No heap allocation.
    #[inline]
    pub fn backward(
        &self,
        x: &SVector<T, IN>,
        delta: &SVector<T, OUT>,
        grad: &mut Self,
        beta: T,
    ) -> SVector<T, IN> {
        grad.weight.ger(T::one(), delta, x, beta);
        // `axpy` with beta = 0 overwrites without reading, as `ger` does for the weight, so
        // a NaN left in `grad` cannot survive as `NaN * 0`.
        grad.bias.axpy(T::one(), delta, beta);
        self.weight.tr_mul(delta)
    }

    /// Forward-mode derivative for one sample: the tangent of `z` given the tangent `dx` of
    /// the input (`dz = W dx`; the parameters held fixed).
    #[inline]
    pub fn tangent(&self, dx: &SVector<T, IN>) -> SVector<T, OUT> {
        let mut dz = SVector::<T, OUT>::zeros();
        T::gemv_acc(dz.as_mut_slice(), self.weight.as_slice(), dx.as_slice());
        dz
    }
}

#[cfg(feature = "alloc")]
impl<T: Scalar, const IN: usize, const OUT: usize> Dense<T, IN, OUT> {
    /// `Z = W X + b 1ᵀ` for a batch (one sample per column), as one matrix product.
    ///
    /// ```
    /// use nn_core::{layer::Dense, Batch};
    /// let mut d = Dense::<f32, 3, 2>::zeros();
    /// d.bias[1] = 1.0;
    /// let z = d.forward_batch(&Batch::<f32, 3>::zeros(5));
    /// assert_eq!((z.nrows(), z.ncols(), z[(1, 4)]), (2, 5, 1.0));
    /// ```
    pub fn forward_batch(&self, x: &crate::Batch<T, IN>) -> crate::Batch<T, OUT> {
        let mut z = crate::Batch::<T, OUT>::zeros(x.ncols());
        self.forward_batch_into(x, &mut z);
        z
    }

    /// [`forward_batch`](Self::forward_batch) into a buffer, resized to the batch if needed.
    pub fn forward_batch_into(&self, x: &crate::Batch<T, IN>, z: &mut crate::Batch<T, OUT>) {
        let n = x.ncols();
        crate::__private::resize(z, n);
        if OUT == 0 {
            return;
        }
        for col in z.as_mut_slice().chunks_exact_mut(OUT) {
            col.copy_from_slice(self.bias.as_slice());
        }
        gemm(
            T::one(),
            Operand::n(self.weight.as_slice(), OUT),
            Operand::n(x.as_slice(), IN),
            T::one(),
            z.as_mut_slice(),
            OUT,
        );
    }

    /// Parameter gradients for a batch: `grad.weight = Δ Xᵀ + beta·grad.weight` and
    /// `grad.bias = Δ 1 + beta·grad.bias` (sums over the samples).
    pub fn backward_params_batch(
        &self,
        x: &crate::Batch<T, IN>,
        delta: &crate::Batch<T, OUT>,
        grad: &mut Self,
        beta: T,
    ) {
        if OUT == 0 {
            return;
        }
        gemm(
            T::one(),
            Operand::n(delta.as_slice(), OUT),
            Operand::t(x.as_slice(), IN),
            beta,
            grad.weight.as_mut_slice(),
            OUT,
        );
        let gb = grad.bias.as_mut_slice::<T>();
        // beta = 0 overwrites (gemm never reads `C` then); `NaN * 0` would keep a NaN.
        if beta == T::zero() {
            gb.fill(T::zero());
        } else {
            gb.iter_mut().for_each(|g| *g *= beta);
        }
        for col in delta.as_slice().chunks_exact(OUT) {
            gb.iter_mut().zip(col).for_each(|(g, &d)| *g += d);
        }
    }

    /// The input gradient for a batch, `dℓ/dX = Wᵀ Δ`, into `dx` (resized if needed).
    pub fn backward_input_batch(&self, delta: &crate::Batch<T, OUT>, dx: &mut crate::Batch<T, IN>) {
        let n = delta.ncols();
        crate::__private::resize(dx, n);
        gemm(
            T::one(),
            Operand::t(self.weight.as_slice(), OUT),
            Operand::n(delta.as_slice(), OUT),
            T::zero(),
            dx.as_mut_slice(),
            IN,
        );
    }
}

impl<T: Scalar, const IN: usize, const OUT: usize> Layer<T> for Dense<T, IN, OUT> {
    const KIND: &'static str = "dense";
    const TENSORS: usize = 2;
    const PARAMETERS: usize = IN * OUT + OUT;

    fn zeros() -> Self {
        Dense::zeros()
    }

    fn init<R: rand::Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
        let (w, b) = (&mut self.weight, &mut self.bias);
        init.fill::<T, R>(OUT, IN, w.as_mut_slice(), b.as_mut_slice(), rng);
    }
}

impl<T: Scalar, const IN: usize, const OUT: usize> Parameters<T> for Dense<T, IN, OUT> {
    fn tensor_count(&self) -> usize {
        2
    }
    fn tensor_info(&self, i: usize) -> Option<ParamInfo> {
        let (name, shape, kind) = match i {
            0 => ("weight", Shape::new(&[OUT, IN]), ParamKind::Weight),
            1 => ("bias", Shape::new(&[OUT]), ParamKind::Bias),
            _ => return None,
        };
        Some(ParamInfo {
            layer: "",
            name,
            shape,
            kind,
        })
    }
    fn tensor(&self, i: usize) -> Option<&[T]> {
        match i {
            0 => Some(self.weight.as_slice()),
            1 => Some(self.bias.as_slice()),
            _ => None,
        }
    }
    fn tensor_mut(&mut self, i: usize) -> Option<&mut [T]> {
        match i {
            0 => Some(self.weight.as_mut_slice()),
            1 => Some(self.bias.as_mut_slice()),
            _ => None,
        }
    }
}

impl<T: Scalar, const IN: usize, const OUT: usize> Clone for Dense<T, IN, OUT> {
    fn clone(&self) -> Self {
        Self {
            weight: self.weight.clone(),
            bias: self.bias.clone(),
        }
    }
}

impl<T: Scalar, const IN: usize, const OUT: usize> PartialEq for Dense<T, IN, OUT> {
    fn eq(&self, other: &Self) -> bool {
        self.weight == other.weight && self.bias == other.bias
    }
}

/// Shows the shape and the first few values of each tensor (never 100,000 numbers).
impl<T: Scalar, const IN: usize, const OUT: usize> fmt::Debug for Dense<T, IN, OUT> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dense")
            .field("in", &IN)
            .field("out", &OUT)
            .field("weight", &self.weight)
            .field("bias", &self.bias)
            .finish()
    }
}

impl<T: Scalar, const IN: usize, const OUT: usize> super::Op<T, IN, OUT> for Dense<T, IN, OUT> {
    type Cache = ();

    fn empty_cache() {}

    #[inline]
    fn op_forward(&self, x: &SVector<T, IN>, y: &mut SVector<T, OUT>, _: &mut ()) {
        *y = self.forward(x);
    }

    #[inline]
    fn op_backward(
        &self,
        x: &SVector<T, IN>,
        _: &SVector<T, OUT>,
        _: &(),
        dy: &SVector<T, OUT>,
        grad: &mut Self,
        dx: &mut SVector<T, IN>,
    ) {
        *dx = self.backward(x, dy, grad, T::zero());
    }

    #[inline]
    fn op_tangent(
        &self,
        _: &SVector<T, IN>,
        _: &SVector<T, OUT>,
        _: &(),
        dx: &SVector<T, IN>,
        dy: &mut SVector<T, OUT>,
    ) {
        *dy = self.tangent(dx);
    }
}

#[cfg(feature = "alloc")]
impl<T: Scalar, const IN: usize, const OUT: usize> super::BatchOp<T, IN, OUT>
    for Dense<T, IN, OUT>
{
    type BatchCache = ();

    fn empty_batch_cache() {}

    fn op_forward_batch(
        &self,
        x: &crate::Batch<T, IN>,
        y: &mut crate::Batch<T, OUT>,
        _: &mut (),
        _: bool,
    ) {
        self.forward_batch_into(x, y);
    }

    fn op_backward_batch(
        &self,
        x: &crate::Batch<T, IN>,
        _: &crate::Batch<T, OUT>,
        _: &(),
        dy: &crate::Batch<T, OUT>,
        grad: &mut Self,
        dx: Option<&mut crate::Batch<T, IN>>,
    ) {
        self.backward_params_batch(x, dy, grad, T::zero());
        if let Some(dx) = dx {
            self.backward_input_batch(dy, dx);
        }
    }
}
