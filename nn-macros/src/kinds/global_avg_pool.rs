//! `global_avg_pool`: each channel's mean, `C x H x W` to `C`.

use super::Kind;
use super::{Ctx, Lowered};
use crate::ir::{Act, Dims, LayerKind, Size};
use proc_macro2::{Literal, TokenStream};
use quote::quote;

/// `global_avg_pool`: `nn_core::layer::GlobalAvgPool<T, C, HW>`; no parameters.
pub struct GlobalAvgPool {
    channels: usize,
    positions: usize,
}

impl Kind for GlobalAvgPool {
    fn name(&self) -> &'static str {
        "global_avg_pool"
    }

    fn trainable(&self, t: &TokenStream) -> TokenStream {
        let (c, hw) = (
            Literal::usize_unsuffixed(self.channels),
            Literal::usize_unsuffixed(self.positions),
        );
        quote!(::nn_core::layer::GlobalAvgPool<#t, #c, #hw>)
    }

    fn has_params(&self) -> bool {
        false
    }
}

pub fn lower(cx: &mut Ctx) -> (Option<Lowered>, Option<Dims>) {
    cx.no_arguments("global_avg_pool");
    let input = super::image::chw(cx, "global_avg_pool");
    let Some((c, h, w)) = input else {
        return (None, None);
    };
    let out = Dims::flat_of(Size::Lit(c, cx.decl.kind.span()));
    let lowered = Lowered {
        kind: LayerKind::Op(Box::new(GlobalAvgPool {
            channels: c,
            positions: h * w,
        })),
        out: out.clone(),
        act: Act::Identity,
        init: None,
    };
    (cx.decl.args.is_empty().then_some(lowered), Some(out))
}
