//! Backward passes: the backward chain rule, in reverse declaration order.
//!
//! `δ_l = dℓ/dx_l ∘ σ'(z_l)`; each parent `p` of `l` then receives `(∂z_l/∂x_p)ᵀ δ_l`, and a
//! node read by several children sums their contributions: `dℓ/dx_p = Σ_children ...`. For
//! a chain of dense layers this is the lecture's delta recursion,
//! `δ_l = (W_{l+1}ᵀ δ_{l+1}) ∘ σ'(z_l)`, `dℓ/dW_l = δ_l x_{l-1}ᵀ`, `dℓ/db_l = δ_l`.

use super::forward::{input_params, src_expr, Place};
use super::{
    acc_field, act_value, batch, field, grad_field, input_param, join, names, op_trait,
    output_grad_params, src_size, tuple, vector,
};
use crate::ir::{LayerKind, Network, Src};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use std::collections::HashSet;

/// The single-sample gradient local of a source.
fn g_local(s: Src) -> proc_macro2::Ident {
    match s {
        Src::Input(i) => format_ident!("__gi{}", i),
        Src::Node(j) => format_ident!("__gn{}", j),
    }
}

/// The `(node, slot)` pairs whose contribution is the first its parent receives in the
/// reverse pass (they overwrite; the others accumulate).
fn first_contributions(net: &Network) -> HashSet<(usize, usize)> {
    let mut seen: HashSet<Src> = HashSet::new();
    let mut first = HashSet::new();
    for (j, l) in net.layers.iter().enumerate().rev() {
        for (k, p) in l.parents.iter().enumerate() {
            if seen.insert(*p) {
                first.insert((j, k));
            }
        }
    }
    first
}

pub fn generate(net: &Network) -> TokenStream {
    // The generics of the network's types, size parameters first (`generics`).
    let g = net.generics();
    let (gp, ga) = (&g.params, &g.args);
    let name = &net.name;
    let n = names(net);
    let (trace, batch_trace) = (&n.trace, &n.batch_trace);
    let params = input_params(net, false);
    let bparams = input_params(net, true);
    let args: Vec<_> = (0..net.inputs.len()).map(|i| input_param(net, i)).collect();
    let (grads_args, out_params) = output_grad_params(net);
    let out_bparams: Vec<_> = net
        .outputs
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let g = &grads_args[k];
            let b = batch(&src_size(net, *s));
            quote!(#g: &#b)
        })
        .collect();
    let first = first_contributions(net);

    // One sample: a gradient local per source, accumulated into.
    let mut steps = Vec::new();
    let sources = (0..net.inputs.len())
        .map(Src::Input)
        .chain((0..net.layers.len()).map(Src::Node));
    for s in sources {
        let (g, v) = (g_local(s), vector(&src_size(net, s)));
        steps.push(quote!(let mut #g: #v = ::nn_core::nalgebra::SVector::zeros();));
    }
    for (k, s) in net.outputs.iter().enumerate() {
        let (g, d) = (g_local(*s), &grads_args[k]);
        steps.push(quote!(#g += #d;));
    }
    // Batch: δ lives in the trace's buffers.
    let mut bsteps = Vec::new();
    for (j, l) in net.layers.iter().enumerate().rev() {
        let f = &l.name;
        let me = Src::Node(j);
        let g = g_local(me);
        let (z, x, d, c) = (
            field(l, "z"),
            field(l, "x"),
            field(l, "delta"),
            field(l, "cache"),
        );
        let values: Vec<_> = l
            .parents
            .iter()
            .map(|s| src_expr(net, *s, Place::Trace))
            .collect();

        // The output's own gradient, after every child's contribution.
        if let Some(k) = net.outputs.iter().position(|s| *s == me) {
            let dl = &grads_args[k];
            if net.children(me).is_empty() {
                bsteps.push(quote!(::nn_core::__private::assign(&mut trace.#d, #dl);));
            } else {
                bsteps.push(quote!(::nn_core::__private::join::add_assign(trace.#d.as_mut_slice(), #dl.as_slice());));
            }
        }
        if let Some(a) = act_value(l.act) {
            steps.push(quote!(::nn_core::activation::Activation::<T>::backprop(&#a, &trace.#z, &trace.#x, &mut #g);));
            bsteps.push(quote!(::nn_core::activation::Activation::<T>::backprop_batch(&#a, &trace.#z, &trace.#x, &mut trace.#d);));
        }

        for (k, p) in l.parents.iter().enumerate() {
            let gp = g_local(*p);
            let psize = src_size(net, *p);
            let pv = vector(&psize);
            let is_first = first.contains(&(j, k));
            let to_input = matches!(p, Src::Input(_));
            let target = grad_field(net, *p);
            let acc = acc_field(net, *p);
            // Where this contribution is written, and what follows when it is not the first.
            let (place, merge) = if is_first {
                (quote!(trace.#target), TokenStream::new())
            } else {
                (
                    quote!(trace.#acc),
                    quote!(::nn_core::__private::join::add_assign(trace.#target.as_mut_slice(), trace.#acc.as_slice());),
                )
            };
            let (single, batched) = match &l.kind {
                LayerKind::Op(_) => {
                    let (op, bop) = (op_trait(l, false), op_trait(l, true));
                    let v = &values[0];
                    let single = quote! {
                        let mut __dx: #pv = ::nn_core::nalgebra::SVector::zeros();
                        #op::op_backward(&self.#f, #v, &trace.#z, &trace.#c, &#g, &mut grads.#f, &mut __dx);
                        #gp += __dx;
                    };
                    let batched = if to_input {
                        quote! {
                            if with_inputs {
                                #bop::op_backward_batch(&self.#f, #v, &trace.#z, &trace.#c, &trace.#d, &mut grads.#f, ::core::option::Option::Some(&mut #place));
                                #merge
                            } else {
                                #bop::op_backward_batch(&self.#f, #v, &trace.#z, &trace.#c, &trace.#d, &mut grads.#f, ::core::option::Option::None);
                            }
                        }
                    } else {
                        quote! {
                            #bop::op_backward_batch(&self.#f, #v, &trace.#z, &trace.#c, &trace.#d, &mut grads.#f, ::core::option::Option::Some(&mut #place));
                            #merge
                        }
                    };
                    (single, batched)
                }
                LayerKind::Dropout(_) => {
                    let m = field(l, "mask");
                    (
                        quote!(#gp += &#g;),
                        quote! {
                            ::nn_core::__private::dropout_backward(&trace.#m, &trace.#d, &mut #place);
                            #merge
                        },
                    )
                }
                LayerKind::Join(jn) => {
                    let gq = quote!(#g);
                    let tmp = quote!(__dx);
                    let code = join::backward(net, l, *jn, k, &values, &gq, &tmp);
                    let single = quote! {
                        let mut __dx: #pv = ::nn_core::nalgebra::SVector::zeros();
                        #code
                        #gp += __dx;
                    };
                    let dq = quote!(trace.#d);
                    let batched = if !is_first && *jn == crate::ir::Join::Add {
                        quote!(::nn_core::__private::join::add_assign(trace.#target.as_mut_slice(), trace.#d.as_slice());)
                    } else {
                        let code = join::backward(net, l, *jn, k, &values, &dq, &place);
                        quote! {
                            ::nn_core::__private::resize(&mut #place, __n);
                            #code
                            #merge
                        }
                    };
                    (single, batched)
                }
            };
            steps.push(single);
            bsteps.push(if to_input && !matches!(l.kind, LayerKind::Op(_)) {
                quote!(if with_inputs { #batched })
            } else {
                batched
            });
        }
    }
    let input_grads: Vec<_> = (0..net.inputs.len())
        .map(|i| {
            let g = g_local(Src::Input(i));
            quote!(#g)
        })
        .collect();
    let ret = tuple(&input_grads);
    let in_tys: Vec<_> = (0..net.inputs.len())
        .map(|i| vector(&src_size(net, Src::Input(i))))
        .collect();
    let ret_ty = tuple(&in_tys);
    let bin_tys: Vec<_> = (0..net.inputs.len())
        .map(|i| {
            let b = batch(&src_size(net, Src::Input(i)));
            quote!(&'t #b)
        })
        .collect();
    let bret_ty = tuple(&bin_tys);
    let bret: Vec<_> = (0..net.inputs.len())
        .map(|i| {
            let g = grad_field(net, Src::Input(i));
            quote!(&trace.#g)
        })
        .collect();
    let bret = tuple(&bret);
    let checks_in = args.iter().map(|a| {
        quote!(::nn_core::__private::check_batch(trace.batch_size(), #a.ncols(), "input columns")?;)
    });
    let checks_out = grads_args.iter().map(|g| {
        quote!(::nn_core::__private::check_batch(trace.batch_size(), #g.ncols(), "output-gradient columns")?;)
    });

    // A network too large for the stack has its backward over a heap workspace instead.
    let stack = (!super::trace_ws::on_heap(net)).then(|| {
        quote! {
            impl<#gp> #name<#ga> {
                /// Backpropagation for one sample: given the input, its trace and `dℓ/df`
                /// (the loss gradient at each output), writes `dℓ/dθ` for every weight and
                /// bias into `grads` (overwriting) and returns `dℓ/dx` for each input.
                /// Allocates nothing.
                #[allow(unused_variables, clippy::too_many_arguments)]
                pub fn backward(&self, #(#params,)* trace: &#trace<#ga>, #(#out_params,)* grads: &mut Self) -> #ret_ty {
                    #(#steps)*
                    #ret
                }
            }
        }
    });
    quote! {
        #stack

        ::nn_core::__private::if_alloc! {
            impl<#gp> #name<#ga> {
                /// Backpropagation for a batch: writes the parameter gradients summed over the
                /// samples into `grads` (overwriting) and returns `dℓ/dX` for each input, one
                /// column per sample. The inputs are those the trace was made from; the
                /// `dl_d..` hold each sample's loss gradient at the outputs.
                ///
                /// Fails, changing nothing, when the inputs, `trace` and the gradients hold
                /// different numbers of samples.
                #[allow(clippy::too_many_arguments)]
                pub fn backward_batch<'t>(&self, #(#bparams,)* trace: &'t mut #batch_trace<#ga>, #(#out_bparams,)* grads: &mut Self) -> ::core::result::Result<#bret_ty, ::nn_core::Error> {
                    self.__backward_batch(#(#args,)* trace, #(#grads_args,)* grads, true)?;
                    ::core::result::Result::Ok(#bret)
                }

                /// [`backward_batch`](Self::backward_batch) without the input gradients, which
                /// training does not need (it saves the first layer's largest product).
                #[allow(clippy::too_many_arguments)]
                pub fn backward_batch_params(&self, #(#bparams,)* trace: &mut #batch_trace<#ga>, #(#out_bparams,)* grads: &mut Self) -> ::core::result::Result<(), ::nn_core::Error> {
                    self.__backward_batch(#(#args,)* trace, #(#grads_args,)* grads, false)
                }

                #[allow(unused_variables, clippy::too_many_arguments)]
                fn __backward_batch(&self, #(#bparams,)* trace: &mut #batch_trace<#ga>, #(#out_bparams,)* grads: &mut Self, with_inputs: bool) -> ::core::result::Result<(), ::nn_core::Error> {
                    #(#checks_in)*
                    #(#checks_out)*
                    let __n = trace.batch_size();
                    #(#bsteps)*
                    ::core::result::Result::Ok(())
                }
            }
        }
    }
}
