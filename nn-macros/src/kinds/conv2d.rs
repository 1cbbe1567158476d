//! `conv2d(F, K, ACT, stride = S, pad = P, dilation = D, groups = G, bias = false,
//! floor = true, init = INIT)`: `F` filters of `K x K` (or `(KH, KW)`) over a `C x H x W`
//! image, giving `F x OH x OW`.

use super::image;
use super::{Ctx, Lowered};
use crate::ast::Arg;
use crate::ir::{Act, Dims, InitKind, LayerKind, OpKind, Size};
use crate::parse::span_of;
use crate::suggest;
use crate::validate::options;
use proc_macro2::Literal;
use quote::quote;

const NAMED: &[&str] = &[
    "stride", "pad", "padding", "dilation", "groups", "bias", "floor", "init",
];

pub fn lower(cx: &mut Ctx) -> (Option<Lowered>, Option<Dims>) {
    let input = image::chw(cx, "conv2d");
    let (layer, name, errs) = (cx.decl, cx.name.clone(), &mut *cx.errs);
    let positional: Vec<&Arg> = layer.args.iter().filter(|a| a.key.is_none()).collect();
    let mut ok = true;

    let filters = match positional.first() {
        None => {
            errs.push(
                layer.args_span,
                format!(
                    "`{name}` needs its number of filters and kernel size: write `conv2d(16, 3)`"
                ),
            );
            None
        }
        Some(a) => image::int(a, &format!("the number of filters of `{name}`"), errs),
    };
    if filters == Some(0) {
        errs.push(
            span_of(&positional[0].value),
            format!("`{name}` has 0 filters; a layer needs at least one"),
        );
        ok = false;
    }
    let kernel = match positional.get(1) {
        None => {
            if !positional.is_empty() {
                errs.push(
                    layer.args_span,
                    format!(
                        "`{name}` needs a kernel size after the filters: write `conv2d({}, 3)`",
                        positional[0].value
                    ),
                );
            }
            None
        }
        Some(a) => image::pair(a, &format!("the kernel size of `{name}`"), errs),
    };
    let kernel_span = positional
        .get(1)
        .map_or(layer.args_span, |a| span_of(&a.value));
    if matches!(kernel, Some((0, _)) | Some((_, 0))) {
        errs.push(
            kernel_span,
            format!("the kernel of `{name}` has a zero size"),
        );
        ok = false;
    }
    let act = match positional.get(2) {
        None => Some(Act::Identity),
        Some(a) => options::activation(&name, a, errs),
    };
    for extra in positional.iter().skip(3) {
        errs.push(
            extra.span,
            format!("`{name}` takes three arguments before the named ones: filters, kernel size and activation"),
        );
        ok = false;
    }

    let (mut stride, mut pad, mut dilation, mut groups) = (Some(1), Some(0), Some(1), Some(1));
    let (mut bias, mut floor, mut init) = (Some(true), Some(false), Some(InitKind::LeCun));
    let (mut stride_span, mut groups_span) = (kernel_span, kernel_span);
    let mut seen: Vec<String> = Vec::new();
    for a in layer.args.iter().filter(|a| a.key.is_some()) {
        let key_ident = a.key.as_ref().expect("filtered on named arguments");
        let key = key_ident.to_string();
        let canonical = if key == "padding" {
            "pad".to_string()
        } else {
            key.clone()
        };
        if seen.contains(&canonical) {
            errs.push(
                key_ident.span(),
                format!("`{key}` is given twice for `{name}`"),
            );
            ok = false;
            continue;
        }
        seen.push(canonical);
        let what = format!("the `{key}` of `{name}`");
        let positive = |v: Option<usize>, errs: &mut crate::validate::Errors| match v {
            Some(0) => {
                errs.push(span_of(&a.value), format!("{what} must be at least 1"));
                None
            }
            v => v,
        };
        match key.as_str() {
            "stride" => {
                stride = positive(image::int(a, &what, errs), errs);
                stride_span = span_of(&a.value);
            }
            "pad" | "padding" => pad = image::int(a, &what, errs),
            "dilation" => dilation = positive(image::int(a, &what, errs), errs),
            "groups" => {
                groups = positive(image::int(a, &what, errs), errs);
                groups_span = span_of(&a.value);
            }
            "bias" => bias = image::flag(a, &what, errs),
            "floor" => floor = image::flag(a, &what, errs),
            "init" => init = options::init_kind(a, errs),
            other => {
                errs.push(
                    key_ident.span(),
                    suggest::unknown("named argument", other, NAMED, &[]),
                );
                ok = false;
            }
        }
    }

    let (Some((c, h, w)), Some(f), Some((kh, kw))) = (input, filters, kernel) else {
        return (None, None);
    };
    let (Some(s), Some(p), Some(d), Some(g), Some(floor)) = (stride, pad, dilation, groups, floor)
    else {
        return (None, None);
    };
    if !c.is_multiple_of(g) || !f.is_multiple_of(g) {
        let (what, n) = if !c.is_multiple_of(g) {
            ("input channels", c)
        } else {
            ("filters", f)
        };
        errs.push(
            groups_span,
            format!(
                "`{name}` has {n} {what}, which `groups = {g}` does not divide\n\nhelp: each group needs a whole number of input channels ({c}) and filters ({f})"
            ),
        );
        ok = false;
    }
    let Some((oh, ow)) = image::out_hw(
        &name,
        (h, w),
        (kh, kw),
        (s, p, d),
        floor,
        kernel_span,
        stride_span,
        errs,
    ) else {
        return (None, None);
    };
    let span = layer.kind.span();
    let out = Dims(vec![
        Size::Lit(f, span),
        Size::Lit(oh, span),
        Size::Lit(ow, span),
    ]);
    let (Some(act), Some(init), Some(bias), true) = (act, init, bias, ok) else {
        return (None, Some(out));
    };
    let k = c / g * kh * kw;
    let lit = Literal::usize_unsuffixed;
    let (c, h, w, f, kh, kw, s, p, d, g, k) = (
        lit(c),
        lit(h),
        lit(w),
        lit(f),
        lit(kh),
        lit(kw),
        lit(s),
        lit(p),
        lit(d),
        lit(g),
        lit(k),
    );
    let lowered = Lowered {
        kind: LayerKind::Op(OpKind {
            kind: "conv2d",
            ty: quote!(::nn_core::layer::Conv2d<T, #c, #h, #w, #f, #kh, #kw, #s, #p, #d, #g, #k, #bias>),
            params: true,
        }),
        out: out.clone(),
        act,
        init: Some(init),
    };
    (Some(lowered), Some(out))
}
