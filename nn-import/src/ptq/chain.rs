//! [`FloatChain`]: a float network as a chain of TFLite layers in NHWC (the layout of the
//! int8 model it becomes), read from a PyTorch-layout safetensors file, and its float32
//! forward through TFLite's float reference kernels, keeping every activation for
//! calibration.
//!
//! PyTorch's `(F, C, kh, kw)` convolution weights become TFLite's `(F, kh, kw, C)`; a dense
//! layer after `flatten` reads PyTorch's `C·H·W` order, so its columns are permuted to
//! TFLite's `H·W·C`. Symmetric PyTorch padding is accepted where it equals TFLite's SAME
//! (or is 0, VALID).

use crate::ImportError;
use nn_core::quant::tflite::{
    conv_2d_f32, fully_connected_f32, out_size_and_padding, pool_2d_f32, ConvGeometry, Padding,
    PoolGeometry, PoolKind,
};

/// One layer of the list [`FloatChain::from_pytorch`] reads: how to read the file's tensors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PyTorchLayer<'a> {
    /// `name.weight` `(F, C, k, k)`, `name.bias` `(F)`; stride 1, symmetric zero padding.
    Conv2d {
        /// The tensors' prefix.
        name: &'a str,
        /// Rows and columns of zero padding on each side.
        pad: usize,
        /// A ReLU after it.
        relu: bool,
    },
    /// Max pooling over `k`x`k` windows with stride `k`.
    MaxPool2d(usize),
    /// `name.weight` `(out, in)`, `name.bias` `(out)`; `in` in PyTorch's flattened
    /// `C·H·W` order when it follows a convolution.
    Dense {
        /// The tensors' prefix.
        name: &'a str,
        /// A ReLU after it.
        relu: bool,
    },
}

/// A float layer in TFLite's layout.
#[derive(Clone, Debug, PartialEq)]
pub enum FloatLayer {
    /// CONV_2D, stride 1: `weight` `(F, kh, kw, C)`.
    Conv2d {
        /// The tensors' prefix in the source file (and the int8 model).
        name: String,
        /// `(F, kh, kw, C)`, row-major.
        weight: Vec<f32>,
        /// `[F, kh, kw, C]`.
        weight_shape: [usize; 4],
        /// `F` values.
        bias: Vec<f32>,
        /// SAME or VALID.
        padding: Padding,
        /// A fused ReLU.
        relu: bool,
    },
    /// MAX_POOL_2D, VALID, window and stride `k`.
    MaxPool2d(usize),
    /// FULLY_CONNECTED over the flattened NHWC input: `weight` `(out, in)`.
    Dense {
        /// The tensors' prefix.
        name: String,
        /// `(out, in)`, row-major, `in` in NHWC order.
        weight: Vec<f32>,
        /// `out` values.
        bias: Vec<f32>,
        /// A fused ReLU.
        relu: bool,
    },
}

/// A float network as TFLite layers over an NHWC input of one sample.
#[derive(Clone, Debug, PartialEq)]
pub struct FloatChain {
    /// `[1, H, W, C]`.
    pub input_shape: [usize; 4],
    /// The layers in order.
    pub layers: Vec<FloatLayer>,
}

fn model_err(expected: impl Into<String>, found: impl Into<String>) -> ImportError {
    ImportError::Model {
        expected: expected.into(),
        found: found.into(),
    }
}

/// The tensor `name` of the file as `f32` values, with its shape.
fn tensor(
    file: &safetensors::SafeTensors,
    name: &str,
) -> Result<(Vec<f32>, Vec<usize>), ImportError> {
    let t = file
        .tensor(name)
        .map_err(|_| model_err(format!("a tensor `{name}`"), "none in the file"))?;
    if t.dtype() != safetensors::Dtype::F32 {
        return Err(model_err(
            format!("`{name}` as F32"),
            format!("{:?}", t.dtype()),
        ));
    }
    let v = t
        .data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    Ok((v, t.shape().to_vec()))
}

impl FloatChain {
    /// Reads a float network saved in PyTorch's layout (a `state_dict` as safetensors, as
    /// this workspace's `save_safetensors` writes it) over a `[C, H, W]` input.
    ///
    /// ```
    /// use nn_import::ptq::{FloatChain, PyTorchLayer};
    /// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/pytorch_cnn.safetensors");
    /// let chain = FloatChain::from_pytorch(&std::fs::read(path).unwrap(), [1, 28, 28], &[
    ///     PyTorchLayer::Conv2d { name: "conv1", pad: 1, relu: true },
    ///     PyTorchLayer::MaxPool2d(2),
    ///     PyTorchLayer::Conv2d { name: "conv2", pad: 1, relu: true },
    ///     PyTorchLayer::MaxPool2d(2),
    ///     PyTorchLayer::Dense { name: "fc", relu: false },
    /// ]).unwrap();
    /// assert_eq!(chain.shapes().last(), Some(&[1, 1, 1, 10]));
    /// ```
    pub fn from_pytorch(
        bytes: &[u8],
        input: [usize; 3],
        spec: &[PyTorchLayer],
    ) -> Result<FloatChain, ImportError> {
        let file = safetensors::SafeTensors::deserialize(bytes)
            .map_err(|e| model_err("a safetensors file", e.to_string()))?;
        let [c0, h0, w0] = input;
        let (mut h, mut w, mut c) = (h0, w0, c0);
        let mut layers = Vec::new();
        for layer in spec {
            match *layer {
                PyTorchLayer::Conv2d { name, pad, relu } => {
                    let (wt, shape) = tensor(&file, &format!("{name}.weight"))?;
                    let (bias, _) = tensor(&file, &format!("{name}.bias"))?;
                    let [f, ci, kh, kw] = shape[..] else {
                        return Err(model_err(
                            format!("`{name}.weight` of shape (F, C, kh, kw)"),
                            format!("{shape:?}"),
                        ));
                    };
                    if ci != c || bias.len() != f {
                        return Err(model_err(
                            format!("`{name}` over {c} channels with {f} biases"),
                            format!("weight {shape:?}, {} biases", bias.len()),
                        ));
                    }
                    let padding = [Padding::Valid, Padding::Same]
                        .into_iter()
                        .find(|&p| {
                            let oh = out_size_and_padding(p, h, kh, 1, 1);
                            let ow = out_size_and_padding(p, w, kw, 1, 1);
                            let pt = |n: usize, k: usize| (n + 2 * pad + 1).checked_sub(k);
                            oh.zip(ow)
                                == pt(h, kh).zip(pt(w, kw)).map(|(a, b)| ((a, pad), (b, pad)))
                        })
                        .ok_or_else(|| {
                            model_err(
                                format!(
                                    "`{name}`: padding 0 or TFLite's SAME for a {kh}x{kw} kernel"
                                ),
                                format!("padding {pad}"),
                            )
                        })?;
                    // (F, C, kh, kw) -> (F, kh, kw, C).
                    let mut weight = vec![0f32; wt.len()];
                    for o in 0..f {
                        for i in 0..ci {
                            for y in 0..kh {
                                for x in 0..kw {
                                    weight[((o * kh + y) * kw + x) * ci + i] =
                                        wt[((o * ci + i) * kh + y) * kw + x];
                                }
                            }
                        }
                    }
                    h = h + 2 * pad + 1 - kh;
                    w = w + 2 * pad + 1 - kw;
                    c = f;
                    layers.push(FloatLayer::Conv2d {
                        name: name.into(),
                        weight,
                        weight_shape: [f, kh, kw, ci],
                        bias,
                        padding,
                        relu,
                    });
                }
                PyTorchLayer::MaxPool2d(k) => {
                    if k == 0 || h < k || w < k {
                        return Err(model_err(
                            format!("a pooling window within {h}x{w}"),
                            format!("{k}x{k}"),
                        ));
                    }
                    h /= k;
                    w /= k;
                    layers.push(FloatLayer::MaxPool2d(k));
                }
                PyTorchLayer::Dense { name, relu } => {
                    let (wt, shape) = tensor(&file, &format!("{name}.weight"))?;
                    let (bias, _) = tensor(&file, &format!("{name}.bias"))?;
                    let depth = h * w * c;
                    if shape.len() != 2 || shape[1] != depth || bias.len() != shape[0] {
                        return Err(model_err(
                            format!("`{name}.weight` of shape (out, {depth}) and `out` biases"),
                            format!("{shape:?}, {} biases", bias.len()),
                        ));
                    }
                    // Column (ch, y, x) of PyTorch's flatten -> (y, x, ch) of NHWC.
                    let mut weight = vec![0f32; wt.len()];
                    for (row_pt, row) in wt.chunks_exact(depth).zip(weight.chunks_exact_mut(depth))
                    {
                        for ch in 0..c {
                            for y in 0..h {
                                for x in 0..w {
                                    row[(y * w + x) * c + ch] = row_pt[(ch * h + y) * w + x];
                                }
                            }
                        }
                    }
                    (h, w, c) = (1, 1, shape[0]);
                    layers.push(FloatLayer::Dense {
                        name: name.into(),
                        weight,
                        bias,
                        relu,
                    });
                }
            }
        }
        Ok(FloatChain {
            input_shape: [1, h0, w0, c0],
            layers,
        })
    }

    /// The NHWC shape of every activation: the input's, then each layer's output.
    ///
    /// ```
    /// use nn_import::ptq::{FloatChain, FloatLayer};
    /// let chain = FloatChain { input_shape: [1, 1, 1, 2], layers: vec![FloatLayer::Dense {
    ///     name: "fc".into(), weight: vec![1.0, -1.0], bias: vec![0.5], relu: true }] };
    /// assert_eq!(chain.shapes(), [[1, 1, 1, 2], [1, 1, 1, 1]]);
    /// assert_eq!(chain.forward(&[2.0, 1.0]).unwrap(), [1.5]);
    /// assert_eq!(chain.forward_all(&[1.0, 3.0]).unwrap(), [vec![1.0, 3.0], vec![0.0]]); // ReLU
    /// ```
    pub fn shapes(&self) -> Vec<[usize; 4]> {
        let mut shapes = vec![self.input_shape];
        for layer in &self.layers {
            let [n, h, w, c] = *shapes.last().unwrap_or(&self.input_shape);
            shapes.push(match layer {
                FloatLayer::Conv2d {
                    weight_shape: [f, kh, kw, _],
                    padding,
                    ..
                } => {
                    let out = |i, k| out_size_and_padding(*padding, i, k, 1, 1).map_or(0, |o| o.0);
                    [n, out(h, *kh), out(w, *kw), *f]
                }
                FloatLayer::MaxPool2d(k) => [n, h / k, w / k, c],
                FloatLayer::Dense { bias, .. } => [n, 1, 1, bias.len()],
            });
        }
        shapes
    }

    /// Runs one NHWC sample through TFLite's float32 reference kernels and returns every
    /// activation: the input, then each layer's output (after its fused ReLU).
    ///
    /// ```
    /// use nn_import::ptq::{FloatChain, FloatLayer};
    /// let chain = FloatChain { input_shape: [1, 1, 1, 2], layers: vec![FloatLayer::Dense {
    ///     name: "fc".into(), weight: vec![1.0, -1.0], bias: vec![0.5], relu: true }] };
    /// assert_eq!(chain.shapes(), [[1, 1, 1, 2], [1, 1, 1, 1]]);
    /// assert_eq!(chain.forward(&[2.0, 1.0]).unwrap(), [1.5]);
    /// assert_eq!(chain.forward_all(&[1.0, 3.0]).unwrap(), [vec![1.0, 3.0], vec![0.0]]); // ReLU
    /// ```
    pub fn forward_all(&self, input: &[f32]) -> Result<Vec<Vec<f32>>, ImportError> {
        let shapes = self.shapes();
        let err = |e: nn_core::Error| model_err("a consistent float network", e.to_string());
        let mut acts = vec![input.to_vec()];
        for (l, layer) in self.layers.iter().enumerate() {
            let (si, so) = (shapes[l], shapes[l + 1]);
            let mut out = vec![0f32; so.iter().product()];
            let x = &acts[l];
            let range = |relu: bool| (if relu { 0.0 } else { f32::MIN }, f32::MAX);
            match layer {
                FloatLayer::Conv2d {
                    weight,
                    weight_shape,
                    bias,
                    padding,
                    relu,
                    ..
                } => {
                    let pad = |i, k| out_size_and_padding(*padding, i, k, 1, 1).map_or(0, |o| o.1);
                    let g = ConvGeometry {
                        stride: (1, 1),
                        dilation: (1, 1),
                        padding: (pad(si[1], weight_shape[1]), pad(si[2], weight_shape[2])),
                    };
                    conv_2d_f32(
                        &g,
                        None,
                        x,
                        si,
                        weight,
                        *weight_shape,
                        Some(bias.as_slice()),
                        range(*relu),
                        &mut out,
                        so,
                    )
                    .map_err(err)?;
                }
                FloatLayer::MaxPool2d(k) => {
                    let g = PoolGeometry {
                        filter: (*k, *k),
                        stride: (*k, *k),
                        padding: (0, 0),
                        range: (-128, 127),
                    };
                    pool_2d_f32(PoolKind::Max, &g, range(false), x, si, &mut out, so)
                        .map_err(err)?;
                }
                FloatLayer::Dense {
                    weight, bias, relu, ..
                } => {
                    let depth = si[1] * si[2] * si[3];
                    fully_connected_f32(
                        x,
                        depth,
                        weight,
                        Some(bias.as_slice()),
                        range(*relu),
                        &mut out,
                    )
                    .map_err(err)?;
                }
            }
            acts.push(out);
        }
        Ok(acts)
    }

    /// The network's output for one NHWC sample.
    ///
    /// ```
    /// use nn_import::ptq::{FloatChain, FloatLayer};
    /// let chain = FloatChain { input_shape: [1, 1, 1, 2], layers: vec![FloatLayer::Dense {
    ///     name: "fc".into(), weight: vec![1.0, -1.0], bias: vec![0.5], relu: true }] };
    /// assert_eq!(chain.shapes(), [[1, 1, 1, 2], [1, 1, 1, 1]]);
    /// assert_eq!(chain.forward(&[2.0, 1.0]).unwrap(), [1.5]);
    /// assert_eq!(chain.forward_all(&[1.0, 3.0]).unwrap(), [vec![1.0, 3.0], vec![0.0]]); // ReLU
    /// ```
    pub fn forward(&self, input: &[f32]) -> Result<Vec<f32>, ImportError> {
        Ok(self.forward_all(input)?.pop().unwrap_or_default())
    }
}
