//! `max_pool2d(K, stride = S, pad = P, floor = true)` and `avg_pool2d(...)`: a `K x K`
//! window (stride `K` unless given) over each channel of a `C x H x W` image.

use super::image;
use super::Kind;
use super::{Ctx, Lowered};
use crate::ir::{Act, Dims, LayerKind, Size};
use crate::parse::span_of;
use crate::suggest;
use proc_macro2::{Literal, Span, TokenStream};
use quote::quote;

/// `max_pool2d` or `avg_pool2d`: `nn_core::layer::MaxPool2d<T, C, H, W, K, S, P>` (or
/// `AvgPool2d`); no parameters.
pub struct Pool2d {
    /// `"max_pool2d"` or `"avg_pool2d"`.
    kind: &'static str,
    /// `"MaxPool2d"` or `"AvgPool2d"`.
    ty: &'static str,
    /// `C, H, W, K, S, P`.
    sizes: [usize; 6],
    /// The kind as written, where the type's name points.
    span: Span,
}

impl Kind for Pool2d {
    fn name(&self) -> &'static str {
        self.kind
    }

    fn trainable(&self, t: &TokenStream) -> TokenStream {
        let sizes = self.sizes.map(Literal::usize_unsuffixed);
        let ty = syn::Ident::new(self.ty, self.span);
        quote!(::nn_core::layer::#ty<#t, #(#sizes),*>)
    }

    fn has_params(&self) -> bool {
        false
    }
}

/// `max_pool2d`.
pub fn lower_max(cx: &mut Ctx) -> (Option<Lowered>, Option<Dims>) {
    lower(cx, "max_pool2d", "MaxPool2d")
}

/// `avg_pool2d`.
pub fn lower_avg(cx: &mut Ctx) -> (Option<Lowered>, Option<Dims>) {
    lower(cx, "avg_pool2d", "AvgPool2d")
}

fn lower(cx: &mut Ctx, kind: &'static str, ty: &'static str) -> (Option<Lowered>, Option<Dims>) {
    let input = image::chw(cx, kind);
    let (layer, name, errs) = (cx.decl, cx.name.clone(), &mut *cx.errs);
    let mut ok = true;
    let mut window = None;
    let mut window_span = layer.args_span;
    for (i, a) in layer.args.iter().filter(|a| a.key.is_none()).enumerate() {
        if i > 0 {
            errs.push(a.span, format!("`{kind}` takes one argument before the named ones, its window: `{name}: {kind}(2)`"));
            ok = false;
            continue;
        }
        window = image::int(a, &format!("the window of `{name}`"), errs);
        window_span = span_of(&a.value);
        if window == Some(0) {
            errs.push(
                window_span,
                format!("the window of `{name}` must be at least 1"),
            );
            window = None;
        }
    }
    if layer.args.iter().all(|a| a.key.is_some()) {
        errs.push(
            layer.args_span,
            format!("`{name}` needs a window size: write `{kind}(2)`"),
        );
        return (None, None);
    }
    let (mut stride, mut pad, mut floor) = (None, Some(0), Some(false));
    let mut stride_span = window_span;
    let mut pad_span = window_span;
    for a in layer.args.iter().filter(|a| a.key.is_some()) {
        let key_ident = a.key.as_ref().expect("filtered on named arguments");
        let key = key_ident.to_string();
        let what = format!("the `{key}` of `{name}`");
        match key.as_str() {
            "stride" => {
                stride_span = span_of(&a.value);
                stride = match image::int(a, &what, errs) {
                    Some(0) => {
                        errs.push(stride_span, format!("{what} must be at least 1"));
                        ok = false;
                        None
                    }
                    s => s,
                };
            }
            "pad" | "padding" => {
                pad_span = span_of(&a.value);
                pad = image::int(a, &what, errs);
            }
            "floor" => floor = image::flag(a, &what, errs),
            other => {
                errs.push(
                    key_ident.span(),
                    suggest::unknown("named argument", other, &["stride", "pad", "floor"], &[]),
                );
                ok = false;
            }
        }
    }
    let (Some((c, h, w)), Some(k), Some(p), Some(floor)) = (input, window, pad, floor) else {
        return (None, None);
    };
    let s = stride.unwrap_or(k);
    if 2 * p > k {
        errs.push(
            pad_span,
            format!("the padding of `{name}` is {p}, more than half its window {k}: some windows would see only padding\n\nhelp: use `pad = {}` at most", k / 2),
        );
        return (None, None);
    }
    let hw = image::out_hw(
        &name,
        (h, w),
        (k, k),
        (s, p, 1),
        floor,
        window_span,
        stride_span,
        errs,
    );
    let Some((oh, ow)) = hw else {
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
        kind: LayerKind::Op(Box::new(Pool2d {
            kind,
            ty,
            sizes: [c, h, w, k, s, p],
            span,
        })),
        out: out.clone(),
        act: Act::Identity,
        init: None,
    };
    (Some(lowered), Some(out))
}
