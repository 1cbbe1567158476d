//! [`Ctx`]: checks on an operator's tensors (types, quantization, shapes, constants) whose
//! failures name the operator, its index and the tensor.

use crate::error::ImportError;
use crate::model::{DType, Tensor};
use crate::schema::tflite as fb;
use nn_core::quant::tflite as k;

/// Errors naming the operator being prepared.
pub(crate) struct Ctx<'a> {
    pub index: usize,
    pub name: &'static str,
    pub tensors: &'a [Tensor],
}

impl<'a> Ctx<'a> {
    pub(crate) fn err(
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

    pub(crate) fn tensor(
        &self,
        ids: &[i32],
        i: usize,
        what: &str,
    ) -> Result<&'a Tensor, ImportError> {
        self.optional(ids, i)?
            .ok_or_else(|| self.err(None, format!("a {what} tensor (input {i})"), "none"))
    }

    pub(crate) fn optional(
        &self,
        ids: &[i32],
        i: usize,
    ) -> Result<Option<&'a Tensor>, ImportError> {
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

    /// The shapes of an ADD's two inputs when they differ (`None` when they are equal), as
    /// TFLM's `Prepare` decides to broadcast; an error naming the tensor when they do not
    /// broadcast by numpy's rules or the output's shape is not their broadcast.
    pub(crate) fn add_shapes(
        &self,
        a: &Tensor,
        b: &Tensor,
        output: &Tensor,
    ) -> Result<Option<[Vec<usize>; 2]>, ImportError> {
        let mut out = [0; k::MAX_BROADCAST_DIMS];
        let Some(shape) = k::broadcast_shape(&a.shape, &b.shape, &mut out) else {
            return Err(self.err(
                Some(b),
                format!(
                    "a shape that broadcasts with {:?} (each dimension equal or 1, from the last; at most {} dimensions)",
                    a.shape,
                    k::MAX_BROADCAST_DIMS
                ),
                format!("{:?}", b.shape),
            ));
        };
        if output.shape != shape {
            return Err(self.err(
                Some(output),
                format!(
                    "shape {shape:?} (the broadcast of {:?} and {:?})",
                    a.shape, b.shape
                ),
                format!("{:?}", output.shape),
            ));
        }
        Ok((a.shape != b.shape).then(|| [a.shape.clone(), b.shape.clone()]))
    }

    pub(crate) fn dtype(&self, t: &Tensor, dtype: DType) -> Result<(), ImportError> {
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
    pub(crate) fn quant(&self, t: &Tensor) -> Result<k::QuantParams, ImportError> {
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

    pub(crate) fn rank4(&self, t: &Tensor) -> Result<[usize; 4], ImportError> {
        <[usize; 4]>::try_from(&t.shape[..])
            .map_err(|_| self.err(Some(t), "a 4-D (NHWC) shape", format!("{:?}", t.shape)))
    }

    pub(crate) fn constant_i8(&self, t: &Tensor) -> Result<Vec<i8>, ImportError> {
        self.dtype(t, DType::I8)?;
        if t.data.is_empty() && !t.is_empty() {
            return Err(self.err(Some(t), "constant weights", "a tensor without data"));
        }
        Ok(t.data.iter().map(|&b| b as i8).collect())
    }

    pub(crate) fn constant_i32(&self, t: &Tensor) -> Result<Vec<i32>, ImportError> {
        self.dtype(t, DType::I32)?;
        if t.data.is_empty() && !t.is_empty() {
            return Err(self.err(Some(t), "constant biases", "a tensor without data"));
        }
        Ok(t.data
            .chunks_exact(4)
            .map(|b| i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }

    /// The fused activation as a clamp, or an error for one TFLite does not fuse as a clamp.
    pub(crate) fn fused(
        &self,
        a: fb::ActivationFunctionType,
    ) -> Result<k::FusedActivation, ImportError> {
        Ok(match a {
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
        })
    }

    /// The fused activation's int8 clamp for an output quantized as `output`.
    pub(crate) fn activation(
        &self,
        a: fb::ActivationFunctionType,
        output: k::QuantParams,
    ) -> Result<(i32, i32), ImportError> {
        Ok(k::activation_range_i8(self.fused(a)?, output))
    }

    /// A constant float32 tensor's values.
    pub(crate) fn constant_f32(&self, t: &Tensor) -> Result<Vec<f32>, ImportError> {
        self.dtype(t, DType::F32)?;
        if t.data.is_empty() && !t.is_empty() {
            return Err(self.err(Some(t), "constant weights", "a tensor without data"));
        }
        Ok(t.data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    }

    /// Per-channel multipliers `s_in s_w[c] / s_out` (in `f64`, as TFLite's
    /// `PopulateConvolutionQuantizationParams`), a single scale broadcast to all channels.
    pub(crate) fn per_channel(
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

    pub(crate) fn symmetric(&self, filter: &Tensor, channels: usize) -> Result<(), ImportError> {
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

    pub(crate) fn bias(
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

    pub(crate) fn padding(&self, p: fb::Padding) -> k::Padding {
        match p {
            fb::Padding::Same => k::Padding::Same,
            fb::Padding::Valid => k::Padding::Valid,
        }
    }

    /// Leading padding for one dimension, checking the output size TFLite would compute.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn pad(
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

pub(crate) fn dtype_name(d: DType) -> &'static str {
    match d {
        DType::I8 => "INT8",
        DType::I32 => "INT32",
        DType::F32 => "FLOAT32",
    }
}

pub(crate) fn op_name(code: fb::BuiltinOperator) -> Option<&'static str> {
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
