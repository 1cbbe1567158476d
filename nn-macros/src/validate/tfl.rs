//! Validation of a network of `tfl_` layers: each layer lowered by its kind
//! (`crate::kinds::tfl`) over its parents' NHWC shapes and dtypes (the node before it, or
//! the ones it names: `add1: tfl_add(act = relu)(input, k)`), the shapes threaded through
//! the network and compared with the ones the weights file was made for.

use crate::ast::{Item, LayerDecl, NetworkDecl};
use crate::ir::{TflLayer, TflNetwork, TflNode};
use crate::kinds::tfl::args::{err, typed_shape, Args};
use crate::kinds::tfl::{self, Ctx, Dtype, Lowered, PREFIX};
use proc_macro2::Span;

/// A node's shape and dtype.
type Typed = (Vec<usize>, Dtype);

/// The output shape the weights file holds for a layer, with the file's path.
pub type FileShape<'a> = dyn Fn(&str) -> Option<(Vec<usize>, String)> + 'a;

/// Lowers one layer over its parents' shapes and dtypes: its kind and output shape.
fn lower_layer(
    l: &LayerDecl,
    parents: &[(Vec<usize>, Dtype)],
    errs: &mut Vec<syn::Error>,
) -> Option<Lowered> {
    let kind = l.kind.to_string();
    let Some(lower) = tfl::lookup(&kind) else {
        let names = tfl::names();
        let hint = crate::suggest::closest(&kind, &names)
            .map(|k| format!("\n\nhelp: did you mean `{k}`?"))
            .unwrap_or_default();
        err(
            errs,
            l.kind.span(),
            format!(
                "unknown kind `{kind}` in a network of `tfl_` layers; expected one of {}{hint}",
                names
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
        return None;
    };
    let (input, dtype) = parents
        .first()
        .map_or((&[][..], Dtype::I8), |(s, d)| (&s[..], *d));
    lower(&mut Ctx {
        args: Args::new(l),
        input,
        dtype,
        parents,
        errs,
    })
}

/// The one error of a declaration mixing `tfl_` layers with `network!`'s float layers, on
/// the first such layer; `None` when every layer is a `tfl_` one (or unknown, reported by
/// its kind's lookup).
pub fn mixed(decl: &NetworkDecl) -> Option<syn::Error> {
    let layers = || {
        decl.items.iter().filter_map(|i| match i {
            Item::Layer(l) => Some(l),
            _ => None,
        })
    };
    let tfl_layer = layers().find(|l| l.kind.to_string().starts_with(PREFIX))?;
    let float = layers().find(|l| {
        let k = l.kind.to_string();
        !k.starts_with(PREFIX) && crate::kinds::lookup(&k).is_some()
    })?;
    let (k, t) = (float.kind.to_string(), tfl_layer.kind.to_string());
    let twin = match k.as_str() {
        "dense" => "tfl_fully_connected".to_string(),
        "flatten" => "tfl_reshape".to_string(),
        _ => format!("{PREFIX}{k}"),
    };
    let hint = if tfl::lookup(&twin).is_some() {
        format!("use `{twin}` (TFLite's kernel, its parameters in the weights file)")
    } else {
        let names: Vec<String> = tfl::names().iter().map(|n| format!("`{n}`")).collect();
        format!("the `tfl_` kinds are {}", names.join(", "))
    };
    Some(syn::Error::new(
        float.kind.span(),
        format!("`{}` is a `{k}` layer, a float `network!` kind, but `{}` also has `tfl_` layers (`{}: {t}`), which run TFLite's kernels over a weights file of their own; a network is either kind, not both\n\nhelp: {hint}, or declare the float layers in a network of their own", float.name, decl.name, tfl_layer.name),
    ))
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
) -> Option<TflNetwork> {
    let mut input: Option<(Vec<usize>, Dtype, Span)> = None;
    let mut layers: Vec<TflLayer> = Vec::new();
    // Each node's name, shape and dtype (`None` when it failed), the input first.
    let mut nodes: Vec<(String, TflNode, Option<Typed>)> = Vec::new();
    let mut failed = false;
    if let Some(e) = mixed(decl) {
        errs.push(e);
        return None;
    }
    for item in &decl.items {
        match item {
            Item::Input { key, size } => match typed_shape(size) {
                Some((s, d)) if !s.is_empty() && s.iter().all(|&d| d > 0) => {
                    input = Some((s.clone(), d, key.span()));
                    nodes.push(("input".into(), TflNode::Input, Some((s, d))));
                }
                _ => {
                    err(errs, key.span(), format!("expected the input's shape as `input: [1, H, W, C]` (NHWC) or `input: [1, N]`, `f32[...]` for a float32 input, found `{size}`"));
                    failed = true;
                }
            },
            Item::Layer(l) => {
                let kind = l.kind.to_string();
                let arity = tfl::arity(&kind);
                // The parents: the ones named, or the node before.
                let named: Vec<(String, Span)> = match &l.parents {
                    Some((names, _)) => names.iter().map(|n| (n.to_string(), n.span())).collect(),
                    None if arity == 0 => Vec::new(),
                    None => nodes
                        .last()
                        .map(|(n, _, _)| (n.clone(), l.kind.span()))
                        .into_iter()
                        .collect(),
                };
                if named.len() != arity && (l.parents.is_some() || arity != 1) {
                    let span = l.parents.as_ref().map_or(l.kind.span(), |p| p.1);
                    let want = match arity {
                        0 => "no parent".to_string(),
                        1 => "one parent".to_string(),
                        n => format!("{n} parents, as `{}: {kind}(..)(a, b)`", l.name),
                    };
                    let n = l.parents.as_ref().map_or(0, |p| p.0.len());
                    err(
                        errs,
                        span,
                        format!(
                            "`{}` is {} `{kind}` layer, which reads {want}, but it names {n}",
                            l.name,
                            crate::suggest::article(&kind)
                        ),
                    );
                    failed = true;
                    continue;
                }
                let mut parents = Vec::new();
                let mut ids = Vec::new();
                for (p, span) in &named {
                    match nodes.iter().find(|(n, _, _)| n == p) {
                        Some((_, id, Some(sd))) => {
                            parents.push(sd.clone());
                            ids.push(*id);
                        }
                        Some((_, _, None)) => failed = true,
                        None => {
                            let names: Vec<&str> =
                                nodes.iter().map(|(n, _, _)| n.as_str()).collect();
                            let hint = crate::suggest::closest(p, &names)
                                .map(|k| format!("\n\nhelp: did you mean `{k}`?"))
                                .unwrap_or_default();
                            err(errs, *span, format!("`{}` reads `{p}`, which is not a node declared before it{hint}", l.name));
                            failed = true;
                        }
                    }
                }
                let lowered = if parents.len() == named.len() && (arity == 0 || !parents.is_empty())
                {
                    lower_layer(l, &parents, errs)
                } else {
                    failed = true;
                    None
                };
                let name = l.name.to_string();
                match lowered {
                    Some((kind, mut out)) => {
                        let (cur, dtype) =
                            parents.first().cloned().unwrap_or((Vec::new(), Dtype::I8));
                        if let Some((found, file)) =
                            file_shape(&name).filter(|(f, _)| *f != out && arity == 0)
                        {
                            let d = if kind.out_dtype(dtype) == Dtype::F32 {
                                "f32"
                            } else {
                                "i8"
                            };
                            err(errs, l.kind.span(), format!("`{name}.shape` is {found:?} in `{file}`, but `{name}` declares {out:?}\n\nhelp: declare `{name}: tfl_constant({d}{found:?})`"));
                            failed = true;
                            out = found;
                        } else if let Some((found, file)) =
                            file_shape(&name).filter(|(f, _)| *f != out)
                        {
                            err(errs, l.kind.span(), format!("`{name}.shape` is {found:?} in `{file}`, but `{name}` gives {out:?} from its input {cur:?}\n\nhelp: the file's `{name}` outputs {found:?}; make its arguments (kernel, stride, padding, ...) agree with the file"));
                            failed = true;
                            out = found;
                        }
                        let out_dtype = kind.out_dtype(dtype);
                        nodes.push((
                            name,
                            TflNode::Layer(layers.len()),
                            Some((out.clone(), out_dtype)),
                        ));
                        layers.push(TflLayer {
                            name: l.name.clone(),
                            span: l.kind.span(),
                            kind,
                            parents: ids,
                            input: cur,
                            dtype,
                            out,
                            out_dtype,
                        });
                    }
                    None => {
                        failed = true;
                        nodes.push((name, TflNode::Layer(usize::MAX), None));
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
    let Some((input, input_dtype, input_span)) = input else {
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
    (!failed && !layers.is_empty()).then_some(TflNetwork {
        attrs: decl.attrs.clone(),
        vis: decl.vis.clone(),
        name: decl.name.clone(),
        input,
        input_dtype,
        input_span,
        layers,
    })
}
