//! Full-integer int8 inference as TensorFlow Lite for Microcontrollers (TFLM) computes it:
//! the same integer arithmetic as its reference kernels, so that a model converted to int8
//! by TFLite gives TFLM's output bits here. No heap; every kernel works on slices.
//!
//! A tensor holds `q ∈ [-128, 127]` standing for `r = s (q - z)` ([`QuantParams`]): a scale
//! `s` and a zero point `z` per tensor; weights are symmetric (`z = 0`) with one scale per
//! output channel, biases are `i32` with scale `s_in s_w`. A layer accumulates
//! `acc = Σ w (x - z_in) + b` exactly in `i32` and writes
//! `y = clamp(acc · M + z_out, lo, hi)` with `M = s_in s_w / s_out` applied in fixed point
//! ([`quantize_multiplier`], [`multiply_by_quantized_multiplier`]) and `[lo, hi]` the fused
//! activation's range ([`activation_range_i8`]).
//!
//! | TFLite operator | here |
//! |---|---|
//! | FULLY_CONNECTED | [`fully_connected`] |
//! | CONV_2D | [`conv_2d`] |
//! | DEPTHWISE_CONV_2D | [`depthwise_conv_2d`] |
//! | AVERAGE_POOL_2D, MAX_POOL_2D | [`pool_2d`] |
//! | SOFTMAX | [`softmax_i8`] |
//! | ADD | [`add_i8`], [`add_i8_broadcast`] (numpy broadcasting) |
//! | QUANTIZE, DEQUANTIZE | [`quantize_f32`], [`requantize_i8`], [`dequantize_i8`] |
//! | RESHAPE | a copy (row-major order is kept) |
//!
//! Float32 models run through [`fully_connected_f32`], [`conv_2d_f32`] (also depthwise),
//! [`pool_2d_f32`], [`softmax_f32`], [`add_f32`] and [`add_f32_broadcast`], TFLite's float
//! reference kernels.
//!
//! Shapes are TFLite's: NHWC activations, `[out, fh, fw, in]` convolution filters. The
//! `nn-import` crate reads `.tflite` files and runs them through these kernels; its tests
//! compare every output with TFLM's interpreter bit for bit.
//!
//! ```
//! use nn_core::quant::tflite::*;
//! // A 2 -> 1 fully-connected layer with ReLU: x = [0.5, 1.0] in steps of 1/64, w = [1, -1] / 32.
//! let (s_in, s_w, s_out) = (1.0 / 64.0, 1.0 / 32.0, 1.0 / 128.0);
//! let (m, s) = quantize_multiplier(f64::from(s_in) * f64::from(s_w) / f64::from(s_out));
//! let out = QuantParams { scale: s_out, zero_point: -128 };
//! let rq = Requant { input_offset: 0, filter_offset: 0, output_offset: -128,
//!                    multipliers: &[m], shifts: &[s],
//!                    range: activation_range_i8(FusedActivation::Relu, out) };
//! let mut y = [0i8; 1];
//! fully_connected(&rq, &[64, 32], 2, &[32, -32], Some(&[0]), &mut y).unwrap();
//! assert_eq!(y, [-128 + 64]); // relu(1.0 - 0.5) = 0.5 = 64 steps of 1/128
//! ```

mod arena;
mod broadcast;
mod conv;
mod dsp;
#[cfg(all(test, not(all(feature = "arm-dsp", target_arch = "arm"))))]
mod dsp_tests;
mod elementwise;
mod fixed;
mod float;
mod im2col;
mod params;
mod pool;
pub mod reference;
mod softmax;

pub use arena::{arena_read, arena_split};
pub use broadcast::{add_f32_broadcast, add_i8_broadcast, broadcast_shape, MAX_BROADCAST_DIMS};
pub use conv::{conv_2d, depthwise_conv_2d, fully_connected, ConvGeometry, Requant};
pub use elementwise::{add_i8, dequantize_i8, quantize_f32, requantize_i8, AddParams};
pub use fixed::{
    exp_on_negative_values, get_reciprocal, multiply_by_quantized_multiplier,
    multiply_by_quantized_multiplier_greater_than_one,
    multiply_by_quantized_multiplier_smaller_than_one_exp, quantize_multiplier,
    rounding_divide_by_pot, saturating_rounding_doubling_high_mul,
};
pub use float::{
    activation_range_f32, add_f32, conv_2d_f32, fully_connected_f32, pool_2d_f32, softmax_f32,
};
pub use params::{
    activation_range_i8, out_size_and_padding, FusedActivation, Padding, QuantParams,
};
pub use pool::{pool_2d, PoolGeometry, PoolKind};
pub use softmax::{softmax_i8, SoftmaxParams};
