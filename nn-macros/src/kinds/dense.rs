//! `dense(OUT)` or `dense(IN -> OUT)`, then an activation and `init = ...`:
//! `z = W x + b` over a flat input.

use super::{tensor, Ctx, Kind, Lowered, Tensor};
use crate::args;
use crate::ast::Arg;
use crate::ir::{Act, ConstCheck, Dims, InitKind, Layer, LayerKind, Size};
use crate::suggest;
use crate::validate::{named, options, positive};
use proc_macro2::TokenStream;
use quote::quote;

/// `dense(IN -> OUT)`: `nn_core::layer::Dense`, or embedded `StaticDense` (`StaticQDense`
/// when the file holds it in int8).
pub struct Dense {
    pub inputs: Size,
    pub outputs: Size,
}

impl Kind for Dense {
    fn name(&self) -> &'static str {
        "dense"
    }

    fn trainable(&self, t: &TokenStream) -> TokenStream {
        let (i, o) = (self.inputs.tokens(), self.outputs.tokens());
        quote!(::nn_core::layer::Dense<#t, #i, #o>)
    }

    fn quantizable(&self) -> bool {
        true
    }

    fn tensors(&self, l: &Layer, quantized: bool) -> Option<Vec<Tensor>> {
        let (i, o, one) = (&l.inputs, &l.outputs, &Size::Lit(1, l.name.span()));
        Some(if quantized {
            vec![
                tensor("weight", &[o, i], Some("I8")),
                tensor("weight_scale", &[o], Some("F32")),
                tensor("bias", &[o], Some("F32")),
                tensor("input_scale", &[one], Some("F32")),
            ]
        } else {
            vec![tensor("weight", &[o, i], None), tensor("bias", &[o], None)]
        })
    }

    fn shape_hint(&self, l: &Layer, suffix: &str, found: &[usize]) -> Option<String> {
        match (suffix, found) {
            ("weight", [o, i]) => Some(format!(
                "\n\nhelp: the file's `{}` is `dense({i} -> {o})`",
                l.name
            )),
            _ => None,
        }
    }

    fn embedded_type(&self, l: &Layer, t: &TokenStream, quantized: bool) -> TokenStream {
        let (i, o) = (l.inputs.tokens(), l.outputs.tokens());
        if quantized {
            quote!(::nn_core::embed::StaticQDense<#i, #o>)
        } else {
            quote!(::nn_core::embed::StaticDense<#t, #i, #o>)
        }
    }

    fn embedded_value(&self, views: Vec<TokenStream>, quantized: bool) -> TokenStream {
        if quantized {
            quote!(::nn_core::embed::StaticQDense::new(#(#views),*))
        } else {
            quote!(::nn_core::embed::StaticDense::new(#(#views),*))
        }
    }

    fn embedded_parameters(&self, l: &Layer) -> TokenStream {
        let (i, o) = (l.inputs.tokens(), l.outputs.tokens());
        quote!((#i) * (#o) + (#o))
    }
}

/// Reads `dense(...)`: sizes (an explicit input size must equal the producer's), the
/// activation and the initialization.
pub fn lower(cx: &mut Ctx) -> (Option<Lowered>, Option<Dims>) {
    let (layer, name) = (cx.decl, cx.name.clone());
    let prev = cx.flat_input("dense", "takes a flat vector");
    let prev = prev.as_ref();
    let (errs, checks) = (&mut *cx.errs, &mut *cx.checks);
    let positional: Vec<&Arg> = layer.args.iter().filter(|a| a.key.is_none()).collect();
    // Checked in the order they are written, so the errors come out in source order.
    let mut ok = true;

    // Size: `OUT` or `IN -> OUT`.
    let sizes = match positional.first() {
        None => {
            errs.push(
                layer.args_span,
                format!("`{name}` needs an output size: write `dense(128)` or `dense(784 -> 128)`"),
            );
            None
        }
        Some(a) => errs.ok(args::size_pair(&a.value, &name)),
    };
    let mut shape = None;
    if let Some((explicit_in, outputs)) = sizes {
        if outputs.known() == Some(0) {
            errs.push(
                outputs.span(),
                format!("`{name}` has 0 outputs; a layer needs at least one unit"),
            );
            ok = false;
        } else if let Size::Expr(..) = outputs {
            checks.push(positive(
                &outputs,
                &format!(
                    "the output size of `{name}`, `{}`, is 0; a layer needs at least one unit",
                    outputs.display()
                ),
            ));
        }
        let inputs = match (explicit_in, prev) {
            (Some(e), Some((p, who))) => {
                let hint = format!(
                    "only `{}` to take the input size from {}",
                    outputs.display(),
                    who.name()
                );
                match (e.known(), p.known()) {
                    (Some(a), Some(b)) if a != b => {
                        errs.push(
                            e.span(),
                            format!(
                                "`{name}` expects {a} inputs, but {} {b}\n\nhelp: write `{b} -> {}`, or {hint}",
                                who.gives(),
                                outputs.display(),
                            ),
                        );
                        ok = false;
                    }
                    (Some(_), Some(_)) => {}
                    _ => checks.push(ConstCheck::Equal {
                        expected: e.tokens(),
                        found: p.tokens(),
                        parts: [
                            format!("`{name}` expects {}", named(&e)),
                            format!(" inputs, but {} {}", who.gives(), named(p)),
                            format!("\n\nhelp: make the sizes equal, or write {hint}"),
                        ],
                        span: e.span(),
                    }),
                }
                // Use the producer's size: the type check then holds by construction.
                Some(p.at(e.span()))
            }
            (None, Some((p, _))) => Some(p.clone()),
            (Some(e), None) => Some(e),
            (None, None) => None,
        };
        shape = Some((inputs, outputs));
    }

    // Activation.
    let act = match positional.get(1) {
        None => Some(Act::Identity),
        Some(a) => options::activation(&name, a, errs),
    };
    for extra in positional.iter().skip(2) {
        errs.push(
            extra.span,
            format!("`{name}` takes at most two arguments before the named ones: the size and the activation"),
        );
        ok = false;
    }
    // Named arguments.
    let mut init = Some(InitKind::LeCun);
    let mut init_seen = false;
    for a in layer.args.iter().filter(|a| a.key.is_some()) {
        let key = a.key.as_ref().map(|k| k.to_string()).unwrap_or_default();
        let key_span = a.key.as_ref().map_or(a.span, |k| k.span());
        match key.as_str() {
            "init" if init_seen => {
                errs.push(key_span, format!("`init` is given twice for `{name}`"));
                ok = false;
            }
            "init" => {
                init_seen = true;
                init = options::init_kind(a, errs);
            }
            "activation" | "act" => {
                let size = positional
                    .first()
                    .map_or_else(|| "128".to_string(), |s| s.value.to_string());
                errs.push(
                    key_span,
                    format!(
                        "the activation of `{name}` is not a named argument\n\nhelp: write it second, after the size: `dense({size}, {})`",
                        a.value
                    ),
                );
                ok = false;
            }
            other => {
                errs.push(
                    key_span,
                    suggest::unknown("named argument", other, &["init"], &[]),
                );
                ok = false;
            }
        }
    }

    let Some((inputs, outputs)) = shape else {
        return (None, None);
    };
    let out = Dims::flat_of(outputs.clone());
    let (Some(inputs), Some(act), Some(init), true) = (inputs, act, init, ok) else {
        return (None, Some(out));
    };
    let kind = LayerKind::Op(Box::new(Dense { inputs, outputs }));
    let lowered = Lowered {
        kind,
        out: out.clone(),
        act,
        init: Some(init),
    };
    (Some(lowered), Some(out))
}
