//! Code generation from the lowered [`Network`]: one module per concern.
//!
//! - `types`: the struct, its traces, `zeros`/`new`, `Clone`, `Debug`.
//! - `forward`: one sample (no heap) and batches.
//! - `backward`: the lecture's delta recursion, one sample and batches.
//! - `params`: the parameter visitor, the `Network` impl, constants and `summary()`.
//! - `stub`: what is emitted beside the errors when a declaration is wrong.

mod backward;
pub mod embedded;
mod forward;
mod params;
mod stub;
mod types;

pub use stub::stub;

use crate::ir::{Act, ConstCheck, Layer, LayerKind, Network};
use proc_macro2::{Group, Ident, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};

pub fn generate(net: &Network) -> TokenStream {
    let types = types::generate(net);
    let forward = forward::generate(net);
    let backward = backward::generate(net);
    let params = params::generate(net);
    let checks = net.checks.iter().map(|c| match c {
        ConstCheck::Positive {
            value,
            message,
            span,
        } => quote_spanned! {*span=>
            const _: () = if (#value) == 0 {
                ::core::panic!("{}", #message)
            };
        },
        ConstCheck::Equal {
            expected,
            found,
            parts: [a, b, c],
            span,
        } => quote_spanned! {*span=>
            const _: () = if let ::core::option::Option::Some(message) =
                ::nn_core::__private::size_mismatch(#expected, #found, [#a, #b, #c])
            {
                ::core::panic!("{}", message.as_str())
            };
        },
    });
    quote! {
        #types
        #forward
        #backward
        #params
        #(#checks)*
    }
}

/// `tokens` with every span (also inside groups) set to `span`, so the compiler shows
/// `span` for the whole item (`quote_spanned!` leaves interpolated tokens as they were).
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tt| {
            if let TokenTree::Group(g) = &tt {
                let mut group = Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                tt = TokenTree::Group(group);
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}

/// `::nn_core::layer::Dense<T, IN, OUT>`.
fn layer_type(l: &Layer) -> TokenStream {
    let (i, o) = (l.inputs.tokens(), l.outputs.tokens());
    match l.kind {
        LayerKind::Dense => quote!(::nn_core::layer::Dense<T, #i, #o>),
        // Never a field: dropout owns no parameters.
        LayerKind::Dropout(_) => quote!(()),
    }
}

/// The activation as a value, or `None` for the identity (skipped entirely).
fn act_value(act: Act) -> Option<TokenStream> {
    Some(match act {
        Act::Identity => return None,
        Act::Relu => quote!(::nn_core::activation::Relu),
        Act::LeakyRelu(s) => quote!(::nn_core::activation::LeakyRelu::new_unchecked(#s)),
        Act::Sigmoid => quote!(::nn_core::activation::Sigmoid),
        Act::Tanh => quote!(::nn_core::activation::Tanh),
        Act::Softmax => quote!(::nn_core::activation::Softmax),
    })
}

/// `SVector<T, N>` for a size's tokens.
fn vector(size: &TokenStream) -> TokenStream {
    quote!(::nn_core::nalgebra::SVector<T, #size>)
}

/// `Batch<T, N>` for a size's tokens.
fn batch(size: &TokenStream) -> TokenStream {
    quote!(::nn_core::Batch<T, #size>)
}

/// Names of the generated companion types.
struct Names {
    trace: Ident,
    batch_trace: Ident,
}

fn names(net: &Network) -> Names {
    Names {
        trace: format_ident!("{}Trace", net.name),
        batch_trace: format_ident!("{}BatchTrace", net.name),
    }
}

/// Trace field names: the lecture's `z_l` and `x_l` of layer `name`, and its delta scratch.
/// For a dropout layer, the batch trace's mask instead.
fn z_field(l: &Layer) -> Ident {
    match l.kind {
        LayerKind::Dropout(_) => format_ident!("{}_mask", l.name),
        LayerKind::Dense => format_ident!("{}_z", l.name),
    }
}
fn x_field(l: &Layer) -> Ident {
    format_ident!("{}_x", l.name)
}
fn delta_field(l: &Layer) -> Ident {
    format_ident!("{}_delta", l.name)
}
