//! The inner loops of the int8 CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED kernels in
//! the ARM DSP extension's terms, CMSIS-NN's way: four `i8` values are loaded as one word,
//! `SXTB16` sign-extends bytes 0 and 2 (or, rotated by 8, bytes 1 and 3) into two halfwords,
//! `SADD16` adds the zero-point offset to both halves, and `SMLAD` adds both halfword
//! products to an `i32` accumulator:
//!
//! `acc += (w₀ + f)(x₀ + o) + (w₂ + f)(x₂ + o)` then the same for bytes 1 and 3,
//!
//! so a dot product of `n` values costs about `n / 4 · 8` instructions instead of `n · 4`.
//! Depthwise convolutions multiply channel by channel, so there the halves go to four
//! accumulators through `SMLABB` and `SMLATT` (one product each).
//!
//! All of it is integer arithmetic modulo `2³²` (the kernels' accumulators wrap the same
//! way), so the sums are the portable kernels' bit for bit. With the feature `arm-dsp` on
//! 32-bit ARM each primitive is one instruction through `asm!`; elsewhere the same functions
//! are a portable model of the instruction, which is how the host tests check these loops
//! against the portable kernels.
//!
//! Offsets must fit in a halfword together with an `i8`: [`usable`] says when they do.

/// Whether the offsets keep every `x + offset` within `i16`, as the halfword lanes need.
#[inline]
pub(super) fn usable(input_offset: i32, filter_offset: i32) -> bool {
    let fits = |o: i32| (-32_640..=32_640).contains(&o);
    fits(input_offset) && fits(filter_offset)
}

/// The halfword `v` in both lanes.
#[inline(always)]
fn pair(v: i32) -> u32 {
    let h = u32::from(v as u16);
    h | (h << 16)
}

/// Four consecutive `i8` as one little-endian word (byte 0 lowest).
#[inline(always)]
fn word(b: &[i8]) -> u32 {
    let b = &b[..4];
    // SAFETY: `b` holds at least four bytes (the slice above), read as one possibly
    // unaligned word: a single LDR on ARMv7-M, where byte loads and ORs are what the
    // compiler makes of the byte-array form when optimizing for size.
    u32::from_le(unsafe { b.as_ptr().cast::<u32>().read_unaligned() })
}

#[cfg(all(feature = "arm-dsp", target_arch = "arm"))]
mod ops {
    //! The instructions themselves. SAFETY (every block): register-only arithmetic that
    //! reads no memory, no stack and no flags; `SMLAD` may set the sticky Q flag, which
    //! nothing here or in Rust-generated code reads.
    use core::arch::asm;

    #[inline(always)]
    pub fn sxtb16(x: u32) -> u32 {
        let r;
        // SAFETY: one register-only instruction (see the module header).
        unsafe {
            asm!("sxtb16 {r}, {x}", r = lateout(reg) r, x = in(reg) x, options(pure, nomem, nostack))
        };
        r
    }

    #[inline(always)]
    pub fn sxtb16_ror8(x: u32) -> u32 {
        let r;
        // SAFETY: one register-only instruction (see the module header).
        unsafe {
            asm!("sxtb16 {r}, {x}, ror #8", r = lateout(reg) r, x = in(reg) x, options(pure, nomem, nostack))
        };
        r
    }

    #[inline(always)]
    pub fn sadd16(a: u32, b: u32) -> u32 {
        let r;
        // SAFETY: one register-only instruction (see the module header).
        unsafe {
            asm!("sadd16 {r}, {a}, {b}", r = lateout(reg) r, a = in(reg) a, b = in(reg) b, options(pure, nomem, nostack))
        };
        r
    }

    #[inline(always)]
    pub fn smlad(a: u32, b: u32, acc: i32) -> i32 {
        let r;
        // SAFETY: one register-only instruction (see the module header).
        unsafe {
            asm!("smlad {r}, {a}, {b}, {acc}", r = lateout(reg) r, a = in(reg) a, b = in(reg) b, acc = in(reg) acc, options(pure, nomem, nostack))
        };
        r
    }

    #[inline(always)]
    pub fn smlabb(a: u32, b: u32, acc: i32) -> i32 {
        let r;
        // SAFETY: one register-only instruction (see the module header).
        unsafe {
            asm!("smlabb {r}, {a}, {b}, {acc}", r = lateout(reg) r, a = in(reg) a, b = in(reg) b, acc = in(reg) acc, options(pure, nomem, nostack))
        };
        r
    }

    #[inline(always)]
    pub fn smlatt(a: u32, b: u32, acc: i32) -> i32 {
        let r;
        // SAFETY: one register-only instruction (see the module header).
        unsafe {
            asm!("smlatt {r}, {a}, {b}, {acc}", r = lateout(reg) r, a = in(reg) a, b = in(reg) b, acc = in(reg) acc, options(pure, nomem, nostack))
        };
        r
    }
}

#[cfg(not(all(feature = "arm-dsp", target_arch = "arm")))]
mod ops {
    //! A portable model of each instruction, as the ARMv7-M Architecture Reference Manual
    //! defines it (halfwords signed, sums modulo 2³²).

    fn lo(x: u32) -> i32 {
        i32::from(x as u16 as i16)
    }

    fn hi(x: u32) -> i32 {
        i32::from((x >> 16) as u16 as i16)
    }

    fn halves(lo: i32, hi: i32) -> u32 {
        u32::from(lo as u16) | (u32::from(hi as u16) << 16)
    }

    /// `SXTB16 r, x`: bytes 0 and 2, sign-extended to the low and high halfword.
    pub fn sxtb16(x: u32) -> u32 {
        halves(i32::from(x as u8 as i8), i32::from((x >> 16) as u8 as i8))
    }

    /// `SXTB16 r, x, ROR #8`: bytes 1 and 3.
    pub fn sxtb16_ror8(x: u32) -> u32 {
        sxtb16(x.rotate_right(8))
    }

    /// `SADD16 r, a, b`: two halfword sums, each modulo 2¹⁶.
    pub fn sadd16(a: u32, b: u32) -> u32 {
        halves(lo(a).wrapping_add(lo(b)), hi(a).wrapping_add(hi(b)))
    }

    /// `SMLAD r, a, b, acc`: `acc + a.lo · b.lo + a.hi · b.hi`, modulo 2³².
    pub fn smlad(a: u32, b: u32, acc: i32) -> i32 {
        acc.wrapping_add(lo(a) * lo(b)).wrapping_add(hi(a) * hi(b))
    }

    /// `SMLABB r, a, b, acc`: `acc + a.lo · b.lo`.
    pub fn smlabb(a: u32, b: u32, acc: i32) -> i32 {
        acc.wrapping_add(lo(a) * lo(b))
    }

    /// `SMLATT r, a, b, acc`: `acc + a.hi · b.hi`.
    pub fn smlatt(a: u32, b: u32, acc: i32) -> i32 {
        acc.wrapping_add(hi(a) * hi(b))
    }
}

use ops::{sadd16, smlabb, smlad, smlatt, sxtb16, sxtb16_ror8};

/// One word of four `i8` as two registers of offset halfwords: lanes (0, 2) and (1, 3).
#[inline(always)]
fn unpack(w: u32, offset: u32, add: bool) -> (u32, u32) {
    let (e, o) = (sxtb16(w), sxtb16_ror8(w));
    if add {
        (sadd16(e, offset), sadd16(o, offset))
    } else {
        (e, o)
    }
}

/// `Σ (w_i + filter_offset)(x_i + input_offset)` over the shorter slice, modulo 2³², four
/// values per step (`SXTB16`, `SADD16`, `SMLAD`); needs [`usable`] offsets.
#[inline]
pub(super) fn dot(w: &[i8], x: &[i8], filter_offset: i32, input_offset: i32) -> i32 {
    // TFLite's weights are symmetric: without a filter offset, two SADD16 fewer per step.
    if filter_offset == 0 {
        dot_with::<false>(w, x, 0, input_offset)
    } else {
        dot_with::<true>(w, x, filter_offset, input_offset)
    }
}

#[inline(always)]
fn dot_with<const ADD_F: bool>(w: &[i8], x: &[i8], filter_offset: i32, input_offset: i32) -> i32 {
    let n = w.len().min(x.len());
    let (w, x) = (&w[..n], &x[..n]);
    let (fo, io) = (pair(filter_offset), pair(input_offset));
    let mut acc = 0i32;
    let (cw, cx) = (w.chunks_exact(4), x.chunks_exact(4));
    let done = n - cw.remainder().len();
    for (a, b) in cw.zip(cx) {
        let (w0, w1) = unpack(word(a), fo, ADD_F);
        let (x0, x1) = unpack(word(b), io, true);
        acc = smlad(w1, x1, smlad(w0, x0, acc));
    }
    for (&a, &b) in w[done..].iter().zip(&x[done..]) {
        let a = i32::from(a) + filter_offset;
        acc = acc.wrapping_add(a.wrapping_mul(i32::from(b) + input_offset));
    }
    acc
}

/// [`dot`] of two filter rows against the same input, which is unpacked once for both:
/// `(Σ (a_i + f)(x_i + o), Σ (b_i + f)(x_i + o))` over the shortest slice.
#[inline]
pub(super) fn dot2(
    a: &[i8],
    b: &[i8],
    x: &[i8],
    filter_offset: i32,
    input_offset: i32,
) -> (i32, i32) {
    if filter_offset == 0 {
        dot2_with::<false>(a, b, x, 0, input_offset)
    } else {
        dot2_with::<true>(a, b, x, filter_offset, input_offset)
    }
}

#[inline(always)]
fn dot2_with<const ADD_F: bool>(
    a: &[i8],
    b: &[i8],
    x: &[i8],
    filter_offset: i32,
    input_offset: i32,
) -> (i32, i32) {
    let n = a.len().min(b.len()).min(x.len());
    let (a, b, x) = (&a[..n], &b[..n], &x[..n]);
    let (fo, io) = (pair(filter_offset), pair(input_offset));
    let (mut sa, mut sb) = (0i32, 0i32);
    let cx = x.chunks_exact(4);
    let done = n - cx.remainder().len();
    for ((p, q), r) in a.chunks_exact(4).zip(b.chunks_exact(4)).zip(cx) {
        let (x0, x1) = unpack(word(r), io, true);
        let (a0, a1) = unpack(word(p), fo, ADD_F);
        sa = smlad(a1, x1, smlad(a0, x0, sa));
        let (b0, b1) = unpack(word(q), fo, ADD_F);
        sb = smlad(b1, x1, smlad(b0, x0, sb));
    }
    for ((&p, &q), &r) in a[done..].iter().zip(&b[done..]).zip(&x[done..]) {
        let r = i32::from(r) + input_offset;
        sa = sa.wrapping_add((i32::from(p) + filter_offset).wrapping_mul(r));
        sb = sb.wrapping_add((i32::from(q) + filter_offset).wrapping_mul(r));
    }
    (sa, sb)
}

/// Four depthwise channels at one filter tap: `acc[c] += (w[c] + f)(x[c] + o)` for the four
/// consecutive channels of `w` and `x` (`SXTB16`, `SADD16`, `SMLABB`, `SMLATT`); needs
/// [`usable`] offsets.
#[inline]
pub(super) fn mac4(acc: &mut [i32; 4], w: &[i8], x: &[i8], filter_offset: i32, input_offset: i32) {
    let (w0, w1) = unpack(word(w), pair(filter_offset), filter_offset != 0);
    let (x0, x1) = unpack(word(x), pair(input_offset), true);
    acc[0] = smlabb(w0, x0, acc[0]);
    acc[2] = smlatt(w0, x0, acc[2]);
    acc[1] = smlabb(w1, x1, acc[1]);
    acc[3] = smlatt(w1, x1, acc[3]);
}

/// Four output channels of one input channel at one filter tap (depth multiplier a multiple
/// of 4): `acc[j] += (w[j] + f)(x + o)`, `x + o` in both halfwords.
#[inline]
pub(super) fn mac4_one(acc: &mut [i32; 4], w: &[i8], x: i8, filter_offset: i32, input_offset: i32) {
    let (w0, w1) = unpack(word(w), pair(filter_offset), filter_offset != 0);
    let xp = pair(i32::from(x) + input_offset);
    acc[0] = smlabb(w0, xp, acc[0]);
    acc[2] = smlatt(w0, xp, acc[2]);
    acc[1] = smlabb(w1, xp, acc[1]);
    acc[3] = smlatt(w1, xp, acc[3]);
}

#[cfg(all(test, not(all(feature = "arm-dsp", target_arch = "arm"))))]
mod tests {
    use super::ops::*;
    use super::*;

    #[test]
    fn the_instruction_models_follow_the_manual() {
        // bytes 0x80 (-128), 0x7f (127), 0xff (-1), 0x01 (1), byte 0 lowest
        let x = u32::from_le_bytes([0x80, 0x7f, 0xff, 0x01]);
        assert_eq!(sxtb16(x), 0xffff_ff80); // (-128, -1)
        assert_eq!(sxtb16_ror8(x), 0x0001_007f); // (127, 1)
        assert_eq!(sadd16(0x7fff_0001, 0x0001_ffff), 0x8000_0000); // both lanes wrap
        assert_eq!(smlad(0xffff_ff80, 0x0002_0003, 10), 10 - 384 - 2);
        assert_eq!(
            smlad(0x7fff_7fff, 0x7fff_7fff, i32::MAX),
            i32::MAX.wrapping_add(2 * 32767 * 32767)
        );
        assert_eq!(smlabb(0x0005_0003, 0x0007_fffe, 1), 1 - 6);
        assert_eq!(smlatt(0x0005_0003, 0x0007_fffe, 1), 1 + 35);
    }

    #[test]
    fn dot_equals_the_scalar_sum_at_every_length_and_offset() {
        let w: [i8; 11] = [-128, 127, -1, 0, 5, -77, 100, 3, -128, 127, 9];
        let x: [i8; 11] = [127, -128, 64, -3, 0, 1, -1, 127, -128, 50, -9];
        for n in 0..=w.len() {
            for (fo, io) in [(0, 0), (0, 128), (0, -127), (3, 128), (-127, -5)] {
                let expected = w[..n].iter().zip(&x[..n]).fold(0i32, |a, (&p, &q)| {
                    a.wrapping_add((i32::from(p) + fo) * (i32::from(q) + io))
                });
                assert_eq!(dot(&w[..n], &x, fo, io), expected, "n={n} fo={fo} io={io}");
            }
        }
        assert!(usable(128, -127) && !usable(40_000, 0) && !usable(0, -40_000));
    }
}
