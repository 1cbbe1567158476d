//! What the image kinds share: reading a `C x H x W` input, whole-number and kernel-size
//! arguments, and the output size `(N + 2P - D(K-1) - 1)/S + 1` with its errors.

use super::Ctx;
use crate::args;
use crate::ast::Arg;
use crate::ir::Size;
use crate::parse::span_of;
use crate::validate::Errors;
use proc_macro2::{Delimiter, Span, TokenTree};

/// The input as `(C, H, W)` literals, or an error naming the layer.
pub fn chw(cx: &mut Ctx, kind: &str) -> Option<(usize, usize, usize)> {
    let dims = cx.input?;
    let known: Option<Vec<usize>> = dims.0.iter().map(Size::known).collect();
    match (dims.rank(), known.as_deref()) {
        (3, Some(&[c, h, w])) => Some((c, h, w)),
        (3, _) => {
            cx.errs.push(
                cx.decl.kind.span(),
                format!(
                    "`{}` is a `{kind}` layer, which needs the image size as integer literals, but {} {}",
                    cx.name,
                    cx.producer.gives(),
                    dims.display()
                ),
            );
            None
        }
        _ => {
            cx.errs.push(
                cx.decl.kind.span(),
                format!(
                    "`{}` is a `{kind}` layer, which takes a C x H x W image, but {} {}\n\nhelp: declare the input as an image, e.g. `input: [1, 28, 28]`",
                    cx.name,
                    cx.producer.gives(),
                    dims.display()
                ),
            );
            None
        }
    }
}

/// A whole-number argument written as an integer literal.
pub fn int(a: &Arg, what: &str, errs: &mut Errors) -> Option<usize> {
    match errs.ok(args::size(&a.value, what))? {
        Size::Lit(n, _) => Some(n),
        Size::Expr(..) => {
            errs.push(
                span_of(&a.value),
                format!("{what} must be an integer literal, found `{}`", a.value),
            );
            None
        }
    }
}

/// `true` or `false`.
pub fn flag(a: &Arg, what: &str, errs: &mut Errors) -> Option<bool> {
    match a.value.to_string().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        other => {
            errs.push(
                span_of(&a.value),
                format!("{what} is `true` or `false`, found `{other}`"),
            );
            None
        }
    }
}

/// A kernel or window size: `3` or `(3, 5)` (height, width).
pub fn pair(a: &Arg, what: &str, errs: &mut Errors) -> Option<(usize, usize)> {
    let trees: Vec<TokenTree> = a.value.clone().into_iter().collect();
    if let [TokenTree::Group(g)] = trees.as_slice() {
        if g.delimiter() == Delimiter::Parenthesis {
            let parts = args::split_commas(g.stream());
            if let [h, w] = parts.as_slice() {
                let arg = |t: &proc_macro2::TokenStream| Arg {
                    key: None,
                    value: t.clone(),
                    span: span_of(t),
                };
                let (h, w) = (int(&arg(h), what, errs), int(&arg(w), what, errs));
                return Some((h?, w?));
            }
            errs.push(
                g.span(),
                format!("{what} is one size or a `(height, width)` pair, found `{}`", a.value),
            );
            return None;
        }
    }
    int(a, what, errs).map(|k| (k, k))
}

/// The geometry of one axis, for [`out_size`].
pub struct Axis<'a> {
    /// "height" or "width".
    pub name: &'a str,
    pub n: usize,
    pub k: usize,
    pub stride: usize,
    pub pad: usize,
    pub dilation: usize,
}

/// `(N + 2P - D(K-1) - 1)/S + 1`, or an error at `span` when the kernel does not fit the
/// padded input, or (unless `floor`) when the stride does not divide evenly.
pub fn out_size(
    layer: &str,
    ax: Axis,
    floor: bool,
    kernel_span: Span,
    stride_span: Span,
    errs: &mut Errors,
) -> Option<usize> {
    let span_k = ax.dilation * (ax.k - 1) + 1;
    let padded = ax.n + 2 * ax.pad;
    if span_k > padded {
        let dilated = if ax.dilation > 1 {
            format!(" (dilated to {span_k})")
        } else {
            String::new()
        };
        errs.push(
            kernel_span,
            format!(
                "the kernel of `{layer}` is {}{dilated} along the {}, larger than its padded input {} ({} + 2·{})\n\nhelp: use a smaller kernel or more padding",
                ax.k, ax.name, padded, ax.n, ax.pad
            ),
        );
        return None;
    }
    let rest = padded - span_k;
    if rest % ax.stride != 0 && !floor {
        let exact = format!("{:.3}", rest as f64 / ax.stride as f64 + 1.0);
        let exact = exact.trim_end_matches('0');
        errs.push(
            stride_span,
            format!(
                "the {} of `{layer}` does not divide evenly: ({} + 2·{} - {span_k})/{} + 1 = {exact}, so the last {} input {} would be left out\n\nhelp: change the stride, padding or kernel, or write `floor = true` to round down as PyTorch does",
                ax.name,
                ax.n,
                ax.pad,
                ax.stride,
                rest % ax.stride,
                if ax.name == "height" { "rows" } else { "columns" },
            ),
        );
        return None;
    }
    Some(rest / ax.stride + 1)
}
