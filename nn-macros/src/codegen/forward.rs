//! Forward passes: `z_l = W_l x_{l-1} + b_l`, `x_l = σ(z_l)`, for one sample and for batches.

use super::{act_value, batch, names, respan, vector, x_field, z_field};
use crate::ir::Network;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

pub fn generate(net: &Network) -> TokenStream {
    let name = &net.name;
    let n = names(net);
    let (trace, batch_trace) = (&n.trace, &n.batch_trace);
    let in_t = net.input.tokens();
    let out_t = net.output().tokens();
    let (in_v, out_v) = (vector(&in_t), vector(&out_t));
    let (in_b, out_b) = (batch(&in_t), batch(&out_t));

    // One sample, inference: the activations are applied in place.
    let mut steps = Vec::new();
    for (i, l) in net.layers.iter().enumerate() {
        let f = &l.name;
        let prev = if i == 0 {
            quote!(x)
        } else {
            let p = format_ident!("__x{}", i);
            quote!(&#p)
        };
        let cur = format_ident!("__x{}", i + 1);
        let ty = vector(&l.outputs.tokens());
        if l.dropout().is_some() {
            // Inference: dropout is the identity.
            steps.push(quote!(let #cur: #ty = *#prev;));
            continue;
        }
        steps.push(quote!(let mut #cur: #ty = self.#f.forward(#prev);));
        if let Some(a) = act_value(l.act) {
            steps.push(quote!(::nn_core::activation::Activation::<T>::forward_in_place(&#a, #cur.len(), #cur.as_mut_slice());));
        }
    }
    let last = format_ident!("__x{}", net.layers.len());

    // One sample, keeping z_l and x_l.
    let mut trace_steps = Vec::new();
    let mut trace_fields = Vec::new();
    for (i, l) in net.layers.iter().enumerate() {
        let f = &l.name;
        let (z, x) = (z_field(l), x_field(l));
        let prev = if i == 0 {
            quote!(x)
        } else {
            let p = x_field(&net.layers[i - 1]);
            quote!(&#p)
        };
        let ty = vector(&l.outputs.tokens());
        if l.dropout().is_some() {
            trace_steps.push(quote!(let #x: #ty = *#prev;));
            trace_fields.push(quote!(#x));
            continue;
        }
        trace_steps.push(quote!(let #z: #ty = self.#f.forward(#prev);));
        trace_steps.push(match act_value(l.act) {
            Some(a) => {
                quote!(let #x: #ty = ::nn_core::activation::Activation::<T>::apply(&#a, &#z);)
            }
            None => quote!(let #x: #ty = #z;),
        });
        trace_fields.push(quote!(#z, #x));
    }

    // Batches: into the trace's buffers.
    let mut batch_steps = Vec::new();
    for (i, l) in net.layers.iter().enumerate() {
        let f = &l.name;
        let (z, x) = (z_field(l), x_field(l));
        let prev = if i == 0 {
            quote!(x)
        } else {
            let p = x_field(&net.layers[i - 1]);
            quote!(&trace.#p)
        };
        if let Some(p) = l.dropout() {
            batch_steps.push(quote!(::nn_core::layer::dropout_forward(#p, #prev, &mut trace.#x, &mut trace.#z, &mut trace.dropout_rng);));
            continue;
        }
        batch_steps.push(quote!(self.#f.forward_batch_into(#prev, &mut trace.#z);));
        batch_steps.push(match act_value(l.act) {
            Some(a) => quote!(::nn_core::activation::Activation::<T>::apply_batch_into(&#a, &trace.#z, &mut trace.#x);),
            None => quote!(::nn_core::__private::assign(&mut trace.#x, &trace.#z);),
        });
    }

    // Batches, inference only: one buffer per layer, activations in place.
    let mut infer_steps = Vec::new();
    for (i, l) in net.layers.iter().enumerate() {
        let f = &l.name;
        let prev = if i == 0 {
            quote!(x)
        } else {
            let p = format_ident!("__x{}", i);
            quote!(&#p)
        };
        let cur = format_ident!("__x{}", i + 1);
        let ty = batch(&l.outputs.tokens());
        if l.dropout().is_some() {
            infer_steps.push(quote!(let #cur: #ty = ::core::clone::Clone::clone(#prev);));
            continue;
        }
        infer_steps.push(quote!(let mut #cur: #ty = self.#f.forward_batch(#prev);));
        if let Some(a) = act_value(l.act) {
            let rows = l.outputs.tokens();
            infer_steps.push(quote!(::nn_core::activation::Activation::<T>::forward_in_place(&#a, #rows, #cur.as_mut_slice());));
        }
    }

    // The one-sample signatures are spanned on the declared input size: when a caller
    // passes a vector of another size, the compiler's "defined here" shows that size.
    let in_span = net.input.span();
    let forward_sig = respan(quote!(pub fn forward(&self, x: &#in_v) -> #out_v), in_span);
    let trace_sig = respan(
        quote!(pub fn forward_trace(&self, x: &#in_v) -> #trace<T>),
        in_span,
    );

    quote! {
        impl<T: ::nn_core::Scalar> #name<T> {
            /// The network's output `f(x)` for one sample. Allocates nothing.
            #forward_sig {
                #(#steps)*
                #last
            }

            /// The forward pass for one sample, keeping every layer's `z_l` and `x_l` for
            /// [`backward`](Self::backward). Allocates nothing.
            #trace_sig {
                #(#trace_steps)*
                #trace { #(#trace_fields),* }
            }
        }

        ::nn_core::__private::if_alloc! {
            impl<T: ::nn_core::Scalar> #name<T> {
                /// The outputs for a batch (one sample per column), with one matrix product
                /// per layer.
                pub fn forward_batch(&self, x: &#in_b) -> #out_b {
                    #(#infer_steps)*
                    #last
                }

                /// The forward pass for a batch, keeping every layer's `Z_l` and `X_l`.
                pub fn forward_batch_trace(&self, x: &#in_b) -> #batch_trace<T> {
                    let mut trace = #batch_trace::with_batch_size(x.ncols());
                    self.forward_batch_trace_into(x, &mut trace);
                    trace
                }

                /// [`forward_batch_trace`](Self::forward_batch_trace) into existing buffers
                /// (resized when the batch size changes).
                pub fn forward_batch_trace_into(&self, x: &#in_b, trace: &mut #batch_trace<T>) {
                    #(#batch_steps)*
                }
            }
        }
    }
}
