//! `conv2d(F, K, ACT, stride = S, pad = P, dilation = D, groups = G, bias = false,
//! floor = true, init = INIT)`: `F` filters of `K x K` (or `(KH, KW)`) over a `C x H x W`
//! image, giving `F x OH x OW`.
//!
//! `pad = valid` is `pad = 0`; `pad = same` is TensorFlow's SAME, `OH = ceil(H / S)` with the
//! padding `max((OH - 1)·S + D(K-1) + 1 - H, 0)` in all, accepted where it splits evenly
//! between both sides (the only padding `Conv2d` has), as it does for odd kernels at stride 1.

use super::image;
use super::{tensor, Ctx, Kind, Lowered, Tensor};
use crate::ast::Arg;
use crate::ir::{Act, Dims, InitKind, Layer, LayerKind, Size};
use crate::parse::span_of;
use crate::suggest;
use crate::validate::options;
use proc_macro2::{Literal, TokenStream};
use quote::{quote, ToTokens};

/// `conv2d`: `nn_core::layer::Conv2d<T, C, H, W, F, KH, KW, S, P, D, G, K, BIAS>`, or
/// embedded `StaticConv2d` (`StaticQConv2d` when the file holds it in int8).
pub struct Conv2d {
    /// `C, H, W, F, KH, KW, S, P, D, G, K` with `K = C/G·KH·KW`, the type's const arguments.
    pub sizes: [usize; 11],
    pub bias: bool,
}

impl Kind for Conv2d {
    fn name(&self) -> &'static str {
        "conv2d"
    }

    fn trainable(&self, t: &TokenStream) -> TokenStream {
        let sizes = self.sizes.map(Literal::usize_unsuffixed);
        let bias = self.bias;
        quote!(::nn_core::layer::Conv2d<#t, #(#sizes,)* #bias>)
    }

    fn quantizable(&self) -> bool {
        true
    }

    fn tensors(&self, l: &Layer, quantized: bool) -> Option<Vec<Tensor>> {
        // PyTorch's `weight` (F, C/G, kh, kw) and `bias` (F); int8 adds the scales.
        let [c, _, _, f, kh, kw, _, _, _, g, _] = self.sizes;
        let lit = |n| Size::Lit(n, l.name.span());
        let (f, cg, kh, kw, one) = (lit(f), lit(c / g), lit(kh), lit(kw), lit(1));
        let (float, int8) = (None, Some("F32"));
        let mut t = if quantized {
            vec![
                tensor("weight", &[&f, &cg, &kh, &kw], Some("I8")),
                tensor("weight_scale", &[&f], int8),
                tensor("input_scale", &[&one], int8),
            ]
        } else {
            vec![tensor("weight", &[&f, &cg, &kh, &kw], float)]
        };
        if self.bias {
            t.push(tensor("bias", &[&f], if quantized { int8 } else { float }));
        }
        Some(t)
    }

    fn shape_hint(&self, l: &Layer, suffix: &str, found: &[usize]) -> Option<String> {
        match (suffix, found) {
            ("weight", [f, c, kh, kw]) => Some(format!(
                "\n\nhelp: the file's `{}` has {f} filters of {kh}x{kw} over {c} input channels (per group)",
                l.name
            )),
            _ => None,
        }
    }

    fn embedded_type(&self, _: &Layer, t: &TokenStream, quantized: bool) -> TokenStream {
        let sizes = self.sizes.map(Literal::usize_unsuffixed);
        if quantized {
            quote!(::nn_core::embed::StaticQConv2d<#(#sizes),*>)
        } else {
            quote!(::nn_core::embed::StaticConv2d<#t, #(#sizes),*>)
        }
    }

    fn embedded_value(&self, mut views: Vec<TokenStream>, quantized: bool) -> TokenStream {
        // The bias comes last in `tensors` and is optional.
        let b = match self.bias.then(|| views.pop()).flatten() {
            Some(b) => quote!(::core::option::Option::Some(#b)),
            None => quote!(::core::option::Option::None),
        };
        if quantized {
            let [w, s, a] = &views[..] else {
                return quote!(());
            };
            quote!(::nn_core::embed::StaticQConv2d::new(#w, #s, #b, #a))
        } else {
            quote!(::nn_core::embed::StaticConv2d::new(#(#views,)* #b))
        }
    }

    fn embedded_parameters(&self, _: &Layer) -> TokenStream {
        let (f, k) = (self.sizes[3], self.sizes[10]);
        Literal::usize_unsuffixed(f * k + usize::from(self.bias) * f).into_token_stream()
    }
}

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
    let mut same: Option<proc_macro2::Span> = None;
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
            "pad" | "padding" => match a.value.to_string().as_str() {
                "valid" => pad = Some(0),
                "same" => same = Some(span_of(&a.value)),
                _ => pad = image::int(a, &what, errs),
            },
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
    let (p, floor) = match same {
        None => (p, floor),
        Some(span) => match same_pad(&name, (h, w), (kh, kw), s, d, span, errs) {
            Some(p) => (p, true),
            None => return (None, None),
        },
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
    let lowered = Lowered {
        kind: LayerKind::Op(Box::new(Conv2d {
            sizes: [c, h, w, f, kh, kw, s, p, d, g, c / g * kh * kw],
            bias,
        })),
        out: out.clone(),
        act,
        init: Some(init),
    };
    (Some(lowered), Some(out))
}

/// TensorFlow's SAME padding of one side, `max((ceil(N / S) - 1)·S + D(K-1) + 1 - N, 0) / 2`,
/// or an error at `span` when it does not split evenly or differs between height and width.
fn same_pad(
    name: &str,
    (h, w): (usize, usize),
    (kh, kw): (usize, usize),
    s: usize,
    d: usize,
    span: proc_macro2::Span,
    errs: &mut crate::validate::Errors,
) -> Option<usize> {
    let total = |n: usize, k: usize| ((n.div_ceil(s) - 1) * s + d * (k - 1) + 1).saturating_sub(n);
    let (th, tw) = (total(h, kh), total(w, kw));
    let axes = if (h, kh) == (w, kw) {
        vec![(th, "height and width")]
    } else {
        vec![(th, "height"), (tw, "width")]
    };
    if let Some((t, axis)) = axes.into_iter().find(|(t, _)| t % 2 == 1) {
        errs.push(
            span,
            format!(
                "`pad = same` pads the {axis} of `{name}` by {t} in all, {} before and {} after as TensorFlow does, but `conv2d` pads both sides equally\n\nhelp: an odd kernel at stride 1 pads both sides alike; or give the padding as a number, as PyTorch does: `pad = {}`",
                t / 2,
                t / 2 + 1,
                t / 2
            ),
        );
        return None;
    }
    if th != tw {
        errs.push(
            span,
            format!(
                "`pad = same` pads the height of `{name}` by {} and its width by {} on each side, but `conv2d` takes one padding for both\n\nhelp: give the padding as a number: `pad = {}`",
                th / 2,
                tw / 2,
                th / 2
            ),
        );
        return None;
    }
    Some(th / 2)
}

#[cfg(test)]
mod tests {
    use super::same_pad;
    use crate::validate::Errors;
    use proc_macro2::Span;

    /// One side's SAME padding, or the error's text.
    fn same(n: usize, k: usize, s: usize, d: usize) -> Result<usize, String> {
        let mut errs = Errors::default();
        same_pad("c", (n, n), (k, k), s, d, Span::call_site(), &mut errs).ok_or_else(|| {
            errs.into_result(())
                .err()
                .map(|e| e[0].to_string())
                .unwrap_or_default()
        })
    }

    #[test]
    fn same_padding_is_tensorflows_where_it_splits_evenly() {
        // Total padding max((ceil(n/s) - 1)s + d(k-1) + 1 - n, 0), half on each side.
        assert_eq!(same(28, 3, 1, 1), Ok(1));
        assert_eq!(same(28, 5, 1, 1), Ok(2));
        assert_eq!(same(28, 3, 1, 2), Ok(2));
        assert_eq!(same(28, 4, 2, 1), Ok(1));
        assert_eq!(same(28, 1, 2, 1), Ok(0));
        assert_eq!(same(7, 3, 3, 1), Ok(1)); // out 3: 2·3 + 3 - 7 = 2
        let e = same(28, 4, 1, 1).unwrap_err();
        assert!(e.contains("by 3 in all, 1 before and 2 after"), "{e}");
        assert!(e.contains("`pad = 1`"), "{e}");
    }
}
