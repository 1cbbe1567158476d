//! [`Model`]: a `.tflite` file read into tensors and prepared operators, and the interpreter
//! that runs them in order with nn-core's TFLite kernels.

use crate::error::ImportError;
use crate::ops::Op;
use crate::prepare::prepare;
use crate::schema::tflite as fb;
use planus::ReadAsRoot;

/// The most bytes the activations of one model may take (a file declaring larger tensors is
/// refused rather than allocated).
pub const MAX_ACTIVATION_BYTES: usize = 256 << 20;

/// A tensor's element type, as far as the interpreter handles it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DType {
    /// `INT8`.
    I8,
    /// `INT32` (biases).
    I32,
    /// `FLOAT32`.
    F32,
}

impl DType {
    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            DType::I8 => 1,
            DType::I32 | DType::F32 => 4,
        }
    }
}

/// One tensor of the model: name, shape, type and quantization.
#[derive(Clone, Debug)]
pub struct Tensor {
    /// Its name in the file (or `#index` when it has none).
    pub name: String,
    /// Its shape (row-major, NHWC for images).
    pub shape: Vec<usize>,
    /// Its element type; `None` for a type the interpreter does not handle (named in
    /// `type_name`).
    pub dtype: Option<DType>,
    /// TFLite's name of its type (`INT8`, `FLOAT32`, ...).
    pub type_name: String,
    /// Its scales (one, or one per channel along `quantized_dimension`).
    pub scales: Vec<f32>,
    /// Its zero points, as `scales`.
    pub zero_points: Vec<i64>,
    /// The axis of per-channel scales.
    pub quantized_dimension: i32,
    /// Its constant data (little-endian), empty for activations.
    pub data: Vec<u8>,
}

impl Tensor {
    /// The number of elements (`None` if it overflows).
    pub fn len(&self) -> Option<usize> {
        self.shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d))
    }

    /// Whether the shape holds no element.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }
}

/// A value flowing between operators.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    I8(Vec<i8>),
    F32(Vec<f32>),
}

/// A TFLite model, read and prepared: every operator's parameters (requantization
/// multipliers, padding, clamps) computed once, as TFLM's `Prepare` does.
///
/// ```
/// let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../models/tinyml/sine.tflite")).unwrap();
/// let model = nn_import::Model::from_bytes(&bytes).unwrap();
/// assert_eq!(model.operator_names(), ["FULLY_CONNECTED"; 3]);
/// let y = model.run(&[-128]).unwrap(); // x = 0
/// assert_eq!(y.len(), 1);
/// ```
#[derive(Debug)]
pub struct Model {
    tensors: Vec<Tensor>,
    ops: Vec<Op>,
    input: usize,
    output: usize,
}

fn tensor_type(t: fb::TensorType) -> Option<DType> {
    match t {
        fb::TensorType::Int8 => Some(DType::I8),
        fb::TensorType::Int32 => Some(DType::I32),
        fb::TensorType::Float32 => Some(DType::F32),
        _ => None,
    }
}

/// TFLite's upper-case name of a tensor type (`INT8`, `FLOAT32`).
fn type_name(t: fb::TensorType) -> String {
    format!("{t:?}").to_uppercase()
}

fn model_err(expected: &str, found: String) -> ImportError {
    ImportError::Model {
        expected: expected.into(),
        found,
    }
}

impl Model {
    /// Reads a `.tflite` flatbuffer and prepares every operator.
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ImportError> {
        let root = fb::ModelRef::read_as_root(bytes)?;
        let model = fb::Model::try_from(root)?;
        let subgraphs = model.subgraphs.unwrap_or_default();
        let [graph] = <[fb::SubGraph; 1]>::try_from(subgraphs)
            .map_err(|s| model_err("one subgraph", format!("{}", s.len())))?;
        let buffers = model.buffers.unwrap_or_default();
        let mut tensors = Vec::new();
        for (i, t) in graph.tensors.unwrap_or_default().into_iter().enumerate() {
            let name = t.name.clone().unwrap_or_else(|| format!("#{i}"));
            let mut shape = Vec::new();
            for &d in t.shape.as_deref().unwrap_or(&[]) {
                let d = usize::try_from(d).map_err(|_| {
                    model_err("non-negative dimensions", format!("{d} in tensor `{name}`"))
                })?;
                shape.push(d);
            }
            let (scales, zero_points, quantized_dimension) = match t.quantization {
                Some(q) => (
                    q.scale.unwrap_or_default(),
                    q.zero_point.unwrap_or_default(),
                    q.quantized_dimension,
                ),
                None => (Vec::new(), Vec::new(), 0),
            };
            let data = buffers
                .get(t.buffer as usize)
                .and_then(|b| b.data.clone())
                .unwrap_or_default();
            let tensor = Tensor {
                name,
                shape,
                dtype: tensor_type(t.type_),
                type_name: type_name(t.type_),
                scales,
                zero_points,
                quantized_dimension,
                data,
            };
            if !tensor.data.is_empty() {
                let expected = tensor
                    .len()
                    .and_then(|n| n.checked_mul(tensor.dtype.map_or(1, DType::size)));
                if tensor.dtype.is_some() && expected != Some(tensor.data.len()) {
                    return Err(model_err(
                        "constant data matching the tensor's shape",
                        format!(
                            "{} bytes for tensor `{}` of shape {:?}",
                            tensor.data.len(),
                            tensor.name,
                            tensor.shape
                        ),
                    ));
                }
            }
            tensors.push(tensor);
        }
        let mut activation_bytes = 0usize;
        for t in tensors.iter().filter(|t| t.data.is_empty()) {
            let bytes = t
                .len()
                .and_then(|n| n.checked_mul(t.dtype.map_or(1, DType::size)));
            activation_bytes = bytes
                .and_then(|b| activation_bytes.checked_add(b))
                .filter(|&b| b <= MAX_ACTIVATION_BYTES)
                .ok_or_else(|| {
                    model_err(
                        "activations within 256 MiB",
                        format!("tensor `{}` of shape {:?}", t.name, t.shape),
                    )
                })?;
        }
        let one = |v: Option<Vec<i32>>, what: &str| -> Result<usize, ImportError> {
            let v = v.unwrap_or_default();
            match v[..] {
                [i] if (i as usize) < tensors.len() && i >= 0 => Ok(i as usize),
                _ => Err(model_err(what, format!("{v:?}"))),
            }
        };
        let input = one(graph.inputs, "one input tensor")?;
        let output = one(graph.outputs, "one output tensor")?;
        let codes = model.operator_codes.unwrap_or_default();
        let mut ops = Vec::new();
        for (index, op) in graph.operators.unwrap_or_default().into_iter().enumerate() {
            ops.push(prepare(index, &op, &codes, &tensors)?);
        }
        Ok(Model {
            tensors,
            ops,
            input,
            output,
        })
    }

    /// The prepared operators, in execution order.
    pub(crate) fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// The input tensor's index.
    pub(crate) fn input_index(&self) -> usize {
        self.input
    }

    /// The output tensor's index.
    pub(crate) fn output_index(&self) -> usize {
        self.output
    }

    /// The operators' TFLite names, in execution order.
    pub fn operator_names(&self) -> Vec<&'static str> {
        self.ops.iter().map(|op| op.name).collect()
    }

    /// The tensors, as indexed in the file.
    pub fn tensors(&self) -> &[Tensor] {
        &self.tensors
    }

    /// The input tensor.
    pub fn input(&self) -> &Tensor {
        &self.tensors[self.input]
    }

    /// The output tensor.
    pub fn output(&self) -> &Tensor {
        &self.tensors[self.output]
    }

    /// Runs the model on an int8 input (flattened in the input tensor's row-major order,
    /// NHWC for images) and returns the int8 output, computed with TFLM's integer
    /// arithmetic.
    pub fn run(&self, input: &[i8]) -> Result<Vec<i8>, ImportError> {
        match self.execute(Value::I8(input.to_vec()), input.len(), DType::I8, "run")? {
            Value::I8(v) => Ok(v),
            Value::F32(_) => Err(self.output_type_err("run")),
        }
    }

    /// Runs a model with a FLOAT32 input and output (float32 weights, or int8 inside
    /// QUANTIZE / DEQUANTIZE), with TFLite's float reference kernels.
    ///
    /// ```
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../models/tinyml/sine.tflite");
    /// let model = nn_import::Model::from_bytes(&std::fs::read(path).unwrap()).unwrap();
    /// assert!(model.run_f32(&[0.5]).is_err()); // an int8 model: use `run`
    /// ```
    pub fn run_f32(&self, input: &[f32]) -> Result<Vec<f32>, ImportError> {
        match self.execute(
            Value::F32(input.to_vec()),
            input.len(),
            DType::F32,
            "run_f32",
        )? {
            Value::F32(v) => Ok(v),
            Value::I8(_) => Err(self.output_type_err("run_f32")),
        }
    }

    fn output_type_err(&self, method: &str) -> ImportError {
        model_err(
            &format!("an output of the type `{method}` returns"),
            format!("type {}", self.output().type_name),
        )
    }

    fn execute(
        &self,
        input: Value,
        len: usize,
        dtype: DType,
        method: &str,
    ) -> Result<Value, ImportError> {
        let t = self.input();
        let expected = t.len().unwrap_or(usize::MAX);
        if len != expected {
            return Err(ImportError::Input {
                expected,
                found: len,
            });
        }
        if t.dtype != Some(dtype) || self.output().dtype != Some(dtype) {
            let name = if dtype == DType::I8 {
                "INT8"
            } else {
                "FLOAT32"
            };
            return Err(model_err(
                &format!("an {name} input and output for `{method}`"),
                format!("{} -> {}", t.type_name, self.output().type_name),
            ));
        }
        let mut values: Vec<Option<Value>> = vec![None; self.tensors.len()];
        values[self.input] = Some(input);
        for op in &self.ops {
            let v = op.run(&values, &self.tensors)?;
            values[op.output] = Some(v);
        }
        values[self.output].take().ok_or_else(|| {
            model_err(
                "an output computed by an operator",
                format!("tensor `{}` never written", self.output().name),
            )
        })
    }
}
