//! [`QDense`]: a dense layer with int8 weights, quantized from a trained [`Dense`].

use super::{dot_i8, quantize, scale_for};
use crate::layer::Dense;
use crate::Param;
use nalgebra::{SMatrix, SVector};

/// `z = W x + b` with int8 weights (one scale per output) and int8 inputs (one scale),
/// accumulated in `i32`. See [`crate::quant`] for the formulas.
///
/// ```
/// use nn_core::{layer::Dense, nalgebra::SVector, quant::QDense};
/// let mut d = Dense::<f32, 2, 1>::zeros();
/// d.weight.copy_from_slice(&[1.0, -0.5]);
/// let q = QDense::quantize(&d, 1.0 / 127.0); // inputs in [-1, 1]
/// assert_eq!(q.weight_t[(0, 0)], 127);
/// assert_eq!(q.weight_t[(1, 0)], -64);
/// let y = q.forward(&SVector::from([1.0, 1.0]));
/// assert!((y[0] - 0.5).abs() < 0.01);
/// ```
pub struct QDense<const IN: usize, const OUT: usize> {
    /// `Ŵᵀ`, `IN x OUT`: column `i` holds the quantized weights into unit `i`.
    pub weight_t: Param<SMatrix<i8, IN, OUT>>,
    /// `s_i`, the scale of each output channel's weights.
    pub weight_scale: Param<SVector<f32, OUT>>,
    /// `b`, in `f32`.
    pub bias: Param<SVector<f32, OUT>>,
    /// `a`, the input's scale.
    pub input_scale: f32,
}

impl<const IN: usize, const OUT: usize> QDense<IN, OUT> {
    /// Quantizes `dense`'s weights per output channel; `input_scale` comes from calibration
    /// ([`Calibrator::scale`](super::Calibrator::scale)) on this layer's inputs.
    pub fn quantize(dense: &Dense<f32, IN, OUT>, input_scale: f32) -> Self {
        let mut q = Self {
            weight_t: Param::zeroed(),
            weight_scale: Param::zeroed(),
            bias: Param::new(*dense.bias),
            // A scale of 0 (calibration saw only zeros) or a non-finite one would divide by
            // zero; 1 quantizes every input to 0 as well.
            input_scale: if input_scale > 0.0 && input_scale.is_finite() {
                input_scale
            } else {
                1.0
            },
        };
        for i in 0..OUT {
            let row = dense.weight.row(i);
            let s = scale_for(row.iter().fold(0f32, |m, w| m.max(w.abs())));
            q.weight_scale[i] = s;
            for (j, &w) in row.iter().enumerate() {
                q.weight_t[(j, i)] = quantize(w, s);
            }
        }
        q
    }

    /// `W` as the quantized weights represent it, `s_i q_ij` (for error bounds).
    pub fn dequantized_weight(&self) -> SMatrix<f32, OUT, IN> {
        SMatrix::from_fn(|i, j| self.weight_scale[i] * f32::from(self.weight_t[(j, i)]))
    }

    /// `z = W x + b` for one sample, in int8 with int32 accumulation; no heap.
    #[inline]
    pub fn forward(&self, x: &SVector<f32, IN>) -> SVector<f32, OUT> {
        forward(
            &self.weight_t,
            &self.weight_scale,
            &self.bias,
            self.input_scale,
            x,
        )
    }

    /// Bytes the parameters take: one per weight, four per scale and bias.
    pub const BYTES: usize = IN * OUT + 8 * OUT + 4;
}

/// The quantized forward over borrowed parameters (shared with the static layer).
#[inline]
pub(crate) fn forward<const IN: usize, const OUT: usize>(
    weight_t: &SMatrix<i8, IN, OUT>,
    weight_scale: &SVector<f32, OUT>,
    bias: &SVector<f32, OUT>,
    input_scale: f32,
    x: &SVector<f32, IN>,
) -> SVector<f32, OUT> {
    let mut xq = [0i8; IN];
    for (q, &v) in xq.iter_mut().zip(x.iter()) {
        *q = quantize(v, input_scale);
    }
    SVector::from_fn(|i, _| {
        let acc = dot_i8(weight_t.column(i).as_slice(), &xq);
        bias[i] + weight_scale[i] * input_scale * acc as f32
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::init::Init;
    use alloc::vec::Vec;
    use rand::{rngs::StdRng, Rng, SeedableRng};

    #[test]
    fn weights_are_within_half_a_step_of_their_channel_scale() {
        let d = Dense::<f32, 50, 20>::new(Init::He, &mut StdRng::seed_from_u64(3));
        let q = QDense::quantize(&d, 0.01);
        let w = q.dequantized_weight();
        for i in 0..20 {
            let s = q.weight_scale[i];
            let max = d.weight.row(i).amax();
            assert!((s - max / 127.0).abs() <= 1e-9);
            assert!((w.row(i) - d.weight.row(i)).amax() <= s / 2.0 * 1.0001);
            // The largest weight of each channel is represented exactly at ±127.
            assert_eq!(
                q.weight_t.column(i).iter().map(|v| v.unsigned_abs()).max(),
                Some(127)
            );
        }
    }

    #[test]
    fn forward_matches_float_within_the_quantization_bound() {
        let mut rng = StdRng::seed_from_u64(4);
        let d = Dense::<f32, 64, 16>::new(Init::He, &mut rng);
        let xs: Vec<SVector<f32, 64>> = (0..50)
            .map(|_| SVector::from_fn(|_, _| rng.random_range(-1.0..1.0)))
            .collect();
        let mut cal = super::super::Calibrator::new();
        xs.iter().for_each(|x| cal.observe(x.as_slice()));
        let q = QDense::quantize(&d, cal.scale());
        for x in &xs {
            let (zq, z) = (q.forward(x), d.forward(x));
            // |Δz_i| ≤ Σ_j |ΔW_ij||x_j| + |W_ij||Δx_j| + |ΔW_ij||Δx_j|, each Δ at most half a step.
            for i in 0..16 {
                let (s, a) = (q.weight_scale[i], q.input_scale);
                let bound: f32 = (0..64)
                    .map(|j| s / 2.0 * x[j].abs() + d.weight[(i, j)].abs() * a / 2.0 + s * a / 4.0)
                    .sum();
                assert!(
                    (zq[i] - z[i]).abs() <= bound * 1.001 + 1e-6,
                    "{} vs {} (bound {bound})",
                    zq[i],
                    z[i]
                );
            }
            assert!((zq - z).amax() < 0.05 * z.amax().max(1.0));
        }
    }

    #[test]
    fn four_times_smaller() {
        let d = Dense::<f32, 784, 128>::zeros();
        let q = QDense::quantize(&d, 0.01);
        let float_bytes = 4 * (784 * 128 + 128);
        assert_eq!(core::mem::size_of_val(&*q.weight_t), 784 * 128);
        assert!(QDense::<784, 128>::BYTES * 4 <= float_bytes + 9 * 128 * 4);
        assert!((float_bytes as f64 / QDense::<784, 128>::BYTES as f64) > 3.9);
    }
}
