//! `flatten`: `C x H x W` (or any shape) to one flat vector, for a dense layer after
//! convolutions. The values stay in place (samples are stored flat already).

use super::{Ctx, Lowered};
use crate::ir::{Act, Dims, LayerKind, OpKind};
use quote::quote;

pub fn lower(cx: &mut Ctx) -> (Option<Lowered>, Option<Dims>) {
    cx.no_arguments("flatten");
    let Some(input) = cx.input else {
        return (None, None);
    };
    let out = Dims::flat_of(input.flat().at(cx.decl.kind.span()));
    let lowered = Lowered {
        kind: LayerKind::Op(OpKind {
            kind: "flatten",
            ty: quote!(::nn_core::layer::Flatten),
            params: false,
        }),
        out: out.clone(),
        act: Act::Identity,
        init: None,
    };
    (cx.decl.args.is_empty().then_some(lowered), Some(out))
}
