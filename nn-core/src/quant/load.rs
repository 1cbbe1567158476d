//! Reading a [`QuantizedFile`] back: the file checked as a whole (bounded by
//! [`ReadLimits`]), then each layer's tensors against the layer's dtypes and shapes.
//!
//! A dense layer `fc1` with `IN` inputs and `OUT` outputs needs `fc1.weight` (`I8`,
//! `(OUT, IN)`), `fc1.weight_scale` (`F32`, `(OUT,)`), `fc1.bias` (`F32`, `(OUT,)`) and
//! `fc1.input_scale` (`F32`, `(1,)`); a convolution needs `conv1.weight` (`I8`,
//! `(F, C/G, KH, KW)`), the two scales, and `conv1.bias` if the file has it. Scales must be
//! finite and not negative, the input scale above 0: a file that breaks this would make
//! `forward` return NaN or infinities, so it is [`Error::Corrupt`] naming the tensor.

use super::{QConv2d, QDense, QuantizedFile};
use crate::io::header;
use crate::io::ReadLimits;
use crate::{Error, Shape};
use ::safetensors::Dtype;
use std::format;
use std::path::Path;
use std::string::ToString;
use std::vec::Vec;

impl QuantizedFile {
    /// Reads the bytes of a quantized file (a safetensors file of `I8` and `F32` tensors,
    /// as [`to_bytes`](Self::to_bytes) writes) within [`ReadLimits::default`].
    ///
    /// ```
    /// use nn_core::{layer::Dense, quant::{QDense, QuantizedFile}};
    /// let mut d = Dense::<f32, 3, 2>::zeros();
    /// d.weight[(1, 2)] = 0.5;
    /// let bytes = QuantizedFile::new().dense("fc1", &QDense::quantize(&d, 0.01)).to_bytes()?;
    /// let file = QuantizedFile::from_bytes(&bytes)?;
    /// let q: QDense<3, 2> = file.qdense("fc1")?;
    /// assert_eq!(q.weight_t[(2, 1)], 127);
    /// // The same tensors read as a layer of another size:
    /// let e = file.qdense::<2, 2>("fc1").err().unwrap();
    /// assert_eq!(e.to_string(), "wrong shape for tensor fc1.weight: expected (2, 2), found (2, 3)");
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, Error> {
        Self::from_bytes_with(bytes, "", &ReadLimits::default())
    }

    /// [`from_bytes`](Self::from_bytes) within `limits`; `path` names the source in errors.
    ///
    /// ```
    /// use nn_core::{io::ReadLimits, quant::QuantizedFile};
    /// let e = QuantizedFile::from_bytes_with(&[1, 0, 0, 0, 0, 0, 0, 0, b'['], "q", &ReadLimits::default());
    /// assert_eq!(
    ///     e.err().unwrap().to_string(),
    ///     "corrupt safetensors header in q: JSON (line 1, column 0): \
    ///      expected a map from tensor names to their dtype, shape and data_offsets, found sequence"
    /// );
    /// ```
    pub fn from_bytes_with(bytes: &[u8], path: &str, limits: &ReadLimits) -> Result<Self, Error> {
        let parsed = header::parse(bytes, path, limits)?;
        let mut tensors = Vec::new();
        for (name, dtype, shape, data) in parsed.iter() {
            if !matches!(dtype, Dtype::I8 | Dtype::F32) {
                return Err(Error::TensorDtype {
                    name: name.into(),
                    expected: "I8 or F32",
                    found: format!("{dtype:?}"),
                });
            }
            tensors.push((name.to_string(), dtype, shape.to_vec(), data.to_vec()));
        }
        Ok(Self {
            tensors,
            path: path.into(),
        })
    }

    /// Reads a quantized file within [`ReadLimits::default`] (see
    /// [`load_with`](Self::load_with)).
    ///
    /// ```
    /// use nn_core::{layer::Dense, quant::{QDense, QuantizedFile}};
    /// let path = std::env::temp_dir().join(format!("nn-doc-q-{}.safetensors", std::process::id()));
    /// let q = QDense::quantize(&Dense::<f32, 4, 3>::zeros(), 0.02);
    /// QuantizedFile::new().dense("out", &q).save(&path)?;
    /// let back: QDense<4, 3> = QuantizedFile::load(&path)?.qdense("out")?;
    /// assert_eq!(back.input_scale, 0.02);
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn load(path: impl AsRef<Path>) -> Result<Self, Error> {
        Self::load_with(path, &ReadLimits::default())
    }

    /// Reads a quantized file within `limits`: only a regular file, its header first, then
    /// the data its header accounts for (see [`ReadLimits`]).
    ///
    /// ```
    /// use nn_core::{io::ReadLimits, quant::QuantizedFile};
    /// let e = QuantizedFile::load_with(std::env::temp_dir(), &ReadLimits::default());
    /// assert!(e.err().unwrap().to_string().ends_with("expected a regular file, found a directory"));
    /// ```
    pub fn load_with(path: impl AsRef<Path>, limits: &ReadLimits) -> Result<Self, Error> {
        let path = path.as_ref();
        let bytes = header::read_file(path, limits)?;
        Self::from_bytes_with(&bytes, &path.display().to_string(), limits)
    }

    /// The bytes of tensor `name`, which must have `dtype` and `shape`.
    fn bytes(&self, name: &str, dtype: Dtype, shape: &[usize]) -> Result<&[u8], Error> {
        let Some((_, d, s, data)) = self.tensors.iter().find(|t| t.0 == name) else {
            return Err(Error::MissingTensor {
                name: name.into(),
                expected: Shape::new(shape),
            });
        };
        if *d != dtype {
            return Err(Error::TensorDtype {
                name: name.into(),
                expected: if dtype == Dtype::I8 { "I8" } else { "F32" },
                found: format!("{d:?}"),
            });
        }
        if s != shape {
            return Err(Error::TensorShape {
                name: name.into(),
                expected: Shape::new(shape),
                found: s.clone(),
            });
        }
        Ok(data)
    }

    /// Tensor `name` as `i8` values, shape `shape`, in file (row-major) order.
    fn i8s(&self, name: &str, shape: &[usize]) -> Result<impl Iterator<Item = i8> + '_, Error> {
        Ok(self.bytes(name, Dtype::I8, shape)?.iter().map(|&b| b as i8))
    }

    /// Tensor `name` as `len` `f32` values, each checked by `valid` (described by `expected`).
    fn f32s(
        &self,
        name: &str,
        len: usize,
        expected: &str,
        valid: fn(f32) -> bool,
    ) -> Result<Vec<f32>, Error> {
        let bytes = self.bytes(name, Dtype::F32, &[len])?;
        let values: Vec<f32> = bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| !valid(**v)) {
            return Err(Error::Corrupt {
                what: "quantized file",
                path: self.path.clone(),
                field: format!("tensor `{name}` value {i}"),
                expected: expected.into(),
                found: v.to_string(),
            });
        }
        Ok(values)
    }

    /// The dense layer `name`, its tensors checked against `IN` inputs and `OUT` outputs.
    /// Errors name the tensor: missing, of another dtype or shape, or a scale that is not
    /// finite (or negative).
    ///
    /// ```
    /// use nn_core::{layer::Dense, quant::{QDense, QuantizedFile}};
    /// let bytes = QuantizedFile::new()
    ///     .dense("fc1", &QDense::quantize(&Dense::<f32, 3, 2>::zeros(), 0.01))
    ///     .to_bytes()?;
    /// let e = QuantizedFile::from_bytes(&bytes)?.qdense::<3, 2>("fc2").err().unwrap();
    /// assert_eq!(e.to_string(), "missing tensor fc2.weight: expected shape (2, 3), found no tensor of that name");
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn qdense<const IN: usize, const OUT: usize>(
        &self,
        name: &str,
    ) -> Result<QDense<IN, OUT>, Error> {
        let mut q = QDense::<IN, OUT> {
            weight_t: crate::Param::zeroed(),
            weight_scale: crate::Param::zeroed(),
            bias: crate::Param::zeroed(),
            input_scale: 1.0,
        };
        // `Ŵᵀ` column-major is `Ŵ` row-major: the bytes as they are.
        for (d, v) in q
            .weight_t
            .iter_mut()
            .zip(self.i8s(&format!("{name}.weight"), &[OUT, IN])?)
        {
            *d = v;
        }
        let (scales, bias, input) = self.common(name, OUT, true)?;
        q.weight_scale.copy_from_slice(&scales);
        if let Some(b) = bias {
            q.bias.copy_from_slice(&b);
        }
        q.input_scale = input;
        Ok(q)
    }

    /// The weight scales, bias (when `need_bias` or present) and input scale of layer
    /// `name` with `out` channels.
    #[allow(clippy::type_complexity)]
    fn common(
        &self,
        name: &str,
        out: usize,
        need_bias: bool,
    ) -> Result<(Vec<f32>, Option<Vec<f32>>, f32), Error> {
        let scale_ok: fn(f32) -> bool = |v| v.is_finite() && v >= 0.0;
        let scales = self.f32s(
            &format!("{name}.weight_scale"),
            out,
            "a finite scale of at least 0",
            scale_ok,
        )?;
        let bias_name = format!("{name}.bias");
        let bias = if need_bias || self.tensors.iter().any(|t| t.0 == bias_name) {
            Some(self.f32s(&bias_name, out, "a finite bias", f32::is_finite)?)
        } else {
            None
        };
        let input = self.f32s(
            &format!("{name}.input_scale"),
            1,
            "a finite scale above 0",
            |v| v.is_finite() && v > 0.0,
        )?;
        Ok((scales, bias, input[0]))
    }

    /// The convolution `name`, its tensors checked against the layer's const parameters
    /// (those of [`QConv2d`]); the bias is optional, as the float layer's was.
    ///
    /// ```
    /// use nn_core::{layer::Conv2d, quant::{QConv2d, QuantizedFile}};
    /// type Q = QConv2d<2, 5, 5, 4, 3, 3, 1, 1, 1, 1, 18>;
    /// let conv = Conv2d::<f32, 2, 5, 5, 4, 3, 3, 1, 1, 1, 1, 18, true>::zeros();
    /// let bytes = QuantizedFile::new().conv2d("conv1", &Q::quantize(&conv, 0.01)).to_bytes()?;
    /// let q: Q = QuantizedFile::from_bytes(&bytes)?.qconv2d("conv1")?;
    /// assert!(q.has_bias);
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn qconv2d<
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
        &self,
        name: &str,
    ) -> Result<QConv2d<C, H, W, F, KH, KW, S, P, D, G, K>, Error> {
        let mut q = QConv2d::<C, H, W, F, KH, KW, S, P, D, G, K> {
            weight: crate::Param::zeroed(),
            weight_scale: crate::Param::zeroed(),
            bias: crate::Param::zeroed(),
            has_bias: false,
            input_scale: 1.0,
        };
        let groups = G.max(1);
        // Column `f` of the `K x F` taps is filter `f` in PyTorch's order: the bytes as they are.
        let shape = [F, C / groups, KH, KW];
        if K != shape[1] * KH * KW {
            return Err(Error::LengthMismatch {
                what: "taps per filter (K = C/G · KH · KW)",
                expected: shape[1] * KH * KW,
                found: K,
            });
        }
        for (d, v) in q
            .weight
            .iter_mut()
            .zip(self.i8s(&format!("{name}.weight"), &shape)?)
        {
            *d = v;
        }
        let (scales, bias, input) = self.common(name, F, false)?;
        q.weight_scale.copy_from_slice(&scales);
        if let Some(b) = bias {
            q.bias.copy_from_slice(&b);
            q.has_bias = true;
        }
        q.input_scale = input;
        Ok(q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::{Conv2d, Dense};
    use std::string::String;

    fn dense() -> QDense<3, 2> {
        let mut d = Dense::<f32, 3, 2>::zeros();
        d.weight
            .copy_from_slice(&[0.5, -1.0, 0.25, 2.0, -0.125, 1.0]);
        d.bias.copy_from_slice(&[0.1, -0.2]);
        QDense::quantize(&d, 0.01)
    }

    /// A file of `fc1` with tensor `name` replaced by `dtype`, `shape`, `data`.
    fn with(name: &str, dtype: Dtype, shape: &[usize], data: &[u8]) -> Vec<u8> {
        let mut f = QuantizedFile::new();
        f.dense("fc1", &dense());
        for t in f.tensors.iter_mut().filter(|t| t.0 == name) {
            *t = (name.into(), dtype, shape.to_vec(), data.to_vec());
        }
        f.to_bytes().unwrap()
    }

    #[test]
    fn dense_and_conv_round_trip() {
        let q = dense();
        let bytes = QuantizedFile::new().dense("fc1", &q).to_bytes().unwrap();
        let back: QDense<3, 2> = QuantizedFile::from_bytes(&bytes)
            .unwrap()
            .qdense("fc1")
            .unwrap();
        assert_eq!(*back.weight_t, *q.weight_t);
        assert_eq!(back.weight_scale, q.weight_scale);
        assert_eq!(back.bias, q.bias);
        assert_eq!(back.input_scale, q.input_scale);

        let mut conv = Conv2d::<f32, 2, 4, 4, 3, 2, 2, 1, 0, 1, 1, 8, false>::zeros();
        conv.weight
            .iter_mut()
            .enumerate()
            .for_each(|(i, w)| *w = i as f32 * 0.1 - 1.0);
        let q = QConv2d::quantize(&conv, 0.05);
        let bytes = QuantizedFile::new().conv2d("c", &q).to_bytes().unwrap();
        let back: QConv2d<2, 4, 4, 3, 2, 2, 1, 0, 1, 1, 8> = QuantizedFile::from_bytes(&bytes)
            .unwrap()
            .qconv2d("c")
            .unwrap();
        assert_eq!(*back.weight, *q.weight);
        assert_eq!(back.weight_scale, q.weight_scale);
        assert!(!back.has_bias);
        let x = nalgebra::SVector::<f32, 32>::from_fn(|i, _| i as f32 * 0.03);
        let (mut y, mut z) = (nalgebra::SVector::zeros(), nalgebra::SVector::zeros());
        back.forward::<32, 27>(&x, &mut y);
        q.forward::<32, 27>(&x, &mut z);
        assert_eq!(y, z);
    }

    fn err(bytes: &[u8]) -> String {
        QuantizedFile::from_bytes(bytes)
            .and_then(|f| f.qdense::<3, 2>("fc1"))
            .err()
            .unwrap()
            .to_string()
    }

    #[test]
    fn every_error_names_the_tensor_expected_and_found() {
        let nan = f32::NAN.to_le_bytes();
        let cases = [
            (
                with("fc1.bias", Dtype::F64, &[2], &[0; 16]),
                "wrong dtype for tensor fc1.bias: expected I8 or F32, found F64",
            ),
            (
                with("fc1.weight", Dtype::F32, &[2, 3], &[0; 24]),
                "wrong dtype for tensor fc1.weight: expected I8, found F32",
            ),
            (
                with("fc1.weight", Dtype::I8, &[3, 2], &[0; 6]),
                "wrong shape for tensor fc1.weight: expected (2, 3), found (3, 2)",
            ),
            (
                with("fc1.input_scale", Dtype::F32, &[1], &0f32.to_le_bytes()),
                "corrupt quantized file: tensor `fc1.input_scale` value 0: expected a finite \
                 scale above 0, found 0",
            ),
            (
                with("fc1.weight_scale", Dtype::F32, &[2], &[nan, nan].concat()),
                "corrupt quantized file: tensor `fc1.weight_scale` value 0: expected a finite \
                 scale of at least 0, found NaN",
            ),
            (
                with(
                    "fc1.bias",
                    Dtype::F32,
                    &[2],
                    &[0f32.to_le_bytes(), nan].concat(),
                ),
                "corrupt quantized file: tensor `fc1.bias` value 1: expected a finite bias, \
                 found NaN",
            ),
            (
                with("fc1.input_scale", Dtype::F32, &[2], &[0; 8]),
                "wrong shape for tensor fc1.input_scale: expected (1), found (2)",
            ),
        ];
        for (bytes, expected) in cases {
            assert_eq!(err(&bytes), expected);
        }
        // A dense layer without its bias.
        let mut f = QuantizedFile::new();
        f.dense("fc1", &dense());
        f.tensors.retain(|t| t.0 != "fc1.bias");
        assert_eq!(
            err(&f.to_bytes().unwrap()),
            "missing tensor fc1.bias: expected shape (2), found no tensor of that name"
        );
        // A corrupt header names the tensor too.
        let mut bytes = with("fc1.bias", Dtype::F32, &[2], &[0; 8]);
        let at = bytes.windows(5).position(|w| w == b"[0,8]").unwrap();
        bytes[at + 3] = b'9';
        assert!(
            err(&bytes).starts_with(
                "corrupt safetensors header: tensor `fc1.bias` data_offsets: expected [0, 8]"
            ),
            "{}",
            err(&bytes)
        );
    }

    #[test]
    fn a_convolution_of_other_taps_is_a_length_mismatch() {
        let conv = Conv2d::<f32, 1, 3, 3, 2, 2, 2, 1, 0, 1, 1, 4, true>::zeros();
        let bytes = QuantizedFile::new()
            .conv2d("c", &QConv2d::quantize(&conv, 0.1))
            .to_bytes()
            .unwrap();
        let f = QuantizedFile::from_bytes(&bytes).unwrap();
        let e = f
            .qconv2d::<1, 3, 3, 2, 2, 2, 1, 0, 1, 1, 5>("c")
            .err()
            .unwrap();
        assert_eq!(
            e,
            Error::LengthMismatch {
                what: "taps per filter (K = C/G · KH · KW)",
                expected: 4,
                found: 5
            }
        );
        assert!(
            f.qconv2d::<1, 3, 3, 2, 2, 2, 1, 0, 1, 1, 4>("c")
                .unwrap()
                .has_bias
        );
    }
}
