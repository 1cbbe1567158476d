//! Forward mode: the forward chain rule, `dx_l = Σ_parents (∂x_l/∂x_p) dx_p`, in
//! declaration order (a Jacobian-vector product), and the input Jacobian built from it.
//!
//! Every activation here has a symmetric Jacobian (diagonal, or softmax's
//! `diag(s) - s sᵀ`), so its tangent map is its backward map.

use super::forward::{input_params, src_expr, Place};
use super::{act_value, field, input_param, join, names, op_trait, src_size, tuple, vector};
use crate::ir::{LayerKind, Network, Src};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

/// The tangent parameter of input `i`: `dx`, or `d<name>`.
fn tangent_param(net: &Network, i: usize) -> Ident {
    format_ident!("d{}", input_param(net, i))
}

fn tangent_expr(net: &Network, s: Src) -> TokenStream {
    match s {
        Src::Input(i) => {
            let p = tangent_param(net, i);
            quote!(#p)
        }
        Src::Node(j) => {
            let t = format_ident!("__t{}", j);
            quote!(&#t)
        }
    }
}

pub fn generate(net: &Network) -> TokenStream {
    // The generics of the network's types, size parameters first (`generics`).
    let g = net.generics();
    let (gp, ga) = (&g.params, &g.args);
    // Forward mode keeps its tangents on the stack: not for a network too large for it.
    if super::trace_ws::on_heap(net) {
        return TokenStream::new();
    }
    let name = &net.name;
    let trace = names(net).trace;
    let params = input_params(net, false);
    let args: Vec<_> = (0..net.inputs.len()).map(|i| input_param(net, i)).collect();
    let tparams: Vec<_> = (0..net.inputs.len())
        .map(|i| {
            let p = tangent_param(net, i);
            let v = vector(&src_size(net, Src::Input(i)));
            quote!(#p: &#v)
        })
        .collect();

    let mut steps = Vec::new();
    for (j, l) in net.layers.iter().enumerate() {
        let f = &l.name;
        let t = format_ident!("__t{}", j);
        let ty = vector(&l.outputs.tokens());
        let (z, x, c) = (field(l, "z"), field(l, "x"), field(l, "cache"));
        let values: Vec<_> = l
            .parents
            .iter()
            .map(|s| src_expr(net, *s, Place::Trace))
            .collect();
        let tangents: Vec<_> = l.parents.iter().map(|s| tangent_expr(net, *s)).collect();
        let act = act_value(l.act).map(|a| {
            quote!(::nn_core::activation::Activation::<T>::backprop(&#a, &trace.#z, &trace.#x, &mut #t);)
        });
        steps.push(match &l.kind {
            LayerKind::Dropout(_) => {
                let tp = &tangents[0];
                quote!(let #t: #ty = *#tp;)
            }
            LayerKind::Op(_) => {
                let op = op_trait(l, false);
                let (v, tp) = (&values[0], &tangents[0]);
                quote! {
                    let mut #t: #ty = ::nn_core::nalgebra::SVector::zeros();
                    #op::op_tangent(&self.#f, #v, &trace.#z, &trace.#c, #tp, &mut #t);
                    #act
                }
            }
            LayerKind::Join(jn) => {
                let tq = quote!(#t);
                let code = join::tangent(net, l, *jn, &values, &tangents, &tq);
                quote! {
                    let mut #t: #ty = ::nn_core::nalgebra::SVector::zeros();
                    #code
                    #act
                }
            }
        });
    }
    let outs: Vec<_> = net
        .outputs
        .iter()
        .map(|s| match s {
            Src::Node(j) => {
                let t = format_ident!("__t{}", j);
                quote!(#t)
            }
            Src::Input(i) => {
                let p = tangent_param(net, *i);
                quote!(*#p)
            }
        })
        .collect();
    let ret = tuple(&outs);
    let out_tys: Vec<_> = net
        .outputs
        .iter()
        .map(|s| vector(&src_size(net, *s)))
        .collect();
    let ret_ty = tuple(&out_tys);

    // The Jacobian of every output with respect to the (single) input, column by column.
    let jacobian = (net.inputs.len() == 1).then(|| {
        let in_size = src_size(net, Src::Input(0));
        let x = &args[0];
        let mats: Vec<_> = net
            .outputs
            .iter()
            .map(|s| {
                let o = src_size(net, *s);
                quote!(::nn_core::nalgebra::SMatrix<T, #o, #in_size>)
            })
            .collect();
        let mat_ty = tuple(&mats);
        let k = net.outputs.len();
        let set = if k == 1 {
            quote!(jac.set_column(i, &t);)
        } else {
            let idx = (0..k).map(syn::Index::from);
            let idx2 = (0..k).map(syn::Index::from);
            quote!(#( jac.#idx.set_column(i, &t.#idx2); )*)
        };
        let zeros: Vec<_> = (0..k)
            .map(|_| quote!(::nn_core::nalgebra::SMatrix::zeros()))
            .collect();
        let zeros = tuple(&zeros);
        quote! {
            /// The Jacobian `∂f/∂x` of each output at `x`: column `i` is the tangent of the
            /// outputs for the input direction `e_i` (forward mode, one pass per input).
            /// Allocates nothing.
            pub fn jacobian(&self, #x: &::nn_core::nalgebra::SVector<T, #in_size>) -> #mat_ty {
                let trace = self.forward_trace(#x);
                let mut jac: #mat_ty = #zeros;
                for i in 0..(#in_size) {
                    let mut e = ::nn_core::nalgebra::SVector::<T, #in_size>::zeros();
                    e[i] = T::one();
                    let t = self.tangent(#x, &trace, &e);
                    #set
                }
                jac
            }
        }
    });

    quote! {
        impl<#gp> #name<#ga> {
            /// Forward-mode differentiation for one sample: given the inputs, their trace
            /// and an input direction `dx`, returns the outputs' tangent `(∂f/∂x) dx` (a
            /// Jacobian-vector product; the parameters held fixed). Allocates nothing.
            #[allow(unused_variables, clippy::let_and_return)]
            pub fn tangent(&self, #(#params,)* trace: &#trace<#ga>, #(#tparams),*) -> #ret_ty {
                #(#steps)*
                #ret
            }

            #jacobian
        }
    }
}
