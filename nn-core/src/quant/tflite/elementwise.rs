//! TFLite's int8 ADD and the QUANTIZE / DEQUANTIZE conversions (TFLM's reference kernels).
//!
//! ADD: both inputs are brought to a common scale `2 · max(s1, s2)` with 20 bits of
//! headroom, `v_i = MBQM<1((x_i - z_i) · 2^20, s_i / (2 max))`, summed, and scaled to the
//! output: `y = MBQM<1(v_1 + v_2, 2 max / (2^20 s_out)) + z_out`, clamped.
//! QUANTIZE: `q = clamp(roundf(r / s) + z)` in `f32`; from int8 to int8 it requantizes with
//! `s_in / s_out`. DEQUANTIZE: `r = (f32)(s · (q - z))` computed in `f64`.

use super::fixed::{
    multiply_by_quantized_multiplier, multiply_by_quantized_multiplier_smaller_than_one_exp,
    quantize_multiplier, round_f32,
};
use super::params::{check_len, QuantParams};
use crate::Error;

/// The precomputed parameters of an int8 ADD (TFLite's `OpDataAdd`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddParams {
    /// Minus the zero points of the two inputs.
    pub input_offsets: (i32, i32),
    /// The output's zero point.
    pub output_offset: i32,
    /// Headroom shift applied to both inputs (20 for int8).
    pub left_shift: i32,
    /// Significands and shifts of the two input multipliers.
    pub input_multipliers: ((i32, i32), (i32, i32)),
    /// Significand and shift of the output multiplier.
    pub output_multiplier: (i32, i32),
    /// The activation's clamp `(min, max)`.
    pub range: (i32, i32),
}

impl AddParams {
    /// TFLite's `CalculateOpDataAdd` for int8 tensors. A `const fn`: a network's generated
    /// code computes its ADDs' parameters while compiling (the same bits as at run time).
    ///
    /// ```
    /// use nn_core::quant::tflite::{add_i8, AddParams, QuantParams};
    /// let q = QuantParams { scale: 0.5, zero_point: 0 };
    /// const P: AddParams = AddParams::new(
    ///     QuantParams { scale: 0.5, zero_point: 0 },
    ///     QuantParams { scale: 0.5, zero_point: 0 },
    ///     QuantParams { scale: 0.5, zero_point: 0 },
    ///     (-128, 127),
    /// );
    /// assert_eq!(P, AddParams::new(q, q, q, (-128, 127)));
    /// let mut y = [0i8; 2];
    /// add_i8(&P, &[3, -4], &[4, -100], &mut y).unwrap();
    /// assert_eq!(y, [7, -104]);
    /// ```
    pub const fn new(
        a: QuantParams,
        b: QuantParams,
        output: QuantParams,
        range: (i32, i32),
    ) -> Self {
        let left_shift = 20;
        // `f64::from` is not `const`; `as` is the same exact widening.
        let twice_max = 2.0 * a.scale.max(b.scale) as f64;
        let m1 = a.scale as f64 / twice_max;
        let m2 = b.scale as f64 / twice_max;
        let mo = twice_max / ((1u32 << left_shift) as f64 * output.scale as f64);
        AddParams {
            input_offsets: (-a.zero_point, -b.zero_point),
            output_offset: output.zero_point,
            left_shift,
            input_multipliers: (quantize_multiplier(m1), quantize_multiplier(m2)),
            output_multiplier: quantize_multiplier(mo),
            range,
        }
    }
}

/// One output value of TFLM's int8 ADD (its `AddFunc`): both inputs shifted left by 20 bits,
/// brought to the common scale, summed, scaled to the output, offset and clamped.
#[inline]
pub(crate) fn add_one_i8(p: &AddParams, x: i8, y: i8) -> i8 {
    let scale = |x: i8, offset: i32, (m, s): (i32, i32)| {
        let shifted = (offset + i32::from(x)).wrapping_mul(1 << p.left_shift);
        multiply_by_quantized_multiplier_smaller_than_one_exp(shifted, m, s)
    };
    let sum = scale(x, p.input_offsets.0, p.input_multipliers.0).wrapping_add(scale(
        y,
        p.input_offsets.1,
        p.input_multipliers.1,
    ));
    let (m, s) = p.output_multiplier;
    let v = multiply_by_quantized_multiplier_smaller_than_one_exp(sum, m, s)
        .wrapping_add(p.output_offset);
    v.max(p.range.0).min(p.range.1) as i8
}

/// int8 ADD of two tensors of the same shape ([`add_i8_broadcast`](super::add_i8_broadcast)
/// broadcasts).
pub fn add_i8(params: &AddParams, a: &[i8], b: &[i8], output: &mut [i8]) -> Result<(), Error> {
    check_len("add second-input values", a.len(), b.len())?;
    check_len("add outputs", a.len(), output.len())?;
    for ((&x, &y), out) in a.iter().zip(b).zip(output.iter_mut()) {
        *out = add_one_i8(params, x, y);
    }
    Ok(())
}

/// QUANTIZE from `f32`: `clamp(roundf(r / scale) + zero_point, -128, 127)`.
///
/// ```
/// use nn_core::quant::{quantize_f32, QuantParams};
/// let mut q = [0i8; 3];
/// quantize_f32(QuantParams { scale: 0.5, zero_point: 1 }, &[1.25, -1000.0, 0.0], &mut q).unwrap();
/// assert_eq!(q, [4, -128, 1]); // 2.5 rounds away from zero
/// ```
pub fn quantize_f32(params: QuantParams, input: &[f32], output: &mut [i8]) -> Result<(), Error> {
    check_len("quantize outputs", input.len(), output.len())?;
    for (&r, q) in input.iter().zip(output.iter_mut()) {
        let v = round_f32(r / params.scale).saturating_add(params.zero_point);
        *q = v.clamp(-128, 127) as i8;
    }
    Ok(())
}

/// QUANTIZE from int8 to int8 with other parameters (TFLite's `Requantize`):
/// `clamp(MBQM(q - z_in, s_in / s_out) + z_out, -128, 127)`.
///
/// ```
/// use nn_core::quant::tflite::{requantize_i8, QuantParams};
/// let mut y = [0i8; 2];
/// requantize_i8(QuantParams { scale: 1.0, zero_point: 0 }, QuantParams { scale: 2.0, zero_point: 3 },
///               &[10, -7], &mut y).unwrap();
/// assert_eq!(y, [8, 0]); // 5 + 3; -3.5 + 3 with TFLite's tie toward +∞
/// ```
pub fn requantize_i8(
    input_params: QuantParams,
    output_params: QuantParams,
    input: &[i8],
    output: &mut [i8],
) -> Result<(), Error> {
    check_len("quantize outputs", input.len(), output.len())?;
    let (m, s) =
        quantize_multiplier(f64::from(input_params.scale) / f64::from(output_params.scale));
    for (&x, y) in input.iter().zip(output.iter_mut()) {
        let v = multiply_by_quantized_multiplier(i32::from(x) - input_params.zero_point, m, s)
            .wrapping_add(output_params.zero_point);
        *y = v.clamp(-128, 127) as i8;
    }
    Ok(())
}

/// DEQUANTIZE to `f32`: `(f32)(scale · (q - zero_point))`, the product in `f64`.
///
/// ```
/// use nn_core::quant::{dequantize_i8, QuantParams};
/// let mut r = [0f32; 2];
/// dequantize_i8(QuantParams { scale: 0.5, zero_point: 1 }, &[5, -128], &mut r).unwrap();
/// assert_eq!(r, [2.0, -64.5]);
/// ```
pub fn dequantize_i8(params: QuantParams, input: &[i8], output: &mut [f32]) -> Result<(), Error> {
    check_len("dequantize outputs", input.len(), output.len())?;
    for (&q, r) in input.iter().zip(output.iter_mut()) {
        *r = (f64::from(params.scale) * f64::from(i32::from(q) - params.zero_point)) as f32;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parameters a network's generated code computes while compiling (`const`) are the
    /// bits `AddParams::new` computes at run time, here on scales from the test models and
    /// on awkward ones (subnormal-adjacent, equal, far apart).
    #[test]
    fn add_params_computed_while_compiling_equal_those_computed_at_run_time() {
        macro_rules! both {
            ($a:expr, $za:expr, $b:expr, $zb:expr, $o:expr, $zo:expr) => {{
                const Q: (QuantParams, QuantParams, QuantParams) = (
                    QuantParams { scale: $a, zero_point: $za },
                    QuantParams { scale: $b, zero_point: $zb },
                    QuantParams { scale: $o, zero_point: $zo },
                );
                const P: AddParams = AddParams::new(
                    Q.0,
                    Q.1,
                    Q.2,
                    super::super::activation_range_i8(super::super::FusedActivation::Relu6, Q.2),
                );
                let q = core::hint::black_box(Q);
                let r = super::super::activation_range_i8(super::super::FusedActivation::Relu6, q.2);
                assert_eq!(P, AddParams::new(q.0, q.1, q.2, r));
            }};
        }
        both!(0.07, 10, 0.03, -5, 0.06, -20);
        both!(0.05, -128, 0.06, 4, 0.08, -3);
        both!(0.1, 0, 0.1, 0, 0.1, 0);
        both!(1.0e-6, 3, 0.9, -7, 0.013, 100);
        both!(1.0e-30, 0, 3.0e-38, 0, 7.5, -128);
    }
}
