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
use proc_macro2::TokenStream;
use quote::quote;

/// The surface of an embedded network (`#[weights = "..."]`) whose declaration or file has a
/// mistake: the constants, `new`, `Default` and `forward` with the signature the valid
/// declaration would have (`f32` unless the file holds `F64` tensors), over no file. `net`
/// has no size parameters (see `crate::unknown::without_params`).
pub fn embedded_standin(net: &Network, scalar: &TokenStream) -> TokenStream {
    let (attrs, vis, name) = (&net.attrs, &net.vis, &net.name);
    let in_sizes: Vec<_> = (0..net.inputs.len())
        .map(|i| src_size(net, Src::Input(i)))
        .collect();
    let out_sizes: Vec<_> = net.outputs.iter().map(|s| src_size(net, *s)).collect();
    let (in_t, out_t) = (&in_sizes[0], out_sizes.first().unwrap_or(&in_sizes[0]));
    let params = (0..net.inputs.len()).map(|i| {
        let (p, n) = (input_param(net, i), &in_sizes[i]);
        quote!(#p: &::nn_core::nalgebra::SVector<#scalar, #n>)
    });
    let outs: Vec<_> = out_sizes
        .iter()
        .map(|n| quote!(::nn_core::nalgebra::SVector<#scalar, #n>))
        .collect();
    let output = super::tuple(&outs);
    quote! {
        #(#attrs)*
        #[derive(Clone, Copy, Debug)]
        #vis struct #name;

        #[allow(dead_code, unused_variables)]
        impl #name {
            #vis const INPUTS: usize = #in_t;
            #vis const OUTPUTS: usize = #out_t;
            #vis const INPUT_SIZES: &'static [usize] = &[#(#in_sizes),*];
            #vis const OUTPUT_SIZES: &'static [usize] = &[#(#out_sizes),*];
            #vis const PARAMETERS: usize = 0;
            #vis const fn new() -> Self {
                #name
            }
            #vis fn forward(&self, #(#params),*) -> #output {
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
