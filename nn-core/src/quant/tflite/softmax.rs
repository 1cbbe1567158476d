//! TFLite's int8 SOFTMAX (TFLM's reference kernel, gemmlowp fixed point), over the last
//! dimension.
//!
//! For each row: `d_c = x_c - max_c x_c` (input units); rows with `d_c < diff_min` give the
//! lowest output. Otherwise `d_c` is rescaled by `β · s_in` into Q5.26
//! ([`multiply_by_quantized_multiplier_greater_than_one`](super::multiply_by_quantized_multiplier_greater_than_one)),
//! `e_c = exp(d_c)` in Q0.31 ([`exp_on_negative_values`](super::exp_on_negative_values)),
//! `S = Σ e_c` in Q12.19, and `y_c = round(e_c / S · 256) - 128` through a fixed-point
//! reciprocal of `S` ([`get_reciprocal`](super::get_reciprocal)). TFLite requires the int8
//! output's scale to be `1/256` and its zero point `-128`.

use super::fixed::{
    exp_on_negative_values, get_reciprocal, multiply_by_quantized_multiplier_greater_than_one,
    quantize_multiplier, rounding_divide_by_pot, saturating_rounding_doubling_high_mul,
};
use super::params::check_len;
use crate::Error;

/// Integer bits of the rescaled input differences (Q5.26), as TFLite.
const SCALED_DIFF_INTEGER_BITS: i32 = 5;
/// Integer bits of the sum of exponentials (Q12.19), as TFLite.
const ACCUMULATION_INTEGER_BITS: i32 = 12;

/// `2^e`, exactly (no `powi` without std).
fn pow2(e: i32) -> f64 {
    f64::from_bits(((e.clamp(-1022, 1023) + 1023) as u64) << 52)
}

/// The precomputed parameters of an int8 softmax (TFLite's `SoftmaxParams`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SoftmaxParams {
    /// Significand of `β · s_in · 2^26`.
    pub input_multiplier: i32,
    /// Its left shift.
    pub input_left_shift: i32,
    /// The smallest input difference that still contributes.
    pub diff_min: i32,
}

impl SoftmaxParams {
    /// TFLite's `PreprocessSoftmaxScaling` and `CalculateInputRadius` for an int8 input of
    /// scale `input_scale` and the operator's `beta`.
    ///
    /// ```
    /// use nn_core::quant::tflite::SoftmaxParams;
    /// let p = SoftmaxParams::new(1.0, 0.1);
    /// assert!(p.diff_min < 0 && p.input_left_shift >= 0);
    /// ```
    pub fn new(beta: f32, input_scale: f32) -> Self {
        let max_real = f64::from(i32::MAX); // (1 << 31) - 1
        let real = (f64::from(beta)
            * f64::from(input_scale)
            * f64::from(1u32 << (31 - SCALED_DIFF_INTEGER_BITS)))
        .min(max_real);
        let (input_multiplier, input_left_shift) = quantize_multiplier(real);
        // CalculateInputRadius(5, shift, 31): floor((2^5 - 1) · 2^26 / 2^shift).
        let radius = f64::from((1 << SCALED_DIFF_INTEGER_BITS) - 1)
            * (1u64 << (31 - SCALED_DIFF_INTEGER_BITS)) as f64
            / pow2(input_left_shift);
        // A non-negative value: `as` truncates, which is floor here.
        let diff_min = -(radius as i32);
        SoftmaxParams {
            input_multiplier,
            input_left_shift,
            diff_min,
        }
    }
}

/// int8 SOFTMAX over rows of `depth` values (`input.len()` a multiple of `depth`), writing
/// int8 probabilities with scale `1/256` and zero point `-128`.
///
/// ```
/// use nn_core::quant::tflite::{softmax_i8, SoftmaxParams};
/// let p = SoftmaxParams::new(1.0, 0.1);
/// let mut y = [0i8; 2];
/// softmax_i8(&p, &[10, 10], 2, &mut y).unwrap();
/// assert_eq!(y, [0, 0]); // 0.5 each: 128 / 256 - 128 = 0
/// ```
pub fn softmax_i8(
    params: &SoftmaxParams,
    input: &[i8],
    depth: usize,
    output: &mut [i8],
) -> Result<(), Error> {
    check_len("softmax outputs", input.len(), output.len())?;
    if depth == 0 || !input.len().is_multiple_of(depth) {
        return Err(Error::LengthMismatch {
            what: "softmax inputs (a multiple of the depth)",
            expected: depth.max(1) * (input.len() / depth.max(1) + 1),
            found: input.len(),
        });
    }
    let scaled = |diff: i32| {
        multiply_by_quantized_multiplier_greater_than_one(
            diff,
            params.input_multiplier,
            params.input_left_shift,
        )
    };
    for (x, y) in input
        .chunks_exact(depth)
        .zip(output.chunks_exact_mut(depth))
    {
        let max = x.iter().copied().max().map_or(0, i32::from);
        let mut sum = 0i32; // Q12.19
        for &v in x {
            let diff = i32::from(v) - max;
            if diff >= params.diff_min {
                let e = exp_on_negative_values(scaled(diff), SCALED_DIFF_INTEGER_BITS);
                sum = sum.wrapping_add(rounding_divide_by_pot(e, ACCUMULATION_INTEGER_BITS));
            }
        }
        let (shifted_scale, num_bits_over_unit) = get_reciprocal(sum, ACCUMULATION_INTEGER_BITS);
        let exponent = num_bits_over_unit + 31 - 8;
        for (&v, out) in x.iter().zip(y.iter_mut()) {
            let diff = i32::from(v) - max;
            *out = if diff >= params.diff_min {
                let e = exp_on_negative_values(scaled(diff), SCALED_DIFF_INTEGER_BITS);
                let unsat = rounding_divide_by_pot(
                    saturating_rounding_doubling_high_mul(shifted_scale, e),
                    exponent,
                );
                (unsat - 128).clamp(-128, 127) as i8
            } else {
                i8::MIN
            };
        }
    }
    Ok(())
}
