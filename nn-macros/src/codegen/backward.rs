//! Backward passes: the lecture's delta recursion.
//!
//! `δ_L = dℓ/df ∘ σ_L'(z_L)`; for `l = L-1 .. 1`: `δ_l = (W_{l+1}ᵀ δ_{l+1}) ∘ σ'(z_l)`;
//! `dℓ/dW_l = δ_l x_{l-1}ᵀ`, `dℓ/db_l = δ_l`; finally `dℓ/dx = W_1ᵀ δ_1`.

use super::{act_value, batch, delta_field, names, vector, x_field, z_field};
use crate::ir::Network;
use proc_macro2::TokenStream;
use quote::quote;

pub fn generate(net: &Network) -> TokenStream {
    let name = &net.name;
    let n = names(net);
    let (trace, batch_trace) = (&n.trace, &n.batch_trace);
    let in_t = net.input.tokens();
    let out_t = net.output().tokens();
    let (in_v, out_v) = (vector(&in_t), vector(&out_t));
    let (in_b, out_b) = (batch(&in_t), batch(&out_t));
    let layers = &net.layers;

    // One sample: `d` holds dℓ/dx_l, then δ_l after the activation's backward.
    let mut steps = Vec::new();
    for (i, l) in layers.iter().enumerate().rev() {
        let f = &l.name;
        let (z, x) = (z_field(l), x_field(l));
        if l.dropout().is_some() {
            // The identity outside batch training: the gradient passes through.
            continue;
        }
        if let Some(a) = act_value(l.act) {
            steps.push(quote!(::nn_core::activation::Activation::<T>::backprop(&#a, &trace.#z, &trace.#x, &mut d);));
        }
        let prev = if i == 0 {
            quote!(x)
        } else {
            let p = x_field(&layers[i - 1]);
            quote!(&trace.#p)
        };
        let prev_ty = if i == 0 {
            in_v.clone()
        } else {
            vector(&layers[i - 1].outputs.tokens())
        };
        steps.push(
            quote!(let mut d: #prev_ty = self.#f.backward(#prev, &d, &mut grads.#f, T::zero());),
        );
    }

    // Batch: δ_l lives in the trace's scratch buffers.
    let mut bsteps = Vec::new();
    let last = layers.len().saturating_sub(1);
    for (i, l) in layers.iter().enumerate().rev() {
        let f = &l.name;
        let (z, x, d) = (z_field(l), x_field(l), delta_field(l));
        if i == last {
            bsteps.push(quote!(::nn_core::__private::assign(&mut trace.#d, dl_df);));
        }
        if let Some(a) = act_value(l.act) {
            bsteps.push(quote!(::nn_core::activation::Activation::<T>::backprop_batch(&#a, &trace.#z, &trace.#x, &mut trace.#d);));
        }
        let prev = if i == 0 {
            quote!(x)
        } else {
            let p = x_field(&layers[i - 1]);
            quote!(&trace.#p)
        };
        if l.has_params() {
            bsteps.push(
                quote!(self.#f.backward_params_batch(#prev, &trace.#d, &mut grads.#f, T::zero());),
            );
        }
        if i > 0 {
            let pd = delta_field(&layers[i - 1]);
            bsteps.push(input_grad(l, quote!(trace.#pd)));
        }
    }
    let first_input_grad = input_grad(&layers[0], quote!(trace.input_grad));

    quote! {
        impl<T: ::nn_core::Scalar> #name<T> {
            /// Backpropagation for one sample: given the input `x`, its trace and
            /// `dℓ/df` (the loss gradient at the output), writes `dℓ/dθ` for every weight
            /// and bias into `grads` (overwriting) and returns `dℓ/dx`. Allocates nothing.
            pub fn backward(&self, x: &#in_v, trace: &#trace<T>, dl_df: &#out_v, grads: &mut Self) -> #in_v {
                let mut d: #out_v = *dl_df;
                #(#steps)*
                d
            }
        }

        ::nn_core::__private::if_alloc! {
            impl<T: ::nn_core::Scalar> #name<T> {
                /// Backpropagation for a batch: writes the parameter gradients summed over the
                /// samples into `grads` (overwriting) and returns `dℓ/dX`, one column per
                /// sample. `x` is the batch the trace was made from; `dl_df` holds each
                /// sample's loss gradient at the output.
                ///
                /// Fails, changing nothing, when `x`, `trace` and `dl_df` hold different
                /// numbers of samples.
                pub fn backward_batch<'t>(&self, x: &#in_b, trace: &'t mut #batch_trace<T>, dl_df: &#out_b, grads: &mut Self) -> ::core::result::Result<&'t #in_b, ::nn_core::Error> {
                    self.backward_batch_params(x, trace, dl_df, grads)?;
                    #first_input_grad
                    ::core::result::Result::Ok(&trace.input_grad)
                }

                /// [`backward_batch`](Self::backward_batch) without the input gradient, which
                /// training does not need (it saves the first layer's largest product).
                pub fn backward_batch_params(&self, x: &#in_b, trace: &mut #batch_trace<T>, dl_df: &#out_b, grads: &mut Self) -> ::core::result::Result<(), ::nn_core::Error> {
                    ::nn_core::__private::check_batch(trace.batch_size(), x.ncols(), "input columns")?;
                    ::nn_core::__private::check_batch(trace.batch_size(), dl_df.ncols(), "output-gradient columns")?;
                    #(#bsteps)*
                    ::core::result::Result::Ok(())
                }
            }
        }
    }
}

/// `dℓ/d(input of l)` from `l`'s delta, into `target` (a trace field).
fn input_grad(l: &crate::ir::Layer, target: TokenStream) -> TokenStream {
    let (f, z, d) = (&l.name, z_field(l), delta_field(l));
    if l.dropout().is_some() {
        quote!(::nn_core::layer::dropout_backward(&trace.#z, &trace.#d, &mut #target);)
    } else {
        quote!(self.#f.backward_input_batch(&trace.#d, &mut #target);)
    }
}
