//! The `tfl_*` kinds: each layer lowered over its input (NHWC shapes, the window
//! arithmetic in `args.rs`), the shapes threaded through the chain and compared with the
//! ones the weights file was made for.

use super::args::{err, shape, window, Args};
use crate::ast::{Item, LayerDecl, NetworkDecl};
use proc_macro2::Span;
use syn::Ident;

/// A fused activation, TFLite's `ActivationFunctionType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
    None,
    Relu,
    ReluN1To1,
    Relu6,
}

/// TFLite's padding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    Same,
    Valid,
}

/// A window's geometry, height first: kernel, stride, dilation and the leading padding.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    pub kernel: (usize, usize),
    pub stride: (usize, usize),
    pub dilation: (usize, usize),
    pub pad: (usize, usize),
}

/// What a layer computes.
#[derive(Clone, Debug)]
pub enum Op {
    FullyConnected {
        units: usize,
        act: Act,
    },
    Conv {
        filters: usize,
        win: Window,
        act: Act,
    },
    Depthwise {
        multiplier: usize,
        win: Window,
        act: Act,
    },
    Pool {
        max: bool,
        win: Window,
        act: Act,
    },
    Reshape,
    Softmax {
        beta: f32,
    },
}

impl Op {
    /// The layer's weight shape, for the layers with weights.
    pub fn weight_shape(&self, input: &[usize]) -> Option<Vec<usize>> {
        match self {
            Op::FullyConnected { units, .. } => Some(vec![*units, *input.last()?]),
            Op::Conv { filters, win, .. } => {
                Some(vec![*filters, win.kernel.0, win.kernel.1, input[3]])
            }
            Op::Depthwise {
                multiplier, win, ..
            } => Some(vec![1, win.kernel.0, win.kernel.1, input[3] * multiplier]),
            _ => None,
        }
    }
}

/// A lowered layer.
pub struct Layer {
    pub name: Ident,
    pub span: Span,
    pub op: Op,
    pub input: Vec<usize>,
    pub out: Vec<usize>,
}

/// The output shape the weights file holds for a layer, with the file's path.
pub type FileShape<'a> = dyn Fn(&str) -> Option<(Vec<usize>, String)> + 'a;

/// A lowered declaration: the input's shape and the chain of layers.
pub struct Net {
    pub input: Vec<usize>,
    pub input_span: Span,
    pub layers: Vec<Layer>,
}

const KINDS: &[&str] = &[
    "tfl_fully_connected",
    "tfl_conv2d",
    "tfl_depthwise_conv2d",
    "tfl_avg_pool2d",
    "tfl_max_pool2d",
    "tfl_reshape",
    "tfl_softmax",
];

/// Lowers one layer over `input`: its op and output shape.
fn lower_layer(
    l: &LayerDecl,
    input: &[usize],
    errs: &mut Vec<syn::Error>,
) -> Option<(Op, Vec<usize>)> {
    let kind = l.kind.to_string();
    let mut a = Args {
        layer: l,
        kind: kind.clone(),
        used: vec![false; l.args.len()],
    };
    let n_in: usize = input.iter().product();
    let rank4 = |errs: &mut Vec<syn::Error>| {
        if input.len() == 4 {
            true
        } else {
            err(errs, l.kind.span(), format!("`{}` is a `{kind}` layer, which takes an NHWC input of 4 dimensions, but its input has shape {input:?}\n\nhelp: insert a `tfl_reshape([1, H, W, C])` before `{}`", l.name, l.name));
            false
        }
    };
    let (op, out, known) = match kind.as_str() {
        "tfl_fully_connected" => {
            let units = a.count(
                errs,
                "",
                "the number of units (`tfl_fully_connected(UNITS)`)",
            );
            let act = a.act(errs);
            let depth = *input.last().unwrap_or(&1);
            (
                units
                    .zip(act)
                    .map(|(units, act)| Op::FullyConnected { units, act }),
                units.map(|u| vec![n_in / depth.max(1), u]),
                "the units and `act`",
            )
        }
        "tfl_conv2d" | "tfl_depthwise_conv2d" => {
            let conv = kind == "tfl_conv2d";
            let n = if conv {
                a.count(
                    errs,
                    "",
                    "the number of filters (`tfl_conv2d(FILTERS, kernel = (H, W), ...)`)",
                )
            } else if a
                .layer
                .args
                .iter()
                .any(|x| x.key.as_ref().is_some_and(|k| k == "multiplier"))
            {
                a.count(errs, "multiplier", "the depth multiplier")
            } else {
                Some(1)
            };
            let ok = rank4(errs);
            let win = if ok {
                window(&mut a, errs, input, true)
            } else {
                None
            };
            let act = a.act(errs);
            match (n, win, act) {
                (Some(n), Some((win, oh, ow)), Some(act)) => {
                    let c = if conv { n } else { input[3] * n };
                    let op = if conv {
                        Op::Conv {
                            filters: n,
                            win,
                            act,
                        }
                    } else {
                        Op::Depthwise {
                            multiplier: n,
                            win,
                            act,
                        }
                    };
                    (Some(op), Some(vec![input[0], oh, ow, c]), "the filters (tfl_conv2d), `kernel`, `stride`, `dilation`, `padding`, `multiplier` (tfl_depthwise_conv2d) and `act`")
                }
                _ => (None, None, ""),
            }
        }
        "tfl_avg_pool2d" | "tfl_max_pool2d" => {
            let ok = rank4(errs);
            let win = if ok {
                window(&mut a, errs, input, false)
            } else {
                None
            };
            let act = a.act(errs);
            match (win, act) {
                (Some((win, oh, ow)), Some(act)) => (
                    Some(Op::Pool {
                        max: kind == "tfl_max_pool2d",
                        win,
                        act,
                    }),
                    Some(vec![input[0], oh, ow, input[3]]),
                    "`kernel`, `stride`, `padding` and `act`",
                ),
                _ => (None, None, ""),
            }
        }
        "tfl_reshape" => match a.get("").map(|x| (x, shape(&x.value))) {
            Some((_, Some(s))) if s.iter().product::<usize>() == n_in => {
                (Some(Op::Reshape), Some(s), "the new shape")
            }
            Some((x, Some(s))) => {
                err(
                    errs,
                    x.span,
                    format!(
                        "`{}` reshapes {n_in} values ({input:?}) to {s:?}, which holds {}",
                        l.name,
                        s.iter().product::<usize>()
                    ),
                );
                (None, None, "")
            }
            Some((x, None)) => {
                err(
                    errs,
                    x.span,
                    format!(
                        "expected a shape `[d, ...]` of integers, found `{}`",
                        x.value
                    ),
                );
                (None, None, "")
            }
            None => {
                err(
                    errs,
                    l.args_span,
                    format!(
                        "`tfl_reshape` needs the new shape: `{}: tfl_reshape([1, {n_in}])`",
                        l.name
                    ),
                );
                (None, None, "")
            }
        },
        "tfl_softmax" => {
            let beta = match a.get("beta") {
                None => Some(1.0f32),
                Some(x) => {
                    let v = syn::parse2::<syn::LitFloat>(x.value.clone())
                        .ok()
                        .and_then(|f| f.base10_parse::<f32>().ok())
                        .or_else(|| {
                            syn::parse2::<syn::LitInt>(x.value.clone())
                                .ok()
                                .and_then(|i| i.base10_parse::<f32>().ok())
                        });
                    match v {
                        Some(b) if b.is_finite() && b > 0.0 => Some(b),
                        _ => {
                            err(
                                errs,
                                x.span,
                                format!(
                                    "expected `beta` to be a positive number, found `{}`",
                                    x.value
                                ),
                            );
                            None
                        }
                    }
                }
            };
            (
                beta.map(|beta| Op::Softmax { beta }),
                beta.map(|_| input.to_vec()),
                "`beta`",
            )
        }
        _ => {
            let hint = crate::suggest::closest(&kind, KINDS)
                .map(|k| format!("\n\nhelp: did you mean `{k}`?"))
                .unwrap_or_default();
            err(
                errs,
                l.kind.span(),
                format!(
                    "unknown kind `{kind}` in a network of `tfl_` layers; expected one of {}{hint}",
                    KINDS
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            return None;
        }
    };
    if !known.is_empty() {
        a.finish(errs, known);
    }
    Some((op?, out?))
}

/// Lowers the declaration: `None` when a mistake leaves no chain to check against the file
/// (the errors are in `errs`).
///
/// `file_shape(layer)` is the output shape the weights file was made for (`layer.shape`);
/// when a layer computes another (an edited stride, say), the error names that tensor and
/// the chain goes on with the file's shape, so one edit is one error.
pub fn lower(
    decl: &NetworkDecl,
    errs: &mut Vec<syn::Error>,
    file_shape: &FileShape<'_>,
) -> Option<Net> {
    let mut input = None;
    let mut layers = Vec::new();
    let mut current: Option<Vec<usize>> = None;
    let mut failed = false;
    for item in &decl.items {
        match item {
            Item::Input { key, size } => match shape(size) {
                Some(s) if !s.is_empty() && s.iter().all(|&d| d > 0) => {
                    input = Some((s.clone(), key.span()));
                    current = Some(s);
                }
                _ => {
                    err(errs, key.span(), format!("expected the input's shape as `input: [1, H, W, C]` (NHWC) or `input: [1, N]`, found `{size}`"));
                    failed = true;
                }
            },
            Item::Layer(l) => {
                if let Some((_, span)) = &l.parents {
                    err(errs, *span, format!("`{}` names its parents, but a network of `tfl_` layers is a chain: each layer reads the one before", l.name));
                    failed = true;
                    continue;
                }
                let Some(cur) = current.clone() else {
                    failed = true;
                    continue;
                };
                match lower_layer(l, &cur, errs) {
                    Some((op, mut out)) => {
                        let name = l.name.to_string();
                        if let Some((found, file)) = file_shape(&name).filter(|(f, _)| *f != out) {
                            err(errs, l.kind.span(), format!("`{name}.shape` is {found:?} in `{file}`, but `{name}` gives {out:?} from its input {cur:?}\n\nhelp: the file's `{name}` outputs {found:?}; make its arguments (kernel, stride, padding, ...) agree with the file"));
                            failed = true;
                            out = found;
                        }
                        current = Some(out.clone());
                        layers.push(Layer {
                            name: l.name.clone(),
                            span: l.kind.span(),
                            op,
                            input: cur,
                            out,
                        });
                    }
                    None => {
                        failed = true;
                        current = None;
                    }
                }
            }
            Item::Output { span, .. } => {
                err(
                    errs,
                    *span,
                    "a network of `tfl_` layers has one output, its last layer's: remove `output:`",
                );
                failed = true;
            }
            Item::Broken(_) => failed = true,
        }
    }
    let Some((input, input_span)) = input else {
        if !failed {
            err(
                errs,
                decl.name.span(),
                format!(
                    "`{}` declares no input: begin with `input: [1, H, W, C]`",
                    decl.name
                ),
            );
        }
        return None;
    };
    if layers.is_empty() && !failed {
        err(
            errs,
            decl.name.span(),
            format!("`{}` declares no layer", decl.name),
        );
    }
    (!failed && !layers.is_empty()).then_some(Net {
        input,
        input_span,
        layers,
    })
}
