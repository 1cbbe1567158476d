//! The one-sample backward pass over a workspace: the gradient `dℓ/dx_s` of every source
//! (`g_s`) lives in one flat buffer of `T`, placed by `nn_core::workspace::plan` so that
//! two gradients alive at the same time never overlap, and the trace is read from a
//! `{Name}TraceIn`. The chain rule is that of `backward`: in reverse declaration order,
//! `δ_l = g_l ∘ σ'(z_l)`, and each parent `p` of `l` receives `(∂z_l/∂x_p)ᵀ δ_l`, summed
//! over the children that read it.
//!
//! A gradient is created (zeroed) when its first contribution arrives (an output's at the
//! start, from `dℓ/df`), and is dead once its own layer has passed it on. The plan's items
//! are the gradients in creation order; a node's gradient lives until the last gradient
//! created while its layer runs. Contributions after the first go through one scratch
//! vector after the planned ones, then are added.
//!
//! - `backward_in(x, trace, dl_df, grads, workspace)`: at least `BACKWARD_LEN` values; no
//!   heap; returns `dℓ/dx` borrowed from the workspace.
//! - For a heap trace (`trace_ws::on_heap`), `backward` runs it over a heap workspace.

use super::forward::input_params;
use super::trace_ws::{on_heap, type_name, value, z_offset};
use super::{act_value, input_param, join, op_trait, output_grad_params, src_size, tuple, vector};
use crate::ir::{LayerKind, Network, Src};
use proc_macro2::{Literal, TokenStream};
use quote::quote;

/// The gradients in creation order, and each one's last use (an index into that order;
/// past the end for the input gradients, which are returned).
fn order(net: &Network) -> (Vec<Src>, Vec<usize>) {
    fn add(order: &mut Vec<Src>, s: Src) {
        if !order.contains(&s) {
            order.push(s);
        }
    }
    let mut order: Vec<Src> = Vec::new();
    for s in &net.outputs {
        add(&mut order, *s);
    }
    let mut end = vec![0; net.layers.len()];
    for (j, l) in net.layers.iter().enumerate().rev() {
        add(&mut order, Src::Node(j));
        for p in &l.parents {
            add(&mut order, *p);
        }
        end[j] = order.len() - 1;
    }
    for i in 0..net.inputs.len() {
        add(&mut order, Src::Input(i));
    }
    let n = order.len();
    let last = order
        .iter()
        .map(|s| match s {
            Src::Input(_) => n,
            Src::Node(j) => end[*j],
        })
        .collect();
    (order, last)
}

/// `backward_in`, `BACKWARD_LEN` and, for a heap trace, `backward`.
pub fn generate(net: &Network) -> TokenStream {
    // The generics of the network's types, size parameters first (`generics`).
    let g = net.generics();
    let (gp, ga) = (&g.params, &g.args);
    let name = &net.name;
    let trace_in = type_name(net);
    let params = input_params(net, false);
    let args: Vec<_> = (0..net.inputs.len()).map(|i| input_param(net, i)).collect();
    let (grads_args, out_params) = output_grad_params(net);

    let (order, last) = order(net);
    let sizes: Vec<_> = order.iter().map(|s| src_size(net, *s)).collect();
    let count = Literal::usize_unsuffixed(order.len());
    let last: Vec<_> = last.into_iter().map(Literal::usize_unsuffixed).collect();
    let slot = |s: Src| {
        let k = order.iter().position(|o| *o == s).unwrap_or_default();
        let k = Literal::usize_unsuffixed(k);
        quote!(Self::__BACKWARD.offsets[#k])
    };
    let tmp = quote!(Self::__BACKWARD.len);
    let vals = quote!(__vals);
    let me = quote!(Self);

    let mut steps = Vec::new();
    let mut made: Vec<Src> = Vec::new();
    for (s, d) in net.outputs.iter().zip(&grads_args) {
        let (n, o) = (src_size(net, *s), slot(*s));
        if made.contains(s) {
            steps.push(quote!(*::nn_core::workspace::split::<T, #n>(__ws, #o).1 += #d;));
        } else {
            made.push(*s);
            steps.push(quote!(::nn_core::workspace::split::<T, #n>(__ws, #o).1.copy_from(#d);));
        }
    }
    for (j, l) in net.layers.iter().enumerate().rev() {
        let f = &l.name;
        let me_src = Src::Node(j);
        let (o, go, zo) = (l.outputs.tokens(), slot(me_src), z_offset(j));
        if !made.contains(&me_src) {
            // Read by nothing: its gradient is zero.
            made.push(me_src);
            steps.push(quote!(::nn_core::workspace::split::<T, #o>(__ws, #go).1.fill(T::zero());));
        }
        if let Some(a) = act_value(l.act) {
            let x = value(net, me_src, &vals, &me);
            steps.push(quote! {
                ::nn_core::activation::Activation::<T>::backprop(&#a, ::nn_core::workspace::get::<T, #o>(__vals, #zo), #x, ::nn_core::workspace::split::<T, #o>(__ws, #go).1);
            });
        }
        let values: Vec<_> = l
            .parents
            .iter()
            .map(|s| value(net, *s, &vals, &me))
            .collect();
        for (k, p) in l.parents.iter().enumerate() {
            let (pn, po) = (src_size(net, *p), slot(*p));
            let first = !made.contains(p);
            if first {
                made.push(*p);
            }
            let contribution = match &l.kind {
                LayerKind::Op(_) => {
                    let (op, c) = (op_trait(l, false), super::field(l, "cache"));
                    let v = &values[0];
                    quote! {
                        #op::op_backward(&self.#f, #v, ::nn_core::workspace::get::<T, #o>(__vals, #zo), &trace.#c, __g, &mut grads.#f, __dx);
                    }
                }
                LayerKind::Dropout(_) => quote!(__dx.copy_from(__g);),
                LayerKind::Join(jn) => {
                    join::backward(net, l, *jn, k, &values, &quote!(__g), &quote!(__dx))
                }
            };
            let target = if first { po.clone() } else { tmp.clone() };
            steps.push(quote! {{
                let (__rest, __dx) = ::nn_core::workspace::split::<T, #pn>(__ws, #target);
                let __g = __rest.get::<#o>(#go);
                __dx.fill(T::zero());
                #contribution
            }});
            if !first {
                steps.push(quote! {{
                    let (__rest, __gp) = ::nn_core::workspace::split::<T, #pn>(__ws, #po);
                    ::nn_core::__private::join::add_assign(__gp.as_mut_slice(), __rest.get::<#pn>(#tmp).as_slice());
                }});
            }
        }
    }
    for i in 0..net.inputs.len() {
        let s = Src::Input(i);
        if !made.contains(&s) {
            let (n, o) = (src_size(net, s), slot(s));
            steps.push(quote!(::nn_core::workspace::split::<T, #n>(__ws, #o).1.fill(T::zero());));
        }
    }

    let in_refs: Vec<_> = (0..net.inputs.len())
        .map(|i| {
            let s = Src::Input(i);
            let (n, o) = (src_size(net, s), slot(s));
            quote!(::nn_core::workspace::get::<T, #n>(__ws, #o))
        })
        .collect();
    let in_refs = tuple(&in_refs);
    // `SVector<T, N>` of each input, returned as references into the workspace or copied.
    let in_tys: Vec<_> = (0..net.inputs.len())
        .map(|i| vector(&src_size(net, Src::Input(i))))
        .collect();
    let ref_tys: Vec<_> = in_tys.iter().map(|v| quote!(&'w #v)).collect();
    let ref_ty = tuple(&ref_tys);

    let heap = on_heap(net).then(|| {
        let trace = quote::format_ident!("{}Trace", name);
        let ret_ty = tuple(&in_tys);
        let copies: Vec<_> = (0..net.inputs.len())
            .map(|i| {
                let i = syn::Index::from(i);
                if net.inputs.len() == 1 {
                    quote!(*__dx)
                } else {
                    quote!(*__dx.#i)
                }
            })
            .collect();
        let copies = tuple(&copies);
        quote! {
            ::nn_core::__private::if_alloc! {
                impl<#gp> #name<#ga> {
                    /// Backpropagation for one sample: given the input, its trace and
                    /// `dℓ/df` (the loss gradient at each output), writes `dℓ/dθ` for every
                    /// weight and bias into `grads` (overwriting) and returns `dℓ/dx` for
                    /// each input. The gradients of the layers' outputs live in a heap
                    /// workspace of [`BACKWARD_LEN`](Self::BACKWARD_LEN) values.
                    #[allow(clippy::too_many_arguments)]
                    pub fn backward(&self, #(#params,)* trace: &#trace<#ga>, #(#out_params,)* grads: &mut Self) -> #ret_ty {
                        let mut __ws = ::nn_core::workspace::on_heap::<T>(Self::BACKWARD_LEN);
                        let __dx = self.__backward_ws(#(#args,)* trace, #(#grads_args,)* grads, &mut __ws);
                        #copies
                    }
                }
            }
        }
    });

    quote! {
        impl<#gp> #name<#ga> {
            #[doc(hidden)]
            const __BACKWARD: ::nn_core::workspace::Plan<#count> =
                ::nn_core::workspace::plan([#(#sizes),*], [#(#last),*]);

            /// The number of `T` values [`backward_in`](Self::backward_in) needs in its
            /// workspace: the gradients of the layers' outputs still to be passed on,
            /// placed without overlap, the input gradients and one vector of scratch.
            pub const BACKWARD_LEN: usize = Self::__BACKWARD.len
                + ::nn_core::__private::max_of(&[#(#sizes),*]);

            /// The backward workspace's size in bytes, `BACKWARD_LEN * size_of::<T>()`.
            pub const BACKWARD_BYTES: usize = Self::BACKWARD_LEN * ::core::mem::size_of::<T>();

            /// Backpropagation for one sample over `workspace` (at least
            /// [`BACKWARD_LEN`](Self::BACKWARD_LEN) values; its contents do not matter):
            /// given the input, its trace from [`forward_trace_in`](Self::forward_trace_in)
            /// and `dℓ/df` (the loss gradient at each output), writes `dℓ/dθ` for every
            /// weight and bias into `grads` (overwriting) and returns `dℓ/dx` for each
            /// input, borrowed from `workspace`. Allocates nothing and uses a few hundred
            /// bytes of stack whatever the size of the network.
            #[allow(clippy::too_many_arguments)]
            pub fn backward_in<'w, W: ::core::convert::AsRef<[T]>>(&self, #(#params,)* trace: &#trace_in<#ga, W>, #(#out_params,)* grads: &mut Self, workspace: &'w mut [T]) -> ::core::result::Result<#ref_ty, ::nn_core::Error> {
                ::nn_core::workspace::check_len(Self::BACKWARD_LEN, workspace.len())?;
                ::core::result::Result::Ok(self.__backward_ws(#(#args,)* trace, #(#grads_args,)* grads, workspace))
            }

            #[allow(unused_variables, clippy::too_many_arguments)]
            fn __backward_ws<'w, W: ::core::convert::AsRef<[T]>>(&self, #(#params,)* trace: &#trace_in<#ga, W>, #(#out_params,)* grads: &mut Self, __ws: &'w mut [T]) -> #ref_ty {
                let __vals: &[T] = trace.values.as_ref();
                #(#steps)*
                let __ws: &'w [T] = __ws;
                #in_refs
            }
        }

        #heap
    }
}
