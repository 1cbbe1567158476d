//! What the image kinds share: reading a `C x H x W` input, whole-number and kernel-size
//! arguments, and the output size `(N + 2P - D(K-1) - 1)/S + 1` with its errors.

use super::Ctx;
use crate::args;
use crate::ast::Arg;
use crate::ir::Size;
use crate::parse::span_of;
use crate::validate::{Errors, Producer};
use proc_macro2::{Delimiter, Span, TokenTree};

/// The input as `(C, H, W)` literals, or an error naming the layer.
pub fn chw(cx: &mut Ctx, kind: &str) -> Option<(usize, usize, usize)> {
    let dims = cx.input?;
    let known: Option<Vec<usize>> = dims.0.iter().map(Size::known).collect();
    match (dims.rank(), known.as_deref()) {
        (3, Some(&[h, w, c]))
            if h == w
                && h > 4
                && matches!(c, 1 | 3 | 4)
                && !matches!(cx.producer, Producer::Layer(_)) =>
        {
            // `[28, 28, 1]`: TensorFlow's channels-last order.
            let span = dims.0[0].span();
            cx.errs.push(
                span.join(dims.0[2].span()).unwrap_or(span),
                format!(
                    "`{}` would read {}, `[{h}, {w}, {c}]`, as {h} channels of {w}x{c} images: image layers take channels first, `[C, H, W]`\n\nhelp: write `[{c}, {h}, {w}]`, and give each sample channel by channel (PyTorch's order)",
                    cx.name,
                    cx.producer.name(),
                ),
            );
            None
        }
        (3, Some(&[c, h, w])) => Some((c, h, w)),
        (3, _) => {
            cx.errs.push(
                cx.decl.kind.span(),
                format!(
                    "`{}` is {} `{kind}` layer, which needs the image size as integer literals, but {} {}",
                    cx.name,
                    crate::suggest::article(kind),
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
                    "`{}` is {} `{kind}` layer, which takes a C x H x W image, but {} {}\n\nhelp: declare the input as an image, e.g. `input: [1, 28, 28]`",
                    cx.name,
                    crate::suggest::article(kind),
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
                format!(
                    "{what} must be an integer literal, found `{}`\n\nhelp: the macro computes the layer's output shape from it while expanding, so it needs the number itself: it cannot evaluate a `const` name or a size parameter",
                    a.value
                ),
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
                format!(
                    "{what} is one size or a `(height, width)` pair, found `{}`",
                    a.value
                ),
            );
            return None;
        }
    }
    int(a, what, errs).map(|k| (k, k))
}

/// The geometry of one axis (or of both, when they agree), for [`out_size`].
pub struct Axis<'a> {
    /// "height", "width" or "height and width".
    pub name: &'a str,
    pub n: usize,
    pub k: usize,
    pub stride: usize,
    pub pad: usize,
    pub dilation: usize,
}

/// The output height and width, `(N + 2P - D(K-1) - 1)/S + 1` each; one error for both axes
/// when they have the same sizes and the same mistake.
#[allow(clippy::too_many_arguments)]
pub fn out_hw(
    layer: &str,
    (h, w): (usize, usize),
    (kh, kw): (usize, usize),
    (stride, pad, dilation): (usize, usize, usize),
    floor: bool,
    kernel_span: Span,
    stride_span: Span,
    errs: &mut Errors,
) -> Option<(usize, usize)> {
    let axis = |name, n, k| Axis {
        name,
        n,
        k,
        stride,
        pad,
        dilation,
    };
    if (h, kh) == (w, kw) {
        let o = out_size(
            layer,
            axis("height and width", h, kh),
            floor,
            kernel_span,
            stride_span,
            errs,
        )?;
        return Some((o, o));
    }
    let oh = out_size(
        layer,
        axis("height", h, kh),
        floor,
        kernel_span,
        stride_span,
        errs,
    );
    let ow = out_size(
        layer,
        axis("width", w, kw),
        floor,
        kernel_span,
        stride_span,
        errs,
    );
    Some((oh?, ow?))
}

/// `(N + 2P - D(K-1) - 1)/S + 1`, or an error at `span` when the kernel does not fit the
/// padded input, or (unless `floor`) when the stride does not divide evenly.
fn out_size(
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
                "the kernel of `{layer}` spans {}{dilated} along the {}, more than its padded input, {} + 2·{} = {padded}\n\nhelp: use a smaller kernel or more padding",
                ax.k, ax.name, ax.n, ax.pad
            ),
        );
        return None;
    }
    let rest = padded - span_k;
    if !rest.is_multiple_of(ax.stride) && !floor {
        let exact = format!("{:.3}", rest as f64 / ax.stride as f64 + 1.0);
        let exact = exact.trim_end_matches('0');
        let left = rest % ax.stride;
        let what = match ax.name {
            "height" => "row",
            "width" => "column",
            _ => "row and column",
        };
        let lost = if left == 1 {
            format!("the last input {what}")
        } else {
            format!("the last {left} input {what}s")
        };
        errs.push(
            stride_span,
            format!(
                "`{layer}` does not divide its {} evenly: ({} + 2·{} - {span_k})/{} + 1 = {exact}, so {lost} would be left out\n\nhelp: change the stride, padding or kernel, or write `floor = true` to round down as PyTorch does",
                ax.name, ax.n, ax.pad, ax.stride,
            ),
        );
        return None;
    }
    Some(rest / ax.stride + 1)
}
