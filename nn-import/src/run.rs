//! Execution of a prepared operator (TFLM's `Eval`) through nn-core's TFLite kernels.

use crate::error::ImportError;
use crate::model::{Tensor, Value};
use crate::ops::{Kernel, Op};
use nn_core::quant::tflite as k;

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

    fn f32_input<'v>(
        &self,
        values: &'v [Option<Value>],
        tensors: &'v [Tensor],
        i: usize,
    ) -> Result<std::borrow::Cow<'v, [f32]>, ImportError> {
        let id = self.inputs[i];
        match &values[id] {
            Some(Value::F32(v)) => Ok(std::borrow::Cow::Borrowed(v)),
            Some(Value::I8(_)) => {
                Err(self.err(tensors, id, "an INT8 value where FLOAT32 is needed"))
            }
            None if !tensors[id].data.is_empty() => Ok(tensors[id]
                .data
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()),
            None => Err(self.err(tensors, id, "a tensor no earlier operator writes")),
        }
    }

    /// Runs a float32 kernel; `None` for an int8 one.
    fn run_f32(
        &self,
        values: &[Option<Value>],
        tensors: &[Tensor],
    ) -> Option<Result<Value, ImportError>> {
        let out_len = tensors[self.output].len().unwrap_or(0);
        let mut out = vec![0f32; out_len];
        let wrap = |r: Result<(), nn_core::Error>| r.map_err(|e| self.err(tensors, self.output, e));
        let x = || self.f32_input(values, tensors, 0);
        let r = match &self.kernel {
            Kernel::FullyConnectedF32 { layer, depth } => x().and_then(|x| {
                wrap(k::fully_connected_f32(
                    &x,
                    *depth,
                    &layer.filter,
                    layer.bias.as_deref(),
                    layer.range,
                    &mut out,
                ))
            }),
            Kernel::ConvF32 {
                layer,
                geometry,
                shapes,
                depth_multiplier,
            } => x().and_then(|x| {
                wrap(k::conv_2d_f32(
                    geometry,
                    *depth_multiplier,
                    &x,
                    shapes[0],
                    &layer.filter,
                    shapes[1],
                    layer.bias.as_deref(),
                    layer.range,
                    &mut out,
                    shapes[2],
                ))
            }),
            Kernel::PoolF32 {
                kind,
                geometry,
                range,
                shapes,
            } => x().and_then(|x| {
                wrap(k::pool_2d_f32(
                    *kind, geometry, *range, &x, shapes[0], &mut out, shapes[1],
                ))
            }),
            Kernel::SoftmaxF32 { beta, depth } => {
                x().and_then(|x| wrap(k::softmax_f32(*beta, &x, *depth, &mut out)))
            }
            Kernel::AddF32 { range, broadcast } => x().and_then(|a| {
                let b = self.f32_input(values, tensors, 1)?;
                wrap(match broadcast {
                    Some([sa, sb]) => k::add_f32_broadcast(&a, sa, &b, sb, *range, &mut out),
                    None => k::add_f32(&a, &b, *range, &mut out),
                })
            }),
            _ => return None,
        };
        Some(r.map(|()| Value::F32(out)))
    }

    /// Runs the operator on the values computed so far.
    pub(crate) fn run(
        &self,
        values: &[Option<Value>],
        tensors: &[Tensor],
    ) -> Result<Value, ImportError> {
        if let Some(r) = self.run_f32(values, tensors) {
            return r;
        }
        let out_len = tensors[self.output].len().unwrap_or(0);
        let wrap = |r: Result<(), nn_core::Error>| r.map_err(|e| self.err(tensors, self.output, e));
        let mut out = vec![0i8; out_len];
        match &self.kernel {
            Kernel::FullyConnected { layer, depth } => {
                let x = self.i8_input(values, tensors, 0)?;
                let r = layer.requant();
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
                let r = layer.requant();
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
                let r = layer.requant();
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
            Kernel::Add { params, broadcast } => {
                let a = self.i8_input(values, tensors, 0)?;
                let b = self.i8_input(values, tensors, 1)?;
                wrap(match broadcast {
                    Some([sa, sb]) => k::add_i8_broadcast(params, &a, sa, &b, sb, &mut out),
                    None => k::add_i8(params, &a, &b, &mut out),
                })?;
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
            // Handled by run_f32 above.
            Kernel::FullyConnectedF32 { .. }
            | Kernel::ConvF32 { .. }
            | Kernel::PoolF32 { .. }
            | Kernel::SoftmaxF32 { .. }
            | Kernel::AddF32 { .. } => {
                return Err(self.err(tensors, self.output, "a float32 kernel on the int8 path"))
            }
        }
        Ok(Value::I8(out))
    }
}
