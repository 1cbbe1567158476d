//! `global_avg_pool`: each channel's mean, `C x H x W` to `C`.

use super::{Ctx, Lowered};
use crate::ir::{Act, Dims, LayerKind, OpKind, Size};
use proc_macro2::Literal;
use quote::quote;

pub fn lower(cx: &mut Ctx) -> (Option<Lowered>, Option<Dims>) {
    cx.no_arguments("global_avg_pool");
    let input = super::image::chw(cx, "global_avg_pool");
    let Some((c, h, w)) = input else {
        return (None, None);
    };
    let out = Dims::flat_of(Size::Lit(c, cx.decl.kind.span()));
    let (cl, hw) = (
        Literal::usize_unsuffixed(c),
        Literal::usize_unsuffixed(h * w),
    );
    let lowered = Lowered {
        kind: LayerKind::Op(OpKind {
            kind: "global_avg_pool",
            ty: quote!(::nn_core::layer::GlobalAvgPool<T, #cl, #hw>),
            params: false,
        }),
        out: out.clone(),
        act: Act::Identity,
        init: None,
    };
    (cx.decl.args.is_empty().then_some(lowered), Some(out))
}
