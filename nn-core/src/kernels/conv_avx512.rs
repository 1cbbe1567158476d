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

/// Filters `f0..f0+NF` of group `g` over the whole output; returns `NF`.
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
