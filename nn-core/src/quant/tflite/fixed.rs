//! TFLite's fixed-point arithmetic (gemmlowp's `fixedpoint.h` and TFLite's
//! `quantization_util`), bit for bit as TFLM's reference kernels compute it.
//!
//! A real multiplier `M > 0` becomes `M ≈ m · 2^(s - 31)` with an `i32` significand
//! `m ∈ [2^30, 2^31)` and an exponent `s` ([`quantize_multiplier`]); `x · M` is then
//! [`multiply_by_quantized_multiplier`]: `x · 2^max(s,0)`, the rounded high half of the
//! doubled 64-bit product with `m` ([`saturating_rounding_doubling_high_mul`]), then a
//! rounding right shift by `max(-s, 0)` ([`rounding_divide_by_pot`]). This is TFLM's default
//! "double rounding" build (`TFLITE_SINGLE_ROUNDING` unset), which its Python interpreter
//! and its microcontroller builds use.
//!
//! ```
//! use nn_core::quant::tflite::{multiply_by_quantized_multiplier, quantize_multiplier};
//! let (m, s) = quantize_multiplier(0.25);
//! assert_eq!((m, s), (1 << 30, -1));
//! assert_eq!(multiply_by_quantized_multiplier(1000, m, s), 250);
//! assert_eq!(multiply_by_quantized_multiplier(-6, m, s), -2); // -1.5 rounds away from 0
//! ```

/// gemmlowp's `SaturatingRoundingDoublingHighMul` (ARM's `VQRDMULH`): `a · b / 2^31` rounded
/// to nearest with ties toward `+∞` (gemmlowp's nudge `1 - 2^30` on negative products),
/// saturating the single overflow `i32::MIN · i32::MIN` to `i32::MAX`.
///
/// ```
/// use nn_core::quant::tflite::saturating_rounding_doubling_high_mul as srdhm;
/// assert_eq!(srdhm(1 << 30, 1 << 30), 1 << 29);
/// assert_eq!(srdhm(i32::MIN, i32::MIN), i32::MAX);
/// ```
#[inline]
pub fn saturating_rounding_doubling_high_mul(a: i32, b: i32) -> i32 {
    if a == b && a == i32::MIN {
        return i32::MAX;
    }
    let ab = i64::from(a) * i64::from(b);
    let nudge: i64 = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
    // C++ integer division truncates toward zero, as Rust's does.
    ((ab + nudge) / (1i64 << 31)) as i32
}

/// gemmlowp's `RoundingDivideByPOT`: `x / 2^exponent` rounded to nearest, ties away from
/// zero (`exponent` in `0..=31`; larger values are clamped to 31).
///
/// ```
/// use nn_core::quant::tflite::rounding_divide_by_pot;
/// assert_eq!((rounding_divide_by_pot(5, 1), rounding_divide_by_pot(-5, 1)), (3, -3));
/// assert_eq!(rounding_divide_by_pot(-6, 2), -2);
/// ```
#[inline]
pub fn rounding_divide_by_pot(x: i32, exponent: i32) -> i32 {
    let exponent = exponent.clamp(0, 31) as u32;
    let mask = ((1i64 << exponent) - 1) as i32;
    let remainder = x & mask;
    let threshold = (mask >> 1) + i32::from(x < 0);
    (x >> exponent) + i32::from(remainder > threshold)
}

/// TFLite's `MultiplyByQuantizedMultiplier(int32 x, multiplier, shift)`: `x · m · 2^(s-31)`
/// with TFLM's two roundings (see the module header). The left shift wraps like the C++
/// code on the two's-complement machines TFLM runs on.
#[inline]
pub fn multiply_by_quantized_multiplier(x: i32, multiplier: i32, shift: i32) -> i32 {
    let left = shift.max(0);
    let right = (-shift).max(0);
    let shifted = x.wrapping_mul(1i32.wrapping_shl(left as u32));
    rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(shifted, multiplier),
        right,
    )
}

/// TFLite's `MultiplyByQuantizedMultiplierGreaterThanOne`: `SRDHM(x · 2^left_shift, m)`.
#[inline]
pub fn multiply_by_quantized_multiplier_greater_than_one(
    x: i32,
    multiplier: i32,
    left_shift: i32,
) -> i32 {
    let shifted = x.wrapping_mul(1i32.wrapping_shl(left_shift.max(0) as u32));
    saturating_rounding_doubling_high_mul(shifted, multiplier)
}

/// TFLite's `MultiplyByQuantizedMultiplierSmallerThanOneExp`: `RDBPOT(SRDHM(x, m), -s)`
/// for a multiplier below one (`s ≤ 0`).
#[inline]
pub fn multiply_by_quantized_multiplier_smaller_than_one_exp(
    x: i32,
    multiplier: i32,
    left_shift: i32,
) -> i32 {
    rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(x, multiplier),
        -left_shift,
    )
}

/// `frexp`: `v = q · 2^e` with `|q| ∈ [0.5, 1)` (`(0, 0)` for zero, non-finite values too).
const fn frexp(v: f64) -> (f64, i32) {
    if v == 0.0 || !v.is_finite() {
        return (if v.is_finite() { v } else { 0.0 }, 0);
    }
    let bits = v.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    if exp == 0 {
        // Subnormal: scale into the normal range first (exactly).
        let (q, e) = frexp(v * f64::from_bits(0x4350_0000_0000_0000)); // 2^54
        return (q, e - 54);
    }
    let q = f64::from_bits((bits & !(0x7ffu64 << 52)) | (1022u64 << 52));
    (q, exp - 1022)
}

/// C's `round` on a value with magnitude below 2^62: nearest integer, ties away from zero.
pub(crate) const fn round_f64(v: f64) -> i64 {
    let t = v as i64; // truncates toward zero
    let frac = v - t as f64; // exact for |v| < 2^52; no fraction beyond that
    if frac >= 0.5 {
        t + 1
    } else if frac <= -0.5 {
        t - 1
    } else {
        t
    }
}

/// C's `roundf` to `i32` (saturating), for TFLite's float `Quantize` steps.
pub(crate) const fn round_f32(v: f32) -> i32 {
    if v.is_nan() {
        return 0;
    }
    if v.abs() >= 8_388_608.0 {
        return v as i32; // already an integer; `as` saturates
    }
    let t = v as i32;
    let frac = v - t as f32;
    if frac >= 0.5 {
        t + 1
    } else if frac <= -0.5 {
        t - 1
    } else {
        t
    }
}

/// TFLite's `QuantizeMultiplier`: `(m, s)` with `M ≈ m · 2^(s-31)`, `m ∈ [2^30, 2^31)`
/// (`(0, 0)` for `M = 0`; multipliers below about `2^-31` flush to `(0, 0)` as in TFLite).
///
/// ```
/// use nn_core::quant::tflite::quantize_multiplier;
/// assert_eq!(quantize_multiplier(1.0), (1 << 30, 1));
/// assert_eq!(quantize_multiplier(0.0), (0, 0));
/// ```
pub const fn quantize_multiplier(multiplier: f64) -> (i32, i32) {
    if multiplier == 0.0 {
        return (0, 0);
    }
    let (q, mut shift) = frexp(multiplier);
    let mut q_fixed = round_f64(q * (1u64 << 31) as f64);
    if q_fixed == 1 << 31 {
        q_fixed /= 2;
        shift += 1;
    }
    if shift < -31 {
        shift = 0;
        q_fixed = 0;
    }
    (q_fixed as i32, shift)
}

/// A value of gemmlowp's `FixedPoint<i32, 0>` type for one (the largest raw value).
const ONE_Q0: i32 = i32::MAX;

/// gemmlowp's `exp_on_interval_between_negative_one_quarter_and_0_excl` in Q0.31.
fn exp_on_interval_neg_quarter_to_0(a: i32) -> i32 {
    let mul = saturating_rounding_doubling_high_mul;
    let constant_term: i32 = 1_895_147_668; // exp(-1/8)
    let constant_1_over_3 = 715_827_883;
    let x = a.wrapping_add(1 << 28); // + 1/8
    let x2 = mul(x, x);
    let x3 = mul(x2, x);
    let x4 = mul(x2, x2);
    let x4_over_4 = rounding_divide_by_pot(x4, 2);
    let poly = rounding_divide_by_pot(
        mul(x4_over_4.wrapping_add(x3), constant_1_over_3).wrapping_add(x2),
        1,
    );
    constant_term.wrapping_add(mul(constant_term, x.wrapping_add(poly)))
}

/// gemmlowp's `SaturatingRoundingMultiplyByPOT<exponent>` on a raw `i32`.
fn saturating_rounding_multiply_by_pot(x: i32, exponent: i32) -> i32 {
    match exponent {
        0 => x,
        e if e < 0 => rounding_divide_by_pot(x, -e),
        e => {
            let threshold = (1i32 << (31 - e)) - 1;
            if x > threshold {
                i32::MAX
            } else if x < -threshold {
                i32::MIN
            } else {
                x << e
            }
        }
    }
}

/// gemmlowp's `exp_on_negative_values` for an input with `integer_bits` integer bits
/// (`FixedPoint<i32, integer_bits>`), returning `exp(a)` in Q0.31 (`a ≤ 0`).
pub fn exp_on_negative_values(a: i32, integer_bits: i32) -> i32 {
    let fractional_bits = 31 - integer_bits;
    let one_quarter = 1i32 << (fractional_bits - 2);
    let mask = one_quarter - 1;
    let a_mod_quarter_minus_one_quarter = (a & mask).wrapping_sub(one_quarter);
    // Rescale<0>: from `integer_bits` integer bits to 0.
    let mut result = exp_on_interval_neg_quarter_to_0(saturating_rounding_multiply_by_pot(
        a_mod_quarter_minus_one_quarter,
        integer_bits,
    ));
    let remainder = a_mod_quarter_minus_one_quarter.wrapping_sub(a);
    const BARREL: [(i32, i32); 7] = [
        (-2, 1_672_461_947), // exp(-1/4)
        (-1, 1_302_514_674), // exp(-1/2)
        (0, 790_015_084),    // exp(-1)
        (1, 290_630_308),    // exp(-2)
        (2, 39_332_535),     // exp(-4)
        (3, 720_401),        // exp(-8)
        (4, 242),            // exp(-16)
    ];
    for (exponent, multiplier) in BARREL {
        if integer_bits > exponent {
            let bit = 1i32 << (fractional_bits + exponent);
            if remainder & bit != 0 {
                result = saturating_rounding_doubling_high_mul(result, multiplier);
            }
        }
    }
    if integer_bits > 5 {
        let clamp = -(1i32 << (36 - integer_bits)); // -32
        if a < clamp {
            result = 0;
        }
    }
    if a == 0 {
        result = ONE_Q0;
    }
    result
}

/// gemmlowp's `one_over_one_plus_x_for_x_in_0_1` in Q0.31 (Newton-Raphson in Q2.29).
fn one_over_one_plus_x_for_x_in_0_1(a: i32) -> i32 {
    let mul = saturating_rounding_doubling_high_mul;
    // RoundingHalfSum(a, One)
    let sum = i64::from(a) + i64::from(ONE_Q0);
    let sign = if sum >= 0 { 1 } else { -1 };
    let half_denominator = ((sum + sign) / 2) as i32;
    let constant_48_over_17: i32 = 1_515_870_810;
    let constant_neg_32_over_17: i32 = -1_010_580_540;
    let one_q2: i32 = 1 << 29;
    let mut x = constant_48_over_17.wrapping_add(mul(half_denominator, constant_neg_32_over_17));
    for _ in 0..3 {
        let half_denominator_times_x = mul(half_denominator, x);
        let one_minus = one_q2.wrapping_sub(half_denominator_times_x);
        // x * one_minus is Q4.27; Rescale<2> multiplies by 2^2, saturating.
        x = x.wrapping_add(saturating_rounding_multiply_by_pot(mul(x, one_minus), 2));
    }
    // ExactMulByPot<-1> gives Q1.30 with the same raw value; Rescale<0> multiplies by 2^1.
    saturating_rounding_multiply_by_pot(x, 1)
}

/// TFLite's `GetReciprocal`: for a positive `x` with `integer_digits` integer bits, returns
/// `(1 / x` scaled into Q0.31 as `1 / (x / 2^num_bits_over_unit)`, `num_bits_over_unit)`.
pub fn get_reciprocal(x: i32, integer_digits: i32) -> (i32, i32) {
    let headroom_plus_one = (x as u32).leading_zeros() as i32;
    let num_bits_over_unit = integer_digits - headroom_plus_one;
    let shifted_sum_minus_one =
        ((x as u32).wrapping_shl(headroom_plus_one as u32)).wrapping_sub(1u32 << 31) as i32;
    (
        one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one),
        num_bits_over_unit,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srdhm_rounds_ties_up() {
        // 3 * 2^30 / 2^31 = 1.5 -> 2, but -1.5 -> -1: ties go toward +inf.
        assert_eq!(saturating_rounding_doubling_high_mul(3, 1 << 30), 2);
        assert_eq!(saturating_rounding_doubling_high_mul(-3, 1 << 30), -1);
        assert_eq!(saturating_rounding_doubling_high_mul(1, 1 << 30), 1); // 0.5 -> 1
        assert_eq!(saturating_rounding_doubling_high_mul(-1, 1 << 30), 0); // -0.5 -> 0
        assert_eq!(saturating_rounding_doubling_high_mul(-5, 1 << 30), -2); // -2.5 -> -2
        assert_eq!(saturating_rounding_doubling_high_mul(-7, 1 << 29), -2); // -1.75 -> -2
    }

    #[test]
    fn rounding_divide_matches_round_half_away() {
        for x in -1000..1000 {
            for e in 0..6 {
                let exact = f64::from(x) / f64::from(1 << e);
                assert_eq!(
                    rounding_divide_by_pot(x, e) as i64,
                    round_f64(exact),
                    "{x} {e}"
                );
            }
        }
    }

    #[test]
    fn quantize_multiplier_reconstructs_the_value() {
        for &m in &[
            1e-9,
            0.000123,
            0.3,
            0.5,
            0.75,
            0.9999999999,
            1.0,
            3.7,
            1234.5,
        ] {
            let (q, s) = quantize_multiplier(m);
            assert!((1 << 30..=i32::MAX).contains(&q), "{m}: {q}");
            let back = f64::from(q) * 2f64.powi(s - 31);
            assert!(((back - m) / m).abs() < 1e-9, "{m}: {back}");
        }
        // Below 2^-31 TFLite flushes to zero.
        assert_eq!(quantize_multiplier(1e-12), (0, 0));
    }

    #[test]
    fn exp_and_reciprocal_are_close_to_the_real_functions() {
        // Q5.26 inputs, as the int8 softmax uses.
        for i in 0..200 {
            let v = -(i as f64) * 0.05;
            let raw = (v * f64::from(1 << 26)) as i32;
            let e = f64::from(exp_on_negative_values(raw, 5)) / 2f64.powi(31);
            assert!(
                (e - (f64::from(raw) / f64::from(1 << 26)).exp()).abs() < 1e-6,
                "{v}: {e}"
            );
        }
        for &x in &[1.0f64, 1.25, 1.9, 2.0, 3.3, 100.0, 4000.0] {
            let raw = (x * f64::from(1 << 19)) as i32; // Q12.19
            let (r, bits) = get_reciprocal(raw, 12);
            let approx = f64::from(r) / 2f64.powi(31) / 2f64.powi(bits);
            assert!((approx - 1.0 / x).abs() < 1e-6 / x, "{x}: {approx}");
        }
    }
}
