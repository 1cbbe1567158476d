//! Preparation of float32 operators (FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D, pooling,
//! SOFTMAX, ADD), run with TFLite's float reference kernels.

use crate::context::Ctx;
use crate::error::ImportError;
use crate::model::{DType, Tensor};
use crate::ops::{FloatLayer, Kernel};
use crate::schema::tflite as fb;
use nn_core::quant::tflite as k;

/// The float32 kernel of an operator whose input is FLOAT32, `Ok(None)` for operators
/// handled the same way for every type (RESHAPE, QUANTIZE, DEQUANTIZE).
pub(crate) fn prepare_f32(
    cx: &Ctx<'_>,
    builtin: fb::BuiltinOperator,
    ins: &[i32],
    input: &Tensor,
    output: &Tensor,
    opts: Option<&fb::BuiltinOptions>,
) -> Result<Option<Kernel>, ImportError> {
    use fb::BuiltinOperator as B;
    use fb::BuiltinOptions as O;
    let missing = || {
        cx.err(
            None,
            format!("{} options", cx.name),
            "none or another operator's",
        )
    };
    if !matches!(
        builtin,
        B::FullyConnected
            | B::Conv2d
            | B::DepthwiseConv2d
            | B::AveragePool2d
            | B::MaxPool2d
            | B::Softmax
            | B::Add
    ) {
        return Ok(None);
    }
    cx.dtype(output, DType::F32)?;
    let bias = |channels: usize| -> Result<Option<Vec<f32>>, ImportError> {
        let Some(b) = cx.optional(ins, 2)? else {
            return Ok(None);
        };
        let v = cx.constant_f32(b)?;
        if v.len() != channels {
            return Err(cx.err(Some(b), format!("{channels} biases"), v.len().to_string()));
        }
        Ok(Some(v))
    };
    Ok(Some(match builtin {
        B::FullyConnected => {
            let Some(O::FullyConnectedOptions(o)) = opts else {
                return Err(missing());
            };
            let filter = cx.tensor(ins, 1, "weights")?;
            let [out_depth, depth] = <[usize; 2]>::try_from(&filter.shape[..]).map_err(|_| {
                cx.err(
                    Some(filter),
                    "a 2-D [out, in] shape",
                    format!("{:?}", filter.shape),
                )
            })?;
            let n_in = input.len().unwrap_or(0);
            if depth == 0
                || !n_in.is_multiple_of(depth)
                || output.len() != Some(n_in / depth * out_depth)
            {
                return Err(cx.err(
                    Some(output),
                    format!("{} values", n_in / depth.max(1) * out_depth),
                    format!("{:?}", output.shape),
                ));
            }
            let layer = FloatLayer {
                filter: cx.constant_f32(filter)?,
                bias: bias(out_depth)?,
                range: k::activation_range_f32(cx.fused(o.fused_activation_function)?),
            };
            Kernel::FullyConnectedF32 { layer, depth }
        }
        B::Conv2d | B::DepthwiseConv2d => {
            let filter = cx.tensor(ins, 1, "filter")?;
            let (is, fs, os) = (cx.rank4(input)?, cx.rank4(filter)?, cx.rank4(output)?);
            let (padding, stride, dilation, act, multiplier) = match (builtin, opts) {
                (B::Conv2d, Some(O::Conv2DOptions(o))) => (
                    o.padding,
                    (o.stride_h, o.stride_w),
                    (o.dilation_h_factor, o.dilation_w_factor),
                    o.fused_activation_function,
                    None,
                ),
                (B::DepthwiseConv2d, Some(O::DepthwiseConv2DOptions(o))) => (
                    o.padding,
                    (o.stride_h, o.stride_w),
                    (o.dilation_h_factor, o.dilation_w_factor),
                    o.fused_activation_function,
                    Some(o.depth_multiplier),
                ),
                _ => return Err(missing()),
            };
            let channels = if multiplier.is_none() { fs[0] } else { fs[3] };
            if os[3] != channels || os[0] != is[0] {
                return Err(cx.err(
                    Some(output),
                    format!("[{}, _, _, {channels}]", is[0]),
                    format!("{os:?}"),
                ));
            }
            let depth_multiplier = match multiplier {
                None => {
                    if fs[3] == 0 || is[3] % fs[3] != 0 || channels % (is[3] / fs[3]) != 0 {
                        return Err(cx.err(
                            Some(filter),
                            format!("an input depth dividing {}", is[3]),
                            fs[3].to_string(),
                        ));
                    }
                    None
                }
                Some(m) => {
                    let m = usize::try_from(m).unwrap_or(0);
                    if fs[0] != 1 || m == 0 || is[3] * m != channels {
                        return Err(cx.err(
                            Some(filter),
                            format!("shape [1, _, _, {} x depth multiplier {m}]", is[3]),
                            format!("{fs:?}"),
                        ));
                    }
                    Some(m)
                }
            };
            let p = cx.padding(padding);
            let geometry = k::ConvGeometry {
                stride: (stride.0.max(0) as usize, stride.1.max(0) as usize),
                dilation: (dilation.0.max(0) as usize, dilation.1.max(0) as usize),
                padding: (
                    cx.pad(output, p, is[1], fs[1], stride.0, dilation.0, os[1])?,
                    cx.pad(output, p, is[2], fs[2], stride.1, dilation.1, os[2])?,
                ),
            };
            let layer = FloatLayer {
                filter: cx.constant_f32(filter)?,
                bias: bias(channels)?,
                range: k::activation_range_f32(cx.fused(act)?),
            };
            Kernel::ConvF32 {
                layer,
                geometry,
                shapes: [is, fs, os],
                depth_multiplier,
            }
        }
        B::AveragePool2d | B::MaxPool2d => {
            let Some(O::Pool2DOptions(o)) = opts else {
                return Err(missing());
            };
            let (is, os) = (cx.rank4(input)?, cx.rank4(output)?);
            if os[0] != is[0] || os[3] != is[3] {
                return Err(cx.err(
                    Some(output),
                    format!("[{}, _, _, {}]", is[0], is[3]),
                    format!("{os:?}"),
                ));
            }
            let (fh, fw) = (
                o.filter_height.max(0) as usize,
                o.filter_width.max(0) as usize,
            );
            let p = cx.padding(o.padding);
            let geometry = k::PoolGeometry {
                filter: (fh, fw),
                stride: (o.stride_h.max(0) as usize, o.stride_w.max(0) as usize),
                padding: (
                    cx.pad(output, p, is[1], fh, o.stride_h, 1, os[1])?,
                    cx.pad(output, p, is[2], fw, o.stride_w, 1, os[2])?,
                ),
                range: (i32::MIN, i32::MAX),
            };
            let kind = if builtin == B::MaxPool2d {
                k::PoolKind::Max
            } else {
                k::PoolKind::Average
            };
            let range = k::activation_range_f32(cx.fused(o.fused_activation_function)?);
            Kernel::PoolF32 {
                kind,
                geometry,
                range,
                shapes: [is, os],
            }
        }
        B::Softmax => {
            let Some(O::SoftmaxOptions(o)) = opts else {
                return Err(missing());
            };
            if input.shape != output.shape || input.shape.is_empty() {
                return Err(cx.err(
                    Some(output),
                    format!("shape {:?}", input.shape),
                    format!("{:?}", output.shape),
                ));
            }
            Kernel::SoftmaxF32 {
                beta: o.beta,
                depth: input.shape[input.shape.len() - 1],
            }
        }
        _ => {
            let Some(O::AddOptions(o)) = opts else {
                return Err(missing());
            };
            let second = cx.tensor(ins, 1, "second input")?;
            cx.dtype(second, DType::F32)?;
            Kernel::AddF32 {
                broadcast: cx.add_shapes(input, second, output)?,
                range: k::activation_range_f32(cx.fused(o.fused_activation_function)?),
            }
        }
    }))
}
