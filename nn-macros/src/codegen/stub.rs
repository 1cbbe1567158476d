//! What is emitted beside the errors of a wrong declaration, so code that uses the network
//! does not fail again.
//!
//! Validation gives a stand-in network
//! (`validate::Failed::standin`) and the ordinary code generator emits it: every method and
//! trait impl a valid declaration has, with the same signatures. An embedded declaration's
//! stand-in is [`embedded_standin`]: its constants, `new` and `forward`, over no file. A size
//! the mistake hides is `crate::unknown`'s constant, which holds the first error.

use super::{input_param, src_size};
use crate::ir::{Network, Src};
use proc_macro2::{TokenStream, TokenTree};
use quote::quote;
use syn::Ident;

/// The surface of an embedded network (`#[weights = "..."]`) whose declaration or file has a
/// mistake: the constants, `new`, `Default` and `forward` with the signature the valid
/// declaration would have (`f32` unless the file holds `F64` tensors), over no file. Where
/// the sizes at its ends name a size parameter (which an embedded network cannot take),
/// `forward` is generic over it, so the compiler infers it from the caller's vectors, and a
/// constant that would name one is left out.
pub fn embedded_standin(net: &Network, scalar: &TokenStream) -> TokenStream {
    let params = &net.params;
    let (attrs, vis, name) = (&net.attrs, &net.vis, &net.name);
    let in_sizes: Vec<_> = (0..net.inputs.len())
        .map(|i| src_size(net, Src::Input(i)))
        .collect();
    let out_sizes: Vec<_> = net.outputs.iter().map(|s| src_size(net, *s)).collect();
    let (in_t, out_t) = (&in_sizes[0], out_sizes.first().unwrap_or(&in_sizes[0]));
    let named: Vec<&Ident> = params
        .iter()
        .filter(|p| in_sizes.iter().chain(&out_sizes).any(|s| mentions(s, p)))
        .collect();
    let fixed = |s: &TokenStream| !params.iter().any(|p| mentions(s, p));
    let konst = |what: TokenStream, ok: bool| ok.then_some(what);
    let consts = [
        konst(quote!(#vis const INPUTS: usize = #in_t;), fixed(in_t)),
        konst(quote!(#vis const OUTPUTS: usize = #out_t;), fixed(out_t)),
        konst(
            quote!(#vis const INPUT_SIZES: &'static [usize] = &[#(#in_sizes),*];),
            in_sizes.iter().all(fixed),
        ),
        konst(
            quote!(#vis const OUTPUT_SIZES: &'static [usize] = &[#(#out_sizes),*];),
            out_sizes.iter().all(fixed),
        ),
    ];
    let consts = consts.iter().flatten();
    let params = (0..net.inputs.len()).map(|i| {
        let (p, n) = (input_param(net, i), &in_sizes[i]);
        quote!(#p: &::nn_core::nalgebra::SVector<#scalar, #n>)
    });
    let outs: Vec<_> = out_sizes
        .iter()
        .map(|n| quote!(::nn_core::nalgebra::SVector<#scalar, #n>))
        .collect();
    let output = super::tuple(&outs);
    let generics = (!named.is_empty()).then(|| quote!(<#(const #named: usize),*>));
    quote! {
        #(#attrs)*
        #[derive(Clone, Copy, Debug)]
        #vis struct #name;

        #[allow(dead_code, unused_variables)]
        impl #name {
            #(#consts)*
            #vis const PARAMETERS: usize = 0;
            #vis const fn new() -> Self {
                #name
            }
            #vis fn forward #generics (&self, #(#params),*) -> #output {
                ::core::unreachable!()
            }
        }

        impl ::core::default::Default for #name {
            fn default() -> Self {
                Self::new()
            }
        }
    }
}

/// Whether `tokens` name `p`.
fn mentions(tokens: &TokenStream, p: &Ident) -> bool {
    tokens.clone().into_iter().any(|t| match t {
        TokenTree::Ident(i) => i == *p,
        TokenTree::Group(g) => mentions(&g.stream(), p),
        _ => false,
    })
}
