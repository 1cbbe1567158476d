//! [`QuantizedFile`]: quantized layers as a safetensors file, for `#[weights = "..."]`.
//!
//! A quantized dense layer `fc1` is four tensors: `fc1.weight` (`I8`, `(out, in)`,
//! row-major as PyTorch stores weights), `fc1.weight_scale` (`F32`, `(out,)`), `fc1.bias`
//! (`F32`, `(out,)`) and `fc1.input_scale` (`F32`, `(1,)`).

use super::QDense;
use crate::Error;
use ::safetensors::tensor::TensorView;
use ::safetensors::Dtype;
use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

/// Quantized layers collected under their names, then written as one safetensors file.
///
/// ```
/// use nn_core::{layer::Dense, quant::{QDense, QuantizedFile}};
/// let q = QDense::quantize(&Dense::<f32, 3, 2>::zeros(), 0.01);
/// let bytes = QuantizedFile::new().dense("fc1", &q).to_bytes()?;
/// let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
/// let header = std::str::from_utf8(&bytes[8..8 + n]).unwrap();
/// assert!(header.contains(r#""fc1.weight":{"dtype":"I8","shape":[2,3]"#));
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Default)]
pub struct QuantizedFile {
    tensors: Vec<(String, Dtype, Vec<usize>, Vec<u8>)>,
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|v| v.to_le_bytes()).collect()
}

impl QuantizedFile {
    /// An empty file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the dense layer `name`.
    pub fn dense<const IN: usize, const OUT: usize>(
        &mut self,
        name: &str,
        q: &QDense<IN, OUT>,
    ) -> &mut Self {
        // `Ŵᵀ` column-major is `Ŵ` row-major: the bytes as they are.
        let w: Vec<u8> = q.weight_t.iter().map(|&v| v as u8).collect();
        self.tensors.extend([
            (format!("{name}.weight"), Dtype::I8, [OUT, IN].to_vec(), w),
            (
                format!("{name}.weight_scale"),
                Dtype::F32,
                [OUT].to_vec(),
                f32_bytes(q.weight_scale.as_slice()),
            ),
            (
                format!("{name}.bias"),
                Dtype::F32,
                [OUT].to_vec(),
                f32_bytes(q.bias.as_slice()),
            ),
            (
                format!("{name}.input_scale"),
                Dtype::F32,
                [1].to_vec(),
                f32_bytes(&[q.input_scale]),
            ),
        ]);
        self
    }

    /// The file's bytes. The safetensors writer puts wider dtypes first, so every `F32`
    /// tensor stays 4-byte aligned for embedding.
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        let mut views = Vec::new();
        for (name, dtype, shape, data) in &self.tensors {
            let view =
                TensorView::new(*dtype, shape.clone(), data).map_err(|e| Error::Corrupt {
                    what: "quantized tensor",
                    path: name.clone(),
                    message: e.to_string(),
                })?;
            views.push((name.as_str(), view));
        }
        ::safetensors::serialize(views, None).map_err(|e| Error::Corrupt {
            what: "safetensors header",
            path: String::new(),
            message: e.to_string(),
        })
    }

    /// Writes the file to `path`.
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> Result<(), Error> {
        let path = path.as_ref();
        std::fs::write(path, self.to_bytes()?).map_err(|e| Error::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })
    }
}
