//! The batch path of [`Conv2d`](super::Conv2d): a whole batch as matrix products.
//!
//! Stack the im2col matrices of the `n` samples of a batch on top of each other: `A` is
//! `(n·OH·OW) x K`, row `s·OH·OW + p` holding the receptive field of output pixel `p` of
//! sample `s` (group `g`'s channels), `K = (C/G)·kh·kw`. Then, for each group `g` with its
//! filters' weights `W_g` (`F/G x K`) and the matching columns `Y_g`, `dY_g` of the outputs
//! (`n·OH·OW x F/G`, pixels of all samples down each column):
//!
//! ```text
//! Y_g   = A_g W_gᵀ (+ b)          forward
//! dW_g  = dY_gᵀ A_g               backward, summed over the batch by the product itself
//! dA_g  = dY_g W_g,  dx = col2im(dA_g)
//! db    = Σ_{s, p} dY[s, ·, p]
//! ```
//!
//! Each is one [`gemm`] over every sample of the batch. (The forward in `f32` at stride 1
//! on a CPU with AVX-512 takes the direct convolution kernel instead, run over the whole
//! batch filter block by filter block: it copies nothing and is faster there.) So that a big image does not make
//! `A` big, the rows are taken in chunks of at most [`CHUNK_BYTES`] of buffers (whole
//! samples or parts of one), each chunk one product; the buffers live in a
//! [`ConvWorkspace`] in the layer's trace, so after the first step of a given batch size
//! nothing is allocated. The products run on whatever kernel [`gemm`] picks for the shape.
//!
//! Shapes: `x` is `C·H·W x n`, `y` and `dy` `F·OH·OW x n` (one sample per column, C,H,W
//! order), the weight the column-major `F x K` matrix of [`Conv2d`](super::Conv2d).

use crate::kernels::{
    col2im_column, direct_forward_batch, gemm, im2col_column, ConvGeometry, Operand,
};
use crate::Scalar;
use alloc::vec::Vec;
use core::cell::RefCell;

/// The most bytes a chunk's buffers (`A`, and `dY` twice in the backward) take; the rows
/// of a chunk follow from it (at least one).
pub const CHUNK_BYTES: usize = 1 << 20;

/// Scratch buffers of a convolution's batch path, kept in the trace between steps.
///
/// They grow on first use to what the batch needs (bounded by [`CHUNK_BYTES`] plus one
/// group's weights) and are reused afterwards.
///
/// ```
/// use nn_core::layer::{BatchOp, Conv2d, ConvWorkspace};
/// use nn_core::Batch;
/// type Conv = Conv2d<f64, 1, 4, 4, 2, 3, 3, 1, 1, 1, 1, 9, true>;
/// let conv = Conv::zeros();
/// let mut ws: ConvWorkspace<f64> = <Conv as BatchOp<f64, 16, 32>>::empty_batch_cache();
/// let mut y = Batch::<f64, 32>::zeros(0);
/// conv.op_forward_batch(&Batch::<f64, 16>::zeros(3), &mut y, &mut ws, true);
/// assert_eq!(y.ncols(), 3);
/// ```
#[derive(Debug, Default)]
pub struct ConvWorkspace<T> {
    bufs: RefCell<Buffers<T>>,
}

impl<T> ConvWorkspace<T> {
    /// Empty buffers.
    pub fn new() -> Self {
        Self {
            bufs: RefCell::new(Buffers {
                a: Vec::new(),
                y: Vec::new(),
                yt: Vec::new(),
                w: Vec::new(),
                dw: Vec::new(),
            }),
        }
    }
}

#[derive(Debug, Default)]
struct Buffers<T> {
    /// A chunk of `A` (`rows x K`), or of `dA` in the backward.
    a: Vec<T>,
    /// A chunk of `Y_g` or `dY_g` (`rows x F/G`).
    y: Vec<T>,
    /// `dY_gᵀ` (`F/G x rows`), the product kernels' preferred left operand for `dW_g`.
    yt: Vec<T>,
    /// `W_g` as its own `F/G x K` matrix (groups > 1).
    w: Vec<T>,
    /// `dW_g` (groups > 1).
    dw: Vec<T>,
}

/// Resizes `v` to `len` values (growing only the first time a size is seen).
fn fit<T: Scalar>(v: &mut Vec<T>, len: usize) -> &mut [T] {
    if v.len() < len {
        v.resize(len, T::zero());
    }
    &mut v[..len]
}

/// The rows of one chunk, given `K` and `F/G`: `A` plus `dY` twice within the budget.
fn chunk_rows<T>(geo: &ConvGeometry, total: usize) -> usize {
    let per_row = (geo.k() + 2 * geo.fg()) * core::mem::size_of::<T>();
    let rows = (CHUNK_BYTES / per_row.max(1)).clamp(1, total.max(1));
    // Whole samples where at least one fits, so most pieces are whole planes.
    let ohw = geo.oh() * geo.ow();
    if rows >= ohw {
        rows / ohw * ohw
    } else {
        rows
    }
}

/// Calls `f(s, p0, len, off)` for each sample's part of rows `r0..r0 + m` of the batch's
/// stacked matrices: sample `s`, its pixels `p0..p0 + len`, at row `off` of the chunk.
fn pieces(ohw: usize, r0: usize, m: usize, mut f: impl FnMut(usize, usize, usize, usize)) {
    let mut off = 0;
    while off < m {
        let r = r0 + off;
        let (s, p0) = (r / ohw, r % ohw);
        let len = (ohw - p0).min(m - off);
        f(s, p0, len, off);
        off += len;
    }
}

/// `Σ v`, in 16 interleaved partial sums (so the compiler vectorizes it).
fn sum<T: Scalar>(v: &[T]) -> T {
    let mut acc = [T::zero(); 16];
    let mut chunks = v.chunks_exact(16);
    for c in &mut chunks {
        for (a, &x) in acc.iter_mut().zip(c) {
            *a += x;
        }
    }
    let tail = chunks.remainder().iter().fold(T::zero(), |a, &x| a + x);
    acc.iter().fold(tail, |a, &x| a + x)
}

/// Group `g`'s weights `W_g` (`F/G x K`): `weight` itself with one group, else copied.
fn group_weights<'a, T: Scalar>(
    geo: &ConvGeometry,
    weight: &'a [T],
    g: usize,
    buf: &'a mut Vec<T>,
) -> &'a [T] {
    if geo.groups == 1 {
        return weight;
    }
    let (f, fg, k) = (geo.f, geo.fg(), geo.k());
    let w = fit(buf, fg * k);
    for (dst, src) in w.chunks_exact_mut(fg).zip(weight.chunks_exact(f)) {
        dst.copy_from_slice(&src[g * fg..(g + 1) * fg]);
    }
    w
}

/// Gathers rows `r0..r0 + m` of group `g`'s stacked im2col matrix into `a` (`m x K`).
fn gather<T: Scalar>(geo: &ConvGeometry, x: &[T], g: usize, r0: usize, m: usize, a: &mut [T]) {
    let (ohw, inn) = (geo.oh() * geo.ow(), geo.c * geo.h * geo.w);
    pieces(ohw, r0, m, |s, p0, len, off| {
        let xs = &x[s * inn..(s + 1) * inn];
        for (k, col) in a.chunks_exact_mut(m).enumerate() {
            im2col_column(geo, xs, g, k, p0, &mut col[off..off + len]);
        }
    });
}

/// `Y = conv(X)` for a batch of `n = x.len() / (C·H·W)` samples; `y` is overwritten.
pub(crate) fn forward<T: Scalar>(
    geo: &ConvGeometry,
    weight: &[T],
    bias: Option<&[T]>,
    x: &[T],
    y: &mut [T],
    ws: &mut ConvWorkspace<T>,
) {
    let n = y.len() / (geo.f * geo.oh() * geo.ow());
    if direct_forward_batch(geo, weight, bias, x, y, n) {
        return;
    }
    let total = n * geo.oh() * geo.ow();
    forward_in_chunks(geo, weight, bias, x, y, ws, chunk_rows::<T>(geo, total));
}

/// [`forward`] in chunks of `rows` rows of the stacked matrices.
fn forward_in_chunks<T: Scalar>(
    geo: &ConvGeometry,
    weight: &[T],
    bias: Option<&[T]>,
    x: &[T],
    y: &mut [T],
    ws: &mut ConvWorkspace<T>,
    rows: usize,
) {
    let (ohw, k, fg) = (geo.oh() * geo.ow(), geo.k(), geo.fg());
    let out = geo.f * ohw;
    let total = y.len() / out * ohw;
    let Buffers { a, y: yb, w, .. } = ws.bufs.get_mut();
    for g in 0..geo.groups {
        let wg = group_weights(geo, weight, g, w);
        let f0 = g * fg;
        for r0 in (0..total).step_by(rows) {
            let m = rows.min(total - r0);
            let a = fit(a, m * k);
            gather(geo, x, g, r0, m, a);
            let yg = fit(yb, m * fg);
            gemm(
                T::one(),
                Operand::n(a, m),
                Operand::t(wg, fg),
                T::zero(),
                yg,
                m,
            );
            // Column f of Y_g holds filter f0 + f of every pixel in the chunk.
            pieces(ohw, r0, m, |s, p0, len, off| {
                for (f, col) in yg.chunks_exact(m).enumerate() {
                    let b = bias.map_or(T::zero(), |b| b[f0 + f]);
                    let dst = &mut y[s * out + (f0 + f) * ohw + p0..][..len];
                    for (d, &v) in dst.iter_mut().zip(&col[off..off + len]) {
                        *d = v + b;
                    }
                }
            });
        }
    }
}

/// The backward of [`forward`] given `dy`: overwrites `dweight` with `dℓ/dW` and `dbias`
/// with `dℓ/db` (both summed over the batch), and `dx` with `dℓ/dx` when given.
#[allow(clippy::too_many_arguments)]
pub(crate) fn backward<T: Scalar>(
    geo: &ConvGeometry,
    weight: &[T],
    x: &[T],
    dy: &[T],
    dweight: &mut [T],
    dbias: Option<&mut [T]>,
    dx: Option<&mut [T]>,
    ws: &ConvWorkspace<T>,
) {
    let total = dy.len() / (geo.f * geo.oh() * geo.ow()) * geo.oh() * geo.ow();
    let rows = chunk_rows::<T>(geo, total);
    backward_in_chunks(geo, weight, x, dy, dweight, dbias, dx, ws, rows);
}

/// [`backward`] in chunks of `rows` rows of the stacked matrices.
#[allow(clippy::too_many_arguments)]
fn backward_in_chunks<T: Scalar>(
    geo: &ConvGeometry,
    weight: &[T],
    x: &[T],
    dy: &[T],
    dweight: &mut [T],
    dbias: Option<&mut [T]>,
    mut dx: Option<&mut [T]>,
    ws: &ConvWorkspace<T>,
    rows: usize,
) {
    let (ohw, k, f, fg) = (geo.oh() * geo.ow(), geo.k(), geo.f, geo.fg());
    let (out, inn) = (f * ohw, geo.c * geo.h * geo.w);
    let total = dy.len() / out * ohw;
    if let Some(db) = dbias {
        db.fill(T::zero());
        for (plane, d) in dy.chunks_exact(ohw).enumerate() {
            db[plane % f] += sum(d);
        }
    }
    if let Some(dx) = dx.as_deref_mut() {
        dx.fill(T::zero());
    }
    let mut bufs = ws.bufs.borrow_mut();
    let Buffers {
        a,
        y: yb,
        yt,
        w,
        dw,
    } = &mut *bufs;
    for g in 0..geo.groups {
        let wg = group_weights(geo, weight, g, w);
        let f0 = g * fg;
        let dwg = if geo.groups == 1 {
            &mut *dweight
        } else {
            fit(dw, fg * k)
        };
        dwg.fill(T::zero());
        for r0 in (0..total).step_by(rows) {
            let m = rows.min(total - r0);
            let a = fit(a, m * k);
            gather(geo, x, g, r0, m, a);
            // dY_gᵀ (F/G x m), straight from `dy`.
            let dyt = fit(yt, fg * m);
            pieces(ohw, r0, m, |s, p0, len, off| {
                let planes = &dy[s * out + f0 * ohw..s * out + (f0 + fg) * ohw];
                for (pp, dst) in dyt[off * fg..(off + len) * fg]
                    .chunks_exact_mut(fg)
                    .enumerate()
                {
                    for (d, plane) in dst.iter_mut().zip(planes.chunks_exact(ohw)) {
                        *d = plane[p0 + pp];
                    }
                }
            });
            // dW_g += dY_gᵀ A_g
            gemm(
                T::one(),
                Operand::n(dyt, fg),
                Operand::n(a, m),
                T::one(),
                dwg,
                fg,
            );
            if let Some(dx) = dx.as_deref_mut() {
                // dY_g (m x F/G), then dA_g = dY_g W_g written over A_g (no longer needed).
                let dyg = fit(yb, m * fg);
                pieces(ohw, r0, m, |s, p0, len, off| {
                    for (fl, col) in dyg.chunks_exact_mut(m).enumerate() {
                        let src = &dy[s * out + (f0 + fl) * ohw + p0..][..len];
                        col[off..off + len].copy_from_slice(src);
                    }
                });
                gemm(
                    T::one(),
                    Operand::n(dyg, m),
                    Operand::n(wg, fg),
                    T::zero(),
                    a,
                    m,
                );
                pieces(ohw, r0, m, |s, p0, len, off| {
                    let dxs = &mut dx[s * inn..(s + 1) * inn];
                    for (kk, col) in a.chunks_exact(m).enumerate() {
                        col2im_column(geo, dxs, g, kk, p0, &col[off..off + len]);
                    }
                });
            }
        }
        if geo.groups > 1 {
            for (dst, src) in dweight.chunks_exact_mut(f).zip(dw.chunks_exact(fg).take(k)) {
                dst[f0..f0 + fg].copy_from_slice(src);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::{conv_backward, conv_forward};
    use alloc::vec;

    /// Chunks of every size (parts of a sample, a sample and a half, the whole batch) give
    /// what the one-sample kernels give sample by sample, forward and backward.
    #[test]
    fn chunks_of_any_size_agree_with_the_one_sample_kernels() {
        let geos = [
            ConvGeometry {
                c: 2,
                h: 5,
                w: 6,
                f: 3,
                kh: 3,
                kw: 3,
                stride: 1,
                pad: 1,
                dilation: 1,
                groups: 1,
            },
            ConvGeometry {
                c: 4,
                h: 7,
                w: 6,
                f: 6,
                kh: 3,
                kw: 2,
                stride: 2,
                pad: 1,
                dilation: 2,
                groups: 2,
            },
        ];
        for geo in geos {
            let (n, inn, ohw) = (3, geo.c * geo.h * geo.w, geo.oh() * geo.ow());
            let out = geo.f * ohw;
            let val = |i: usize, m: usize| ((i * m % 97) as f64 - 48.0) / 50.0;
            let w: Vec<f64> = (0..geo.f * geo.k()).map(|i| val(i, 31)).collect();
            let b: Vec<f64> = (0..geo.f).map(|i| val(i, 7)).collect();
            let x: Vec<f64> = (0..n * inn).map(|i| val(i, 13)).collect();
            let dy: Vec<f64> = (0..n * out).map(|i| val(i, 17)).collect();
            let (mut y1, mut dw1, mut db1, mut dx1) = (
                vec![0.0; n * out],
                vec![0.0; w.len()],
                vec![0.0; geo.f],
                vec![0.0; n * inn],
            );
            for s in 0..n {
                let (xs, dys) = (&x[s * inn..][..inn], &dy[s * out..][..out]);
                conv_forward(&geo, &w, Some(&b), xs, &mut y1[s * out..][..out]);
                let dxs = Some(&mut dx1[s * inn..][..inn]);
                conv_backward(&geo, &w, xs, dys, &mut dw1, Some(&mut db1), dxs, true);
            }
            for rows in [1, 5, ohw, ohw + ohw / 2, n * ohw] {
                let mut ws = ConvWorkspace::new();
                let mut y = vec![f64::NAN; n * out];
                forward_in_chunks(&geo, &w, Some(&b), &x, &mut y, &mut ws, rows);
                let (mut dw, mut db, mut dx) = (
                    vec![f64::NAN; w.len()],
                    vec![f64::NAN; geo.f],
                    vec![f64::NAN; n * inn],
                );
                let (dbs, dxs) = (Some(&mut db[..]), Some(&mut dx[..]));
                backward_in_chunks(&geo, &w, &x, &dy, &mut dw, dbs, dxs, &ws, rows);
                for (what, a, b) in [
                    ("y", &y, &y1),
                    ("dw", &dw, &dw1),
                    ("db", &db, &db1),
                    ("dx", &dx, &dx1),
                ] {
                    for (i, (a, b)) in a.iter().zip(b.iter()).enumerate() {
                        assert!(
                            (a - b).abs() < 1e-12,
                            "{geo:?}, {rows} rows: {what}[{i}] {a} vs {b}"
                        );
                    }
                }
            }
        }
    }

    /// In `f32` (the direct kernel over the batch at stride 1 where the CPU has AVX-512,
    /// the products otherwise) the batch forward agrees with the `f64` one.
    #[test]
    fn the_f32_batch_forward_agrees_with_f64() {
        for (stride, groups, f) in [(1, 1, 20), (1, 2, 6), (2, 1, 3)] {
            let geo = ConvGeometry {
                c: 2,
                h: 7,
                w: 19,
                f,
                kh: 3,
                kw: 3,
                stride,
                pad: 1,
                dilation: 1,
                groups,
            };
            let (n, inn, out) = (3, 2 * 7 * 19, f * geo.oh() * geo.ow());
            let val = |i: usize, m: usize| ((i * m % 97) as f64 - 48.0) / 50.0;
            let w: Vec<f64> = (0..f * geo.k()).map(|i| val(i, 31)).collect();
            let b: Vec<f64> = (0..f).map(|i| val(i, 7)).collect();
            let x: Vec<f64> = (0..n * inn).map(|i| val(i, 13)).collect();
            let to32 = |v: &[f64]| v.iter().map(|&a| a as f32).collect::<Vec<f32>>();
            let (mut y64, mut y32) = (vec![0.0; n * out], vec![f32::NAN; n * out]);
            forward(&geo, &w, Some(&b), &x, &mut y64, &mut ConvWorkspace::new());
            let (w32, b32, x32) = (to32(&w), to32(&b), to32(&x));
            forward(
                &geo,
                &w32,
                Some(&b32),
                &x32,
                &mut y32,
                &mut ConvWorkspace::new(),
            );
            for (i, (&a, &b)) in y32.iter().zip(&y64).enumerate() {
                assert!(
                    (f64::from(a) - b).abs() < 1e-4 * (1.0 + b.abs()),
                    "{geo:?} y[{i}]: {a} vs {b}"
                );
            }
        }
    }

    /// The buffers stay within the chunk budget however large the image.
    #[test]
    fn chunks_are_bounded() {
        let geo = ConvGeometry {
            c: 64,
            h: 224,
            w: 224,
            f: 64,
            kh: 3,
            kw: 3,
            stride: 1,
            pad: 1,
            dilation: 1,
            groups: 1,
        };
        let rows = chunk_rows::<f32>(&geo, 64 * 224 * 224);
        assert!(rows >= 1 && rows * (geo.k() + 2 * geo.fg()) * 4 <= CHUNK_BYTES);
        let small = ConvGeometry {
            c: 1,
            h: 28,
            w: 28,
            f: 8,
            kh: 3,
            kw: 3,
            stride: 1,
            pad: 1,
            dilation: 1,
            groups: 1,
        };
        let rows = chunk_rows::<f32>(&small, 64 * 784);
        assert_eq!(rows % 784, 0, "whole samples when they fit");
    }
}
