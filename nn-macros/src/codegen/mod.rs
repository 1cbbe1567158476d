//! Code generation from the lowered [`Network`]: one module per concern.
//!
//! Each generator writes its code whole from the IR, and nothing rewrites tokens afterwards:
//! layer types come from their kind over the scalar they are given (`Kind::trainable(t)`:
//! `T`, or `f32` in `const` items), the generic lists of every type and `impl` from
//! [`Network::generics`] (size parameters, then the scalar), sizes as const arguments from
//! `Size::tokens` (a literal, or one brace block). A network embedded from a weights file
//! gets its scalar from the checked layout, its stand-in's from `validate::weights::File`;
//! no generator reads a file.
//!
//! - `types`: the struct, its traces, `zeros`/`new`, `Clone`, `Debug`.
//! - `forward`: one sample (no heap) and batches, in declaration order.
//! - `workspace`: the one-sample `forward` over a workspace planned at compile time.
//! - `trace_ws`, `backward_ws`: the one-sample trace and backward over workspaces (on the
//!   heap for a network too large for the stack).
//! - `backward`: the backward chain rule in reverse order, one sample and batches; a node
//!   read by several children receives the sum of their gradients.
//! - `tangent`: the forward chain rule (Jacobian-vector products) and the input Jacobian.
//! - `join`: the per-join code the three passes share.
//! - `params`: the parameter visitor, the `Network` impls, constants and `summary()`.
//! - `generics`: the generics of the generated types, size parameters before the scalar.
//! - `stub`: what is emitted beside the errors when a declaration is wrong.
//! - `embedded`, `embedded_forward`: a network declared with `#[weights = "..."]` instead:
//!   the file's tensors checked, `static` layers, and a forward over reused stack buffers
//!   (joins from `join`).

mod backward;
mod backward_ws;
pub mod embedded;
mod embedded_forward;
mod forward;
pub mod generics;
mod graph;
mod join;
mod params;
mod stub;
mod tangent;
pub mod tfl;
pub mod tfl_plan;
pub mod tfl_surface;
mod trace_ws;
mod types;
mod workspace;

pub use stub::embedded_standin;

use crate::ir::{Act, ConstCheck, Layer, Network, Src};
use proc_macro2::{Group, Ident, Span, TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};

pub fn generate(net: &Network) -> TokenStream {
    let types = types::generate(net);
    let forward = forward::generate(net);
    let backward = backward::generate(net);
    let backward_ws = backward_ws::generate(net);
    let tangent = tangent::generate(net);
    let params = params::generate(net);
    let graph = graph::generate(net);
    let checks = net.checks.iter().map(|c| match c {
        // Emitted in the `impl` (see `types`), where the parameters are in scope.
        ConstCheck::ParamPositive { .. } => TokenStream::new(),
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
        #backward_ws
        #tangent
        #params
        #graph
        #(#checks)*
    }
}

/// `tokens` with every span (also inside groups) located at `span`, so the compiler shows
/// `span` for the whole item (`quote_spanned!` leaves interpolated tokens as they were).
/// Only the location moves: names keep the macro's call-site hygiene, so `self` and the
/// parameters still match the body's when `network!` is expanded inside a `macro_rules!`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    let span = Span::call_site().located_at(span);
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

/// A source's flat size as tokens.
fn src_size(net: &Network, s: Src) -> TokenStream {
    net.dims(s).flat().tokens()
}

/// `<Ty as Op<T, {IN}, {OUT}>>` (or `BatchOp`) for a layer with an `Op` type.
fn op_trait(l: &Layer, batch: bool) -> TokenStream {
    let (i, o) = (l.inputs.tokens(), l.outputs.tokens());
    let ty = l.op().map(|o| o.trainable(&quote!(T))).unwrap_or_default();
    if batch {
        quote!(<#ty as ::nn_core::layer::BatchOp<T, #i, #o>>)
    } else {
        quote!(<#ty as ::nn_core::layer::Op<T, #i, #o>>)
    }
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

/// The parameter name of input `i` in generated signatures: `x` for the single `input`,
/// the input's own name otherwise.
fn input_param(net: &Network, i: usize) -> Ident {
    let name = &net.inputs[i].name;
    if net.inputs.len() == 1 && name == "input" {
        format_ident!("x")
    } else {
        // The macro's own hygiene at the name's location, as every generated name has:
        // inside a `macro_rules!` the user's tokens carry another context.
        Ident::new(&name.to_string(), Span::call_site().located_at(name.span()))
    }
}

/// The one-sample backward's output-gradient parameters: their names and their
/// declarations (`dl_df: &SVector<T, N>`, one per output), as `backward` and `backward_in`
/// both take them.
fn output_grad_params(net: &Network) -> (Vec<Ident>, Vec<TokenStream>) {
    let names: Vec<_> = (0..net.outputs.len())
        .map(|k| output_grad_param(net, k))
        .collect();
    let params = net
        .outputs
        .iter()
        .zip(&names)
        .map(|(s, g)| {
            let v = vector(&src_size(net, *s));
            quote!(#g: &#v)
        })
        .collect();
    (names, params)
}

/// The parameter name of output `k`'s loss gradient: `dl_df`, or `dl_d<name>` when there
/// are several outputs.
fn output_grad_param(net: &Network, k: usize) -> Ident {
    if net.outputs.len() == 1 {
        format_ident!("dl_df")
    } else {
        format_ident!("dl_d{}", net.src_name(net.outputs[k]))
    }
}

/// A list as one expression: the value itself when there is one, a tuple otherwise.
fn tuple(items: &[TokenStream]) -> TokenStream {
    match items {
        [one] => one.clone(),
        _ => quote!((#(#items),*)),
    }
}

/// Trace field names: the lecture's `z_l` and `x_l` of layer `name`, its cache, its delta
/// (`dℓ/dx_l`, then `δ_l`), a scratch buffer for further gradient contributions, and a
/// dropout layer's mask.
fn field(l: &Layer, what: &str) -> Ident {
    format_ident!("{}_{}", l.name, what)
}

/// The gradient buffer of a source in the batch trace: a node's delta or an input's grad.
fn grad_field(net: &Network, s: Src) -> Ident {
    match s {
        Src::Input(i) => format_ident!("{}_grad", net.inputs[i].name),
        Src::Node(j) => field(&net.layers[j], "delta"),
    }
}

/// The scratch buffer for a source's further gradient contributions.
fn acc_field(net: &Network, s: Src) -> Ident {
    format_ident!("{}_acc", net.src_name(s))
}

/// Whether a source receives more than one gradient contribution (and so needs scratch).
fn needs_acc(net: &Network, s: Src) -> bool {
    let out = matches!(s, Src::Node(_)) && net.outputs.contains(&s);
    net.children(s).len() + usize::from(out) > 1
}
