//! `batch_norm`, `batch_norm(ACT)`, `batch_norm(C)` or `batch_norm(C, ACT)`: per-channel
//! batch normalization of a `C x H x W` image (or of each of `N` features of a flat vector),
//! then the activation. A channel count, as PyTorch's `BatchNorm2d(C)` takes, is checked
//! against the input.

use super::{Ctx, Lowered};
use crate::ir::{Act, Dims, InitKind, LayerKind, OpKind};
use crate::validate::options;
use quote::quote;

pub fn lower(cx: &mut Ctx) -> (Option<Lowered>, Option<Dims>) {
    let (layer, name) = (cx.decl, cx.name.clone());
    let mut act = Some(Act::Identity);
    let mut args = layer.args.iter().peekable();
    let channels = args
        .next_if(|a| a.key.is_none() && a.value.to_string().parse::<usize>().is_ok())
        .map(|a| (a.value.to_string().parse::<usize>().unwrap_or(0), a.span));
    for (i, a) in args.enumerate() {
        if a.key.is_some() || i > 0 {
            cx.errs.push(
                a.span,
                format!(
                    "`batch_norm` takes a channel count and an activation, both optional: `{name}: batch_norm(relu)` or `{name}: batch_norm(16, relu)`"
                ),
            );
            act = None;
        } else {
            act = options::activation(&name, a, cx.errs);
        }
    }
    let Some(dims) = cx.input.cloned() else {
        return (None, None);
    };
    if let (Some((given, span)), Some(c)) = (channels, dims.0[0].known()) {
        if given != c {
            let what = if dims.rank() == 1 {
                "features"
            } else {
                "channels"
            };
            cx.errs.push(
                span,
                format!(
                    "`{name}` is given {given} {what}, but {} {c} ({})\n\nhelp: write `batch_norm({c})`, or leave the count out (`batch_norm`): it is taken from the input",
                    cx.producer.gives(),
                    dims.display()
                ),
            );
            act = None;
        }
    }
    let (c, hw) = match dims.rank() {
        1 => (dims.0[0].tokens(), quote!(1)),
        _ => {
            let c = dims.0[0].tokens();
            let rest = dims.0[1..].iter().map(|s| s.tokens());
            (c, quote!({ 1 #(* #rest)* }))
        }
    };
    let Some(act) = act else {
        return (None, Some(dims));
    };
    let lowered = Lowered {
        kind: LayerKind::Op(OpKind {
            kind: "batch_norm",
            ty: quote!(::nn_core::layer::BatchNorm2d<T, #c, #hw>),
            params: true,
        }),
        out: dims.clone(),
        act,
        init: Some(InitKind::LeCun),
    };
    (Some(lowered), Some(dims))
}
