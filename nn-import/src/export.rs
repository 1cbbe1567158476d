//! [`export`]: a full-integer int8 `.tflite` chain as a `network!` declaration of `tfl_*`
//! layers (readable source the user keeps and edits) plus its safetensors weights file.
//!
//! Per layer `L` the file holds `L.weight` (I8, TFLite's layout), `L.bias` (I32 `[C]`),
//! `L.weight_scale` (F32 `[C]` or `[1]`), `L.multiplier` and `L.shift` (I32: TFLM's
//! fixed-point `s_in s_w[c] / s_out`, computed as its `Prepare` does), and for the input and
//! every layer `L.shape` (I32, the activation's shape), `L.scale` (F32 `[1]`) and
//! `L.zero_point` (I32 `[1]`).

use crate::error::ImportError;
use crate::model::{DType, Model, Tensor};
use crate::ops::{Kernel, Layer, Op};
use crate::schema::tflite as fb;
use planus::ReadAsRoot;
use std::fmt::Write;

/// A declaration and its weights file.
#[derive(Debug)]
pub struct Export {
    /// The `network!` declaration (Rust source).
    pub source: String,
    /// The safetensors file it embeds.
    pub weights: Vec<u8>,
}

/// The tensors of the weights file, in the order written.
struct Tensors(Vec<(String, &'static str, Vec<usize>, Vec<u8>)>);

impl Tensors {
    fn i32s(&mut self, name: String, shape: Vec<usize>, v: &[i32]) {
        let bytes = v.iter().flat_map(|x| x.to_le_bytes()).collect();
        self.0.push((name, "I32", shape, bytes));
    }
    fn f32s(&mut self, name: String, v: &[f32]) {
        let bytes = v.iter().flat_map(|x| x.to_le_bytes()).collect();
        self.0.push((name, "F32", vec![v.len()], bytes));
    }
    fn node(&mut self, node: &str, t: &Tensor, shape: &[usize]) {
        let dims: Vec<i32> = shape.iter().map(|&d| d as i32).collect();
        self.i32s(format!("{node}.shape"), vec![dims.len()], &dims);
        self.f32s(format!("{node}.scale"), &t.scales[..1]);
        self.i32s(
            format!("{node}.zero_point"),
            vec![1],
            &[t.zero_points[0] as i32],
        );
    }
    fn layer(&mut self, node: &str, layer: &Layer, filter: &Tensor, channels: usize) {
        self.0.push((
            format!("{node}.weight"),
            "I8",
            filter.shape.clone(),
            layer.filter.iter().map(|&w| w as u8).collect(),
        ));
        let bias = layer.bias.clone().unwrap_or_else(|| vec![0; channels]);
        self.i32s(format!("{node}.bias"), vec![channels], &bias);
        let k = layer.multipliers.len();
        let scales: Vec<f32> = (0..k)
            .map(|c| filter.scales[if filter.scales.len() == 1 { 0 } else { c }])
            .collect();
        self.f32s(format!("{node}.weight_scale"), &scales);
        self.i32s(format!("{node}.multiplier"), vec![k], &layer.multipliers);
        self.i32s(format!("{node}.shift"), vec![k], &layer.shifts);
    }
}

fn act(a: fb::ActivationFunctionType) -> &'static str {
    match a {
        fb::ActivationFunctionType::Relu => ", act = relu",
        fb::ActivationFunctionType::Relu6 => ", act = relu6",
        fb::ActivationFunctionType::ReluN1To1 => ", act = relu_n1_to_1",
        _ => "",
    }
}

fn padding(p: fb::Padding) -> &'static str {
    match p {
        fb::Padding::Same => "same",
        _ => "valid",
    }
}

fn quant_text(t: &Tensor) -> String {
    format!(
        "scale {}, zero point {}",
        t.scales.first().copied().unwrap_or(0.0),
        t.zero_points.first().copied().unwrap_or(0)
    )
}

/// `PersonDetect` -> `person_detect`.
pub fn snake_case(name: &str) -> String {
    let mut s = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                s.push('_');
            }
            s.extend(c.to_lowercase());
        } else {
            s.push(c);
        }
    }
    s
}

fn window(stride: (i32, i32), dilation: Option<(i32, i32)>, p: fb::Padding) -> String {
    let mut s = format!(", stride = ({}, {})", stride.0, stride.1);
    if let Some(d) = dilation.filter(|&d| d != (1, 1)) {
        let _ = write!(s, ", dilation = ({}, {})", d.0, d.1);
    }
    let _ = write!(s, ", padding = {}", padding(p));
    s
}

/// Writes `bytes` (a `.tflite` file) as a `network!` declaration of `tfl_*` layers named
/// `name`, whose `#[weights]` attribute is `weights_path`, and the weights file itself.
///
/// ```
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../models/tinyml/sine.tflite");
/// let e = nn_import::export(&std::fs::read(path).unwrap(), "Sine", "sine.safetensors", "sine.tflite").unwrap();
/// assert!(e.source.contains("fc1: tfl_fully_connected(16, act = relu),"));
/// assert!(e.weights.len() > 1000);
/// ```
pub fn export(
    bytes: &[u8],
    name: &str,
    weights_path: &str,
    source_name: &str,
) -> Result<Export, ImportError> {
    let model = Model::from_bytes(bytes)?;
    let fbm = fb::Model::try_from(fb::ModelRef::read_as_root(bytes)?)?;
    let graph = fbm
        .subgraphs
        .unwrap_or_default()
        .into_iter()
        .next()
        .unwrap_or_default();
    let fb_ops = graph.operators.unwrap_or_default();
    let tensors = model.tensors();
    let input = model.input();
    let unsupported = |op: &Op, found: String| {
        ImportError::Operator {
        index: op.index,
        operator: op.name.into(),
        tensor: tensors.get(op.output).map(|t| t.name.clone()),
        expected: "an int8 chain of FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, MAX_POOL_2D, RESHAPE and SOFTMAX for `network!`".into(),
        found,
    }
    };
    let mut out = Tensors(Vec::new());
    let mut lines = Vec::new();
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    let mut fresh = |kind: &'static str| {
        let n = counts.entry(kind).or_insert(0);
        *n += 1;
        format!("{kind}{n}")
    };
    if input.dtype != Some(DType::I8) || model.output().dtype != Some(DType::I8) {
        return Err(ImportError::Model {
            expected: "an INT8 input and output for `network!`".into(),
            found: format!(
                "`{}` {} -> `{}` {}",
                input.name,
                input.type_name,
                model.output().name,
                model.output().type_name
            ),
        });
    }
    out.node("input", input, &input.shape);
    let mut current = model.input_index();
    let mut shape = input.shape.clone();
    for op in model.ops() {
        let fop = &fb_ops[op.index];
        let opts = fop.builtin_options.as_ref();
        let ins = fop.inputs.as_deref().unwrap_or(&[]);
        if op.inputs.first() != Some(&current) {
            return Err(unsupported(
                op,
                format!(
                    "an input other than the previous operator's output `{}`",
                    tensors[current].name
                ),
            ));
        }
        let t_out = &tensors[op.output];
        let comment = format!(
            "// op {} {}: `{}` {:?}, {}",
            op.index,
            op.name,
            t_out.name,
            t_out.shape,
            quant_text(t_out)
        );
        let filter = || &tensors[ins[1] as usize];
        let (decl_name, decl, declared): (String, String, Vec<usize>) = match (&op.kernel, opts) {
            (
                Kernel::FullyConnected { layer, depth },
                Some(fb::BuiltinOptions::FullyConnectedOptions(o)),
            ) => {
                if shape.last() != Some(depth) {
                    let n = fresh("reshape");
                    let s = vec![shape.iter().product::<usize>() / depth, *depth];
                    out.i32s(format!("{n}.shape"), vec![2], &[s[0] as i32, s[1] as i32]);
                    lines.push(format!("        {n}: tfl_reshape({s:?}),"));
                    shape = s;
                }
                let n = fresh("fc");
                let units = filter().shape[0];
                out.layer(&n, layer, filter(), units);
                let d = format!(
                    "tfl_fully_connected({units}{})",
                    act(o.fused_activation_function)
                );
                (n, d, vec![shape[0], units])
            }
            (Kernel::Conv { layer, shapes, .. }, Some(fb::BuiltinOptions::Conv2DOptions(o))) => {
                let [is, fs, os] = *shapes;
                if fs[3] != is[3] {
                    return Err(unsupported(
                        op,
                        format!(
                            "a grouped convolution ({} input channels, filters over {})",
                            is[3], fs[3]
                        ),
                    ));
                }
                let n = fresh("conv");
                out.layer(&n, layer, filter(), fs[0]);
                let d = format!(
                    "tfl_conv2d({}, kernel = ({}, {}){}{})",
                    fs[0],
                    fs[1],
                    fs[2],
                    window(
                        (o.stride_h, o.stride_w),
                        Some((o.dilation_h_factor, o.dilation_w_factor)),
                        o.padding
                    ),
                    act(o.fused_activation_function)
                );
                (n, d, os.to_vec())
            }
            (
                Kernel::Depthwise {
                    layer,
                    shapes,
                    multiplier,
                    ..
                },
                Some(fb::BuiltinOptions::DepthwiseConv2DOptions(o)),
            ) => {
                let [_, fs, os] = *shapes;
                let n = fresh("dw");
                out.layer(&n, layer, filter(), fs[3]);
                let m = if *multiplier == 1 {
                    String::new()
                } else {
                    format!(", multiplier = {multiplier}")
                };
                let d = format!(
                    "tfl_depthwise_conv2d(kernel = ({}, {}){}{m}{})",
                    fs[1],
                    fs[2],
                    window(
                        (o.stride_h, o.stride_w),
                        Some((o.dilation_h_factor, o.dilation_w_factor)),
                        o.padding
                    ),
                    act(o.fused_activation_function)
                );
                (n, d, os.to_vec())
            }
            (Kernel::Pool { kind, shapes, .. }, Some(fb::BuiltinOptions::Pool2DOptions(o))) => {
                let max = *kind == nn_core::quant::tflite::PoolKind::Max;
                let n = fresh(if max { "maxpool" } else { "pool" });
                let d = format!(
                    "tfl_{}_pool2d(kernel = ({}, {}){}{})",
                    if max { "max" } else { "avg" },
                    o.filter_height,
                    o.filter_width,
                    window((o.stride_h, o.stride_w), None, o.padding),
                    act(o.fused_activation_function)
                );
                (n, d, shapes[1].to_vec())
            }
            (Kernel::Softmax { .. }, Some(fb::BuiltinOptions::SoftmaxOptions(o))) => {
                let n = fresh("softmax");
                (
                    n,
                    format!("tfl_softmax(beta = {:?})", o.beta),
                    shape.clone(),
                )
            }
            (Kernel::Reshape, _) => {
                if t_out.dtype != Some(DType::I8) {
                    return Err(unsupported(op, format!("type {}", t_out.type_name)));
                }
                let n = fresh("reshape");
                (
                    n,
                    format!("tfl_reshape({:?})", t_out.shape),
                    t_out.shape.clone(),
                )
            }
            _ => return Err(unsupported(op, format!("`{}`", op.name))),
        };
        lines.push(format!("        {comment}"));
        lines.push(format!("        {decl_name}: {decl},"));
        if matches!(op.kernel, Kernel::Reshape) {
            let dims: Vec<i32> = declared.iter().map(|&d| d as i32).collect();
            out.i32s(format!("{decl_name}.shape"), vec![dims.len()], &dims);
        } else {
            out.node(&decl_name, t_out, &declared);
        }
        shape = declared;
        if shape != t_out.shape {
            let n = fresh("reshape");
            let dims: Vec<i32> = t_out.shape.iter().map(|&d| d as i32).collect();
            out.i32s(format!("{n}.shape"), vec![dims.len()], &dims);
            lines.push(format!("        {n}: tfl_reshape({:?}),", t_out.shape));
            shape = t_out.shape.clone();
        }
        current = op.output;
    }
    if current != model.output_index() {
        return Err(ImportError::Model {
            expected: "the last operator's output as the model's output".into(),
            found: format!("`{}`", model.output().name),
        });
    }
    let views: Vec<(String, safetensors::tensor::TensorView)> = out
        .0
        .iter()
        .map(|(n, dtype, shape, bytes)| {
            let dtype = match *dtype {
                "I8" => safetensors::Dtype::I8,
                "I32" => safetensors::Dtype::I32,
                _ => safetensors::Dtype::F32,
            };
            safetensors::tensor::TensorView::new(dtype, shape.clone(), bytes)
                .map(|v| (n.clone(), v))
        })
        .collect::<Result<_, _>>()
        .map_err(|e| ImportError::Model {
            expected: "tensors safetensors can hold".into(),
            found: e.to_string(),
        })?;
    let weights = safetensors::serialize(views, None).map_err(|e| ImportError::Model {
        expected: "tensors safetensors can hold".into(),
        found: e.to_string(),
    })?;
    let source = format!(
        "// `{name}`: `{source_name}` (TFLite, full-integer int8) as a `network!` declaration, written by\n\
         // `nn-import {source_name} --name {name} --out DIR`. Keep and edit it: `network!` checks it against\n\
         // `{weights_path}` (weights, biases, TFLM's requantization, each activation's shape, scale\n\
         // and zero point) at compile time. Run it with `{name}::new().run(&input, &mut output)`.\n\
         nn_core::network! {{\n    \
         /// `{source_name}`: input `{}` {:?} ({}), output `{}` {:?} ({}).\n    \
         #[weights = \"{weights_path}\"]\n    \
         pub struct {name} {{\n        \
         input: {:?},\n{}\n    }}\n}}\n",
        input.name,
        input.shape,
        quant_text(input),
        model.output().name,
        model.output().shape,
        quant_text(model.output()),
        input.shape,
        lines.join("\n"),
    );
    Ok(Export { source, weights })
}
