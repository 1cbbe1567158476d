//! `batch_norm`, `batch_norm(ACT)`, `batch_norm(C)` or `batch_norm(C, ACT)`: per-channel
//! batch normalization of a `C x H x W` image (or of each of `N` features of a flat vector),
//! then the activation. A channel count, as PyTorch's `BatchNorm2d(C)` takes, is checked
//! against the input.

use super::{tensor, Kind, Tensor};
use super::{Ctx, Lowered};
use crate::args;
use crate::ir::{Act, ConstCheck, Dims, InitKind, Layer, LayerKind, Size};
use crate::validate::{named, options};
use proc_macro2::{TokenStream, TokenTree};
use quote::quote;

/// `batch_norm`: `nn_core::layer::BatchNorm2d<T, C, HW>` over `C` channels of `HW`
/// positions each (a flat input: `C` features, `HW = 1`), or embedded `StaticBatchNorm2d`.
pub struct BatchNorm {
    /// The channels, the first of the input's dimensions.
    pub channels: Size,
    /// The input's other dimensions, whose product is `HW`.
    pub positions: Vec<Size>,
}

impl BatchNorm {
    /// `HW` as a const argument.
    fn hw(&self) -> TokenStream {
        let rest = self.positions.iter().map(Size::tokens);
        quote!({ 1 #(* #rest)* })
    }
}

impl Kind for BatchNorm {
    fn name(&self) -> &'static str {
        "batch_norm"
    }

    fn trainable(&self, t: &TokenStream) -> TokenStream {
        let c = self.channels.tokens();
        let hw = if self.positions.is_empty() {
            quote!(1)
        } else {
            self.hw()
        };
        quote!(::nn_core::layer::BatchNorm2d<#t, #c, #hw>)
    }

    fn batch_statistics(&self) -> bool {
        true
    }

    fn tensors(&self, _: &Layer, _: bool) -> Option<Vec<Tensor>> {
        // As `BatchNorm2d` saves them (PyTorch's names): γ, β, then the two buffers.
        let t = |s| tensor(s, &[&self.channels], None);
        Some(vec![
            t("weight"),
            t("bias"),
            t("running_mean"),
            t("running_var"),
        ])
    }

    fn shape_hint(&self, l: &Layer, suffix: &str, found: &[usize]) -> Option<String> {
        match (suffix, found) {
            ("weight", [c]) => Some(format!(
                "\n\nhelp: the file's `{}` normalizes {c} channels",
                l.name
            )),
            _ => None,
        }
    }

    fn embedded_type(&self, _: &Layer, t: &TokenStream, _: bool) -> TokenStream {
        let (c, hw) = (self.channels.tokens(), self.hw());
        quote!(::nn_core::embed::StaticBatchNorm2d<#t, #c, #hw>)
    }

    fn embedded_value(&self, views: Vec<TokenStream>, _: bool) -> TokenStream {
        // `weight`, `bias`, `running_mean`, `running_var`, in `tensors`' order.
        quote!(::nn_core::embed::StaticBatchNorm2d::new(#(#views),*))
    }

    fn embedded_parameters(&self, _: &Layer) -> TokenStream {
        // γ, β and the two running statistics, as the trainable network counts them.
        let c = self.channels.tokens();
        quote!(4 * (#c))
    }
}

/// Whether an argument is an activation (`relu`, `leaky_relu(0.2)`, or a misspelled one,
/// which `options::activation` names) rather than a channel count (`16`, `C`, `{ 2 * C }`):
/// activations are lowercase words, `const` names and size parameters uppercase.
fn is_activation(value: &TokenStream) -> bool {
    matches!(value.clone().into_iter().next(), Some(TokenTree::Ident(i))
        if i.to_string().starts_with(|c: char| c.is_ascii_lowercase()))
}

pub fn lower(cx: &mut Ctx) -> (Option<Lowered>, Option<Dims>) {
    let (layer, name) = (cx.decl, cx.name.clone());
    let mut act = Some(Act::Identity);
    let mut args = layer.args.iter().peekable();
    // A first argument that is no activation is the channel count: a literal, a `const`
    // name or a size parameter.
    let channels = args
        .next_if(|a| a.key.is_none() && !is_activation(&a.value))
        .and_then(|a| {
            cx.errs.ok(args::size(
                &a.value,
                &format!("the channel count of `{name}`"),
            ))
        });
    for (i, a) in args.enumerate() {
        if a.key.is_some() || i > 0 {
            cx.errs.push(
                a.span,
                format!(
                    "`batch_norm` takes a channel count and an activation, both optional: `{name}: batch_norm(relu)` or `{name}: batch_norm(16, relu)`"
                ),
            );
            act = None;
        } else {
            act = options::activation(&name, a, cx.errs);
        }
    }
    let Some(dims) = cx.input.cloned() else {
        return (None, None);
    };
    let what = if dims.rank() == 1 {
        "features"
    } else {
        "channels"
    };
    let given = channels.as_ref().map(|c| (c.known(), c));
    match given.map(|(k, c)| (k, dims.0[0].known(), c)) {
        None => {}
        Some((Some(given), Some(c), channels)) if given != c => {
            let span = channels.span();
            cx.errs.push(
                span,
                format!(
                    "`{name}` is given {given} {what}, but {} {c} ({})\n\nhelp: write `batch_norm({c})`, or leave the count out (`batch_norm`): it is taken from the input",
                    cx.producer.gives(),
                    dims.display()
                ),
            );
            act = None;
        }
        Some((Some(_), Some(_), _)) => {}
        Some((.., channels)) => cx.checks.push(ConstCheck::Equal {
            expected: channels.tokens(),
            found: dims.0[0].tokens(),
            parts: [
                format!("`{name}` is given {}", named(channels)),
                format!(" {what}, but {} {}", cx.producer.gives(), named(&dims.0[0])),
                match dims.rank() {
                    1 => String::new(),
                    _ => format!(" ({})", dims.display()),
                } + "\n\nhelp: leave the count out (`batch_norm`): it is taken from the input",
            ],
            span: channels.span(),
        }),
    }
    let Some(act) = act else {
        return (None, Some(dims));
    };
    let lowered = Lowered {
        kind: LayerKind::Op(Box::new(BatchNorm {
            channels: dims.0[0].clone(),
            positions: dims.0[1..].to_vec(),
        })),
        out: dims.clone(),
        act,
        init: Some(InitKind::LeCun),
    };
    (Some(lowered), Some(dims))
}
