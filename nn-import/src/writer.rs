//! [`TfliteBuilder`]: writes a one-subgraph `.tflite` flatbuffer (TFLite's schema, through
//! planus) from tensors, constant buffers and operators, for tools that make models: the
//! post-training quantizer ([`crate::ptq`]) and `examples/op_models.rs`.

use crate::schema::tflite as fb;

/// A model under construction: tensors, buffers (buffer 0 is TFLite's empty sentinel),
/// operator codes and operators of one subgraph.
///
/// ```
/// use nn_import::{schema::tflite as fb, TfliteBuilder};
/// let mut g = TfliteBuilder::new();
/// let x = g.tensor("x", &[1, 4], fb::TensorType::Int8, vec![0.5], vec![-3], 0, None);
/// let y = g.tensor("y", &[1, 2, 2], fb::TensorType::Int8, vec![0.5], vec![-3], 0, None);
/// let o = fb::ReshapeOptions { new_shape: Some(vec![1, 2, 2]) };
/// g.op(fb::BuiltinOperator::Reshape, &[x], y, Some(fb::BuiltinOptions::ReshapeOptions(Box::new(o))));
/// let bytes = g.finish(x, y, "a reshape");
/// let model = nn_import::Model::from_bytes(&bytes).unwrap();
/// assert_eq!(model.run(&[1, 2, 3, 4]).unwrap(), [1, 2, 3, 4]);
/// ```
#[derive(Debug)]
pub struct TfliteBuilder {
    tensors: Vec<fb::Tensor>,
    buffers: Vec<fb::Buffer>,
    codes: Vec<fb::OperatorCode>,
    ops: Vec<fb::Operator>,
}

impl Default for TfliteBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl TfliteBuilder {
    /// An empty model.
    pub fn new() -> Self {
        TfliteBuilder {
            tensors: vec![],
            buffers: vec![fb::Buffer::default()],
            codes: vec![],
            ops: vec![],
        }
    }

    /// Adds a tensor and returns its index: quantized when `scales` is not empty (per axis
    /// `quantized_dimension` when it has several values), constant when `data` is given.
    #[allow(clippy::too_many_arguments)]
    pub fn tensor(
        &mut self,
        name: &str,
        shape: &[i32],
        ty: fb::TensorType,
        scales: Vec<f32>,
        zero_points: Vec<i64>,
        quantized_dimension: i32,
        data: Option<Vec<u8>>,
    ) -> i32 {
        let buffer = match data {
            Some(d) => {
                self.buffers.push(fb::Buffer {
                    data: Some(d),
                    ..Default::default()
                });
                self.buffers.len() as u32 - 1
            }
            None => 0,
        };
        let quantization = (!scales.is_empty()).then(|| {
            Box::new(fb::QuantizationParameters {
                scale: Some(scales),
                zero_point: Some(zero_points),
                quantized_dimension,
                ..Default::default()
            })
        });
        self.tensors.push(fb::Tensor {
            shape: Some(shape.to_vec()),
            type_: ty,
            buffer,
            name: Some(name.into()),
            quantization,
            ..Default::default()
        });
        self.tensors.len() as i32 - 1
    }

    /// Adds an operator reading `inputs` and writing `output` (tensor indices).
    pub fn op(
        &mut self,
        code: fb::BuiltinOperator,
        inputs: &[i32],
        output: i32,
        options: Option<fb::BuiltinOptions>,
    ) {
        let index = self
            .codes
            .iter()
            .position(|c| c.builtin_code == code)
            .unwrap_or_else(|| {
                self.codes.push(fb::OperatorCode {
                    deprecated_builtin_code: (code as i32).min(127) as i8,
                    builtin_code: code,
                    version: 1,
                    ..Default::default()
                });
                self.codes.len() - 1
            });
        self.ops.push(fb::Operator {
            opcode_index: index as u32,
            inputs: Some(inputs.to_vec()),
            outputs: Some(vec![output]),
            builtin_options: options,
            ..Default::default()
        });
    }

    /// The `.tflite` bytes, with `input` and `output` as the subgraph's ends.
    pub fn finish(self, input: i32, output: i32, description: &str) -> Vec<u8> {
        let model = fb::Model {
            version: 3,
            operator_codes: Some(self.codes),
            subgraphs: Some(vec![fb::SubGraph {
                tensors: Some(self.tensors),
                inputs: Some(vec![input]),
                outputs: Some(vec![output]),
                operators: Some(self.ops),
                name: Some("main".into()),
                ..Default::default()
            }]),
            description: Some(description.into()),
            buffers: Some(self.buffers),
            ..Default::default()
        };
        let mut builder = planus::Builder::new();
        let mut bytes = builder.finish(&model, Some(*b"TFL3")).to_vec();
        // planus 1.3 writes the identifier first, then the root offset relative to itself;
        // flatbuffers (and TFLite) put the root offset, relative to the buffer's start, first.
        if bytes[..4] == *b"TFL3" {
            let root = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) + 4;
            bytes[..4].copy_from_slice(&root.to_le_bytes());
            bytes[4..8].copy_from_slice(b"TFL3");
        }
        bytes
    }
}
