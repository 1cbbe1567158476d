//! 2-D convolution: `F` filters of `kh x kw` taps over `C` input channels, with stride `S`,
//! zero padding `P`, dilation `D` and `G` groups.
//!
//! ```text
//! y[f, oh, ow] = b[f] + Σ_{c < C/G, i < kh, j < kw} W[f, c, i, j] · x[g·C/G + c, oh·S + i·D - P, ow·S + j·D - P]
//! ```
//!
//! with `g = f / (F/G)` and `x` zero outside the image. Every output neuron of a filter shares
//! its `(C/G)·kh·kw` weights (the lecture's shared receptive field), several filters give
//! the output its depth, stride downsamples and padding handles the borders.
//!
//! Shapes: one sample is `C x H x W` in, `F x OH x OW` out (flat, C,H,W order), with
//! `OH = (H + 2P - D(kh-1) - 1)/S + 1` (floored; likewise `OW`). Parameters as PyTorch's
//! `Conv2d`: `weight` `(F, C/G, kh, kw)`, `bias` `(F)` (left out with `BIAS = false`). The
//! weight is stored as the column-major `F x K` matrix, `K = (C/G)·kh·kw`, column
//! `c + (C/G)·(i + kh·j)` holding tap `(i, j)` of channel `c` (see [`crate::io::layout`]), so
//! PyTorch files load as they are.
//!
//! Backward: `dℓ/dW = dYᵀ A` and `dℓ/dx = col2im(dY W)` with `A` the sample's im2col matrix,
//! computed in blocks by the crate's `kernels::conv_forward` and `kernels::conv_backward`,
//! with no heap. A batch runs as one: the im2col matrices of all its samples stacked feed
//! one matrix product per group (per chunk of a bounded size), forward and backward, on
//! buffers kept in the trace (see [`conv_batch`](super::conv_batch)).
//!
//! ```
//! use nn_core::layer::{Conv2d, Op};
//! use nn_core::nalgebra::SVector;
//! // 1 channel 4x4 -> 2 filters 3x3, padding 1: 2 x 4 x 4 out. K = 1·3·3 = 9.
//! type Conv = Conv2d<f64, 1, 4, 4, 2, 3, 3, 1, 1, 1, 1, 9, true>;
//! let mut conv = Conv::zeros();
//! conv.weight[(0, 4)] = 1.0; // filter 0: the centre tap, an identity
//! conv.bias[1] = 0.5;        // filter 1: a constant
//! let x = SVector::<f64, 16>::from_fn(|i, _| i as f64);
//! let mut y = SVector::<f64, 32>::zeros();
//! conv.op_forward(&x, &mut y, &mut ());
//! assert_eq!((y[5], y[16 + 5]), (5.0, 0.5));
//! ```

use super::Layer;
use crate::kernels::{conv_backward, conv_forward, ConvGeometry};
use crate::{init::Init, Param, ParamInfo, ParamKind, Parameters, Scalar, Shape};
use core::fmt;
use nalgebra::{SMatrix, SVector};

/// A 2-D convolution over `C x H x W` samples; see the [module](self) for the parameters.
///
/// `K` must be `(C/G)·KH·KW` (the weight's column count; a mismatch is a compile error when
/// the layer is used).
pub struct Conv2d<
    T,
    const C: usize,
    const H: usize,
    const W: usize,
    const F: usize,
    const KH: usize,
    const KW: usize,
    const S: usize,
    const P: usize,
    const D: usize,
    const G: usize,
    const K: usize,
    const BIAS: bool,
> {
    /// The kernels, column-major `F x K` (PyTorch's `(F, C/G, kh, kw)`, see the module).
    pub weight: Param<SMatrix<T, F, K>>,
    /// One bias per filter (all zero and unused when `BIAS` is false).
    pub bias: Param<SVector<T, F>>,
}

/// A [`Conv2d`] with every const parameter: for the `impl` blocks below.
macro_rules! conv_impl {
    ([$($tr:tt)*] $body:tt) => {
        impl<
                T: Scalar,
                const C: usize,
                const H: usize,
                const W: usize,
                const F: usize,
                const KH: usize,
                const KW: usize,
                const S: usize,
                const P: usize,
                const D: usize,
                const G: usize,
                const K: usize,
                const BIAS: bool,
            > $($tr)* Conv2d<T, C, H, W, F, KH, KW, S, P, D, G, K, BIAS> $body
    };
}

conv_impl!([] {
    /// The sizes, as the kernels take them.
    pub const GEOMETRY: ConvGeometry = ConvGeometry {
        c: C,
        h: H,
        w: W,
        f: F,
        kh: KH,
        kw: KW,
        stride: S,
        pad: P,
        dilation: D,
        groups: G,
    };
    /// Values per input sample, `C·H·W`.
    pub const IN: usize = C * H * W;
    /// Values per output sample, `F·OH·OW`.
    pub const OUT: usize = F * Self::GEOMETRY.oh() * Self::GEOMETRY.ow();

    /// Fails to compile (when used) unless the sizes agree: `K = (C/G)·KH·KW`, groups divide
    /// channels and filters, the kernel fits the padded input.
    const CHECK: () = {
        assert!(Self::GEOMETRY.is_valid(), "conv2d: inconsistent geometry");
        assert!(K == Self::GEOMETRY.k(), "conv2d: K must be (C/G)·KH·KW");
    };

    /// A layer with all-zero parameters.
    pub fn zeros() -> Self {
        let () = Self::CHECK;
        Self {
            weight: Param::zeroed(),
            bias: Param::zeroed(),
        }
    }

    /// A layer drawn with `init` (fan-in `K`).
    ///
    /// ```
    /// use nn_core::{init::Init, layer::Conv2d};
    /// use rand::{rngs::StdRng, SeedableRng};
    /// let c = Conv2d::<f32, 3, 8, 8, 4, 3, 3, 1, 1, 1, 1, 27, true>::new(Init::He, &mut StdRng::seed_from_u64(0));
    /// assert!(c.weight.iter().any(|&w| w != 0.0));
    /// ```
    pub fn new<R: rand::Rng + ?Sized>(init: Init, rng: &mut R) -> Self {
        let mut c = Self::zeros();
        Layer::init(&mut c, init, rng);
        c
    }

    /// The bias as a slice, `None` without one.
    fn bias_slice(&self) -> Option<&[T]> {
        BIAS.then(|| self.bias.as_slice())
    }

    /// Checks, at compile time, that `IN` and `OUT` are this layer's sample sizes.
    const fn sizes<const IN: usize, const OUT: usize>() {
        assert!(IN == C * H * W, "conv2d: IN must be C·H·W");
        assert!(OUT == Self::OUT, "conv2d: OUT must be F·OH·OW");
    }
});

conv_impl!([Layer<T> for] {
    const KIND: &'static str = "conv2d";
    const TENSORS: usize = 1 + BIAS as usize;
    const PARAMETERS: usize = F * K + if BIAS { F } else { 0 };

    fn zeros() -> Self {
        Conv2d::zeros()
    }

    fn init<R: rand::Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
        let (w, b) = (&mut self.weight, &mut self.bias);
        init.fill::<T, R>(F, K, w.as_mut_slice(), b.as_mut_slice(), rng);
        if !BIAS {
            b.fill(T::zero());
        }
    }
});

conv_impl!([Parameters<T> for] {
    fn tensor_count(&self) -> usize {
        1 + BIAS as usize
    }
    fn tensor_info(&self, i: usize) -> Option<ParamInfo> {
        let (name, shape, kind) = match i {
            0 => ("weight", Shape::new(&[F, C / G, KH, KW]), ParamKind::Weight),
            1 if BIAS => ("bias", Shape::new(&[F]), ParamKind::Bias),
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
            1 if BIAS => Some(self.bias.as_slice()),
            _ => None,
        }
    }
    fn tensor_mut(&mut self, i: usize) -> Option<&mut [T]> {
        match i {
            0 => Some(self.weight.as_mut_slice()),
            1 if BIAS => Some(self.bias.as_mut_slice()),
            _ => None,
        }
    }
});

conv_impl!([Clone for] {
    fn clone(&self) -> Self {
        Self {
            weight: self.weight.clone(),
            bias: self.bias.clone(),
        }
    }
});

conv_impl!([PartialEq for] {
    fn eq(&self, other: &Self) -> bool {
        self.weight == other.weight && self.bias == other.bias
    }
});

// Shows the geometry and the first few values of each tensor.
conv_impl!([fmt::Debug for] {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Conv2d")
            .field("geometry", &Self::GEOMETRY)
            .field("weight", &self.weight)
            .field("bias", &self.bias_slice().map(crate::fmt::Preview))
            .finish()
    }
});

impl<
        T: Scalar,
        const C: usize,
        const H: usize,
        const W: usize,
        const F: usize,
        const KH: usize,
        const KW: usize,
        const S: usize,
        const P: usize,
        const D: usize,
        const G: usize,
        const K: usize,
        const BIAS: bool,
        const IN: usize,
        const OUT: usize,
    > super::Op<T, IN, OUT> for Conv2d<T, C, H, W, F, KH, KW, S, P, D, G, K, BIAS>
{
    type Cache = ();

    fn empty_cache() {}

    #[inline]
    fn op_forward(&self, x: &SVector<T, IN>, y: &mut SVector<T, OUT>, _: &mut ()) {
        const { Self::sizes::<IN, OUT>() };
        conv_forward(
            &Self::GEOMETRY,
            self.weight.as_slice(),
            self.bias_slice(),
            x.as_slice(),
            y.as_mut_slice(),
        );
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
        const { Self::sizes::<IN, OUT>() };
        conv_backward(
            &Self::GEOMETRY,
            self.weight.as_slice(),
            x.as_slice(),
            dy.as_slice(),
            grad.weight.as_mut_slice(),
            BIAS.then(|| grad.bias.as_mut_slice()),
            Some(dx.as_mut_slice()),
            false,
        );
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
        const { Self::sizes::<IN, OUT>() };
        // Linear in x: the tangent is the convolution without bias.
        conv_forward(
            &Self::GEOMETRY,
            self.weight.as_slice(),
            None,
            dx.as_slice(),
            dy.as_mut_slice(),
        );
    }
}

#[cfg(feature = "alloc")]
impl<
        T: Scalar,
        const C: usize,
        const H: usize,
        const W: usize,
        const F: usize,
        const KH: usize,
        const KW: usize,
        const S: usize,
        const P: usize,
        const D: usize,
        const G: usize,
        const K: usize,
        const BIAS: bool,
        const IN: usize,
        const OUT: usize,
    > super::BatchOp<T, IN, OUT> for Conv2d<T, C, H, W, F, KH, KW, S, P, D, G, K, BIAS>
{
    type BatchCache = super::ConvWorkspace<T>;

    fn empty_batch_cache() -> Self::BatchCache {
        super::ConvWorkspace::new()
    }

    fn op_forward_batch(
        &self,
        x: &crate::Batch<T, IN>,
        y: &mut crate::Batch<T, OUT>,
        ws: &mut Self::BatchCache,
        _: bool,
    ) {
        const { Self::sizes::<IN, OUT>() };
        crate::__private::resize(y, x.ncols());
        super::conv_batch::forward(
            &Self::GEOMETRY,
            self.weight.as_slice(),
            self.bias_slice(),
            x.as_slice(),
            y.as_mut_slice(),
            ws,
        );
    }

    fn op_backward_batch(
        &self,
        x: &crate::Batch<T, IN>,
        _: &crate::Batch<T, OUT>,
        ws: &Self::BatchCache,
        dy: &crate::Batch<T, OUT>,
        grad: &mut Self,
        mut dx: Option<&mut crate::Batch<T, IN>>,
    ) {
        const { Self::sizes::<IN, OUT>() };
        if let Some(dx) = dx.as_deref_mut() {
            crate::__private::resize(dx, x.ncols());
        }
        grad.bias.fill(T::zero());
        super::conv_batch::backward(
            &Self::GEOMETRY,
            self.weight.as_slice(),
            x.as_slice(),
            dy.as_slice(),
            grad.weight.as_mut_slice(),
            BIAS.then(|| grad.bias.as_mut_slice()),
            dx.map(|d| d.as_mut_slice()),
            ws,
        );
    }
}
