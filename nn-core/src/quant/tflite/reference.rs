//! The int8 FULLY_CONNECTED, CONV_2D and DEPTHWISE_CONV_2D kernels without the DSP inner
//! loops, whatever the features: one product at a time, as TFLM's reference kernels. With the
//! feature `arm-dsp` on 32-bit ARM, [`super::fully_connected`], [`super::conv_2d`] and
//! [`super::depthwise_conv_2d`] take `SXTB16`/`SMLAD` loops instead; their outputs are the
//! same bits, and these are what a firmware checks and measures them against. Arguments,
//! shapes and errors are those of the kernels of the same name.

use super::conv::{conv_2d_with, depthwise_conv_2d_with, fully_connected_with};
use super::{ConvGeometry, Requant};
use crate::Error;

/// [`super::fully_connected`] one product at a time.
///
/// ```
/// use nn_core::quant::tflite::{fully_connected, quantize_multiplier, reference, Requant};
/// let (m, s) = quantize_multiplier(0.25);
/// let rq = Requant { input_offset: 3, filter_offset: 0, output_offset: -1,
///                    multipliers: &[m], shifts: &[s], range: (-128, 127) };
/// let (x, w) = ([5i8, -7, 9, 100, -128], [1i8, 2, 3, 4, 5, -5, -4, -3, -2, -1]);
/// let (mut a, mut b) = ([0i8; 2], [0i8; 2]);
/// reference::fully_connected(&rq, &x, 5, &w, None, &mut a).unwrap();
/// fully_connected(&rq, &x, 5, &w, None, &mut b).unwrap();
/// assert_eq!(a, b);
/// ```
pub fn fully_connected(
    rq: &Requant<'_>,
    input: &[i8],
    depth: usize,
    filter: &[i8],
    bias: Option<&[i32]>,
    output: &mut [i8],
) -> Result<(), Error> {
    fully_connected_with::<false>(rq, input, depth, filter, bias, output)
}

/// [`super::conv_2d`] one product at a time.
///
/// ```
/// use nn_core::quant::tflite::{quantize_multiplier, reference, ConvGeometry, Requant};
/// let (m, s) = quantize_multiplier(1.0);
/// let rq = Requant { input_offset: 0, filter_offset: 0, output_offset: 0,
///                    multipliers: &[m], shifts: &[s], range: (-128, 127) };
/// let g = ConvGeometry { stride: (1, 1), dilation: (1, 1), padding: (0, 0) };
/// let mut y = [0i8; 1];
/// reference::conv_2d(&rq, &g, &[1, 2, 3, 4], [1, 2, 2, 1], &[1, 1, 1, 1], [1, 2, 2, 1], None, &mut y, [1, 1, 1, 1]).unwrap();
/// assert_eq!(y, [10]);
/// ```
#[allow(clippy::too_many_arguments)]
pub fn conv_2d(
    rq: &Requant<'_>,
    geometry: &ConvGeometry,
    input: &[i8],
    input_shape: [usize; 4],
    filter: &[i8],
    filter_shape: [usize; 4],
    bias: Option<&[i32]>,
    output: &mut [i8],
    output_shape: [usize; 4],
) -> Result<(), Error> {
    let (x, f, y) = (
        (input, input_shape),
        (filter, filter_shape),
        (output, output_shape),
    );
    conv_2d_with::<false>(rq, geometry, x, f, bias, y)
}

/// [`super::depthwise_conv_2d`] one product at a time.
///
/// ```
/// use nn_core::quant::tflite::{quantize_multiplier, reference, ConvGeometry, Requant};
/// let (m, s) = quantize_multiplier(1.0);
/// let rq = Requant { input_offset: 0, filter_offset: 0, output_offset: 0,
///                    multipliers: &[m], shifts: &[s], range: (-128, 127) };
/// let g = ConvGeometry { stride: (1, 1), dilation: (1, 1), padding: (0, 0) };
/// let mut y = [0i8; 4];
/// reference::depthwise_conv_2d(&rq, &g, 2, &[3, 5], [1, 1, 1, 2], &[1, 2, 3, 4], [1, 1, 1, 4], None, &mut y, [1, 1, 1, 4]).unwrap();
/// assert_eq!(y, [3, 6, 15, 20]);
/// ```
#[allow(clippy::too_many_arguments)]
pub fn depthwise_conv_2d(
    rq: &Requant<'_>,
    geometry: &ConvGeometry,
    depth_multiplier: usize,
    input: &[i8],
    input_shape: [usize; 4],
    filter: &[i8],
    filter_shape: [usize; 4],
    bias: Option<&[i32]>,
    output: &mut [i8],
    output_shape: [usize; 4],
) -> Result<(), Error> {
    let (x, f, y) = (
        (input, input_shape),
        (filter, filter_shape),
        (output, output_shape),
    );
    depthwise_conv_2d_with::<false>(rq, geometry, depth_multiplier, x, f, bias, y)
}
