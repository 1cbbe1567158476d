//! A direct AVX-512 convolution for stride 1 (`f32`): no im2col copy.
//!
//! For one output row and 16 output columns (one vector, masked at the right edge), up to 16
//! filters accumulate in registers while the kernel taps `(c, i, j)` run: each tap loads the
//! 16 input values it meets (one masked load: lanes falling into the padding read as zero)
//! and adds them, times the tap's weight broadcast from memory, into every filter's
//! accumulator. With stride 1 those input values are contiguous whatever the dilation.

use super::conv::ConvGeometry;
use core::arch::x86_64::*;

/// The mask of lanes `lo..hi` of 16.
#[inline(always)]
fn lanes(lo: usize, hi: usize) -> __mmask16 {
    let upto = |n: usize| {
        if n >= 16 {
            0xFFFF
        } else {
            ((1u32 << n) - 1) as u16
        }
    };
    upto(hi) & !upto(lo)
}

/// `y = b + conv(x)` for stride 1; `y` is overwritten.
///
/// # Safety
/// The CPU must have AVX-512F; `geo.stride == 1`; `w` holds `F·K`, `x` `C·H·W` and `y`
/// `F·OH·OW` values, `bias` `F` when given (the caller checks the lengths).
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn forward_stride1(
    geo: &ConvGeometry,
    w: &[f32],
    bias: Option<&[f32]>,
    x: &[f32],
    y: &mut [f32],
) {
    let fg = geo.fg();
    for g in 0..geo.groups {
        let (mut f0, end) = (g * fg, (g + 1) * fg);
        while f0 < end {
            let nf = end - f0;
            // SAFETY: filters f0..f0+NF lie in this group; the caller's contract covers the rest.
            unsafe {
                f0 += match nf {
                    16.. => block::<16>(geo, w, bias, x, y, g, f0),
                    8.. => block::<8>(geo, w, bias, x, y, g, f0),
                    4.. => block::<4>(geo, w, bias, x, y, g, f0),
                    2.. => block::<2>(geo, w, bias, x, y, g, f0),
                    _ => block::<1>(geo, w, bias, x, y, g, f0),
                };
            }
        }
    }
}

/// [`forward_stride1`] over a batch of `n` samples (`x` and `y` hold them one after
/// another): each block of filters runs over every sample while its weights stay in cache.
///
/// # Safety
/// As [`forward_stride1`], with `x` of `n·C·H·W` and `y` of `n·F·OH·OW` values.
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn forward_stride1_batch(
    geo: &ConvGeometry,
    w: &[f32],
    bias: Option<&[f32]>,
    x: &[f32],
    y: &mut [f32],
    n: usize,
) {
    let (fg, inn, out) = (geo.fg(), geo.c * geo.h * geo.w, geo.f * geo.oh() * geo.ow());
    for g in 0..geo.groups {
        let (mut f0, end) = (g * fg, (g + 1) * fg);
        while f0 < end {
            let nf = end - f0;
            let mut step = 0;
            for s in 0..n {
                let (x, y) = (&x[s * inn..(s + 1) * inn], &mut y[s * out..(s + 1) * out]);
                // SAFETY: as in `forward_stride1`, on sample `s`'s slices.
                step = unsafe {
                    match nf {
                        16.. => block::<16>(geo, w, bias, x, y, g, f0),
                        8.. => block::<8>(geo, w, bias, x, y, g, f0),
                        4.. => block::<4>(geo, w, bias, x, y, g, f0),
                        2.. => block::<2>(geo, w, bias, x, y, g, f0),
                        _ => block::<1>(geo, w, bias, x, y, g, f0),
                    }
                };
            }
            f0 += step.max(1);
        }
    }
}

/// Filters `f0..f0+NF` of group `g` over the whole output; returns `NF`.
///
/// # Safety
/// As [`forward_stride1`], and filters `f0..f0+NF` lie in group `g`.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn block<const NF: usize>(
    geo: &ConvGeometry,
    w: &[f32],
    bias: Option<&[f32]>,
    x: &[f32],
    y: &mut [f32],
    g: usize,
    f0: usize,
) -> usize {
    let (oh_n, ow_n, cg) = (geo.oh(), geo.ow(), geo.cg());
    let (h, wd, f, d, p) = (geo.h, geo.w, geo.f, geo.dilation, geo.pad);
    let ohw = oh_n * ow_n;
    let (wp, xp, yp) = (w.as_ptr(), x.as_ptr(), y.as_mut_ptr());
    for oh in 0..oh_n {
        let mut ow0 = 0;
        while ow0 < ow_n {
            let nl = (ow_n - ow0).min(16);
            let mut acc = [_mm512_setzero_ps(); NF];
            if let Some(b) = bias {
                for (q, a) in acc.iter_mut().enumerate() {
                    *a = _mm512_set1_ps(b[f0 + q]);
                }
            }
            for cl in 0..cg {
                let c = g * cg + cl;
                for i in 0..geo.kh {
                    let ih = (oh + i * d) as isize - p as isize;
                    if ih < 0 || ih >= h as isize {
                        continue;
                    }
                    let row = (c * h + ih as usize) * wd;
                    for j in 0..geo.kw {
                        let iw0 = (ow0 + j * d) as isize - p as isize;
                        let lo = (-iw0).max(0) as usize;
                        let hi = ((wd as isize - iw0).max(0) as usize).min(nl);
                        if lo >= hi {
                            continue;
                        }
                        // SAFETY: only lanes lo..hi are read, and those lie in row `ih` of
                        // channel `c`; masked-off lanes are never accessed (AVX-512 masked
                        // loads suppress faults), so the pointer may start before the row.
                        let v = unsafe {
                            _mm512_maskz_loadu_ps(
                                lanes(lo, hi),
                                xp.wrapping_offset(row as isize + iw0),
                            )
                        };
                        let k = cl + cg * (i + geo.kh * j);
                        // SAFETY: filters f0..f0+NF of column k lie inside the weight.
                        let wk = unsafe { wp.add(k * f + f0) };
                        for (q, a) in acc.iter_mut().enumerate() {
                            // SAFETY: as above.
                            *a = _mm512_fmadd_ps(v, _mm512_set1_ps(unsafe { *wk.add(q) }), *a);
                        }
                    }
                }
            }
            for (q, a) in acc.iter().enumerate() {
                // SAFETY: lanes 0..nl of output row `oh` of filter f0+q lie inside `y`.
                unsafe {
                    _mm512_mask_storeu_ps(
                        yp.add((f0 + q) * ohw + oh * ow_n + ow0),
                        lanes(0, nl),
                        *a,
                    );
                }
            }
            ow0 += 16;
        }
    }
    NF
}

/// The weight and input gradients for stride 1: `dW` added onto `dw` (or written, unless
/// `accumulate`) and `dx` overwritten when given.
///
/// `dW[f, c, i, j] = Σ_{oh, ow} dy[f, oh, ow] x[c, oh + iD - P, ow + jD - P]`: for each tap,
/// up to 8 filters keep vector accumulators over 16 output columns while the rows run, then
/// reduce them. `dx[c, ih, iw] = Σ_{f, i, j} W[f, c, i, j] dy[f, ih - iD + P, iw - jD + P]`:
/// up to 8 channels accumulate 16 input columns while the filters and taps run.
///
/// # Safety
/// As [`forward_stride1`], with `dy` of `F·OH·OW`, `dw` of `F·K` and `dx` of `C·H·W` values.
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn backward_stride1(
    geo: &ConvGeometry,
    w: &[f32],
    x: &[f32],
    dy: &[f32],
    dw: &mut [f32],
    accumulate: bool,
    dx: Option<&mut [f32]>,
) {
    let (fg, cg) = (geo.fg(), geo.cg());
    for g in 0..geo.groups {
        let (mut f0, end) = (g * fg, (g + 1) * fg);
        while f0 < end {
            // SAFETY: filters f0..f0+NF lie in group g; the caller's contract covers the rest.
            unsafe {
                f0 += match end - f0 {
                    8.. => dw_block::<8>(geo, x, dy, dw, accumulate, g, f0),
                    4.. => dw_block::<4>(geo, x, dy, dw, accumulate, g, f0),
                    2.. => dw_block::<2>(geo, x, dy, dw, accumulate, g, f0),
                    _ => dw_block::<1>(geo, x, dy, dw, accumulate, g, f0),
                };
            }
        }
    }
    if let Some(dx) = dx {
        for g in 0..geo.groups {
            let (mut c0, end) = (g * cg, (g + 1) * cg);
            while c0 < end {
                // SAFETY: channels c0..c0+NC lie in group g.
                unsafe {
                    c0 += match end - c0 {
                        8.. => dx_block::<8>(geo, w, dy, dx, g, c0),
                        4.. => dx_block::<4>(geo, w, dy, dx, g, c0),
                        2.. => dx_block::<2>(geo, w, dy, dx, g, c0),
                        _ => dx_block::<1>(geo, w, dy, dx, g, c0),
                    };
                }
            }
        }
    }
}

/// `dW` for filters `f0..f0+NF` of group `g`; returns `NF`.
///
/// # Safety
/// As [`backward_stride1`], and filters `f0..f0+NF` lie in group `g`.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn dw_block<const NF: usize>(
    geo: &ConvGeometry,
    x: &[f32],
    dy: &[f32],
    dw: &mut [f32],
    accumulate: bool,
    g: usize,
    f0: usize,
) -> usize {
    let (oh_n, ow_n, cg) = (geo.oh(), geo.ow(), geo.cg());
    let (h, wd, d, p) = (geo.h, geo.w, geo.dilation, geo.pad);
    let ohw = oh_n * ow_n;
    let (xp, dyp) = (x.as_ptr(), dy.as_ptr());
    for cl in 0..cg {
        let c = g * cg + cl;
        for j in 0..geo.kw {
            for i in 0..geo.kh {
                let mut acc = [_mm512_setzero_ps(); NF];
                for oh in 0..oh_n {
                    let ih = (oh + i * d) as isize - p as isize;
                    if ih < 0 || ih >= h as isize {
                        continue;
                    }
                    let row = (c * h + ih as usize) * wd;
                    let mut ow0 = 0;
                    while ow0 < ow_n {
                        let nl = (ow_n - ow0).min(16);
                        let iw0 = (ow0 + j * d) as isize - p as isize;
                        let lo = (-iw0).max(0) as usize;
                        let hi = ((wd as isize - iw0).max(0) as usize).min(nl);
                        if lo < hi {
                            let m = lanes(lo, hi);
                            // SAFETY: lanes lo..hi lie in row ih of channel c (masked loads
                            // touch no other lane) and in output row oh of each filter.
                            unsafe {
                                let xv = _mm512_maskz_loadu_ps(
                                    m,
                                    xp.wrapping_offset(row as isize + iw0),
                                );
                                let dyr = dyp.add(oh * ow_n + ow0);
                                for (q, a) in acc.iter_mut().enumerate() {
                                    let dv = _mm512_maskz_loadu_ps(m, dyr.add((f0 + q) * ohw));
                                    *a = _mm512_fmadd_ps(xv, dv, *a);
                                }
                            }
                        }
                        ow0 += 16;
                    }
                }
                let k = cl + cg * (i + geo.kh * j);
                for (q, a) in acc.iter().enumerate() {
                    let s = _mm512_reduce_add_ps(*a);
                    let slot = &mut dw[k * geo.f + f0 + q];
                    *slot = if accumulate { *slot + s } else { s };
                }
            }
        }
    }
    NF
}

/// `dx` for channels `c0..c0+NC` of group `g` (overwritten); returns `NC`.
///
/// # Safety
/// As [`backward_stride1`] (with `dx` given), and channels `c0..c0+NC` lie in group `g`.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn dx_block<const NC: usize>(
    geo: &ConvGeometry,
    w: &[f32],
    dy: &[f32],
    dx: &mut [f32],
    g: usize,
    c0: usize,
) -> usize {
    let (oh_n, ow_n, cg, fg) = (geo.oh(), geo.ow(), geo.cg(), geo.fg());
    let (h, wd, d, p) = (geo.h, geo.w, geo.dilation, geo.pad);
    let ohw = oh_n * ow_n;
    let (dyp, dxp) = (dy.as_ptr(), dx.as_mut_ptr());
    let cl0 = c0 - g * cg;
    for ih in 0..h {
        let mut iw0 = 0;
        while iw0 < wd {
            let nl = (wd - iw0).min(16);
            let mut acc = [_mm512_setzero_ps(); NC];
            for i in 0..geo.kh {
                let oh = (ih + p) as isize - (i * d) as isize;
                if oh < 0 || oh >= oh_n as isize {
                    continue;
                }
                for j in 0..geo.kw {
                    let ow_start = (iw0 + p) as isize - (j * d) as isize;
                    let lo = (-ow_start).max(0) as usize;
                    let hi = ((ow_n as isize - ow_start).max(0) as usize).min(nl);
                    if lo >= hi {
                        continue;
                    }
                    let m = lanes(lo, hi);
                    let tap = i + geo.kh * j;
                    for f in g * fg..(g + 1) * fg {
                        // SAFETY: lanes lo..hi lie in output row oh of filter f; masked-off
                        // lanes are not accessed.
                        let v = unsafe {
                            _mm512_maskz_loadu_ps(
                                m,
                                dyp.wrapping_offset(
                                    (f * ohw + oh as usize * ow_n) as isize + ow_start,
                                ),
                            )
                        };
                        for (q, a) in acc.iter_mut().enumerate() {
                            let wv = w[f + geo.f * (cl0 + q + cg * tap)];
                            *a = _mm512_fmadd_ps(v, _mm512_set1_ps(wv), *a);
                        }
                    }
                }
            }
            for (q, a) in acc.iter().enumerate() {
                // SAFETY: lanes 0..nl of input row ih of channel c0+q lie inside `dx`.
                unsafe {
                    _mm512_mask_storeu_ps(
                        dxp.add(((c0 + q) * h + ih) * wd + iw0),
                        lanes(0, nl),
                        *a,
                    );
                }
            }
            iw0 += 16;
        }
    }
    NC
}
