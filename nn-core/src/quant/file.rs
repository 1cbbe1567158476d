//! [`QuantizedFile`]: quantized layers as a safetensors file, for `#[weights = "..."]`.
//!
//! A quantized dense layer `fc1` is four tensors: `fc1.weight` (`I8`, `(out, in)`,
//! row-major as PyTorch stores weights), `fc1.weight_scale` (`F32`, `(out,)`), `fc1.bias`
//! (`F32`, `(out,)`) and `fc1.input_scale` (`F32`, `(1,)`). A quantized convolution `conv1`
//! is the same four, with `conv1.weight` `I8` in PyTorch's `(F, C/G, kh, kw)` and the bias
//! only when the float layer had one.

use super::{QConv2d, QDense};
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
    /// Name, dtype, shape and little-endian row-major bytes of each tensor.
    pub(super) tensors: Vec<(String, Dtype, Vec<usize>, Vec<u8>)>,
    /// The file read from (for errors); empty for one built in memory.
    pub(super) path: String,
}

impl QuantizedFile {
    /// An empty file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `layer.what`, a vector of `f32` (shape `(len,)`).
    fn f32(&mut self, layer: &str, what: &str, values: &[f32]) -> &mut Self {
        let bytes = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.tensors.push((
            format!("{layer}.{what}"),
            Dtype::F32,
            [values.len()].to_vec(),
            bytes,
        ));
        self
    }

    /// Adds the dense layer `name`.
    pub fn dense<const IN: usize, const OUT: usize>(
        &mut self,
        name: &str,
        q: &QDense<IN, OUT>,
    ) -> &mut Self {
        // `Ŵᵀ` column-major is `Ŵ` row-major: the bytes as they are.
        let w: Vec<u8> = q.weight_t.iter().map(|&v| v as u8).collect();
        self.tensors
            .push((format!("{name}.weight"), Dtype::I8, [OUT, IN].to_vec(), w));
        self.f32(name, "weight_scale", q.weight_scale.as_slice())
            .f32(name, "bias", q.bias.as_slice())
            .f32(name, "input_scale", &[q.input_scale]);
        self
    }

    /// Adds the convolution `name`.
    ///
    /// ```
    /// use nn_core::{layer::Conv2d, quant::{QConv2d, QuantizedFile}};
    /// let conv = Conv2d::<f32, 2, 5, 5, 4, 3, 3, 1, 1, 1, 1, 18, false>::zeros();
    /// let bytes = QuantizedFile::new().conv2d("conv1", &QConv2d::quantize(&conv, 0.01)).to_bytes()?;
    /// let header = String::from_utf8_lossy(&bytes);
    /// assert!(header.contains(r#""conv1.weight":{"dtype":"I8","shape":[4,2,3,3]"#));
    /// assert!(!header.contains("conv1.bias")); // the float layer had none
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn conv2d<
        const C: usize,
        const H: usize,
        const W: usize,
        const F: usize,
        const KH: usize,
        const KW: usize,
        const S: usize,
        const P: usize,
        const D: usize,
        const G: usize,
        const K: usize,
    >(
        &mut self,
        name: &str,
        q: &QConv2d<C, H, W, F, KH, KW, S, P, D, G, K>,
    ) -> &mut Self {
        // Column `f` of the `K x F` taps is filter `f` in PyTorch's order: the bytes as they are.
        let w: Vec<u8> = q.weight.iter().map(|&v| v as u8).collect();
        let shape = [F, C / G, KH, KW].to_vec();
        self.tensors
            .push((format!("{name}.weight"), Dtype::I8, shape, w));
        self.f32(name, "weight_scale", q.weight_scale.as_slice())
            .f32(name, "input_scale", &[q.input_scale]);
        if q.has_bias {
            self.f32(name, "bias", q.bias.as_slice());
        }
        self
    }

    /// The file's bytes. The safetensors writer puts wider dtypes first, so every `F32`
    /// tensor stays 4-byte aligned for embedding.
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        let mut views = Vec::new();
        for (name, dtype, shape, data) in &self.tensors {
            let view =
                TensorView::new(*dtype, shape.clone(), data).map_err(|e| Error::Corrupt {
                    what: "quantized file",
                    path: self.path.clone(),
                    field: format!("tensor `{name}`"),
                    expected: format!("the bytes of {dtype:?} {shape:?}"),
                    found: format!("{} bytes ({e})", data.len()),
                })?;
            views.push((name.as_str(), view));
        }
        ::safetensors::serialize(views, None).map_err(|e| Error::Corrupt {
            what: "quantized file",
            path: self.path.clone(),
            field: "header written".into(),
            expected: "a header the safetensors writer accepts".into(),
            found: e.to_string(),
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
