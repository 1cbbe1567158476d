//! A network embedded from a weights file (`#[weights = "..."]`): an inference-only struct
//! whose layers view `static` bytes (`dense` and `conv2d` layers, float or int8; `lstm`,
//! `gru`, `rnn` layers, stacked, bidirectional and with `reset_after = false` too,
//! `batch_norm` layers, float, and `custom(Type)` layers, their tensors viewed as slices).
//!
//! The file was checked against the declaration by `validate::weights` (each layer's kind
//! says which tensors it reads, `Kind::tensors`), which gives the [`Layout`]: the scalar
//! and each tensor's offset. The file is embedded once with `include_bytes!` in an aligned
//! static, and each layer's field views its tensors there (`Kind::embedded_type`,
//! `Kind::embedded_value`); the forward drives every field through
//! `nn_core::embed::Infer`, and kinds without parameters (`flatten`, pooling) through their
//! own `Op` on a zero-sized value.
//!
//! Any graph embeds: layers applied to any earlier node, joins (`add`, `mul`, `concat`,
//! `dueling`, which have no tensors), several inputs and outputs. The forward
//! (`embedded_forward`) has the trainable network's signature, one `&SVector` argument per
//! input in declaration order and one vector or a tuple of them in `output` order, and keeps
//! each node's output in a stack buffer reused once its last reader has run.

use super::embedded_forward::Forward;
use super::src_size;
use crate::ir::{Layer, Network, Src};
use crate::validate::weights::Layout;
use crate::weights::WeightsAttr;
use proc_macro2::{Literal, TokenStream};
use quote::quote;

/// The embedded network, from a [`Layout`] checked by `validate::weights::check`.
pub fn generate(net: &Network, attr: &WeightsAttr, layout: &Layout) -> TokenStream {
    let (attrs, vis, name) = (&net.attrs, &net.vis, &net.name);
    let t = &layout.scalar;
    let in_sizes: Vec<_> = (0..net.inputs.len())
        .map(|i| src_size(net, Src::Input(i)))
        .collect();
    let out_sizes: Vec<_> = net.outputs.iter().map(|s| src_size(net, *s)).collect();
    let (in_t, out_t) = (&in_sizes[0], out_sizes.first().unwrap_or(&in_sizes[0]));
    let Forward {
        params: inputs,
        output,
        body,
    } = super::embedded_forward::generate(net, t);
    let with_params: Vec<&Layer> = net.layers.iter().filter(|l| l.has_params()).collect();
    let is_quantized = |l: &Layer| {
        let j = net.layers.iter().position(|m| m.name == l.name);
        j.is_some_and(|j| layout.quantized[j])
    };
    let fields = with_params.iter().map(|l| {
        let ty = l.op().map(|k| k.embedded_type(l, t, is_quantized(l)));
        let f = &l.name;
        let doc = format!("`{}`, embedded.", l.name);
        quote!(#[doc = #doc] pub #f: #ty)
    });
    let values = net
        .layers
        .iter()
        .zip(layout.offsets.iter().zip(&layout.elements))
        .filter(|(l, _)| l.has_params())
        .map(|(l, (o, n))| {
            let slices = l.op().is_some_and(|k| k.views_as_slices());
            let views = o.iter().zip(n).map(|(&o, &n)| {
                let (o, n) = (Literal::usize_unsuffixed(o), Literal::usize_unsuffixed(n));
                if slices {
                    quote!(::nn_core::embed::view_slice(&__NN_WEIGHTS_FILE, #o, #n))
                } else {
                    quote!(::nn_core::embed::view(&__NN_WEIGHTS_FILE, #o))
                }
            });
            let v = l
                .op()
                .map(|k| k.embedded_value(views.collect(), is_quantized(l)));
            let f = &l.name;
            quote!(#f: #v)
        });
    let params = with_params
        .iter()
        .filter_map(|l| l.op().map(|k| k.embedded_parameters(l)));

    // The file the header was read from (relative to `CARGO_MANIFEST_DIR` or `OUT_DIR`).
    let include = attr.include();
    let len = Literal::usize_unsuffixed(layout.file_len);
    let checks = &layout.checks;
    let doc = format!(
        "The network with the parameters of `{}`, embedded at compile time (no copy, no heap).",
        attr.path
    );

    quote! {
        #(#attrs)*
        #[derive(Clone, Copy, Debug)]
        #vis struct #name {
            #(#fields,)*
        }

        impl #name {
            /// The number of input values (of the first input).
            #vis const INPUTS: usize = #in_t;
            /// The number of output values (of the first output).
            #vis const OUTPUTS: usize = #out_t;
            /// The number of values of each input, in declaration order.
            #vis const INPUT_SIZES: &'static [usize] = &[#(#in_sizes),*];
            /// The number of values of each output, in `output` order.
            #vis const OUTPUT_SIZES: &'static [usize] = &[#(#out_sizes),*];
            /// Number of scalar parameters (all in `static` data).
            #vis const PARAMETERS: usize = 0 #(+ #params)*;
            const __EMBEDDED: Self = {
                static __NN_WEIGHTS_FILE: ::nn_core::embed::Aligned<[u8; #len]> =
                    ::nn_core::embed::Aligned(*::core::include_bytes!(#include));
                #name { #(#values,)* }
            };

            #[doc = #doc]
            #vis const fn new() -> Self {
                Self::__EMBEDDED
            }

            /// The network's outputs for one sample (one argument per input); allocates
            /// nothing.
            #[allow(clippy::let_and_return)]
            #vis fn forward(&self, #(#inputs),*) -> #output {
                // The scalar of the weights file, under the name the layer types use.
                #[allow(non_camel_case_types, dead_code)]
                type T = #t;
                #body
            }
        }

        impl ::core::default::Default for #name {
            fn default() -> Self {
                Self::new()
            }
        }

        #(#checks)*
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::validate;

    #[test]
    fn an_absolute_path_is_embedded_as_it_is() {
        let file = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/sine_1_16_16_1.safetensors"
        );
        let net = validate(syn::parse_quote! {
            struct Sine { input: 1, fc1: dense(16, relu), fc2: dense(16, relu), fc3: dense(1) }
        })
        .unwrap_or_else(|_| panic!("valid declaration rejected"));
        let attr = WeightsAttr {
            path: file.to_string(),
            span: proc_macro2::Span::call_site(),
            base: crate::weights::Base::Manifest,
        };
        let layout =
            crate::validate::weights::check(&net, &crate::validate::weights::File::read(&attr))
                .unwrap_or_else(|e| panic!("{}", e[0]));
        let code = generate(&net, &attr, &layout).to_string();
        let include = format!("include_bytes ! ({})", Literal::string(file));
        assert!(code.contains(&include), "{code}");
        assert!(!code.contains("CARGO_MANIFEST_DIR"), "{code}");
    }
}
