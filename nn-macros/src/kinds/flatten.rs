//! `flatten`: `C x H x W` (or any shape) to one flat vector, for a dense layer after
//! convolutions. The values stay in place (samples are stored flat already).

use super::Kind;
use super::{Ctx, Lowered};
use crate::ir::{Act, Dims, LayerKind};
use proc_macro2::TokenStream;
use quote::quote;

/// `flatten`: `nn_core::layer::Flatten`; no parameters.
pub struct Flatten;

impl Kind for Flatten {
    fn name(&self) -> &'static str {
        "flatten"
    }

    fn trainable(&self, _: &TokenStream) -> TokenStream {
        quote!(::nn_core::layer::Flatten)
    }

    fn has_params(&self) -> bool {
        false
    }
}

pub fn lower(cx: &mut Ctx) -> (Option<Lowered>, Option<Dims>) {
    cx.no_arguments("flatten");
    let Some(input) = cx.input else {
        return (None, None);
    };
    let out = Dims::flat_of(input.flat().at(cx.decl.kind.span()));
    let lowered = Lowered {
        kind: LayerKind::Op(Box::new(Flatten)),
        out: out.clone(),
        act: Act::Identity,
        init: None,
    };
    (cx.decl.args.is_empty().then_some(lowered), Some(out))
}
