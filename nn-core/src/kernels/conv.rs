//! 2-D convolution of one sample as blocked matrix products, with no heap.
//!
//! Input `x` is `C x H x W`, output `y` is `F x OH x OW` (both C,H,W order, flat), the weight
//! the column-major `F x K` matrix, `K = (C/G)·kh·kw`, whose column `k = c + (C/G)·(i + kh·j)`
//! holds kernel tap `(i, j)` (row `i`, column `j`) of group-local channel `c` (the layout
//! [`crate::io::layout`] prescribes for PyTorch's `(F, C/G, kh, kw)`). With
//! `OH = (H + 2P - D(kh-1) - 1)/S + 1` (likewise `OW`), filter `f` of group `g = f/(F/G)`:
//!
//! ```text
//! y[f, oh, ow] = b[f] + Σ_{c,i,j} W[f, c, i, j] · x[g·C/G + c, oh·S + i·D - P, ow·S + j·D - P]
//! ```
//!
//! (zero outside the image). Seen as matrices, `Yᵀ = A Wᵀ` where `A` (`OH·OW x K`) is the
//! im2col matrix of the sample. `A` is never built whole: blocks of 32 output pixels by up to
//! 128 of its columns are gathered into a stack buffer and multiplied at once, on the AVX-512
//! product kernel for `f32` where the CPU has it and on a portable loop (compiled for
//! AVX2+FMA too, chosen at run time) otherwise. The backward pass uses the same blocks:
//! `dW = dYᵀ A`, and `dA = dY W` scattered back onto `dx` (col2im).

use crate::Scalar;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
use core::any::TypeId;

/// Output pixels per block.
const PIX: usize = 32;
/// Im2col columns per block.
const KB: usize = 128;
/// Filters per block of the weight-gradient product.
const FB: usize = 64;

/// The sizes of a convolution; every field is a count of values or pixels.
///
/// ```
/// use nn_core::__private::kernels::ConvGeometry;
/// let g = ConvGeometry { c: 1, h: 28, w: 28, f: 8, kh: 3, kw: 3, stride: 1, pad: 1, dilation: 1, groups: 1 };
/// assert_eq!((g.oh(), g.ow(), g.k()), (28, 28, 9));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvGeometry {
    /// Input channels.
    pub c: usize,
    /// Input height.
    pub h: usize,
    /// Input width.
    pub w: usize,
    /// Filters (output channels).
    pub f: usize,
    /// Kernel height.
    pub kh: usize,
    /// Kernel width.
    pub kw: usize,
    /// Stride (both directions).
    pub stride: usize,
    /// Zero padding on every side.
    pub pad: usize,
    /// Dilation: the distance between kernel taps.
    pub dilation: usize,
    /// Groups: channel `c` feeds only the filters of group `c / (C/G)`.
    pub groups: usize,
}

/// `(n + 2p - d(k-1) - 1)/s + 1`, floored, 0 when the kernel does not fit.
pub const fn out_size(n: usize, k: usize, s: usize, p: usize, d: usize) -> usize {
    let span = d * (k - 1) + 1;
    if n + 2 * p < span || s == 0 {
        0
    } else {
        (n + 2 * p - span) / s + 1
    }
}

impl ConvGeometry {
    /// Output height.
    pub const fn oh(&self) -> usize {
        out_size(self.h, self.kh, self.stride, self.pad, self.dilation)
    }
    /// Output width.
    pub const fn ow(&self) -> usize {
        out_size(self.w, self.kw, self.stride, self.pad, self.dilation)
    }
    /// Channels per group.
    pub const fn cg(&self) -> usize {
        self.c / self.groups
    }
    /// Filters per group.
    pub const fn fg(&self) -> usize {
        self.f / self.groups
    }
    /// Weight columns, `(C/G)·kh·kw`.
    pub const fn k(&self) -> usize {
        self.cg() * self.kh * self.kw
    }
    /// Multiply-adds of one sample's forward pass.
    pub const fn macs(&self) -> usize {
        self.oh() * self.ow() * self.f * self.k()
    }
    /// Whether the sizes are consistent: groups divide channels and filters, the kernel fits.
    pub const fn is_valid(&self) -> bool {
        self.groups > 0
            && self.c > 0
            && self.f > 0
            && self.h > 0
            && self.w > 0
            && self.c.is_multiple_of(self.groups)
            && self.f.is_multiple_of(self.groups)
            && self.stride > 0
            && self.dilation > 0
            && self.kh > 0
            && self.kw > 0
            && self.oh() > 0
            && self.ow() > 0
    }

    /// Output pixel `(r, col)`'s receptive field in group `g`, in PyTorch's tap order:
    /// `patch[(c·kh + i)·kw + j] = x[g·C/G + c, r·S + i·D - P, col·S + j·D - P]`, `zero` in the
    /// padding. `x` is one sample in (C, H, W) order; `patch` holds `K = (C/G)·kh·kw` values.
    /// The int8 convolution gathers each pixel once and takes one dot product per filter of its
    /// group over it.
    ///
    /// ```
    /// use nn_core::__private::kernels::ConvGeometry;
    /// let g = ConvGeometry { c: 1, h: 2, w: 2, f: 1, kh: 2, kw: 2, stride: 1, pad: 1, dilation: 1, groups: 1 };
    /// let mut patch = [9; 4];
    /// g.gather_patch(&[1, 2, 3, 4], 0, 0, 0, 0, &mut patch); // top-left: three taps in the padding
    /// assert_eq!(patch, [0, 0, 0, 1]);
    /// ```
    #[inline(always)]
    pub fn gather_patch<T: Copy, const K: usize>(
        &self,
        x: &[T],
        g: usize,
        r: usize,
        col: usize,
        zero: T,
        patch: &mut [T; K],
    ) {
        let (h, w, cg) = (self.h, self.w, self.cg());
        let base = g * cg * h * w;
        for c in 0..cg {
            for i in 0..self.kh {
                // Below 0 wraps to a huge index: both sides of the padding read `zero`.
                let yy = (r * self.stride + i * self.dilation).wrapping_sub(self.pad);
                for j in 0..self.kw {
                    let xx = (col * self.stride + j * self.dilation).wrapping_sub(self.pad);
                    patch[(c * self.kh + i) * self.kw + j] = if yy < h && xx < w {
                        x[base + (c * h + yy) * w + xx]
                    } else {
                        zero
                    };
                }
            }
        }
    }

    /// For output column range `ow0..ow0+n` and kernel column `j`: the first `t` whose input
    /// column lies inside the image, the end of that range, and the input column at `t = 0`.
    #[inline]
    fn cols(&self, ow0: usize, n: usize, j: usize) -> (usize, usize, isize) {
        let s = self.stride as isize;
        let iw0 = (ow0 * self.stride + j * self.dilation) as isize - self.pad as isize;
        // iw0 + t s >= 0  and  iw0 + t s < w
        let lo = if iw0 >= 0 { 0 } else { ((-iw0) + s - 1) / s };
        let hi = if (self.w as isize) <= iw0 {
            0
        } else {
            ((self.w as isize - iw0) + s - 1) / s
        };
        let lo = (lo as usize).min(n);
        (lo, (hi as usize).clamp(lo, n), iw0)
    }

    /// Calls `f(dst_offset, row_base, lo, hi, iw0)` for each output-row segment of pixels
    /// `p0..p0+len`, for kernel tap `(i, j)` of input channel `c`: the segment covers
    /// `dst_offset..dst_offset+n` of the block, its in-image part `lo..hi`, and the input
    /// row starts at `row_base` (`None` when the row lies in the padding).
    #[inline]
    fn segments(
        &self,
        p0: usize,
        len: usize,
        c: usize,
        i: usize,
        j: usize,
        mut f: impl FnMut(usize, usize, Option<usize>, usize, usize, isize),
    ) {
        let ow_n = self.ow();
        let (mut oh, mut ow) = (p0 / ow_n, p0 % ow_n);
        // Every whole output row meets the same input columns: computed once.
        let full = self.cols(0, ow_n, j);
        let mut t = 0;
        while t < len {
            let n = (len - t).min(ow_n - ow);
            let ih = (oh * self.stride + i * self.dilation) as isize - self.pad as isize;
            let row =
                (ih >= 0 && (ih as usize) < self.h).then(|| (c * self.h + ih as usize) * self.w);
            let (lo, hi, iw0) = if n == ow_n { full } else { self.cols(ow, n, j) };
            f(t, n, row, lo, hi, iw0);
            t += n;
            oh += 1;
            ow = 0;
        }
    }
}

/// A block of the im2col matrix: pixels `p0..p0+len`, columns `k0..k0+kn` of group `g`.
#[derive(Clone, Copy)]
struct Block {
    g: usize,
    p0: usize,
    len: usize,
    k0: usize,
    kn: usize,
}

/// Gathers the im2col block `b` into `buf` (column `k - k0` at `buf[k - k0]`).
fn im2col<T: Scalar>(geo: &ConvGeometry, x: &[T], b: Block, buf: &mut [[T; PIX]; KB]) {
    let Block { g, p0, len, k0, kn } = b;
    for (kk, col) in buf.iter_mut().enumerate().take(kn) {
        im2col_column(geo, x, g, k0 + kk, p0, &mut col[..len]);
    }
}

/// Column `k` of group `g`'s im2col matrix of one sample `x`, rows (output pixels)
/// `p0..p0 + dst.len()`, into `dst`: the input value tap `k` of each pixel meets, zero in the
/// padding. The batch path of the convolution layer gathers its matrices with it.
#[inline]
pub(crate) fn im2col_column<T: Scalar>(
    geo: &ConvGeometry,
    x: &[T],
    g: usize,
    k: usize,
    p0: usize,
    dst: &mut [T],
) {
    let cg = geo.cg();
    let s = geo.stride;
    let (c, tap) = (k % cg, k / cg);
    let (i, j) = (tap % geo.kh, tap / geo.kh);
    geo.segments(p0, dst.len(), g * cg + c, i, j, |t, n, row, lo, hi, iw0| {
        let dst = &mut dst[t..t + n];
        match row {
            None => dst.fill(T::zero()),
            Some(base) => {
                dst[..lo].fill(T::zero());
                dst[hi..].fill(T::zero());
                if lo == hi {
                    return;
                }
                let start = (base as isize + iw0 + (lo * s) as isize) as usize;
                if s == 1 {
                    dst[lo..hi].copy_from_slice(&x[start..start + (hi - lo)]);
                } else {
                    for (d, v) in dst[lo..hi].iter_mut().zip(x[start..].iter().step_by(s)) {
                        *d = *v;
                    }
                }
            }
        }
    });
}

/// Adds block `b` of `dA`, held in `buf`, onto `dx`.
fn col2im<T: Scalar>(geo: &ConvGeometry, dx: &mut [T], b: Block, buf: &[[T; PIX]; KB]) {
    let Block { g, p0, len, k0, kn } = b;
    for (kk, col) in buf.iter().enumerate().take(kn) {
        col2im_column(geo, dx, g, k0 + kk, p0, &col[..len]);
    }
}

/// The adjoint of [`im2col_column`]: adds `src` (column `k` of group `g`'s `dA`, rows
/// `p0..p0 + src.len()`) onto the inputs of one sample's `dx` that the taps met.
#[inline]
pub(crate) fn col2im_column<T: Scalar>(
    geo: &ConvGeometry,
    dx: &mut [T],
    g: usize,
    k: usize,
    p0: usize,
    src: &[T],
) {
    let cg = geo.cg();
    let s = geo.stride;
    let (c, tap) = (k % cg, k / cg);
    let (i, j) = (tap % geo.kh, tap / geo.kh);
    geo.segments(p0, src.len(), g * cg + c, i, j, |t, _, row, lo, hi, iw0| {
        if let (Some(base), true) = (row, lo < hi) {
            let start = (base as isize + iw0 + (lo * s) as isize) as usize;
            let src = &src[t + lo..t + hi];
            if s == 1 {
                for (d, v) in dx[start..start + src.len()].iter_mut().zip(src) {
                    *d += *v;
                }
            } else {
                for (d, v) in dx[start..].iter_mut().step_by(s).zip(src) {
                    *d += *v;
                }
            }
        }
    });
}

/// `y = conv(x)`; `bias` of `F` values or none. Allocates nothing.
///
/// ```
/// use nn_core::__private::kernels::{conv_forward, ConvGeometry};
/// // One 3x3 image, one 2x2 filter of ones: each output is a sum of a 2x2 window.
/// let g = ConvGeometry { c: 1, h: 3, w: 3, f: 1, kh: 2, kw: 2, stride: 1, pad: 0, dilation: 1, groups: 1 };
/// let x: Vec<f64> = (1..=9).map(f64::from).collect();
/// let mut y = [0.0; 4];
/// conv_forward(&g, &[1.0; 4], None, &x, &mut y);
/// assert_eq!(y, [12.0, 16.0, 24.0, 28.0]);
/// ```
pub fn conv_forward<T: Scalar>(
    geo: &ConvGeometry,
    weight: &[T],
    bias: Option<&[T]>,
    x: &[T],
    y: &mut [T],
) {
    let (ohw, f, k) = (geo.oh() * geo.ow(), geo.f, geo.k());
    assert!(
        geo.is_valid()
            && weight.len() == f * k
            && x.len() == geo.c * geo.h * geo.w
            && y.len() == f * ohw,
        "conv_forward: sizes disagree with {geo:?}"
    );
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if geo.stride == 1
        && TypeId::of::<T>() == TypeId::of::<f32>()
        && super::x86::level() == super::x86::Level::Avx512
    {
        fn f32s<T: Scalar>(v: &[T]) -> &[f32] {
            bytemuck::cast_slice(v)
        }
        // SAFETY: AVX-512F detected, stride 1, lengths checked above; `T` is `f32`.
        return unsafe {
            super::conv_avx512::forward_stride1(
                geo,
                f32s(weight),
                bias.map(f32s::<T>),
                f32s(x),
                bytemuck::cast_slice_mut(y),
            )
        };
    }
    for (fi, out) in y.chunks_exact_mut(ohw).enumerate() {
        out.fill(bias.map_or(T::zero(), |b| b[fi]));
    }
    let mut buf = [[T::zero(); PIX]; KB];
    let fg = geo.fg();
    for g in 0..geo.groups {
        for p0 in (0..ohw).step_by(PIX) {
            let len = (ohw - p0).min(PIX);
            for k0 in (0..k).step_by(KB) {
                let kn = (k - k0).min(KB);
                im2col(geo, x, Block { g, p0, len, k0, kn }, &mut buf);
                // y[p0.., f0..f0+fg] += A (len x kn) · Wᵀ[k0.., f0..]
                let f0 = g * fg;
                // SAFETY: every index lies inside the slices checked above and the buffer.
                unsafe {
                    product(Product {
                        m: len,
                        n: fg,
                        k: kn,
                        a: buf.as_ptr().cast(),
                        lda: PIX,
                        b: weight.as_ptr().add(f0 + k0 * f),
                        rsb: f as isize,
                        csb: 1,
                        c: y.as_mut_ptr().add(f0 * ohw + p0),
                        ldc: ohw,
                        accumulate: true,
                    });
                }
            }
        }
    }
}

/// The direct AVX-512 kernel over a batch of `n` samples (one after another in `x` and
/// `y`), where it applies (`f32`, stride 1, AVX-512F): returns whether it ran. The batch
/// path of the convolution layer takes it in place of im2col and a product, which it beats
/// for the forward (it copies nothing).
#[cfg(feature = "alloc")]
pub(crate) fn direct_forward_batch<T: Scalar>(
    geo: &ConvGeometry,
    weight: &[T],
    bias: Option<&[T]>,
    x: &[T],
    y: &mut [T],
    n: usize,
) -> bool {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if geo.stride == 1
        && TypeId::of::<T>() == TypeId::of::<f32>()
        && super::x86::level() == super::x86::Level::Avx512
    {
        let (f, k, ohw) = (geo.f, geo.k(), geo.oh() * geo.ow());
        assert!(
            geo.is_valid()
                && weight.len() == f * k
                && bias.is_none_or(|b| b.len() == f)
                && x.len() == n * geo.c * geo.h * geo.w
                && y.len() == n * f * ohw,
            "direct_forward_batch: sizes disagree with {geo:?}"
        );
        fn f32s<T: Scalar>(v: &[T]) -> &[f32] {
            bytemuck::cast_slice(v)
        }
        // SAFETY: AVX-512F detected, stride 1, lengths checked above; `T` is `f32`.
        unsafe {
            super::conv_avx512::forward_stride1_batch(
                geo,
                f32s(weight),
                bias.map(f32s::<T>),
                f32s(x),
                bytemuck::cast_slice_mut(y),
                n,
            )
        };
        return true;
    }
    let _ = (geo, weight, bias, x, y, n);
    false
}

/// Backward of [`conv_forward`] for one sample, given `dy = dℓ/dy`: adds `dℓ/dW` onto
/// `dweight` and `dℓ/db` onto `dbias` when `accumulate`, else overwrites them; writes
/// `dℓ/dx` into `dx` when given. Allocates nothing.
#[allow(clippy::too_many_arguments)]
pub fn conv_backward<T: Scalar>(
    geo: &ConvGeometry,
    weight: &[T],
    x: &[T],
    dy: &[T],
    dweight: &mut [T],
    dbias: Option<&mut [T]>,
    mut dx: Option<&mut [T]>,
    accumulate: bool,
) {
    let (ohw, f, k) = (geo.oh() * geo.ow(), geo.f, geo.k());
    assert!(
        geo.is_valid()
            && weight.len() == f * k
            && dweight.len() == f * k
            && x.len() == geo.c * geo.h * geo.w
            && dy.len() == f * ohw
            && dx.as_ref().is_none_or(|d| d.len() == x.len()),
        "conv_backward: sizes disagree with {geo:?}"
    );
    if !accumulate {
        dweight.fill(T::zero());
    }
    if let Some(db) = dbias {
        for (b, d) in db.iter_mut().zip(dy.chunks_exact(ohw)) {
            let s = d.iter().fold(T::zero(), |a, &v| a + v);
            *b = if accumulate { *b + s } else { s };
        }
    }
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if geo.stride == 1
        && TypeId::of::<T>() == TypeId::of::<f32>()
        && super::x86::level() == super::x86::Level::Avx512
    {
        // SAFETY: AVX-512F detected, stride 1, lengths checked above; `T` is `f32`.
        return unsafe {
            super::conv_avx512::backward_stride1(
                geo,
                bytemuck::cast_slice(weight),
                bytemuck::cast_slice(x),
                bytemuck::cast_slice(dy),
                bytemuck::cast_slice_mut(dweight),
                true,
                dx.map(|d| bytemuck::cast_slice_mut(d)),
            )
        };
    }
    if let Some(dx) = dx.as_deref_mut() {
        dx.fill(T::zero());
    }
    let mut a = [[T::zero(); PIX]; KB];
    let mut dyt = [[T::zero(); FB]; PIX];
    let fg = geo.fg();
    for g in 0..geo.groups {
        let f0 = g * fg;
        for p0 in (0..ohw).step_by(PIX) {
            let len = (ohw - p0).min(PIX);
            for k0 in (0..k).step_by(KB) {
                let kn = (k - k0).min(KB);
                im2col(geo, x, Block { g, p0, len, k0, kn }, &mut a);
                for fb in (0..fg).step_by(FB) {
                    let fnum = (fg - fb).min(FB);
                    // dYᵀ block (fnum x len), so the product's left operand has unit stride.
                    for (t, col) in dyt.iter_mut().enumerate().take(len) {
                        for (r, v) in col.iter_mut().enumerate().take(fnum) {
                            *v = dy[(f0 + fb + r) * ohw + p0 + t];
                        }
                    }
                    // dW[f.., k0..] += dYᵀ (fnum x len) · A (len x kn)
                    // SAFETY: every index lies inside the checked slices and the buffers.
                    unsafe {
                        product(Product {
                            m: fnum,
                            n: kn,
                            k: len,
                            a: dyt.as_ptr().cast(),
                            lda: FB,
                            b: a.as_ptr().cast(),
                            rsb: 1,
                            csb: PIX as isize,
                            c: dweight.as_mut_ptr().add(f0 + fb + k0 * f),
                            ldc: f,
                            accumulate: true,
                        });
                    }
                }
                if let Some(dx) = dx.as_deref_mut() {
                    // dA (len x kn) = dY[p0.., f0..f0+fg] · W[f0.., k0..]
                    // SAFETY: as above; `a` is overwritten (it is not read again).
                    unsafe {
                        product(Product {
                            m: len,
                            n: kn,
                            k: fg,
                            a: dy.as_ptr().add(f0 * ohw + p0),
                            lda: ohw,
                            b: weight.as_ptr().add(f0 + k0 * f),
                            rsb: 1,
                            csb: f as isize,
                            c: a.as_mut_ptr().cast(),
                            ldc: PIX,
                            accumulate: false,
                        });
                    }
                    col2im(geo, dx, Block { g, p0, len, k0, kn }, &a);
                }
            }
        }
    }
}

/// `C (m x n) (+)= A (m x k) · B (k x n)`: `A` and `C` column-major with unit row stride,
/// `B` through any strides.
#[derive(Clone, Copy)]
struct Product<T> {
    m: usize,
    n: usize,
    k: usize,
    a: *const T,
    lda: usize,
    b: *const T,
    rsb: isize,
    csb: isize,
    c: *mut T,
    ldc: usize,
    accumulate: bool,
}

/// Runs a [`Product`] on the best kernel for `T` and this CPU; allocates nothing.
///
/// # Safety
/// The pointers and strides must describe valid memory; `C` must not overlap `A` or `B`.
unsafe fn product<T: Scalar>(p: Product<T>) {
    if p.m == 0 || p.n == 0 {
        return;
    }
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if TypeId::of::<T>() == TypeId::of::<f32>() {
        match super::x86::level() {
            super::x86::Level::Avx512 => {
                let g = super::gemm_avx512::Gemm {
                    m: p.m,
                    n: p.n,
                    k: p.k,
                    a: p.a.cast(),
                    lda: p.lda,
                    b: p.b.cast(),
                    rsb: p.rsb,
                    csb: p.csb,
                    c: p.c.cast(),
                    ldc: p.ldc,
                    accumulate: p.accumulate,
                };
                // SAFETY: AVX-512F detected; `T` is `f32`; the memory is the caller's.
                return unsafe { super::gemm_avx512::gemm(g) };
            }
            // SAFETY: AVX2 and FMA detected; the memory is the caller's.
            super::x86::Level::Avx2 => return unsafe { product_avx2(p) },
            super::x86::Level::Baseline => {}
        }
    }
    // SAFETY: forwarded.
    unsafe { product_portable(p) }
}

/// [`product_portable`] compiled for AVX2 and FMA.
///
/// # Safety
/// The CPU must have AVX2 and FMA; `p` as [`product`] requires.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2,fma")]
unsafe fn product_avx2<T: Scalar>(p: Product<T>) {
    // SAFETY: forwarded.
    unsafe { product_portable(p) }
}

/// The portable product: for each column of `C`, a sum of scaled columns of `A`, which the
/// compiler vectorizes (for AVX2 too when inlined into [`product_avx2`]).
///
/// # Safety
/// As [`product`]: `A` (`m x k`, column stride `lda`), `B` (`k x n` through its strides)
/// and `C` (`m x n`, column stride `ldc`) lie in valid memory, `C` overlapping neither.
#[inline(always)]
unsafe fn product_portable<T: Scalar>(p: Product<T>) {
    // SAFETY: the caller's contract covers every element touched.
    unsafe {
        for j in 0..p.n {
            let c = core::slice::from_raw_parts_mut(p.c.add(j * p.ldc), p.m);
            if !p.accumulate {
                c.fill(T::zero());
            }
            for q in 0..p.k {
                let bv = *p.b.offset(q as isize * p.rsb + j as isize * p.csb);
                let a = core::slice::from_raw_parts(p.a.add(q * p.lda), p.m);
                for (c, &a) in c.iter_mut().zip(a) {
                    *c += a * bv;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    /// The `f32` path (the direct AVX-512 kernel for stride 1, the AVX-512 or AVX2 products
    /// otherwise, where the CPU has them) against the `f64` portable path, which the
    /// gradient checks compare with the formula. Widths above 16 and 32 cross the direct
    /// kernel's vector edges.
    #[test]
    fn f32_kernels_agree_with_the_f64_loop() {
        let geos = [
            (1, 28, 28, 8, 3, 3, 1, 1, 1, 1),
            (8, 14, 14, 16, 3, 3, 1, 1, 1, 1),
            (4, 9, 7, 6, 3, 2, 2, 1, 2, 2),
            (16, 6, 6, 70, 3, 3, 1, 1, 1, 1),
            (3, 9, 20, 5, 3, 3, 1, 2, 2, 1),
            (4, 6, 37, 6, 3, 2, 1, 1, 1, 2),
        ];
        for (c, h, w, f, kh, kw, stride, pad, dilation, groups) in geos {
            let geo = ConvGeometry {
                c,
                h,
                w,
                f,
                kh,
                kw,
                stride,
                pad,
                dilation,
                groups,
            };
            compare(geo);
        }
    }

    /// The `f32` kernels against the `f64` portable loop on one geometry (forward, weight,
    /// bias and input gradients).
    fn compare(geo: ConvGeometry) {
        let ConvGeometry { c, h, w, f, .. } = geo;
        let val = |i: usize, m: usize| ((i * m % 97) as f64 - 48.0) / 50.0;
        let w64: Vec<f64> = (0..f * geo.k()).map(|i| val(i, 31)).collect();
        let b64: Vec<f64> = (0..f).map(|i| val(i, 7)).collect();
        let x64: Vec<f64> = (0..c * h * w).map(|i| val(i, 13)).collect();
        let dy64: Vec<f64> = (0..f * geo.oh() * geo.ow()).map(|i| val(i, 17)).collect();
        let to32 = |v: &[f64]| v.iter().map(|&a| a as f32).collect::<Vec<f32>>();
        let (w32, b32, x32, dy32) = (to32(&w64), to32(&b64), to32(&x64), to32(&dy64));

        let mut y64 = alloc::vec![0.0; dy64.len()];
        let mut y32 = alloc::vec![0.0f32; dy64.len()];
        conv_forward(&geo, &w64, Some(&b64), &x64, &mut y64);
        conv_forward(&geo, &w32, Some(&b32), &x32, &mut y32);
        let (mut dw64, mut db64, mut dx64) = (
            alloc::vec![0.0; w64.len()],
            alloc::vec![0.0; f],
            alloc::vec![0.0; x64.len()],
        );
        let (mut dw32, mut db32, mut dx32) = (
            alloc::vec![f32::NAN; w64.len()],
            alloc::vec![f32::NAN; f],
            alloc::vec![f32::NAN; x64.len()],
        );
        conv_backward(
            &geo,
            &w64,
            &x64,
            &dy64,
            &mut dw64,
            Some(&mut db64),
            Some(&mut dx64),
            false,
        );
        conv_backward(
            &geo,
            &w32,
            &x32,
            &dy32,
            &mut dw32,
            Some(&mut db32),
            Some(&mut dx32),
            false,
        );
        for (what, a, b) in [
            ("y", &y32, &y64),
            ("dw", &dw32, &dw64),
            ("db", &db32, &db64),
            ("dx", &dx32, &dx64),
        ] {
            for (i, (&a, &b)) in a.iter().zip(b.iter()).enumerate() {
                assert!(
                    (f64::from(a) - b).abs() <= 1e-4 * (1.0 + b.abs()),
                    "{geo:?} {what}[{i}]: {a} vs {b}"
                );
            }
        }
    }

    /// Random geometries: widths that leave every remainder of the direct kernel's
    /// 16-lane rows, filter and channel counts around its blocks, strides (the im2col
    /// product path), padding, dilation and groups.
    #[test]
    fn f32_kernels_agree_with_the_f64_loop_on_random_geometries() {
        use rand::{rngs::StdRng, Rng, SeedableRng};
        let mut rng = StdRng::seed_from_u64(12);
        let mut tried = 0;
        while tried < 150 {
            let groups = rng.random_range(1..=3usize);
            let geo = ConvGeometry {
                c: groups * rng.random_range(1..=3usize),
                h: rng.random_range(1..=10usize),
                w: rng.random_range(1..=40usize),
                f: groups * rng.random_range(1..=20usize),
                kh: rng.random_range(1..=3usize),
                kw: rng.random_range(1..=3usize),
                stride: rng.random_range(1..=2usize),
                pad: rng.random_range(0..=2usize),
                dilation: rng.random_range(1..=2usize),
                groups,
            };
            if !geo.is_valid() || geo.oh() == 0 || geo.ow() == 0 {
                continue;
            }
            tried += 1;
            compare(geo);
        }
    }
}
