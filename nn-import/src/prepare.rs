//! Per-operator preparation (TFLM's `Prepare`: types, shapes, requantization multipliers,
//! padding, clamps, checked once) and execution (its `Eval`, through nn-core's kernels).

use crate::error::ImportError;
use crate::model::{DType, Tensor, Value};
use crate::schema::tflite as fb;
use nn_core::quant::tflite as k;

/// A prepared operator: its kernel and the tensors it reads and writes.
#[derive(Debug)]
pub(crate) struct Op {
    pub index: usize,
    pub name: &'static str,
    pub inputs: Vec<usize>,
    pub output: usize,
    kernel: Kernel,
}

#[derive(Debug)]
struct Layer {
    filter: Vec<i8>,
    bias: Option<Vec<i32>>,
    multipliers: Vec<i32>,
    shifts: Vec<i32>,
    input_offset: i32,
    output_offset: i32,
    range: (i32, i32),
}

#[derive(Debug)]
enum Kernel {
    FullyConnected {
        layer: Layer,
        depth: usize,
    },
    Conv {
        layer: Layer,
        geometry: k::ConvGeometry,
        shapes: [[usize; 4]; 3],
    },
    Depthwise {
        layer: Layer,
        geometry: k::ConvGeometry,
        shapes: [[usize; 4]; 3],
        multiplier: usize,
    },
    Pool {
        kind: k::PoolKind,
        geometry: k::PoolGeometry,
        shapes: [[usize; 4]; 2],
    },
    Softmax {
        params: k::SoftmaxParams,
        depth: usize,
    },
    Add {
        params: k::AddParams,
    },
    Reshape,
    Quantize {
        output: k::QuantParams,
    },
    Requantize {
        input: k::QuantParams,
        output: k::QuantParams,
    },
    Dequantize {
        input: k::QuantParams,
    },
}

/// Errors naming the operator being prepared.
struct Ctx<'a> {
    index: usize,
    name: &'static str,
    tensors: &'a [Tensor],
}

impl<'a> Ctx<'a> {
    fn err(
        &self,
        tensor: Option<&Tensor>,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> ImportError {
        ImportError::Operator {
            index: self.index,
            operator: self.name.into(),
            tensor: tensor.map(|t| t.name.clone()),
            expected: expected.into(),
            found: found.into(),
        }
    }

    fn tensor(&self, ids: &[i32], i: usize, what: &str) -> Result<&'a Tensor, ImportError> {
        self.optional(ids, i)?
            .ok_or_else(|| self.err(None, format!("a {what} tensor (input {i})"), "none"))
    }

    fn optional(&self, ids: &[i32], i: usize) -> Result<Option<&'a Tensor>, ImportError> {
        match ids.get(i) {
            None | Some(-1) => Ok(None),
            Some(&id) => usize::try_from(id)
                .ok()
                .and_then(|id| self.tensors.get(id))
                .map(Some)
                .ok_or_else(|| {
                    self.err(
                        None,
                        format!("a tensor index below {}", self.tensors.len()),
                        id.to_string(),
                    )
                }),
        }
    }

    fn dtype(&self, t: &Tensor, dtype: DType) -> Result<(), ImportError> {
        if t.dtype == Some(dtype) {
            Ok(())
        } else {
            Err(self.err(
                Some(t),
                format!("type {}", dtype_name(dtype)),
                format!("type {}", t.type_name),
            ))
        }
    }

    /// A per-tensor quantization (one scale, one zero point).
    fn quant(&self, t: &Tensor) -> Result<k::QuantParams, ImportError> {
        match (&t.scales[..], &t.zero_points[..]) {
            ([s], [z]) if s.is_finite() && *s > 0.0 && (-128..=127).contains(z) => {
                Ok(k::QuantParams {
                    scale: *s,
                    zero_point: *z as i32,
                })
            }
            _ => Err(self.err(
                Some(t),
                "one positive scale and one int8 zero point",
                format!("scales {:?}, zero points {:?}", t.scales, t.zero_points),
            )),
        }
    }

    fn rank4(&self, t: &Tensor) -> Result<[usize; 4], ImportError> {
        <[usize; 4]>::try_from(&t.shape[..])
            .map_err(|_| self.err(Some(t), "a 4-D (NHWC) shape", format!("{:?}", t.shape)))
    }

    fn constant_i8(&self, t: &Tensor) -> Result<Vec<i8>, ImportError> {
        self.dtype(t, DType::I8)?;
        if t.data.is_empty() && !t.is_empty() {
            return Err(self.err(Some(t), "constant weights", "a tensor without data"));
        }
        Ok(t.data.iter().map(|&b| b as i8).collect())
    }

    fn constant_i32(&self, t: &Tensor) -> Result<Vec<i32>, ImportError> {
        self.dtype(t, DType::I32)?;
        if t.data.is_empty() && !t.is_empty() {
            return Err(self.err(Some(t), "constant biases", "a tensor without data"));
        }
        Ok(t.data
            .chunks_exact(4)
            .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }

    fn activation(
        &self,
        a: fb::ActivationFunctionType,
        output: k::QuantParams,
    ) -> Result<(i32, i32), ImportError> {
        let a = match a {
            fb::ActivationFunctionType::None => k::FusedActivation::None,
            fb::ActivationFunctionType::Relu => k::FusedActivation::Relu,
            fb::ActivationFunctionType::ReluN1To1 => k::FusedActivation::ReluN1To1,
            fb::ActivationFunctionType::Relu6 => k::FusedActivation::Relu6,
            other => {
                return Err(self.err(
                    None,
                    "a fused activation NONE, RELU, RELU_N1_TO_1 or RELU6",
                    format!("{other:?}"),
                ))
            }
        };
        Ok(k::activation_range_i8(a, output))
    }

    /// Per-channel multipliers `s_in s_w[c] / s_out` (in `f64`, as TFLite's
    /// `PopulateConvolutionQuantizationParams`), a single scale broadcast to all channels.
    fn per_channel(
        &self,
        filter: &Tensor,
        axis: i32,
        channels: usize,
        s_in: f32,
        s_out: f32,
    ) -> Result<(Vec<i32>, Vec<i32>), ImportError> {
        self.symmetric(filter, channels)?;
        if filter.scales.len() > 1 && filter.quantized_dimension != axis {
            return Err(self.err(
                Some(filter),
                format!("per-channel scales along axis {axis}"),
                format!("axis {}", filter.quantized_dimension),
            ));
        }
        let mut m = Vec::with_capacity(channels);
        let mut s = Vec::with_capacity(channels);
        for c in 0..channels {
            let fs = if filter.scales.len() == 1 {
                filter.scales[0]
            } else {
                filter.scales[c]
            };
            let (mi, si) =
                k::quantize_multiplier(f64::from(s_in) * f64::from(fs) / f64::from(s_out));
            m.push(mi);
            s.push(si);
        }
        Ok((m, s))
    }

    fn symmetric(&self, filter: &Tensor, channels: usize) -> Result<(), ImportError> {
        let n = filter.scales.len();
        if (n != 1 && n != channels) || filter.scales.iter().any(|s| !s.is_finite() || *s < 0.0) {
            return Err(self.err(
                Some(filter),
                format!("1 or {channels} non-negative scales"),
                format!("{n}: {:?}", filter.scales),
            ));
        }
        if filter.zero_points.iter().any(|&z| z != 0) {
            return Err(self.err(
                Some(filter),
                "symmetric weights (zero points 0)",
                format!("{:?}", filter.zero_points),
            ));
        }
        Ok(())
    }

    fn bias(
        &self,
        bias: Option<&Tensor>,
        channels: usize,
    ) -> Result<Option<Vec<i32>>, ImportError> {
        let Some(b) = bias else { return Ok(None) };
        let v = self.constant_i32(b)?;
        if v.len() != channels {
            return Err(self.err(Some(b), format!("{channels} biases"), v.len().to_string()));
        }
        Ok(Some(v))
    }

    fn padding(&self, p: fb::Padding) -> k::Padding {
        match p {
            fb::Padding::Same => k::Padding::Same,
            fb::Padding::Valid => k::Padding::Valid,
        }
    }

    /// Leading padding for one dimension, checking the output size TFLite would compute.
    #[allow(clippy::too_many_arguments)]
    fn pad(
        &self,
        out: &Tensor,
        p: k::Padding,
        input: usize,
        filter: usize,
        stride: i32,
        dilation: i32,
        found: usize,
    ) -> Result<usize, ImportError> {
        let stride = usize::try_from(stride).unwrap_or(0);
        let dilation = usize::try_from(dilation).unwrap_or(0);
        match k::out_size_and_padding(p, input, filter, stride, dilation) {
            Some((size, pad)) if size == found => Ok(pad),
            Some((size, _)) => Err(self.err(
                Some(out),
                format!("an output size of {size}"),
                found.to_string(),
            )),
            None => Err(self.err(
                Some(out),
                "a positive stride and dilation and a filter that fits",
                format!("stride {stride}, dilation {dilation}, filter {filter}, input {input}"),
            )),
        }
    }
}

fn dtype_name(d: DType) -> &'static str {
    match d {
        DType::I8 => "INT8",
        DType::I32 => "INT32",
        DType::F32 => "FLOAT32",
    }
}

fn op_name(code: fb::BuiltinOperator) -> Option<&'static str> {
    use fb::BuiltinOperator as B;
    Some(match code {
        B::FullyConnected => "FULLY_CONNECTED",
        B::Conv2d => "CONV_2D",
        B::DepthwiseConv2d => "DEPTHWISE_CONV_2D",
        B::AveragePool2d => "AVERAGE_POOL_2D",
        B::MaxPool2d => "MAX_POOL_2D",
        B::Reshape => "RESHAPE",
        B::Softmax => "SOFTMAX",
        B::Add => "ADD",
        B::Quantize => "QUANTIZE",
        B::Dequantize => "DEQUANTIZE",
        _ => return None,
    })
}

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
            if depth == 0 || n_in % depth != 0 {
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
            if second.shape != input.shape || output.shape != input.shape {
                return Err(cx.err(
                    Some(second),
                    format!("shape {:?} (broadcasting is not supported)", input.shape),
                    format!("{:?}", second.shape),
                ));
            }
            let (q1, q2, qo) = (cx.quant(input)?, cx.quant(second)?, cx.quant(output)?);
            inputs.push(ins[1] as usize);
            Kernel::Add {
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

impl Op {
    fn err(&self, tensors: &[Tensor], tensor: usize, e: impl ToString) -> ImportError {
        ImportError::Operator {
            index: self.index,
            operator: self.name.into(),
            tensor: tensors.get(tensor).map(|t| t.name.clone()),
            expected: "a value it can compute".into(),
            found: e.to_string(),
        }
    }

    fn i8_input<'v>(
        &self,
        values: &'v [Option<Value>],
        tensors: &'v [Tensor],
        i: usize,
    ) -> Result<std::borrow::Cow<'v, [i8]>, ImportError> {
        let id = self.inputs[i];
        match &values[id] {
            Some(Value::I8(v)) => Ok(std::borrow::Cow::Borrowed(v)),
            Some(Value::F32(_)) => {
                Err(self.err(tensors, id, "a FLOAT32 value where INT8 is needed"))
            }
            None if !tensors[id].data.is_empty() => {
                Ok(tensors[id].data.iter().map(|&b| b as i8).collect())
            }
            None => Err(self.err(tensors, id, "a tensor no earlier operator writes")),
        }
    }

    /// Runs the operator on the values computed so far.
    pub(crate) fn run(
        &self,
        values: &[Option<Value>],
        tensors: &[Tensor],
    ) -> Result<Value, ImportError> {
        let out_len = tensors[self.output].len().unwrap_or(0);
        let wrap = |r: Result<(), nn_core::Error>| r.map_err(|e| self.err(tensors, self.output, e));
        let rq = |l: &'_ Layer| -> (i32, i32, i32, (i32, i32)) {
            (l.input_offset, l.output_offset, 0, l.range)
        };
        let mut out = vec![0i8; out_len];
        match &self.kernel {
            Kernel::FullyConnected { layer, depth } => {
                let x = self.i8_input(values, tensors, 0)?;
                let (input_offset, output_offset, filter_offset, range) = rq(layer);
                let r = k::Requant {
                    input_offset,
                    filter_offset,
                    output_offset,
                    multipliers: &layer.multipliers,
                    shifts: &layer.shifts,
                    range,
                };
                wrap(k::fully_connected(
                    &r,
                    &x,
                    *depth,
                    &layer.filter,
                    layer.bias.as_deref(),
                    &mut out,
                ))?;
            }
            Kernel::Conv {
                layer,
                geometry,
                shapes,
            } => {
                let x = self.i8_input(values, tensors, 0)?;
                let (input_offset, output_offset, filter_offset, range) = rq(layer);
                let r = k::Requant {
                    input_offset,
                    filter_offset,
                    output_offset,
                    multipliers: &layer.multipliers,
                    shifts: &layer.shifts,
                    range,
                };
                wrap(k::conv_2d(
                    &r,
                    geometry,
                    &x,
                    shapes[0],
                    &layer.filter,
                    shapes[1],
                    layer.bias.as_deref(),
                    &mut out,
                    shapes[2],
                ))?;
            }
            Kernel::Depthwise {
                layer,
                geometry,
                shapes,
                multiplier,
            } => {
                let x = self.i8_input(values, tensors, 0)?;
                let (input_offset, output_offset, filter_offset, range) = rq(layer);
                let r = k::Requant {
                    input_offset,
                    filter_offset,
                    output_offset,
                    multipliers: &layer.multipliers,
                    shifts: &layer.shifts,
                    range,
                };
                wrap(k::depthwise_conv_2d(
                    &r,
                    geometry,
                    *multiplier,
                    &x,
                    shapes[0],
                    &layer.filter,
                    shapes[1],
                    layer.bias.as_deref(),
                    &mut out,
                    shapes[2],
                ))?;
            }
            Kernel::Pool {
                kind,
                geometry,
                shapes,
            } => {
                let x = self.i8_input(values, tensors, 0)?;
                wrap(k::pool_2d(
                    *kind, geometry, &x, shapes[0], &mut out, shapes[1],
                ))?;
            }
            Kernel::Softmax { params, depth } => {
                let x = self.i8_input(values, tensors, 0)?;
                wrap(k::softmax_i8(params, &x, *depth, &mut out))?;
            }
            Kernel::Add { params } => {
                let a = self.i8_input(values, tensors, 0)?;
                let b = self.i8_input(values, tensors, 1)?;
                wrap(k::add_i8(params, &a, &b, &mut out))?;
            }
            Kernel::Reshape => {
                let id = self.inputs[0];
                return match &values[id] {
                    Some(v) => Ok(v.clone()),
                    None => Ok(Value::I8(self.i8_input(values, tensors, 0)?.into_owned())),
                };
            }
            Kernel::Requantize { input, output } => {
                let x = self.i8_input(values, tensors, 0)?;
                wrap(k::requantize_i8(*input, *output, &x, &mut out))?;
            }
            Kernel::Quantize { output } => {
                let id = self.inputs[0];
                let Some(Value::F32(x)) = &values[id] else {
                    return Err(self.err(tensors, id, "no FLOAT32 value"));
                };
                wrap(k::quantize_f32(*output, x, &mut out))?;
            }
            Kernel::Dequantize { input } => {
                let x = self.i8_input(values, tensors, 0)?;
                let mut r = vec![0f32; out_len];
                wrap(k::dequantize_i8(*input, &x, &mut r))?;
                return Ok(Value::F32(r));
            }
        }
        Ok(Value::I8(out))
    }
}
