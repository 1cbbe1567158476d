//! Per-operator preparation, as TFLM's `Prepare`: types, shapes, requantization
//! multipliers, padding and clamps, checked and computed once per model.

use crate::context::{op_name, Ctx};
use crate::error::ImportError;
use crate::model::{DType, Tensor};
use crate::ops::{Kernel, Layer, Op};
use crate::prepare_f32::prepare_f32;
use crate::schema::tflite as fb;
use nn_core::quant::tflite as k;

/// Prepares operator `index` of the subgraph.
pub(crate) fn prepare(
    index: usize,
    op: &fb::Operator,
    codes: &[fb::OperatorCode],
    tensors: &[Tensor],
) -> Result<Op, ImportError> {
    let unknown = |found: String| {
        ImportError::Operator {
        index,
        operator: found.clone(),
        tensor: None,
        expected: "one of FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, MAX_POOL_2D, RESHAPE, SOFTMAX, ADD, QUANTIZE, DEQUANTIZE".into(),
        found: format!("`{found}`"),
    }
    };
    let code = codes
        .get(op.opcode_index as usize)
        .ok_or_else(|| unknown(format!("opcode {}", op.opcode_index)))?;
    // TFLite's GetBuiltinCode: older files keep the code in the deprecated byte only.
    let deprecated = i32::from(code.deprecated_builtin_code);
    let builtin = if deprecated > code.builtin_code as i32 {
        fb::BuiltinOperator::try_from(deprecated)
            .map_err(|_| unknown(format!("builtin code {deprecated}")))?
    } else {
        code.builtin_code
    };
    let name = op_name(builtin).ok_or_else(|| {
        unknown(
            code.custom_code
                .clone()
                .unwrap_or_else(|| format!("{builtin:?}").to_uppercase()),
        )
    })?;
    let cx = Ctx {
        index,
        name,
        tensors,
    };
    let ins = op.inputs.as_deref().unwrap_or(&[]);
    let outs = op.outputs.as_deref().unwrap_or(&[]);
    let input = cx.tensor(ins, 0, "input")?;
    let output = match outs {
        [o] => cx.optional(outs, 0)?.map(|t| (t, *o as usize)),
        _ => None,
    };
    let (output, output_id) =
        output.ok_or_else(|| cx.err(None, "one output tensor", format!("{outs:?}")))?;
    let input_id = ins[0] as usize;
    let mut inputs = vec![input_id];
    let opts = op.builtin_options.as_ref();
    let missing = || {
        cx.err(
            None,
            format!("{name} options"),
            "none or another operator's",
        )
    };
    if input.dtype == Some(DType::F32) {
        if let Some(kernel) = prepare_f32(&cx, builtin, ins, input, output, opts)? {
            if builtin == fb::BuiltinOperator::Add {
                inputs.push(ins[1] as usize);
            }
            return Ok(Op {
                index,
                name,
                inputs,
                output: output_id,
                kernel,
            });
        }
    }
    let kernel = match builtin {
        fb::BuiltinOperator::FullyConnected => {
            let Some(fb::BuiltinOptions::FullyConnectedOptions(o)) = opts else {
                return Err(missing());
            };
            if o.weights_format != fb::FullyConnectedOptionsWeightsFormat::Default {
                return Err(cx.err(
                    None,
                    "weights format DEFAULT",
                    format!("{:?}", o.weights_format),
                ));
            }
            let filter = cx.tensor(ins, 1, "weights")?;
            cx.dtype(input, DType::I8)?;
            cx.dtype(output, DType::I8)?;
            let (qi, qo) = (cx.quant(input)?, cx.quant(output)?);
            let [out_depth, depth] = <[usize; 2]>::try_from(&filter.shape[..]).map_err(|_| {
                cx.err(
                    Some(filter),
                    "a 2-D [out, in] shape",
                    format!("{:?}", filter.shape),
                )
            })?;
            let n_in = input.len().unwrap_or(0);
            if depth == 0 || !n_in.is_multiple_of(depth) {
                return Err(cx.err(
                    Some(input),
                    format!("a multiple of {depth} values"),
                    n_in.to_string(),
                ));
            }
            if output.len() != Some(n_in / depth * out_depth) {
                return Err(cx.err(
                    Some(output),
                    format!("{} values", n_in / depth * out_depth),
                    format!("{:?}", output.shape),
                ));
            }
            cx.symmetric(filter, out_depth)?;
            let (multipliers, shifts) = if filter.scales.len() > 1 {
                cx.per_channel(filter, 0, out_depth, qi.scale, qo.scale)?
            } else {
                // TFLite's GetQuantizedConvolutionMultipler: the scale product in f32.
                let (m, s) = k::quantize_multiplier(
                    f64::from(qi.scale * filter.scales[0]) / f64::from(qo.scale),
                );
                (vec![m], vec![s])
            };
            let layer = Layer {
                filter: cx.constant_i8(filter)?,
                bias: cx.bias(cx.optional(ins, 2)?, out_depth)?,
                multipliers,
                shifts,
                input_offset: -qi.zero_point,
                output_offset: qo.zero_point,
                range: cx.activation(o.fused_activation_function, qo)?,
            };
            Kernel::FullyConnected { layer, depth }
        }
        fb::BuiltinOperator::Conv2d | fb::BuiltinOperator::DepthwiseConv2d => {
            let filter = cx.tensor(ins, 1, "filter")?;
            cx.dtype(input, DType::I8)?;
            cx.dtype(output, DType::I8)?;
            let (qi, qo) = (cx.quant(input)?, cx.quant(output)?);
            let (is, fs, os) = (cx.rank4(input)?, cx.rank4(filter)?, cx.rank4(output)?);
            let (padding, stride, dilation, act, multiplier) = match (builtin, opts) {
                (fb::BuiltinOperator::Conv2d, Some(fb::BuiltinOptions::Conv2DOptions(o))) => (
                    o.padding,
                    (o.stride_h, o.stride_w),
                    (o.dilation_h_factor, o.dilation_w_factor),
                    o.fused_activation_function,
                    0,
                ),
                (
                    fb::BuiltinOperator::DepthwiseConv2d,
                    Some(fb::BuiltinOptions::DepthwiseConv2DOptions(o)),
                ) => (
                    o.padding,
                    (o.stride_h, o.stride_w),
                    (o.dilation_h_factor, o.dilation_w_factor),
                    o.fused_activation_function,
                    o.depth_multiplier,
                ),
                _ => return Err(missing()),
            };
            let channels = if builtin == fb::BuiltinOperator::Conv2d {
                fs[0]
            } else {
                fs[3]
            };
            if os[3] != channels || os[0] != is[0] {
                return Err(cx.err(
                    Some(output),
                    format!("[{}, _, _, {channels}]", is[0]),
                    format!("{os:?}"),
                ));
            }
            let p = cx.padding(padding);
            let geometry = k::ConvGeometry {
                stride: (stride.0.max(0) as usize, stride.1.max(0) as usize),
                dilation: (dilation.0.max(0) as usize, dilation.1.max(0) as usize),
                padding: (
                    cx.pad(output, p, is[1], fs[1], stride.0, dilation.0, os[1])?,
                    cx.pad(output, p, is[2], fs[2], stride.1, dilation.1, os[2])?,
                ),
            };
            let axis = if builtin == fb::BuiltinOperator::Conv2d {
                0
            } else {
                3
            };
            let (multipliers, shifts) =
                cx.per_channel(filter, axis, channels, qi.scale, qo.scale)?;
            let layer = Layer {
                filter: cx.constant_i8(filter)?,
                bias: cx.bias(cx.optional(ins, 2)?, channels)?,
                multipliers,
                shifts,
                input_offset: -qi.zero_point,
                output_offset: qo.zero_point,
                range: cx.activation(act, qo)?,
            };
            if builtin == fb::BuiltinOperator::Conv2d {
                if fs[3] == 0 || is[3] % fs[3] != 0 || channels % (is[3] / fs[3]) != 0 {
                    return Err(cx.err(
                        Some(filter),
                        format!("an input depth dividing {}", is[3]),
                        fs[3].to_string(),
                    ));
                }
                Kernel::Conv {
                    layer,
                    geometry,
                    shapes: [is, fs, os],
                }
            } else {
                let m = usize::try_from(multiplier).unwrap_or(0);
                if fs[0] != 1 || m == 0 || is[3] * m != channels {
                    return Err(cx.err(
                        Some(filter),
                        format!("shape [1, _, _, {} x depth multiplier {multiplier}]", is[3]),
                        format!("{fs:?}"),
                    ));
                }
                Kernel::Depthwise {
                    layer,
                    geometry,
                    shapes: [is, fs, os],
                    multiplier: m,
                }
            }
        }
        fb::BuiltinOperator::AveragePool2d | fb::BuiltinOperator::MaxPool2d => {
            let Some(fb::BuiltinOptions::Pool2DOptions(o)) = opts else {
                return Err(missing());
            };
            cx.dtype(input, DType::I8)?;
            cx.dtype(output, DType::I8)?;
            let qo = cx.quant(output)?;
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
                range: cx.activation(o.fused_activation_function, qo)?,
            };
            let kind = if builtin == fb::BuiltinOperator::MaxPool2d {
                k::PoolKind::Max
            } else {
                k::PoolKind::Average
            };
            Kernel::Pool {
                kind,
                geometry,
                shapes: [is, os],
            }
        }
        fb::BuiltinOperator::Softmax => {
            let Some(fb::BuiltinOptions::SoftmaxOptions(o)) = opts else {
                return Err(missing());
            };
            cx.dtype(input, DType::I8)?;
            cx.dtype(output, DType::I8)?;
            let (qi, qo) = (cx.quant(input)?, cx.quant(output)?);
            if qo.zero_point != -128 || qo.scale != 1.0 / 256.0 {
                return Err(cx.err(
                    Some(output),
                    "scale 1/256 and zero point -128",
                    format!("scale {}, zero point {}", qo.scale, qo.zero_point),
                ));
            }
            if input.shape != output.shape || input.shape.is_empty() {
                return Err(cx.err(
                    Some(output),
                    format!("shape {:?}", input.shape),
                    format!("{:?}", output.shape),
                ));
            }
            Kernel::Softmax {
                params: k::SoftmaxParams::new(o.beta, qi.scale),
                depth: input.shape[input.shape.len() - 1],
            }
        }
        fb::BuiltinOperator::Add => {
            let Some(fb::BuiltinOptions::AddOptions(o)) = opts else {
                return Err(missing());
            };
            let second = cx.tensor(ins, 1, "second input")?;
            for t in [input, second, output] {
                cx.dtype(t, DType::I8)?;
            }
            let broadcast = cx.add_shapes(input, second, output)?;
            let (q1, q2, qo) = (cx.quant(input)?, cx.quant(second)?, cx.quant(output)?);
            inputs.push(ins[1] as usize);
            Kernel::Add {
                broadcast,
                params: k::AddParams::new(
                    q1,
                    q2,
                    qo,
                    cx.activation(o.fused_activation_function, qo)?,
                ),
            }
        }
        fb::BuiltinOperator::Reshape => {
            if input.len() != output.len() || input.dtype != output.dtype || input.dtype.is_none() {
                return Err(cx.err(
                    Some(output),
                    format!(
                        "{} values of type {}",
                        input.len().unwrap_or(0),
                        input.type_name
                    ),
                    format!("{:?} of type {}", output.shape, output.type_name),
                ));
            }
            Kernel::Reshape
        }
        fb::BuiltinOperator::Quantize => {
            cx.dtype(output, DType::I8)?;
            if input.len() != output.len() {
                return Err(cx.err(
                    Some(output),
                    format!("shape {:?}", input.shape),
                    format!("{:?}", output.shape),
                ));
            }
            match input.dtype {
                Some(DType::F32) => Kernel::Quantize {
                    output: cx.quant(output)?,
                },
                Some(DType::I8) => Kernel::Requantize {
                    input: cx.quant(input)?,
                    output: cx.quant(output)?,
                },
                _ => {
                    return Err(cx.err(
                        Some(input),
                        "type FLOAT32 or INT8",
                        format!("type {}", input.type_name),
                    ))
                }
            }
        }
        fb::BuiltinOperator::Dequantize => {
            cx.dtype(input, DType::I8)?;
            cx.dtype(output, DType::F32)?;
            if input.len() != output.len() {
                return Err(cx.err(
                    Some(output),
                    format!("shape {:?}", input.shape),
                    format!("{:?}", output.shape),
                ));
            }
            Kernel::Dequantize {
                input: cx.quant(input)?,
            }
        }
        _ => return Err(unknown(name.into())),
    };
    Ok(Op {
        index,
        name,
        inputs,
        output: output_id,
        kernel,
    })
}
