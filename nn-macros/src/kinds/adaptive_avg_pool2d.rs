//! `adaptive_avg_pool2d(S)` or `adaptive_avg_pool2d((OH, OW))`: PyTorch's
//! `AdaptiveAvgPool2d`, a `C x H x W` image averaged into `C x OH x OW` windows
//! (`floor(i·H/OH) .. ceil((i+1)·H/OH)` for output row `i`, columns alike).

use super::image;
use super::{Ctx, Kind, Lowered};
use crate::ir::{Act, Dims, LayerKind, Size};
use crate::parse::span_of;
use proc_macro2::{Literal, TokenStream};
use quote::quote;

const KIND: &str = "adaptive_avg_pool2d";

/// `adaptive_avg_pool2d`: `nn_core::layer::AdaptiveAvgPool2d<T, C, H, W, OH, OW>`; no
/// parameters.
pub struct AdaptiveAvgPool2d {
    /// `[C, H, W, OH, OW]`.
    sizes: [usize; 5],
}

impl Kind for AdaptiveAvgPool2d {
    fn name(&self) -> &'static str {
        KIND
    }

    fn trainable(&self, t: &TokenStream) -> TokenStream {
        let [c, h, w, oh, ow] = self.sizes.map(Literal::usize_unsuffixed);
        quote!(::nn_core::layer::AdaptiveAvgPool2d<#t, #c, #h, #w, #oh, #ow>)
    }

    fn has_params(&self) -> bool {
        false
    }
}

pub fn lower(cx: &mut Ctx) -> (Option<Lowered>, Option<Dims>) {
    let input = image::chw(cx, KIND);
    let (layer, name, errs) = (cx.decl, cx.name.clone(), &mut *cx.errs);
    let mut ok = true;
    let mut size = None;
    for (i, a) in layer.args.iter().enumerate() {
        if let Some(k) = &a.key {
            errs.push(
                k.span(),
                format!("`{KIND}` takes no named arguments, only its output size: `{name}: {KIND}(7)` or `{KIND}((6, 6))`"),
            );
            ok = false;
        } else if i > 0 {
            errs.push(
                a.span,
                format!("`{KIND}` takes one argument, its output size: write `{KIND}(7)` or `{KIND}((7, 7))`"),
            );
            ok = false;
        } else {
            size = image::pair(a, &format!("the output size of `{name}`"), errs);
            if matches!(size, Some((0, _)) | Some((_, 0))) {
                errs.push(
                    span_of(&a.value),
                    format!("the output size of `{name}` must be at least 1"),
                );
                size = None;
            }
        }
    }
    if layer.args.is_empty() {
        errs.push(
            layer.args_span,
            format!("`{name}` needs its output size: write `{KIND}(7)` or `{KIND}((6, 6))`"),
        );
        return (None, None);
    }
    let (Some((c, h, w)), Some((oh, ow))) = (input, size) else {
        return (None, None);
    };
    let span = layer.kind.span();
    let out = Dims(vec![
        Size::Lit(c, span),
        Size::Lit(oh, span),
        Size::Lit(ow, span),
    ]);
    if !ok {
        return (None, Some(out));
    }
    let lowered = Lowered {
        kind: LayerKind::Op(Box::new(AdaptiveAvgPool2d {
            sizes: [c, h, w, oh, ow],
        })),
        out: out.clone(),
        act: Act::Identity,
        init: None,
    };
    (Some(lowered), Some(out))
}
