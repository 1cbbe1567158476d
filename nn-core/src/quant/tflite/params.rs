//! Quantization parameters shared by the TFLite kernels: a tensor's affine quantization
//! (`real = scale · (q - zero_point)`), fused activations as int8 clamps, padding.

use super::fixed::round_f32;
use crate::Error;

/// A tensor's affine quantization: `real = scale · (q - zero_point)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QuantParams {
    /// The real value of one step.
    pub scale: f32,
    /// The quantized value of real zero.
    pub zero_point: i32,
}

/// A fused activation, as TFLite's `ActivationFunctionType` (after the requantization, as a
/// clamp of the int8 output).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FusedActivation {
    /// No clamp beyond the int8 range.
    None,
    /// `max(x, 0)`.
    Relu,
    /// `clamp(x, -1, 1)`.
    ReluN1To1,
    /// `clamp(x, 0, 6)`.
    Relu6,
}

/// TFLite's `CalculateActivationRangeQuantized` for an int8 output: the clamp `(min, max)`
/// in quantized units, with the bounds quantized in `f32` as TFLite does
/// (`zero_point + roundf(bound / scale)`). A `const fn`, so generated code computes it while
/// compiling.
///
/// ```
/// use nn_core::quant::tflite::{activation_range_i8, FusedActivation, QuantParams};
/// let out = QuantParams { scale: 6.0 / 255.0, zero_point: -128 };
/// assert_eq!(activation_range_i8(FusedActivation::Relu6, out), (-128, 127));
/// assert_eq!(activation_range_i8(FusedActivation::None, out), (-128, 127));
/// let out = QuantParams { scale: 0.1, zero_point: 3 };
/// assert_eq!(activation_range_i8(FusedActivation::Relu, out), (3, 127));
/// ```
pub const fn activation_range_i8(activation: FusedActivation, output: QuantParams) -> (i32, i32) {
    const fn q(output: QuantParams, v: f32) -> i32 {
        output
            .zero_point
            .saturating_add(round_f32(v / output.scale))
    }
    // `Ord::max` is not `const`.
    const fn max(a: i32, b: i32) -> i32 {
        if a > b {
            a
        } else {
            b
        }
    }
    const fn min(a: i32, b: i32) -> i32 {
        if a < b {
            a
        } else {
            b
        }
    }
    let (qmin, qmax) = (i8::MIN as i32, i8::MAX as i32);
    match activation {
        FusedActivation::None => (qmin, qmax),
        FusedActivation::Relu => (max(qmin, q(output, 0.0)), qmax),
        FusedActivation::Relu6 => (max(qmin, q(output, 0.0)), min(qmax, q(output, 6.0))),
        FusedActivation::ReluN1To1 => (max(qmin, q(output, -1.0)), min(qmax, q(output, 1.0))),
    }
}

/// TFLite's padding schemes for convolutions and pooling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    /// Output size `ceil(in / stride)`, zero padding split evenly (the extra row or column
    /// at the end).
    Same,
    /// Output size `ceil((in - effective_filter + 1) / stride)`, no padding.
    Valid,
}

/// Output size and leading padding of one spatial dimension, as TFLite's
/// `ComputeOutSize` and `ComputePaddingHeightWidth`. `None` when the sizes admit no output
/// (a zero stride or dilation, a filter larger than a VALID input).
///
/// ```
/// use nn_core::quant::tflite::{out_size_and_padding, Padding};
/// assert_eq!(out_size_and_padding(Padding::Same, 96, 3, 2, 1), Some((48, 0)));
/// assert_eq!(out_size_and_padding(Padding::Same, 49, 10, 2, 1), Some((25, 4)));
/// assert_eq!(out_size_and_padding(Padding::Valid, 5, 3, 1, 1), Some((3, 0)));
/// ```
pub fn out_size_and_padding(
    padding: Padding,
    input: usize,
    filter: usize,
    stride: usize,
    dilation: usize,
) -> Option<(usize, usize)> {
    if stride == 0 || dilation == 0 || filter == 0 {
        return None;
    }
    let effective = (filter - 1).checked_mul(dilation)?.checked_add(1)?;
    let out = match padding {
        Padding::Same => input.div_ceil(stride),
        Padding::Valid => (input.checked_sub(effective)? + stride) / stride,
    };
    let total = ((out.max(1) - 1) * stride + effective).saturating_sub(input);
    Some((out, total / 2))
}

/// Checks that a slice holds `expected` values.
pub(crate) fn check_len(what: &'static str, expected: usize, found: usize) -> Result<(), Error> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::LengthMismatch {
            what,
            expected,
            found,
        })
    }
}

/// Requantizes an `i32` accumulator to int8: `clamp(MBQM(acc, m, s) + zero_point, min, max)`.
#[inline]
pub(crate) fn requantize(
    acc: i32,
    multiplier: i32,
    shift: i32,
    offset: i32,
    range: (i32, i32),
) -> i8 {
    let v =
        super::fixed::multiply_by_quantized_multiplier(acc, multiplier, shift).wrapping_add(offset);
    // max, then min, as TFLite (never panics on an empty range).
    v.max(range.0).min(range.1) as i8
}
