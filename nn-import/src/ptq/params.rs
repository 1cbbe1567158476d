//! TFLite's post-training quantization conventions (`tensorflow/lite/tools/optimize/
//! quantization_utils.cc`, the converter's full-integer quantizer), step for step in `f32`:
//!
//! - activations, asymmetric per tensor: the range is widened to hold 0,
//!   `s = (max - min) / 255`, `z = round(-128 - min / s)` clamped to `[-128, 127]`, so that
//!   real 0.0 is exactly `z` (`GetAsymmetricQuantizationParams`);
//! - weights, symmetric per output channel `c`: `s_c = max|w_c| / 127`,
//!   `q = clamp(round(w · (127 / max|w_c|)), -127, 127)` (`SymmetricPerChannelQuantization`);
//! - biases, int32 per channel with `s_b[c] = s_in · s_w[c]`:
//!   `q = clamp(round(b · (1 / s_b[c])), -(2³¹-1), 2³¹-1)`, the reciprocal taken in `f64`
//!   and rounded to `f32` (`SymmetricPerChannelBiasQuantize`).
//!
//! Rounding is C's `round`: half away from zero.

use nn_core::quant::tflite::QuantParams;

/// A tensor's observed range, widened as the calibration sees more values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    /// The smallest value seen.
    pub min: f32,
    /// The largest value seen.
    pub max: f32,
}

impl Range {
    /// The range of `values` (`None` when there are none).
    ///
    /// ```
    /// use nn_import::ptq::Range;
    /// assert_eq!(Range::of(&[0.5, -2.0, 1.0]), Some(Range { min: -2.0, max: 1.0 }));
    /// ```
    pub fn of(values: &[f32]) -> Option<Range> {
        let first = *values.first()?;
        Some(values.iter().fold(
            Range {
                min: first,
                max: first,
            },
            |r, &v| Range {
                min: r.min.min(v),
                max: r.max.max(v),
            },
        ))
    }

    /// The smallest range holding both, as TFLite's min/max calibrator merges batches.
    ///
    /// ```
    /// use nn_import::ptq::Range;
    /// let r = Range { min: -1.0, max: 2.0 }.union(Range { min: 0.0, max: 3.0 });
    /// assert_eq!(r, Range { min: -1.0, max: 3.0 });
    /// ```
    pub fn union(self, other: Range) -> Range {
        Range {
            min: self.min.min(other.min),
            max: self.max.max(other.max),
        }
    }
}

/// TFLite's asymmetric int8 parameters of an activation with the observed `range`
/// (`GetAsymmetricQuantizationParams` with `[-128, 127]`).
///
/// ```
/// use nn_import::ptq::{activation_params, Range};
/// let p = activation_params(Range { min: -1.0, max: 3.0 });
/// assert_eq!((p.scale, p.zero_point), (4.0 / 255.0, -64)); // -128 + 63.75, rounded
/// // After a ReLU the range starts at 0: zero point -128.
/// assert_eq!(activation_params(Range { min: 0.5, max: 2.0 }).zero_point, -128);
/// ```
pub fn activation_params(range: Range) -> QuantParams {
    let (qmin, qmax) = (-128f32, 127f32);
    let min = range.min.min(0.0);
    let max = range.max.max(0.0);
    let scale = (max - min) / (qmax - qmin);
    let from_min = if scale != 0.0 {
        qmin - min / scale
    } else {
        qmin
    };
    let zero_point = if from_min < qmin {
        -128
    } else if from_min > qmax {
        127
    } else {
        from_min.round() as i32
    };
    QuantParams { scale, zero_point }
}

/// Symmetric per-channel int8 weights: `weights` holds `channels` equal runs, one per
/// output channel (TFLite's layouts put the output channel first). Returns the int8 values
/// and each channel's scale (0 for an all-zero channel, whose values stay 0).
///
/// ```
/// use nn_import::ptq::quantize_weights;
/// let (q, s) = quantize_weights(&[0.5, -1.0, 0.25, 0.1, 0.2, -0.05], 2);
/// assert_eq!(q, [64, -127, 32, 64, 127, -32]); // 63.5 and 31.75 round away from zero
/// assert_eq!(s, [1.0 / 127.0, 0.2 / 127.0]);
/// ```
pub fn quantize_weights(weights: &[f32], channels: usize) -> (Vec<i8>, Vec<f32>) {
    let per = weights.len() / channels.max(1);
    let mut q = Vec::with_capacity(weights.len());
    let mut scales = Vec::with_capacity(channels);
    for w in weights.chunks(per.max(1)).take(channels) {
        let half_range = w.iter().fold(0f32, |m, v| m.max(v.abs()));
        scales.push(half_range / 127.0);
        let inv = if half_range == 0.0 {
            0.0
        } else {
            127.0 / half_range
        };
        q.extend(
            w.iter()
                .map(|&v| (v * inv).round().clamp(-127.0, 127.0) as i8),
        );
    }
    (q, scales)
}

/// int32 biases with scale `input_scale · weight_scales[c]` per channel; also returns those
/// scales.
///
/// ```
/// use nn_import::ptq::quantize_bias;
/// let (q, s) = quantize_bias(&[0.3, -0.0125], 0.5, &[0.01, 0.1]);
/// assert_eq!(s, [0.005, 0.05]);
/// assert_eq!(q, [60, 0]); // -0.25 rounds to 0
/// ```
pub fn quantize_bias(
    bias: &[f32],
    input_scale: f32,
    weight_scales: &[f32],
) -> (Vec<i32>, Vec<f32>) {
    let scales: Vec<f32> = weight_scales.iter().map(|&s| input_scale * s).collect();
    let q = bias
        .iter()
        .zip(&scales)
        .map(|(&b, &s)| {
            let inv = if s == 0.0 {
                0.0
            } else {
                (1.0 / f64::from(s)) as f32
            };
            // SafeCast: saturating; then clamp to the symmetric range.
            let v = (b * inv).round() as i32;
            v.max(-i32::MAX)
        })
        .collect();
    (q, scales)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_is_exact_for_asymmetric_ranges() {
        for &(min, max) in &[(-0.4242, 2.8215), (-3.7, 0.2), (-1e-3, 5.0), (0.0, 1.0)] {
            let p = activation_params(Range { min, max });
            // Real 0 is the integer zero point, inside int8.
            assert!((-128..=127).contains(&p.zero_point));
            // 255 steps span the range widened to hold 0, and its ends land within one
            // step of int8's ends (the zero point's rounding moves them by half a step).
            assert_eq!(p.scale, (max.max(0.0) - min.min(0.0)) / 255.0);
            let q = |r: f32| r / p.scale + p.zero_point as f32;
            assert!((q(min.min(0.0)) + 128.0).abs() <= 0.5 + 1e-3, "{min} {max}");
            assert!((q(max.max(0.0)) - 127.0).abs() <= 0.5 + 1e-3, "{min} {max}");
        }
    }

    #[test]
    fn activation_params_follow_the_converter() {
        // MNIST's standardized pixels: [-0.1307/0.3081, 0.8693/0.3081].
        let (min, max) = (-0.1307f32 / 0.3081, 0.8693f32 / 0.3081);
        let p = activation_params(Range { min, max });
        let scale = (max - min) / 255.0;
        assert_eq!(p.scale, scale);
        // -128 - min/scale = -94.67: rounds to -95.
        assert_eq!(p.zero_point, (-128.0 - min / scale).round() as i32);
        assert_eq!(p.zero_point, -95);
        // Entirely negative: the max becomes 0 and the zero point 127.
        let p = activation_params(Range {
            min: -2.0,
            max: -1.0,
        });
        assert_eq!((p.scale, p.zero_point), (2.0 / 255.0, 127));
        // All zero: scale 0, zero point -128, as TFLite (no division by zero).
        let p = activation_params(Range { min: 0.0, max: 0.0 });
        assert_eq!((p.scale, p.zero_point), (0.0, -128));
        // A tie rounds away from zero: from_min = -128 + 127.5 = -0.5 -> -1.
        let p = activation_params(Range {
            min: -127.5,
            max: 127.5,
        });
        assert_eq!(p.zero_point, -1);
    }

    #[test]
    fn weights_are_symmetric_with_127_levels() {
        let w = [-2.0, 1.0, 0.5, 0.0, 0.0, 0.0, 3.0, -3.0];
        let (q, s) = quantize_weights(&w, 4);
        assert_eq!(s, [2.0 / 127.0, 0.5 / 127.0, 0.0, 3.0 / 127.0]);
        // -128 never appears: the largest magnitude maps to ±127.
        assert_eq!(q, [-127, 64, 127, 0, 0, 0, 127, -127]);
        // Round half away from zero after multiplying by the f32 reciprocal.
        let (q, _) = quantize_weights(&[127.0, 0.5, -1.5, -0.49], 1);
        assert_eq!(q, [127, 1, -2, 0]);
    }

    #[test]
    fn bias_scale_is_input_times_weight_scale() {
        let (q, s) = quantize_bias(&[1.0, -1.0, 0.0], 0.02, &[0.5, 0.25, 0.1]);
        assert_eq!(s, [0.02f32 * 0.5, 0.02f32 * 0.25, 0.02f32 * 0.1]);
        assert_eq!(q, [100, -200, 0]);
        // A bias too large for int32 saturates symmetrically; a zero scale quantizes to 0.
        let (q, _) = quantize_bias(&[1e12, -1e12, 5.0], 1e-3, &[1e-3, 1e-3, 0.0]);
        assert_eq!(q, [i32::MAX, -i32::MAX, 0]);
    }
}
