//! Post-training quantization: a float network (a [`FloatChain`], read from a PyTorch-layout
//! safetensors file) plus calibration samples from its training data become a full-integer
//! int8 `.tflite` model with TFLite's converter conventions ([`activation_params`],
//! [`quantize_weights`], [`quantize_bias`]),
//! which [`crate::export`] then writes as a `network!` declaration of `tfl_*` layers and its
//! weights file, like any imported model.
//!
//! 1. [`calibrate`]: runs the float network on every calibration sample (TFLite's float32
//!    reference kernels, NHWC) and keeps each activation's min and max over all of them
//!    (TFLite's min/max calibrator): the input's and every convolution's and dense layer's
//!    output, after its fused ReLU.
//! 2. [`quantize`]: per activation `(s, z)` from its range ([`activation_params`]; max
//!    pooling keeps its input's, as TFLite requires), weights symmetric per output channel
//!    ([`quantize_weights`]), biases int32 with scale `s_in · s_w[c]` ([`quantize_bias`]),
//!    ReLU fused into the layer; the model's input and output are int8.
//!
//! ```
//! use nn_import::ptq::{calibrate, quantize, FloatChain, PyTorchLayer};
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/pytorch_cnn.safetensors");
//! let chain = FloatChain::from_pytorch(&std::fs::read(path).unwrap(), [1, 28, 28], &[
//!     PyTorchLayer::Conv2d { name: "conv1", pad: 1, relu: true },
//!     PyTorchLayer::MaxPool2d(2),
//!     PyTorchLayer::Conv2d { name: "conv2", pad: 1, relu: true },
//!     PyTorchLayer::MaxPool2d(2),
//!     PyTorchLayer::Dense { name: "fc", relu: false },
//! ]).unwrap();
//! let samples: Vec<f32> = (0..2 * 784).map(|i| (i % 29) as f32 / 10.0 - 0.4).collect();
//! let ranges = calibrate(&chain, [&samples[..]]).unwrap(); // one batch of two samples
//! let tflite = quantize(&chain, &ranges, "a test").unwrap();
//! let model = nn_import::Model::from_bytes(&tflite).unwrap();
//! assert_eq!(model.run(&[0; 784]).unwrap().len(), 10);
//! let e = nn_import::export(&tflite, "Cnn", "cnn.safetensors", "cnn.tflite").unwrap();
//! assert!(e.source.contains("conv1: tfl_conv2d(8, kernel = (3, 3), stride = (1, 1), padding = same, act = relu),"));
//! ```

mod chain;
mod params;

pub use chain::{FloatChain, FloatLayer, PyTorchLayer};
pub use params::{activation_params, quantize_bias, quantize_weights, Range};
// A convolution's padding (in `FloatLayer::Conv2d`) and a tensor's quantization (what
// `activation_params` returns): nn-core's TFLite kernels' types, whose module is hidden.
pub use nn_core::quant::tflite::{Padding, QuantParams};

use crate::schema::tflite as fb;
use crate::{ImportError, TfliteBuilder};

/// Every activation's range (the input's, then each layer's output) over all samples of
/// `batches`, each batch holding whole NHWC samples one after another.
///
/// ```
/// use nn_import::ptq::{calibrate, FloatChain, FloatLayer, Range};
/// let chain = FloatChain { input_shape: [1, 1, 1, 2], layers: vec![FloatLayer::Dense {
///     name: "fc".into(), weight: vec![1.0, -1.0], bias: vec![0.5], relu: false }] };
/// let ranges = calibrate(&chain, [&[2.0, 1.0, 1.0, 3.0][..], &[0.0, -1.0]]).unwrap();
/// assert_eq!(ranges, [Range { min: -1.0, max: 3.0 }, Range { min: -1.5, max: 1.5 }]);
/// ```
pub fn calibrate<'a>(
    chain: &FloatChain,
    batches: impl IntoIterator<Item = &'a [f32]>,
) -> Result<Vec<Range>, ImportError> {
    let sample: usize = chain.input_shape.iter().product();
    let mut ranges: Option<Vec<Range>> = None;
    for batch in batches {
        if sample == 0 || batch.len() % sample != 0 {
            return Err(ImportError::Input {
                expected: sample,
                found: batch.len(),
            });
        }
        for x in batch.chunks_exact(sample) {
            let acts = chain.forward_all(x)?;
            let seen = acts
                .iter()
                .map(|a| Range::of(a).unwrap_or(Range { min: 0.0, max: 0.0 }));
            ranges = Some(match ranges {
                None => seen.collect(),
                Some(r) => r.into_iter().zip(seen).map(|(a, b)| a.union(b)).collect(),
            });
        }
    }
    ranges.ok_or_else(|| ImportError::Model {
        expected: "at least one calibration sample".into(),
        found: "none".into(),
    })
}

fn act(relu: bool) -> fb::ActivationFunctionType {
    if relu {
        fb::ActivationFunctionType::Relu
    } else {
        fb::ActivationFunctionType::None
    }
}

fn i32s(shape: &[usize]) -> Vec<i32> {
    shape.iter().map(|&d| d as i32).collect()
}

/// The int8 `.tflite` model of `chain` with the activation `ranges` of [`calibrate`].
///
/// ```
/// use nn_import::ptq::{quantize, FloatChain, FloatLayer, Range};
/// let chain = FloatChain { input_shape: [1, 1, 1, 2], layers: vec![FloatLayer::Dense {
///     name: "fc".into(), weight: vec![1.0, -1.0], bias: vec![0.5], relu: false }] };
/// let ranges = [Range { min: -1.0, max: 3.0 }, Range { min: -1.5, max: 1.5 }];
/// let model = nn_import::Model::from_bytes(&quantize(&chain, &ranges, "fc").unwrap()).unwrap();
/// let (s, z) = (model.input().scales[0], model.input().zero_points[0]);
/// assert_eq!((s, z), (4.0 / 255.0, -64));
/// let x = [(2.0 / s).round() as i8 - 64, (1.0 / s).round() as i8 - 64];
/// let (y, out) = (model.run(&x).unwrap()[0], model.output());
/// let real = out.scales[0] * (i64::from(y) - out.zero_points[0]) as f32;
/// // 2 - 1 + 0.5, within the inputs' and output's rounding (under two output steps).
/// assert!((real - 1.5).abs() < 2.0 * out.scales[0], "{real}");
/// ```
pub fn quantize(
    chain: &FloatChain,
    ranges: &[Range],
    description: &str,
) -> Result<Vec<u8>, ImportError> {
    let shapes = chain.shapes();
    if ranges.len() != shapes.len() {
        return Err(ImportError::Model {
            expected: format!(
                "{} activation ranges (the input and each layer)",
                shapes.len()
            ),
            found: format!("{}", ranges.len()),
        });
    }
    let mut g = TfliteBuilder::new();
    let activation = |g: &mut TfliteBuilder, name: &str, shape: &[usize], p: QuantParams| {
        g.tensor(
            name,
            &i32s(shape),
            fb::TensorType::Int8,
            vec![p.scale],
            vec![i64::from(p.zero_point)],
            0,
            None,
        )
    };
    let mut p = activation_params(ranges[0]);
    let input = activation(&mut g, "input", &shapes[0], p);
    let (mut x, mut pools) = (input, 0);
    for (l, layer) in chain.layers.iter().enumerate() {
        let out_shape = &shapes[l + 1];
        // The filter and bias tensors of a convolution or dense layer.
        let params = |g: &mut TfliteBuilder, name: &str, w: &[f32], shape: &[usize], b: &[f32]| {
            let (q, s_w) = quantize_weights(w, shape[0]);
            let (qb, s_b) = quantize_bias(b, p.scale, &s_w);
            let zeros = vec![0; s_w.len()];
            let wt = g.tensor(
                &format!("{name}/weight"),
                &i32s(shape),
                fb::TensorType::Int8,
                s_w,
                zeros.clone(),
                0,
                Some(q.iter().map(|&v| v as u8).collect()),
            );
            let bt = g.tensor(
                &format!("{name}/bias"),
                &[b.len() as i32],
                fb::TensorType::Int32,
                s_b,
                zeros,
                0,
                Some(qb.iter().flat_map(|v| v.to_le_bytes()).collect()),
            );
            (wt, bt)
        };
        let y = match layer {
            FloatLayer::Conv2d {
                name,
                weight,
                weight_shape,
                bias,
                padding,
                relu,
            } => {
                let (wt, bt) = params(&mut g, name, weight, weight_shape, bias);
                let out_p = activation_params(ranges[l + 1]);
                let y = activation(&mut g, name, out_shape, out_p);
                let o = fb::Conv2DOptions {
                    padding: match padding {
                        Padding::Same => fb::Padding::Same,
                        Padding::Valid => fb::Padding::Valid,
                    },
                    stride_h: 1,
                    stride_w: 1,
                    dilation_h_factor: 1,
                    dilation_w_factor: 1,
                    fused_activation_function: act(*relu),
                    ..Default::default()
                };
                g.op(
                    fb::BuiltinOperator::Conv2d,
                    &[x, wt, bt],
                    y,
                    Some(fb::BuiltinOptions::Conv2DOptions(Box::new(o))),
                );
                p = out_p;
                y
            }
            FloatLayer::MaxPool2d(k) => {
                // TFLite's MAX_POOL_2D keeps its input's scale and zero point.
                pools += 1;
                let y = activation(&mut g, &format!("maxpool{pools}"), out_shape, p);
                let k = *k as i32;
                let o = fb::Pool2DOptions {
                    padding: fb::Padding::Valid,
                    stride_h: k,
                    stride_w: k,
                    filter_height: k,
                    filter_width: k,
                    fused_activation_function: fb::ActivationFunctionType::None,
                };
                g.op(
                    fb::BuiltinOperator::MaxPool2d,
                    &[x],
                    y,
                    Some(fb::BuiltinOptions::Pool2DOptions(Box::new(o))),
                );
                y
            }
            FloatLayer::Dense {
                name,
                weight,
                bias,
                relu,
            } => {
                let depth = weight.len() / bias.len().max(1);
                let (wt, bt) = params(&mut g, name, weight, &[bias.len(), depth], bias);
                let out_p = activation_params(ranges[l + 1]);
                let y = activation(&mut g, name, &[1, bias.len()], out_p);
                let o = fb::FullyConnectedOptions {
                    fused_activation_function: act(*relu),
                    ..Default::default()
                };
                g.op(
                    fb::BuiltinOperator::FullyConnected,
                    &[x, wt, bt],
                    y,
                    Some(fb::BuiltinOptions::FullyConnectedOptions(Box::new(o))),
                );
                p = out_p;
                y
            }
        };
        x = y;
    }
    Ok(g.finish(input, x, description))
}
