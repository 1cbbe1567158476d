//! Batch normalization over the channels of `C x HW` samples (Ioffe and Szegedy 2015).
//!
//! Training (a batch of `n` samples, statistics per channel over all `N = n·HW` values):
//!
//! ```text
//! μ_c = (1/N) Σ x,   σ²_c = (1/N) Σ (x - μ_c)²,   x̂ = (x - μ_c)/√(σ²_c + ε),   y = γ_c x̂ + β_c
//! ```
//!
//! and, after the step, the running statistics move towards the batch's
//! ([`op_update_state`](super::BatchOp::op_update_state)): `μ̄ ← (1-m)μ̄ + m μ`,
//! `σ̄² ← (1-m)σ̄² + m σ² N/(N-1)` (momentum `m = 0.1`, `ε = 1e-5`, as PyTorch). Inference
//! (one sample, or a batch with `train = false`) applies the running affine
//! `y = γ (x - μ̄)/√(σ̄² + ε) + β`, which [`BatchNorm2d::fold_into`] folds into the
//! preceding convolution.
//!
//! Backward in training, with `g = dℓ/dy`: `dℓ/dγ = Σ g x̂`, `dℓ/dβ = Σ g` and
//! `dℓ/dx = γ/(N √(σ² + ε)) · (N g - Σ g - x̂ Σ g x̂)`; at inference
//! `dℓ/dx = γ g/√(σ̄² + ε)`. Parameters as PyTorch's `BatchNorm2d`: `weight` (γ), `bias`
//! (β), and the buffers `running_mean`, `running_var` ([`ParamKind::Buffer`]: saved and
//! loaded, never trained; their gradient is zero).
//!
//! ```
//! use nn_core::layer::{BatchNorm2d, BatchOp};
//! use nn_core::Batch;
//! let mut bn = BatchNorm2d::<f64, 1, 2>::new(); // γ = 1, β = 0, μ̄ = 0, σ̄² = 1
//! type Bn = BatchNorm2d<f64, 1, 2>;
//! let x = Batch::<f64, 2>::from_column_slice(&[1.0, 3.0, 5.0, 7.0]); // one channel, 4 values
//! let mut y = Batch::<f64, 2>::zeros(0);
//! let mut cache = <Bn as BatchOp<f64, 2, 2>>::empty_batch_cache();
//! BatchOp::<f64, 2, 2>::op_forward_batch(&bn, &x, &mut y, &mut cache, true);
//! assert!(y.sum().abs() < 1e-12 && (y.norm_squared() - 4.0).abs() < 1e-4); // mean 0, variance 1
//! BatchOp::<f64, 2, 2>::op_update_state(&mut bn, &cache);
//! assert!((bn.running_mean[0] - 0.4).abs() < 1e-12); // 0.9·0 + 0.1·4
//! ```

use super::{Conv2d, Layer};
use crate::{init::Init, Param, ParamInfo, ParamKind, Parameters, Scalar, Shape};
use core::fmt;
use nalgebra::SVector;

/// Batch normalization of `C` channels of `HW` positions each; see the [module](self).
pub struct BatchNorm2d<T, const C: usize, const HW: usize> {
    /// `γ`, one scale per channel.
    pub weight: Param<SVector<T, C>>,
    /// `β`, one shift per channel.
    pub bias: Param<SVector<T, C>>,
    /// `μ̄`, the running mean (a buffer).
    pub running_mean: Param<SVector<T, C>>,
    /// `σ̄²`, the running (unbiased) variance (a buffer).
    pub running_var: Param<SVector<T, C>>,
    /// `m`, how far one batch moves the running statistics (0.1).
    pub momentum: f64,
    /// `ε`, added to every variance (1e-5).
    pub eps: f64,
}

/// What a batch forward keeps for the backward and the running-statistics update.
#[cfg(feature = "alloc")]
#[doc(hidden)]
#[derive(Clone, Debug, Default)]
pub struct BatchNormCache<T> {
    /// Whether the forward used batch statistics.
    pub train: bool,
    /// Values per channel in the batch, `N = n·HW`.
    pub count: usize,
    /// Per channel: the mean used.
    pub mean: alloc::vec::Vec<T>,
    /// Per channel: the (biased) batch variance, or the running variance at inference.
    pub var: alloc::vec::Vec<T>,
}

impl<T: Scalar, const C: usize, const HW: usize> BatchNorm2d<T, C, HW> {
    /// A layer with every tensor zero (the shape of its gradient); [`Layer::init`] or
    /// [`new`](Self::new) give the starting values.
    pub fn zeros() -> Self {
        Self {
            weight: Param::zeroed(),
            bias: Param::zeroed(),
            running_mean: Param::zeroed(),
            running_var: Param::zeroed(),
            momentum: 0.1,
            eps: 1e-5,
        }
    }

    /// `γ = 1`, `β = 0`, `μ̄ = 0`, `σ̄² = 1`: the identity at inference.
    ///
    /// ```
    /// let bn = nn_core::layer::BatchNorm2d::<f32, 3, 4>::new();
    /// assert_eq!((bn.weight[2], bn.running_var[0], bn.bias[1]), (1.0, 1.0, 0.0));
    /// ```
    pub fn new() -> Self {
        let mut bn = Self::zeros();
        bn.reset();
        bn
    }

    fn reset(&mut self) {
        self.weight.fill(T::one());
        self.bias.fill(T::zero());
        self.running_mean.fill(T::zero());
        self.running_var.fill(T::one());
    }

    const fn sizes<const IN: usize, const OUT: usize>() {
        assert!(HW > 0, "batch_norm: needs at least one position");
        assert!(
            IN == C * HW && OUT == IN,
            "batch_norm: IN and OUT must be C·HW"
        );
    }

    /// Per channel `(scale, shift)` of the inference affine `y = scale·x + shift`.
    fn affine(&self, c: usize) -> (T, T) {
        inference_affine(
            self.weight[c],
            self.bias[c],
            self.running_mean[c],
            self.running_var[c],
            T::of(self.eps),
        )
    }

    /// The convolution that computes `conv` followed by this layer at inference: each
    /// filter scaled by `γ/√(σ̄² + ε)`, its bias `(b - μ̄)γ/√(σ̄² + ε) + β`.
    ///
    /// ```
    /// use nn_core::layer::{BatchNorm2d, Conv2d, Op};
    /// use nn_core::nalgebra::SVector;
    /// type Conv = Conv2d<f64, 1, 3, 3, 2, 2, 2, 1, 0, 1, 1, 4, false>;
    /// let mut conv = Conv::zeros();
    /// conv.weight.iter_mut().enumerate().for_each(|(i, w)| *w = i as f64 - 3.0);
    /// let mut bn = BatchNorm2d::<f64, 2, 4>::new();
    /// (bn.weight[1], bn.bias[0], bn.running_mean[1], bn.running_var[0]) = (2.0, 0.5, 1.0, 4.0);
    /// let x = SVector::<f64, 9>::from_fn(|i, _| i as f64 * 0.3);
    /// let mut z = SVector::<f64, 8>::zeros();
    /// let (mut y, mut folded_y) = (SVector::<f64, 8>::zeros(), SVector::<f64, 8>::zeros());
    /// conv.op_forward(&x, &mut z, &mut ());
    /// bn.op_forward(&z, &mut y, &mut ());
    /// bn.fold_into(&conv).op_forward(&x, &mut folded_y, &mut ());
    /// assert!((y - folded_y).norm() < 1e-12);
    /// ```
    #[allow(clippy::type_complexity)]
    pub fn fold_into<
        const CI: usize,
        const H: usize,
        const W: usize,
        const KH: usize,
        const KW: usize,
        const S: usize,
        const P: usize,
        const D: usize,
        const G: usize,
        const K: usize,
        const BIAS: bool,
    >(
        &self,
        conv: &Conv2d<T, CI, H, W, C, KH, KW, S, P, D, G, K, BIAS>,
    ) -> Conv2d<T, CI, H, W, C, KH, KW, S, P, D, G, K, true> {
        let mut out = Conv2d::zeros();
        for f in 0..C {
            let (scale, shift) = self.affine(f);
            let b = if BIAS { conv.bias[f] } else { T::zero() };
            out.bias[f] = b * scale + shift;
            for k in 0..K {
                out.weight[(f, k)] = conv.weight[(f, k)] * scale;
            }
        }
        out
    }

    /// Inference forward of one sample.
    fn forward_one(&self, x: &[T], y: &mut [T]) {
        inference_forward::<T, HW>(x, y, |c| self.affine(c));
    }

    /// Inference backward of one sample, or of a batch (its samples' planes one after
    /// another, plane `p` of channel `p mod C`): `dx` overwritten, `dγ`, `dβ` added onto
    /// `grad`.
    fn backward_one(&self, x: &[T], dy: &[T], dx: Option<&mut [T]>, grad: &mut Self) {
        for (p, (x, dy)) in x.chunks_exact(HW).zip(dy.chunks_exact(HW)).enumerate() {
            let c = p % C;
            let inv = T::one() / (self.running_var[c] + T::of(self.eps)).sqrt();
            let (mut sg, mut sgx) = (T::zero(), T::zero());
            for (&x, &g) in x.iter().zip(dy) {
                sg += g;
                sgx += g * (x - self.running_mean[c]) * inv;
            }
            grad.weight[c] += sgx;
            grad.bias[c] += sg;
        }
        if let Some(dx) = dx {
            for (p, (dx, dy)) in dx.chunks_exact_mut(HW).zip(dy.chunks_exact(HW)).enumerate() {
                let scale = self.affine(p % C).0;
                dx.iter_mut().zip(dy).for_each(|(d, &g)| *d = g * scale);
            }
        }
    }
}

/// Channel `c`'s inference affine from `γ`, `β`, `μ̄`, `σ̄²` and `ε`: `scale = γ/√(σ̄² + ε)`,
/// `shift = β - μ̄·scale`. The trainable layer and
/// [`StaticBatchNorm2d`](crate::embed::StaticBatchNorm2d) both call it, so they round alike.
#[inline]
pub(crate) fn inference_affine<T: Scalar>(gamma: T, beta: T, mean: T, var: T, eps: T) -> (T, T) {
    let inv = T::one() / (var + eps).sqrt();
    let scale = gamma * inv;
    (scale, beta - mean * scale)
}

/// `y = scale_c·x + shift_c` over one sample's channels of `HW` values each, with
/// `affine(c) = (scale_c, shift_c)`.
#[inline]
pub(crate) fn inference_forward<T: Scalar, const HW: usize>(
    x: &[T],
    y: &mut [T],
    affine: impl Fn(usize) -> (T, T),
) {
    for (c, (x, y)) in x.chunks_exact(HW).zip(y.chunks_exact_mut(HW)).enumerate() {
        let (scale, shift) = affine(c);
        for (y, &x) in y.iter_mut().zip(x) {
            *y = scale * x + shift;
        }
    }
}

impl<T: Scalar, const C: usize, const HW: usize> Default for BatchNorm2d<T, C, HW> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Scalar, const C: usize, const HW: usize> Layer<T> for BatchNorm2d<T, C, HW> {
    const KIND: &'static str = "batch_norm";
    const TENSORS: usize = 4;
    const PARAMETERS: usize = 4 * C;

    fn zeros() -> Self {
        BatchNorm2d::zeros()
    }

    /// Ignores `init`: batch norm starts as the identity (`γ = 1`, `β = 0`, `μ̄ = 0`, `σ̄² = 1`).
    fn init<R: rand::Rng + ?Sized>(&mut self, _: Init, _: &mut R) {
        self.reset();
    }
}

impl<T: Scalar, const C: usize, const HW: usize> Parameters<T> for BatchNorm2d<T, C, HW> {
    fn tensor_count(&self) -> usize {
        4
    }
    fn tensor_info(&self, i: usize) -> Option<ParamInfo> {
        let (name, kind) = match i {
            0 => ("weight", ParamKind::Weight),
            1 => ("bias", ParamKind::Bias),
            2 => ("running_mean", ParamKind::Buffer),
            3 => ("running_var", ParamKind::Buffer),
            _ => return None,
        };
        Some(ParamInfo {
            layer: "",
            name,
            shape: Shape::new(&[C]),
            kind,
        })
    }
    fn tensor(&self, i: usize) -> Option<&[T]> {
        [
            &self.weight,
            &self.bias,
            &self.running_mean,
            &self.running_var,
        ]
        .get(i)
        .map(|p| p.as_slice())
    }
    fn tensor_mut(&mut self, i: usize) -> Option<&mut [T]> {
        match i {
            0 => Some(self.weight.as_mut_slice()),
            1 => Some(self.bias.as_mut_slice()),
            2 => Some(self.running_mean.as_mut_slice()),
            3 => Some(self.running_var.as_mut_slice()),
            _ => None,
        }
    }
}

impl<T: Scalar, const C: usize, const HW: usize> Clone for BatchNorm2d<T, C, HW> {
    fn clone(&self) -> Self {
        Self {
            weight: self.weight.clone(),
            bias: self.bias.clone(),
            running_mean: self.running_mean.clone(),
            running_var: self.running_var.clone(),
            momentum: self.momentum,
            eps: self.eps,
        }
    }
}

impl<T: Scalar, const C: usize, const HW: usize> PartialEq for BatchNorm2d<T, C, HW> {
    fn eq(&self, o: &Self) -> bool {
        self.weight == o.weight
            && self.bias == o.bias
            && self.running_mean == o.running_mean
            && self.running_var == o.running_var
            && self.momentum == o.momentum
            && self.eps == o.eps
    }
}

impl<T: Scalar, const C: usize, const HW: usize> fmt::Debug for BatchNorm2d<T, C, HW> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchNorm2d")
            .field("channels", &C)
            .field("positions", &HW)
            .field("weight", &self.weight)
            .field("bias", &self.bias)
            .field("running_mean", &self.running_mean)
            .field("running_var", &self.running_var)
            .finish()
    }
}

impl<T: Scalar, const C: usize, const HW: usize, const IN: usize, const OUT: usize>
    super::Op<T, IN, OUT> for BatchNorm2d<T, C, HW>
{
    type Cache = ();

    fn empty_cache() {}

    fn op_forward(&self, x: &SVector<T, IN>, y: &mut SVector<T, OUT>, _: &mut ()) {
        const { Self::sizes::<IN, OUT>() };
        self.forward_one(x.as_slice(), y.as_mut_slice());
    }

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
        grad.fill(T::zero());
        self.backward_one(x.as_slice(), dy.as_slice(), Some(dx.as_mut_slice()), grad);
    }

    fn op_tangent(
        &self,
        _: &SVector<T, IN>,
        _: &SVector<T, OUT>,
        _: &(),
        dx: &SVector<T, IN>,
        dy: &mut SVector<T, OUT>,
    ) {
        const { Self::sizes::<IN, OUT>() };
        for (c, (dx, dy)) in dx
            .as_slice()
            .chunks_exact(HW)
            .zip(dy.as_mut_slice().chunks_exact_mut(HW))
            .enumerate()
        {
            let scale = self.affine(c).0;
            dy.iter_mut().zip(dx).for_each(|(y, &x)| *y = scale * x);
        }
    }
}

#[cfg(feature = "alloc")]
impl<T: Scalar, const C: usize, const HW: usize, const IN: usize, const OUT: usize>
    super::BatchOp<T, IN, OUT> for BatchNorm2d<T, C, HW>
{
    type BatchCache = BatchNormCache<T>;

    fn empty_batch_cache() -> BatchNormCache<T> {
        BatchNormCache {
            train: false,
            count: 0,
            mean: alloc::vec::Vec::new(),
            var: alloc::vec::Vec::new(),
        }
    }

    fn op_forward_batch(
        &self,
        x: &crate::Batch<T, IN>,
        y: &mut crate::Batch<T, OUT>,
        cache: &mut BatchNormCache<T>,
        train: bool,
    ) {
        const { Self::sizes::<IN, OUT>() };
        let n = x.ncols();
        crate::__private::resize(y, n);
        cache.train = train;
        cache.count = n * HW;
        cache.mean.resize(C, T::zero());
        cache.var.resize(C, T::zero());
        if !train || n == 0 {
            cache.mean.copy_from_slice(self.running_mean.as_slice());
            cache.var.copy_from_slice(self.running_var.as_slice());
            // All the samples' planes in one pass, plane `p` of channel `p mod C`.
            inference_forward::<T, HW>(x.as_slice(), y.as_mut_slice(), |p| self.affine(p % C));
            return;
        }
        let count = T::of(cache.count as f64);
        for c in 0..C {
            let values = || {
                x.as_slice()
                    .chunks_exact(IN)
                    .flat_map(move |s| s[c * HW..(c + 1) * HW].iter().copied())
            };
            let mean = values().fold(T::zero(), |a, v| a + v) / count;
            let var = values().fold(T::zero(), |a, v| a + (v - mean) * (v - mean)) / count;
            cache.mean[c] = mean;
            cache.var[c] = var;
            let scale = self.weight[c] / (var + T::of(self.eps)).sqrt();
            let shift = self.bias[c] - mean * scale;
            let (xs, ys) = (x.as_slice(), y.as_mut_slice());
            for s in 0..n {
                let r = s * IN + c * HW..s * IN + (c + 1) * HW;
                for (y, &x) in ys[r.clone()].iter_mut().zip(&xs[r]) {
                    *y = scale * x + shift;
                }
            }
        }
    }

    fn op_backward_batch(
        &self,
        x: &crate::Batch<T, IN>,
        _: &crate::Batch<T, OUT>,
        cache: &BatchNormCache<T>,
        dy: &crate::Batch<T, OUT>,
        grad: &mut Self,
        mut dx: Option<&mut crate::Batch<T, IN>>,
    ) {
        const { Self::sizes::<IN, OUT>() };
        let n = x.ncols();
        grad.fill(T::zero());
        if let Some(dx) = dx.as_deref_mut() {
            crate::__private::resize(dx, n);
        }
        if !cache.train || n == 0 {
            let d = dx.map(|d| d.as_mut_slice());
            self.backward_one(x.as_slice(), dy.as_slice(), d, grad);
            return;
        }
        let count = T::of(cache.count as f64);
        let (xs, dys) = (x.as_slice(), dy.as_slice());
        for c in 0..C {
            let (mean, inv) = (
                cache.mean[c],
                T::one() / (cache.var[c] + T::of(self.eps)).sqrt(),
            );
            let ranges = (0..n).map(|s| s * IN + c * HW..s * IN + (c + 1) * HW);
            let (mut sg, mut sgx) = (T::zero(), T::zero());
            for r in ranges.clone() {
                for (&x, &g) in xs[r.clone()].iter().zip(&dys[r]) {
                    sg += g;
                    sgx += g * (x - mean) * inv;
                }
            }
            grad.weight[c] = sgx;
            grad.bias[c] = sg;
            if let Some(dx) = dx.as_deref_mut() {
                let k = self.weight[c] * inv / count;
                let dxs = dx.as_mut_slice();
                for r in ranges {
                    for ((d, &x), &g) in dxs[r.clone()].iter_mut().zip(&xs[r.clone()]).zip(&dys[r])
                    {
                        *d = k * (count * g - sg - (x - mean) * inv * sgx);
                    }
                }
            }
        }
    }

    fn op_update_state(&mut self, cache: &BatchNormCache<T>) {
        if !cache.train || cache.count == 0 || cache.mean.len() != C {
            return;
        }
        let m = T::of(self.momentum);
        let unbias = if cache.count > 1 {
            T::of(cache.count as f64 / (cache.count - 1) as f64)
        } else {
            T::one()
        };
        for c in 0..C {
            self.running_mean[c] = (T::one() - m) * self.running_mean[c] + m * cache.mean[c];
            self.running_var[c] = (T::one() - m) * self.running_var[c] + m * cache.var[c] * unbias;
        }
    }
}
