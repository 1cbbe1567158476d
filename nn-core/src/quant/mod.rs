//! int8 post-training quantization of dense and convolution layers: symmetric per-channel
//! weight scales, int8 weights and inputs, int32 accumulation.
//!
//! For a dense layer `z = W x + b` (`W` is `OUT x IN`):
//!
//! - weights, per output channel `i`: `s_i = max_j |W_ij| / 127`,
//!   `q_ij = round(W_ij / s_i) ∈ [-127, 127]`, so `|W_ij - s_i q_ij| ≤ s_i / 2`;
//! - the input, with one scale `a` found by calibration (`a = max |x_j| / 127` over the
//!   training data, [`Calibrator`]): `x̂_j = clamp(round(x_j / a), -127, 127)`;
//! - `z_i = b_i + s_i a Σ_j q_ij x̂_j`, the sum over `i8` products accumulated in `i32`
//!   (exact: at most `127² IN` in magnitude, which fits for `IN < 133,000`); the bias and the
//!   activation stay in `f32`, and the next layer quantizes its input again.
//!
//! Weights take one byte instead of four: a quarter of the memory, plus `OUT` scales.
//!
//! The other int8 path is full-integer inference as TensorFlow Lite for Microcontrollers
//! computes it (int8 activations with zero points between layers, fixed-point
//! requantization), bit for bit, for models imported from `.tflite` files: `network!`'s
//! `tfl_*` layers and the `nn-import` crate run it on this crate's TFLM kernels, which are
//! theirs and not part of this API. What a user handles is a tensor's affine quantization
//! `real = scale · (q - zero_point)` ([`QuantParams`], a `tfl_*` network's `INPUT_QUANT` and
//! `OUTPUT_QUANT`): [`quantize_f32`] turns real inputs into the network's int8 input and
//! [`dequantize_i8`] its int8 output back into real values.
//!
//! Shapes: [`QDense`] holds `Wᵀ` as `SMatrix<i8, IN, OUT>` (column `i` = row `i` of `W`,
//! contiguous, PyTorch's row-major layout) and maps `SVector<f32, IN> -> SVector<f32, OUT>`
//! with no heap ([`StaticQDense`](crate::embed::StaticQDense) does the same over embedded
//! bytes, for microcontrollers). [`QConv2d`] does the same per filter for a
//! [`Conv2d`](crate::layer::Conv2d) (see [`conv2d`] for its formula;
//! [`StaticQConv2d`](crate::embed::StaticQConv2d) is its embedded form). [`QuantizedFile`]
//! writes quantized layers as a safetensors file that `network!`'s `#[weights = "..."]`
//! embeds, and reads one back at run time ([`QuantizedFile::load`], then
//! [`qdense`](QuantizedFile::qdense) or [`qconv2d`](QuantizedFile::qconv2d) per layer).
//!
//! ```
//! use nn_core::{layer::Dense, nalgebra::SVector, quant::{Calibrator, QDense}};
//! let mut d = Dense::<f32, 3, 2>::zeros();
//! d.weight.copy_from_slice(&[0.5, -1.0, 0.25, 2.0, -0.125, 1.0]); // column-major W
//! let x = SVector::from([1.0, -0.5, 0.25]);
//! let mut cal = Calibrator::new();
//! cal.observe(x.as_slice());
//! let q = QDense::quantize(&d, cal.scale());
//! assert!((q.forward(&x) - d.forward(&x)).amax() < 0.02);
//! ```

pub mod conv2d;
pub(crate) mod dense;
#[cfg(feature = "std")]
mod file;
#[cfg(feature = "std")]
mod load;
// TFLM's kernels: reached by path from `tfl_*` networks' generated code, nn-import's
// interpreter and the firmware's kernel checks, hidden from the documentation.
#[doc(hidden)]
pub mod tflite;

pub use conv2d::QConv2d;
pub use dense::QDense;
#[cfg(feature = "std")]
pub use file::QuantizedFile;
pub use tflite::{dequantize_i8, quantize_f32, QuantParams};

use crate::Scalar;

/// The largest magnitude of a quantized value (symmetric: -127 ..= 127).
pub const QMAX: f32 = 127.0;

/// The symmetric scale for values whose largest magnitude is `max_abs`: `max_abs / 127`
/// (1 for all-zero values, so that dividing by it is harmless).
///
/// ```
/// assert_eq!(nn_core::quant::scale_for(254.0), 2.0);
/// ```
pub fn scale_for(max_abs: f32) -> f32 {
    if max_abs > 0.0 && max_abs.is_finite() {
        max_abs / QMAX
    } else {
        1.0
    }
}

/// `clamp(round(v / scale), -127, 127)` as `i8`.
///
/// ```
/// use nn_core::quant::quantize;
/// assert_eq!((quantize(1.0, 0.1), quantize(-100.0, 0.1)), (10, -127));
/// ```
#[inline]
pub fn quantize(v: f32, scale: f32) -> i8 {
    let q = round(v / scale);
    if q >= QMAX {
        127
    } else if q <= -QMAX {
        -127
    } else {
        q as i8
    }
}

/// Round half away from zero, without `std` or `libm` (`|v| < 2^23` is all that matters
/// here: larger values are clamped anyway).
#[inline]
fn round(v: f32) -> f32 {
    if v.is_nan() {
        0.0
    } else if v.abs() >= 8_388_608.0 {
        v
    } else {
        let t = (v.abs() + 0.5) as i32 as f32;
        if v < 0.0 {
            -t
        } else {
            t
        }
    }
}

/// `Σ_j a_j b_j` over `i8` values, accumulated exactly in `i32` (over the shorter slice).
///
/// With the feature `arm-dsp` on 32-bit ARM (Cortex-M4, M7, M33 and others with the DSP
/// extension), four products at a time go through `SXTB16` and `SMLAD`: two instructions
/// unpack four bytes into two pairs of halfwords and each `SMLAD` adds two products. The sum
/// is the same integer either way.
///
/// ```
/// assert_eq!(nn_core::quant::dot_i8(&[127, -127, 3], &[127, 127, 2]), 6);
/// ```
#[inline]
pub fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    let n = a.len().min(b.len());
    #[cfg(all(feature = "arm-dsp", target_arch = "arm"))]
    let (mut s, done) = dsp::dot4(&a[..n], &b[..n]);
    #[cfg(not(all(feature = "arm-dsp", target_arch = "arm")))]
    let (mut s, done) = (0i32, 0);
    for (&x, &y) in a[done..n].iter().zip(&b[done..n]) {
        s += i32::from(x) * i32::from(y);
    }
    s
}

#[cfg(all(feature = "arm-dsp", target_arch = "arm"))]
mod dsp {
    /// The dot product of the first `4·⌊n/4⌋` elements of two slices of equal length `n`,
    /// and that count.
    #[inline]
    pub fn dot4(a: &[i8], b: &[i8]) -> (i32, usize) {
        let mut acc = 0i32;
        let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
        let done = a.len() - ca.remainder().len();
        for (wa, wb) in ca.zip(cb) {
            let wa = u32::from_le_bytes([wa[0] as u8, wa[1] as u8, wa[2] as u8, wa[3] as u8]);
            let wb = u32::from_le_bytes([wb[0] as u8, wb[1] as u8, wb[2] as u8, wb[3] as u8]);
            // SAFETY: register-only DSP arithmetic (no memory, no stack, no flags read):
            // SXTB16 sign-extends bytes 0 and 2 (after ROR #8: 1 and 3) into two halfwords,
            // and SMLAD adds both halfword products to the accumulator.
            unsafe {
                core::arch::asm!(
                    "sxtb16 {ae}, {wa}",
                    "sxtb16 {ao}, {wa}, ror #8",
                    "sxtb16 {be}, {wb}",
                    "sxtb16 {bo}, {wb}, ror #8",
                    "smlad {acc}, {ae}, {be}, {acc}",
                    "smlad {acc}, {ao}, {bo}, {acc}",
                    wa = in(reg) wa,
                    wb = in(reg) wb,
                    ae = out(reg) _,
                    ao = out(reg) _,
                    be = out(reg) _,
                    bo = out(reg) _,
                    acc = inout(reg) acc,
                    options(pure, nomem, nostack),
                );
            }
        }
        (acc, done)
    }
}

/// Finds an activation scale: the largest magnitude seen over calibration data, as a
/// [`scale_for`] scale.
///
/// ```
/// use nn_core::quant::Calibrator;
/// let mut c = Calibrator::new();
/// c.observe(&[0.5f32, -2.54]);
/// c.observe(&[1.0f32]);
/// assert!((c.scale() - 0.02).abs() < 1e-7);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Calibrator {
    max_abs: f32,
}

impl Calibrator {
    /// No values seen yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes in one sample's (or a batch's) values; non-finite values are ignored.
    pub fn observe<T: Scalar>(&mut self, values: &[T]) {
        for v in values {
            let v = v.to_f64().abs() as f32;
            if v.is_finite() && v > self.max_abs {
                self.max_abs = v;
            }
        }
    }

    /// The largest magnitude seen.
    pub fn max_abs(&self) -> f32 {
        self.max_abs
    }

    /// The scale that maps the largest magnitude seen to 127.
    pub fn scale(&self) -> f32 {
        scale_for(self.max_abs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantize_then_dequantize_errs_by_at_most_half_a_step() {
        let scale = scale_for(3.0);
        for i in -300..=300 {
            let v = i as f32 / 100.0;
            let q = quantize(v, scale);
            assert!(
                (f32::from(q) * scale - v).abs() <= scale / 2.0 + 1e-6,
                "{v} -> {q}"
            );
        }
        // Beyond the calibrated range, values saturate.
        assert_eq!((quantize(3.5, scale), quantize(-3.5, scale)), (127, -127));
        assert_eq!(quantize(f32::NAN, scale), 0);
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(
            [round(0.5), round(-0.5), round(1.49), round(-2.5)],
            [1.0, -1.0, 1.0, -3.0]
        );
    }
}
