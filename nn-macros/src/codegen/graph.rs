//! The `GraphNetwork` impl of networks with several inputs or outputs: the generated batch
//! functions behind one trait, inputs and outputs as tuples of batches.

use super::{batch, field, input_param, names, src_size, tuple};
use crate::ir::{Network, Src};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

pub fn generate(net: &Network) -> TokenStream {
    // The generics of the network's types, size parameters first (`generics`).
    let g = net.generics();
    let (gp, ga) = (&g.params, &g.args);
    if net.is_simple() {
        return TokenStream::new();
    }
    let name = &net.name;
    let batch_trace = names(net).batch_trace;
    let in_tys: Vec<_> = (0..net.inputs.len())
        .map(|i| batch(&src_size(net, Src::Input(i))))
        .collect();
    let out_tys: Vec<_> = net
        .outputs
        .iter()
        .map(|s| batch(&src_size(net, *s)))
        .collect();
    let (in_t, out_t) = (tuple(&in_tys), tuple(&out_tys));
    // `let (a, b) = x;`: the inputs by their generated parameter names.
    let ins: Vec<_> = (0..net.inputs.len())
        .map(|i| {
            let p = input_param(net, i);
            quote!(#p)
        })
        .collect();
    let in_pat = tuple(&ins);
    let outs: Vec<_> = (0..net.outputs.len())
        .map(|k| {
            let o = format_ident!("__out{}", k);
            quote!(#o)
        })
        .collect();
    let out_pat = tuple(&outs);
    let dls: Vec<_> = (0..net.outputs.len())
        .map(|k| {
            let o = format_ident!("__dl{}", k);
            quote!(#o)
        })
        .collect();
    let dl_pat = tuple(&dls);
    // Each output copied out of the trace (or from the input it is).
    let copies: Vec<_> = net
        .outputs
        .iter()
        .zip(&outs)
        .map(|(s, o)| {
            let src = match s {
                Src::Node(j) => {
                    let x = field(&net.layers[*j], "x");
                    quote!(trace.#x)
                }
                Src::Input(i) => {
                    let p = input_param(net, *i);
                    quote!((*#p))
                }
            };
            quote! {
                ::nn_core::__private::resize(#o, #src.ncols());
                #o.as_mut_slice().copy_from_slice(#src.as_slice());
            }
        })
        .collect();
    let try_ = if net.inputs.len() > 1 {
        quote!(?)
    } else {
        quote!()
    };
    let per_sample = !net
        .layers
        .iter()
        .any(|l| l.op().is_some_and(|o| o.batch_statistics()));
    quote! {
        ::nn_core::__private::if_alloc! {
            impl<#gp> ::nn_core::GraphNetwork<T> for #name<#ga> {
                type Inputs = #in_t;
                type Outputs = #out_t;
                type Trace = #batch_trace<#ga>;
                const PER_SAMPLE: bool = #per_sample;
                fn zeros() -> Self {
                    #name::zeros()
                }
                fn new_trace(n: usize) -> #batch_trace<#ga> {
                    #batch_trace::with_batch_size(n)
                }
                fn seed_trace(trace: &mut #batch_trace<#ga>, seed: u64) {
                    trace.seed_dropout(seed)
                }
                fn forward_eval(&self, x: &#in_t, trace: &mut #batch_trace<#ga>, out: &mut #out_t) -> ::core::result::Result<(), ::nn_core::Error> {
                    let #in_pat = x;
                    let #out_pat = out;
                    #name::forward_batch_into(self, #(#ins,)* trace) #try_;
                    #(#copies)*
                    ::core::result::Result::Ok(())
                }
                fn forward_train(&self, x: &#in_t, trace: &mut #batch_trace<#ga>, out: &mut #out_t) -> ::core::result::Result<(), ::nn_core::Error> {
                    let #in_pat = x;
                    let #out_pat = out;
                    #name::forward_batch_trace_into(self, #(#ins,)* trace) #try_;
                    #(#copies)*
                    ::core::result::Result::Ok(())
                }
                fn update_state(&mut self, trace: &#batch_trace<#ga>) {
                    #name::update_state(self, trace)
                }
                fn backward_params(&self, x: &#in_t, trace: &mut #batch_trace<#ga>, dl_df: &#out_t, grads: &mut Self) -> ::core::result::Result<(), ::nn_core::Error> {
                    let #in_pat = x;
                    let #dl_pat = dl_df;
                    #name::backward_batch_params(self, #(#ins,)* trace, #(#dls,)* grads)
                }
            }
        }
    }
}
