//! Forward passes in declaration order: `z_l = f_l(parents)`, `x_l = σ(z_l)`, for one sample
//! and for batches.

use super::{
    act_value, batch, field, input_param, join, names, op_trait, respan, src_size, tuple, vector,
};
use crate::ir::{LayerKind, Network, Src};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// How a pass names a source's value.
#[derive(Clone, Copy)]
pub enum Place {
    /// Locals `__v{j}` of the inference passes.
    Local,
    /// Locals named like the trace's fields, `{name}_x`.
    TraceLocal,
    /// The fields of `trace`.
    Trace,
}

/// A source's value as a reference expression.
pub fn src_expr(net: &Network, s: Src, place: Place) -> TokenStream {
    match s {
        Src::Input(i) => {
            let p = input_param(net, i);
            quote!(#p)
        }
        Src::Node(j) => {
            let l = &net.layers[j];
            match place {
                Place::Local => {
                    let v = format_ident!("__v{}", j);
                    quote!(&#v)
                }
                Place::TraceLocal => {
                    let x = field(l, "x");
                    quote!(&#x)
                }
                Place::Trace => {
                    let x = field(l, "x");
                    quote!(&trace.#x)
                }
            }
        }
    }
}

/// `name: &SVector<T, N>, ...` (or `&Batch`) for the inputs.
pub fn input_params(net: &Network, batched: bool) -> Vec<TokenStream> {
    (0..net.inputs.len())
        .map(|i| {
            let p = input_param(net, i);
            let size = src_size(net, Src::Input(i));
            let ty = if batched { batch(&size) } else { vector(&size) };
            quote!(#p: &#ty)
        })
        .collect()
}

/// The output type: one vector (or batch), or a tuple of them.
pub fn output_type(net: &Network, batched: bool) -> TokenStream {
    let tys: Vec<_> = net
        .outputs
        .iter()
        .map(|s| {
            let size = src_size(net, *s);
            if batched {
                batch(&size)
            } else {
                vector(&size)
            }
        })
        .collect();
    tuple(&tys)
}

/// For several inputs: a check that every batch has as many samples as the first.
pub fn column_checks(net: &Network) -> Vec<TokenStream> {
    (1..net.inputs.len())
        .map(|i| {
            let (first, p) = (input_param(net, 0), input_param(net, i));
            let what = format!("columns of `{p}`");
            quote!(::nn_core::__private::check_batch(#first.ncols(), #p.ncols(), #what)?;)
        })
        .collect()
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
    let first = &args[0];

    let mut steps = Vec::new();
    let mut trace_steps = Vec::new();
    let mut trace_fields = Vec::new();
    let mut batch_steps = Vec::new();
    let mut eval_steps = Vec::new();
    let mut infer_steps = Vec::new();
    for (j, l) in net.layers.iter().enumerate() {
        let f = &l.name;
        let o = l.outputs.tokens();
        let (ty, bty) = (vector(&o), batch(&o));
        let v = format_ident!("__v{}", j);
        let (z, x, c) = (field(l, "z"), field(l, "x"), field(l, "cache"));
        let local: Vec<_> = l
            .parents
            .iter()
            .map(|s| src_expr(net, *s, Place::Local))
            .collect();
        let tlocal: Vec<_> = l
            .parents
            .iter()
            .map(|s| src_expr(net, *s, Place::TraceLocal))
            .collect();
        let tfield: Vec<_> = l
            .parents
            .iter()
            .map(|s| src_expr(net, *s, Place::Trace))
            .collect();
        let act = act_value(l.act);
        let in_place = |buf: &TokenStream| {
            act.as_ref().map(|a| {
                quote!(::nn_core::activation::Activation::<T>::forward_in_place(&#a, #o, #buf.as_mut_slice());)
            })
        };
        let vq = quote!(#v);
        let (act_v, act_bv) = (in_place(&vq), in_place(&vq));
        let trace_act = match &act {
            Some(a) => {
                quote!(let #x: #ty = ::nn_core::activation::Activation::<T>::apply(&#a, &#z);)
            }
            None => quote!(let #x: #ty = #z;),
        };
        let batch_act = match &act {
            Some(a) => {
                quote!(::nn_core::activation::Activation::<T>::apply_batch_into(&#a, &trace.#z, &mut trace.#x);)
            }
            None => quote!(::nn_core::__private::assign(&mut trace.#x, &trace.#z);),
        };
        match &l.kind {
            LayerKind::Dropout(p) => {
                // Inference: dropout is the identity.
                let (a, ta, ba) = (&local[0], &tlocal[0], &tfield[0]);
                steps.push(quote!(let #v: #ty = *#a;));
                trace_steps.push(quote!(let #x: #ty = *#ta;));
                trace_fields.push(quote!(#x));
                let m = field(l, "mask");
                batch_steps.push(quote!(::nn_core::__private::dropout_forward(#p, #ba, &mut trace.#x, &mut trace.#m, &mut trace.dropout_rng);));
                eval_steps.push(quote!(::nn_core::__private::assign(&mut trace.#x, #ba);));
                infer_steps.push(quote!(let #v: #bty = ::core::clone::Clone::clone(#a);));
            }
            LayerKind::Op(_) => {
                let (op, bop) = (op_trait(l, false), op_trait(l, true));
                let (a, ta, ba) = (&local[0], &tlocal[0], &tfield[0]);
                steps.push(quote! {
                    let mut #v: #ty = ::nn_core::nalgebra::SVector::zeros();
                    #op::op_forward(&self.#f, #a, &mut #v, &mut #op::empty_cache());
                    #act_v
                });
                trace_steps.push(quote! {
                    let mut #z: #ty = ::nn_core::nalgebra::SVector::zeros();
                    let mut #c = #op::empty_cache();
                    #op::op_forward(&self.#f, #ta, &mut #z, &mut #c);
                    #trace_act
                });
                trace_fields.push(quote!(#z, #x, #c));
                batch_steps.push(quote! {
                    #bop::op_forward_batch(&self.#f, #ba, &mut trace.#z, &mut trace.#c, true);
                    #batch_act
                });
                eval_steps.push(quote! {
                    #bop::op_forward_batch(&self.#f, #ba, &mut trace.#z, &mut trace.#c, false);
                    #batch_act
                });
                infer_steps.push(quote! {
                    let mut #v: #bty = ::nn_core::Batch::<T, #o>::zeros(#first.ncols());
                    #bop::op_forward_batch(&self.#f, #a, &mut #v, &mut #bop::empty_batch_cache(), false);
                    #act_bv
                });
            }
            LayerKind::Join(jn) => {
                let zq = quote!(#z);
                let single = join::forward(net, l, *jn, &local, &vq);
                let traced = join::forward(net, l, *jn, &tlocal, &zq);
                let tz = quote!(trace.#z);
                let batched = join::forward(net, l, *jn, &tfield, &tz);
                steps.push(quote! {
                    let mut #v: #ty = ::nn_core::nalgebra::SVector::zeros();
                    #single
                    #act_v
                });
                trace_steps.push(quote! {
                    let mut #z: #ty = ::nn_core::nalgebra::SVector::zeros();
                    #traced
                    #trace_act
                });
                trace_fields.push(quote!(#z, #x));
                let step = quote! {
                    ::nn_core::__private::resize(&mut trace.#z, #first.ncols());
                    #batched
                    #batch_act
                };
                eval_steps.push(step.clone());
                batch_steps.push(step);
                let infer = join::forward(net, l, *jn, &local, &vq);
                infer_steps.push(quote! {
                    let mut #v: #bty = ::nn_core::Batch::<T, #o>::zeros(#first.ncols());
                    #infer
                    #act_bv
                });
            }
        }
    }
    let outs: Vec<_> = net
        .outputs
        .iter()
        .map(|s| match s {
            Src::Node(j) => {
                let v = format_ident!("__v{}", j);
                quote!(#v)
            }
            Src::Input(i) => {
                let p = input_param(net, *i);
                quote!(*#p)
            }
        })
        .collect();
    let ret = tuple(&outs);
    let (out_v, out_b) = (output_type(net, false), output_type(net, true));
    let checks = column_checks(net);
    let multi = net.inputs.len() > 1;

    // The one-sample signatures are spanned on the declared input size: when a caller
    // passes a vector of another size, the compiler's "defined here" shows that size.
    let in_span = net.inputs[0].dims.0[0].span();
    let forward_sig = respan(
        quote!(pub fn forward(&self, #(#params),*) -> #out_v),
        in_span,
    );
    let trace_sig = respan(
        quote!(pub fn forward_trace(&self, #(#params),*) -> #trace<#ga>),
        in_span,
    );

    // Inference into a trace's buffers: no allocation once the buffers fit the batch.
    let out_refs: Vec<_> = net
        .outputs
        .iter()
        .map(|s| match s {
            Src::Node(j) => {
                let x = field(&net.layers[*j], "x");
                quote!(&trace.#x)
            }
            Src::Input(i) => {
                let p = input_param(net, *i);
                quote!(#p)
            }
        })
        .collect();
    let out_refs = tuple(&out_refs);
    let out_ref_tys: Vec<_> = net
        .outputs
        .iter()
        .map(|s| {
            let b = batch(&src_size(net, *s));
            quote!(&'t #b)
        })
        .collect();
    let out_ref_ty = tuple(&out_ref_tys);
    let eval_doc = quote! {
        /// Inference for a batch into the buffers of `trace` (resized when the batch size
        /// changes): the same outputs as [`forward_batch`](Self::forward_batch) (dropout off,
        /// batch norm with its running statistics), reusing the trace's buffers instead of
        /// allocating an output per layer. For serving loops and evaluation.
    };
    let batch_fns = if multi {
        quote! {
            /// The outputs for batches (one sample per column), with one matrix product per
            /// layer. Fails when the inputs hold different numbers of samples.
            pub fn forward_batch(&self, #(#bparams),*) -> ::core::result::Result<#out_b, ::nn_core::Error> {
                #(#checks)*
                #(#infer_steps)*
                ::core::result::Result::Ok(#ret)
            }

            /// The forward pass for batches, keeping every layer's `Z_l` and `X_l`.
            pub fn forward_batch_trace(&self, #(#bparams),*) -> ::core::result::Result<#batch_trace<#ga>, ::nn_core::Error> {
                let mut trace = #batch_trace::with_batch_size(#first.ncols());
                self.forward_batch_trace_into(#(#args,)* &mut trace)?;
                ::core::result::Result::Ok(trace)
            }

            /// [`forward_batch_trace`](Self::forward_batch_trace) into existing buffers
            /// (resized when the batch size changes).
            pub fn forward_batch_trace_into(&self, #(#bparams,)* trace: &mut #batch_trace<#ga>) -> ::core::result::Result<(), ::nn_core::Error> {
                #(#checks)*
                #(#batch_steps)*
                ::core::result::Result::Ok(())
            }

            #eval_doc
            pub fn forward_batch_into<'t>(&self, #(#bparams,)* trace: &'t mut #batch_trace<#ga>) -> ::core::result::Result<#out_ref_ty, ::nn_core::Error> {
                #(#checks)*
                #(#eval_steps)*
                ::core::result::Result::Ok(#out_refs)
            }
        }
    } else {
        quote! {
            /// The outputs for a batch (one sample per column), with one matrix product
            /// per layer.
            pub fn forward_batch(&self, #(#bparams),*) -> #out_b {
                #(#infer_steps)*
                #ret
            }

            /// The forward pass for a batch, keeping every layer's `Z_l` and `X_l`.
            pub fn forward_batch_trace(&self, #(#bparams),*) -> #batch_trace<#ga> {
                let mut trace = #batch_trace::with_batch_size(#first.ncols());
                self.forward_batch_trace_into(#(#args,)* &mut trace);
                trace
            }

            /// [`forward_batch_trace`](Self::forward_batch_trace) into existing buffers
            /// (resized when the batch size changes).
            pub fn forward_batch_trace_into(&self, #(#bparams,)* trace: &mut #batch_trace<#ga>) {
                #(#batch_steps)*
            }

            #eval_doc
            pub fn forward_batch_into<'t>(&self, #(#bparams,)* trace: &'t mut #batch_trace<#ga>) -> #out_ref_ty {
                #(#eval_steps)*
                #out_refs
            }
        }
    };

    let one_sample = super::workspace::generate(net, quote!(#(#steps)* #ret), forward_sig);
    let trace_in = super::trace_ws::generate(net, &trace_sig);
    let stack_trace = (!super::trace_ws::on_heap(net)).then(|| {
        quote! {
            impl<#gp> #name<#ga> {
                /// The forward pass for one sample, keeping every layer's `z_l` and `x_l` for
                /// [`backward`](Self::backward). Allocates nothing.
                #trace_sig {
                    #(#trace_steps)*
                    #trace { #(#trace_fields),* }
                }
            }
        }
    });
    quote! {
        #one_sample
        #trace_in
        #stack_trace

        ::nn_core::__private::if_alloc! {
            impl<#gp> #name<#ga> {
                #batch_fns
            }
        }
    }
}
