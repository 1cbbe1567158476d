//! [`export`]: a `.tflite` model (int8, float32 or both, QUANTIZE and DEQUANTIZE between
//! them) as a `network!` declaration of `tfl_*` layers (readable source the user keeps and
//! edits) plus its safetensors weights file.
//!
//! Per int8 weighted layer `L` the file holds `L.weight` (I8, TFLite's layout), `L.bias`
//! (I32 `[C]`), `L.weight_scale` (F32 `[C]` or `[1]`), `L.multiplier` and `L.shift` (I32:
//! TFLM's fixed-point `s_in s_w[c] / s_out`, computed as its `Prepare` does); per float32
//! one `L.weight` and `L.bias` (F32); per constant operand `L.value`; for the input and
//! every node `L.shape` (I32, the activation's shape) and, when int8, `L.scale` (F32 `[1]`)
//! and `L.zero_point` (I32 `[1]`).

use crate::error::ImportError;
use crate::model::{DType, Model, Tensor};
use crate::ops::{FloatLayer, Kernel, Layer, Op};
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
        if t.dtype != Some(DType::I8) {
            return;
        }
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

    fn layer_f32(&mut self, node: &str, layer: &FloatLayer, filter: &Tensor, channels: usize) {
        let bytes = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect();
        let w = (format!("{node}.weight"), "F32", filter.shape.clone());
        self.0.push((w.0, w.1, w.2, bytes(&layer.filter)));
        let bias = layer.bias.clone().unwrap_or_else(|| vec![0.0; channels]);
        self.0
            .push((format!("{node}.bias"), "F32", vec![channels], bytes(&bias)));
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
    if t.dtype != Some(DType::I8) {
        return t.type_name.to_lowercase();
    }
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

/// The declaration's lines and the nodes they name, as they are written.
struct Decl {
    lines: Vec<String>,
    /// The declared name and shape of each tensor id written so far.
    nodes: std::collections::BTreeMap<usize, (String, Vec<usize>)>,
    /// The name of the last node declared (a layer without parents reads it).
    last: String,
    counts: std::collections::BTreeMap<&'static str, usize>,
}

impl Decl {
    fn fresh(&mut self, kind: &'static str) -> String {
        let n = self.counts.entry(kind).or_insert(0);
        *n += 1;
        format!("{kind}{n}")
    }

    /// Declares `name: decl` reading `parents`, named unless it is the last node alone.
    fn push(&mut self, name: &str, decl: &str, parents: &[String]) {
        let reads = match parents {
            [] => String::new(),
            [p] if *p == self.last => String::new(),
            ps => format!("({})", ps.join(", ")),
        };
        self.lines.push(format!("        {name}: {decl}{reads},"));
        self.last = name.to_string();
    }
}

fn dims(shape: &[usize]) -> Vec<i32> {
    shape.iter().map(|&d| d as i32).collect()
}

/// `[1, 2]` or `f32[1, 2]`: a node's shape as declared, with its dtype when not int8.
fn typed(t: &Tensor, shape: &[usize]) -> String {
    match t.dtype {
        Some(DType::F32) => format!("f32{shape:?}"),
        _ => format!("{shape:?}"),
    }
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
        expected: "FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, MAX_POOL_2D, RESHAPE, SOFTMAX, ADD, QUANTIZE or DEQUANTIZE over int8 or float32 for `network!`".into(),
        found,
    }
    };
    let mut out = Tensors(Vec::new());
    let io = |t: &Tensor| matches!(t.dtype, Some(DType::I8) | Some(DType::F32));
    if !io(input) || !io(model.output()) {
        return Err(ImportError::Model {
            expected: "an INT8 or FLOAT32 input and output for `network!`".into(),
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
    let mut d = Decl {
        lines: Vec::new(),
        nodes: [(
            model.input_index(),
            ("input".to_string(), input.shape.clone()),
        )]
        .into(),
        last: "input".into(),
        counts: Default::default(),
    };
    for op in model.ops() {
        let fop = &fb_ops[op.index];
        let opts = fop.builtin_options.as_ref();
        let ins = fop.inputs.as_deref().unwrap_or(&[]);
        // The parents: earlier nodes, or constants declared here.
        let mut parents = Vec::new();
        for &t in &op.inputs {
            if !d.nodes.contains_key(&t) {
                let c = &tensors[t];
                if c.data.is_empty() || !io(c) {
                    return Err(unsupported(
                        op,
                        format!(
                            "`{}`, which neither an earlier operator writes nor the file holds",
                            c.name
                        ),
                    ));
                }
                let n = d.fresh("constant");
                out.node(&n, c, &c.shape);
                out.0.push((
                    format!("{n}.value"),
                    if c.dtype == Some(DType::F32) {
                        "F32"
                    } else {
                        "I8"
                    },
                    c.shape.clone(),
                    c.data.clone(),
                ));
                d.lines.push(format!(
                    "        // `{}` {:?}, {}",
                    c.name,
                    c.shape,
                    quant_text(c)
                ));
                d.push(&n, &format!("tfl_constant({})", typed(c, &c.shape)), &[]);
                d.nodes.insert(t, (n, c.shape.clone()));
            }
            parents.push(d.nodes[&t].clone());
        }
        let mut names: Vec<String> = parents.iter().map(|(n, _)| n.clone()).collect();
        let shape = parents.first().map(|(_, s)| s.clone()).unwrap_or_default();
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
        let fc_depth = match &op.kernel {
            Kernel::FullyConnected { depth, .. } | Kernel::FullyConnectedF32 { depth, .. } => {
                Some(*depth)
            }
            _ => None,
        };
        if let Some(depth) = fc_depth.filter(|dp| shape.last() != Some(dp)) {
            let n = d.fresh("reshape");
            let s = vec![shape.iter().product::<usize>() / depth, depth];
            out.i32s(format!("{n}.shape"), vec![2], &dims(&s));
            d.push(&n, &format!("tfl_reshape({s:?})"), &names);
            names = vec![n];
        }
        let conv_window = |o: &fb::Conv2DOptions| {
            window(
                (o.stride_h, o.stride_w),
                Some((o.dilation_h_factor, o.dilation_w_factor)),
                o.padding,
            ) + act(o.fused_activation_function)
        };
        let dw_window = |o: &fb::DepthwiseConv2DOptions, m: usize| {
            let m = if m == 1 {
                String::new()
            } else {
                format!(", multiplier = {m}")
            };
            window(
                (o.stride_h, o.stride_w),
                Some((o.dilation_h_factor, o.dilation_w_factor)),
                o.padding,
            ) + &m
                + act(o.fused_activation_function)
        };
        let grouped = |shapes: &[[usize; 4]; 3]| {
            let [is, fs, _] = *shapes;
            (fs[3] != is[3]).then(|| {
                unsupported(
                    op,
                    format!(
                        "a grouped convolution ({} input channels, filters over {})",
                        is[3], fs[3]
                    ),
                )
            })
        };
        use fb::BuiltinOptions as O;
        let (decl_name, decl, declared): (String, String, Vec<usize>) = match (&op.kernel, opts) {
            (Kernel::FullyConnected { layer, .. }, Some(O::FullyConnectedOptions(o))) => {
                let n = d.fresh("fc");
                let units = filter().shape[0];
                out.layer(&n, layer, filter(), units);
                let a = act(o.fused_activation_function);
                let rows = t_out.len().unwrap_or(0) / units.max(1);
                (
                    n,
                    format!("tfl_fully_connected({units}{a})"),
                    vec![rows, units],
                )
            }
            (Kernel::FullyConnectedF32 { layer, .. }, Some(O::FullyConnectedOptions(o))) => {
                let n = d.fresh("fc");
                let units = filter().shape[0];
                out.layer_f32(&n, layer, filter(), units);
                let a = act(o.fused_activation_function);
                let rows = t_out.len().unwrap_or(0) / units.max(1);
                (
                    n,
                    format!("tfl_fully_connected({units}{a})"),
                    vec![rows, units],
                )
            }
            (Kernel::Conv { layer, shapes, .. }, Some(O::Conv2DOptions(o))) => {
                if let Some(e) = grouped(shapes) {
                    return Err(e);
                }
                let (fs, n) = (shapes[1], d.fresh("conv"));
                out.layer(&n, layer, filter(), fs[0]);
                let k = format!(
                    "tfl_conv2d({}, kernel = ({}, {}){})",
                    fs[0],
                    fs[1],
                    fs[2],
                    conv_window(o)
                );
                (n, k, shapes[2].to_vec())
            }
            (
                Kernel::ConvF32 {
                    layer,
                    shapes,
                    depth_multiplier: None,
                    ..
                },
                Some(O::Conv2DOptions(o)),
            ) => {
                if let Some(e) = grouped(shapes) {
                    return Err(e);
                }
                let (fs, n) = (shapes[1], d.fresh("conv"));
                out.layer_f32(&n, layer, filter(), fs[0]);
                let k = format!(
                    "tfl_conv2d({}, kernel = ({}, {}){})",
                    fs[0],
                    fs[1],
                    fs[2],
                    conv_window(o)
                );
                (n, k, shapes[2].to_vec())
            }
            (
                Kernel::Depthwise {
                    layer,
                    shapes,
                    multiplier,
                    ..
                },
                Some(O::DepthwiseConv2DOptions(o)),
            ) => {
                let (fs, n) = (shapes[1], d.fresh("dw"));
                out.layer(&n, layer, filter(), fs[3]);
                let k = format!(
                    "tfl_depthwise_conv2d(kernel = ({}, {}){})",
                    fs[1],
                    fs[2],
                    dw_window(o, *multiplier)
                );
                (n, k, shapes[2].to_vec())
            }
            (
                Kernel::ConvF32 {
                    layer,
                    shapes,
                    depth_multiplier: Some(m),
                    ..
                },
                Some(O::DepthwiseConv2DOptions(o)),
            ) => {
                let (fs, n) = (shapes[1], d.fresh("dw"));
                out.layer_f32(&n, layer, filter(), fs[3]);
                let k = format!(
                    "tfl_depthwise_conv2d(kernel = ({}, {}){})",
                    fs[1],
                    fs[2],
                    dw_window(o, *m)
                );
                (n, k, shapes[2].to_vec())
            }
            (
                Kernel::Pool { kind, shapes, .. } | Kernel::PoolF32 { kind, shapes, .. },
                Some(O::Pool2DOptions(o)),
            ) => {
                let max = *kind == nn_core::quant::tflite::PoolKind::Max;
                let n = d.fresh(if max { "maxpool" } else { "pool" });
                let k = format!(
                    "tfl_{}_pool2d(kernel = ({}, {}){}{})",
                    if max { "max" } else { "avg" },
                    o.filter_height,
                    o.filter_width,
                    window((o.stride_h, o.stride_w), None, o.padding),
                    act(o.fused_activation_function)
                );
                (n, k, shapes[1].to_vec())
            }
            (Kernel::Softmax { .. } | Kernel::SoftmaxF32 { .. }, Some(O::SoftmaxOptions(o))) => {
                let n = d.fresh("softmax");
                (
                    n,
                    format!("tfl_softmax(beta = {:?})", o.beta),
                    shape.clone(),
                )
            }
            (Kernel::Add { .. } | Kernel::AddF32 { .. }, Some(O::AddOptions(o))) => {
                let n = d.fresh("add");
                let a = act(o.fused_activation_function).trim_start_matches(", ");
                // The broadcast of the two parents' shapes, which `prepare` checked is the
                // output's.
                (n, format!("tfl_add({a})"), t_out.shape.clone())
            }
            (Kernel::Quantize { .. } | Kernel::Requantize { .. }, _) => {
                (d.fresh("quantize"), "tfl_quantize".into(), shape.clone())
            }
            (Kernel::Dequantize { .. }, _) => (
                d.fresh("dequantize"),
                "tfl_dequantize".into(),
                shape.clone(),
            ),
            (Kernel::Reshape, _) => {
                let n = d.fresh("reshape");
                (
                    n,
                    format!("tfl_reshape({:?})", t_out.shape),
                    t_out.shape.clone(),
                )
            }
            _ => return Err(unsupported(op, format!("`{}`", op.name))),
        };
        d.lines.push(format!("        {comment}"));
        d.push(&decl_name, &decl, &names);
        if matches!(op.kernel, Kernel::Reshape) {
            out.i32s(
                format!("{decl_name}.shape"),
                vec![declared.len()],
                &dims(&declared),
            );
        } else {
            out.node(&decl_name, t_out, &declared);
        }
        let mut node = decl_name;
        if declared != t_out.shape {
            let n = d.fresh("reshape");
            out.i32s(
                format!("{n}.shape"),
                vec![t_out.shape.len()],
                &dims(&t_out.shape),
            );
            d.push(&n, &format!("tfl_reshape({:?})", t_out.shape), &[node]);
            node = n;
        }
        d.nodes.insert(op.output, (node, t_out.shape.clone()));
    }
    if model.ops().last().map(|o| o.output) != Some(model.output_index()) {
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
    let float = tensors.iter().any(|t| t.dtype == Some(DType::F32));
    let int8 = tensors.iter().any(|t| t.dtype == Some(DType::I8));
    let kinds = match (int8, float) {
        (true, false) => "full-integer int8",
        (false, true) => "float32",
        _ => "int8 and float32",
    };
    // What `network!` checks against the file: no requantization or scale without int8.
    let checked = if int8 {
        "(weights, biases, TFLM's requantization, each activation's shape, scale\n// and zero point)"
    } else {
        "(weights, biases and each activation's\n// shape)"
    };
    let source = format!(
        "// `{name}`: `{source_name}` (TFLite, {kinds}) as a `network!` declaration, written by\n\
         // `nn-import {source_name} --name {name} --out DIR`. Keep and edit it: `network!` checks it against\n\
         // `{weights_path}` {checked} at compile time. Run it with `{name}::new().run(&input, &mut output)`.\n\
         nn_core::network! {{\n    \
         /// `{source_name}`: input `{}` {:?} ({}), output `{}` {:?} ({}).\n    \
         #[weights = \"{weights_path}\"]\n    \
         pub struct {name} {{\n        \
         input: {},\n{}\n    }}\n}}\n",
        input.name,
        input.shape,
        quant_text(input),
        model.output().name,
        model.output().shape,
        quant_text(model.output()),
        typed(input, &input.shape),
        d.lines.join("\n"),
    );
    Ok(Export { source, weights })
}
