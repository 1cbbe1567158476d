//! Validation of a network of `tfl_` layers: each layer lowered by its kind
//! (`crate::kinds::tfl`) over its input's NHWC shape, the shapes threaded through the chain
//! and compared with the ones the weights file was made for.

use crate::ast::{Item, LayerDecl, NetworkDecl};
use crate::ir::{TflLayer, TflNetwork};
use crate::kinds::tfl::args::{err, shape, Args};
use crate::kinds::tfl::{self, Ctx, Lowered};

/// The output shape the weights file holds for a layer, with the file's path.
pub type FileShape<'a> = dyn Fn(&str) -> Option<(Vec<usize>, String)> + 'a;

/// Lowers one layer over `input`: its kind and output shape.
fn lower_layer(l: &LayerDecl, input: &[usize], errs: &mut Vec<syn::Error>) -> Option<Lowered> {
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
    lower(&mut Ctx {
        args: Args::new(l),
        input,
        errs,
    })
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
                    Some((kind, mut out)) => {
                        let name = l.name.to_string();
                        if let Some((found, file)) = file_shape(&name).filter(|(f, _)| *f != out) {
                            err(errs, l.kind.span(), format!("`{name}.shape` is {found:?} in `{file}`, but `{name}` gives {out:?} from its input {cur:?}\n\nhelp: the file's `{name}` outputs {found:?}; make its arguments (kernel, stride, padding, ...) agree with the file"));
                            failed = true;
                            out = found;
                        }
                        current = Some(out.clone());
                        layers.push(TflLayer {
                            name: l.name.clone(),
                            span: l.kind.span(),
                            kind,
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
    (!failed && !layers.is_empty()).then_some(TflNetwork {
        attrs: decl.attrs.clone(),
        vis: decl.vis.clone(),
        name: decl.name.clone(),
        input,
        input_span,
        layers,
    })
}
