//! `batch_norm` or `batch_norm(ACT)`: per-channel batch normalization of a `C x H x W`
//! image (or of each of `N` features of a flat vector), then the activation.

use super::{Ctx, Lowered};
use crate::ir::{Act, Dims, InitKind, LayerKind, OpKind};
use crate::validate::options;
use quote::quote;

pub fn lower(cx: &mut Ctx) -> (Option<Lowered>, Option<Dims>) {
    let (layer, name) = (cx.decl, cx.name.clone());
    let mut act = Some(Act::Identity);
    for (i, a) in layer.args.iter().enumerate() {
        if a.key.is_some() || i > 0 {
            cx.errs.push(
                a.span,
                format!(
                    "`batch_norm` takes one argument, an activation: `{name}: batch_norm(relu)`"
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
