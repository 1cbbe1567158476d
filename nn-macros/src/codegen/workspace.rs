//! The one-sample forward pass over a workspace: every layer's output `x_l` lives in one
//! flat buffer of `T` at the offset `nn_core::workspace::plan` gives it (computed by the
//! compiler from the layers' sizes and last readers), so stack use does not grow with the
//! network's activations.
//!
//! - `forward_in(x, workspace)`: a caller's buffer of at least `WORKSPACE_LEN` values; no
//!   heap (the embedded path).
//! - `forward(x)`: with `alloc`, a heap workspace when the activations would not fit
//!   comfortably on a stack (more than [`STACK_VALUES`] values); stack locals otherwise,
//!   as before (no allocation for a small network).

use super::forward::{input_params, output_type};
use super::{act_value, input_param, join, op_trait, tuple};
use crate::ir::{LayerKind, Network, Src};
use proc_macro2::{Literal, TokenStream};
use quote::quote;

/// Activations up to this many values (128 KiB of `f32`) stay in stack locals.
const STACK_VALUES: usize = 32 * 1024;

/// Whether every layer's output size is a literal and together they fit [`STACK_VALUES`]:
/// then `forward` keeps its stack locals. `None` when a size is a `const` expression (the
/// generated code decides with `WORKSPACE_LEN`).
pub(super) fn small(net: &Network) -> Option<bool> {
    let mut total = 0usize;
    for l in &net.layers {
        total = total.saturating_add(l.outputs.known()?);
    }
    Some(total <= STACK_VALUES)
}

/// The last layer reading each layer's output (`L` for an output of the network).
fn last_use(net: &Network) -> Vec<usize> {
    let n = net.layers.len();
    (0..n)
        .map(|j| {
            let s = Src::Node(j);
            if net.outputs.contains(&s) {
                return n;
            }
            net.children(s).iter().map(|(c, _)| *c).max().unwrap_or(j)
        })
        .collect()
}

/// `forward`, `forward_in` and the workspace constants, given the stack-locals `forward`
/// body of the forward module (`stack`) and its signature (spanned for messages).
pub fn generate(net: &Network, stack: TokenStream, forward_sig: TokenStream) -> TokenStream {
    // The generics of the network's types, size parameters first (`generics`).
    let g = net.generics();
    let (gp, ga) = (&g.params, &g.args);
    let params = input_params(net, false);
    let args: Vec<_> = (0..net.inputs.len()).map(|i| input_param(net, i)).collect();
    let out_v = output_type(net, false);
    let sizes: Vec<_> = net.layers.iter().map(|l| l.outputs.tokens()).collect();
    let last: Vec<_> = last_use(net)
        .into_iter()
        .map(Literal::usize_unsuffixed)
        .collect();
    let count = Literal::usize_unsuffixed(net.layers.len());

    let offset = |j: usize| {
        let j = Literal::usize_unsuffixed(j);
        quote!(Self::__WORKSPACE.offsets[#j])
    };
    let read = |s: Src| match s {
        Src::Input(i) => {
            let p = input_param(net, i);
            quote!(#p)
        }
        Src::Node(k) => {
            let (o, n) = (offset(k), &sizes[k]);
            quote!(__rest.get::<#n>(#o))
        }
    };
    let steps = net.layers.iter().enumerate().map(|(j, l)| {
        let (o, off) = (&sizes[j], offset(j));
        let parents: Vec<_> = l.parents.iter().map(|s| read(*s)).collect();
        let f = &l.name;
        let act = act_value(l.act).map(|a| {
            quote!(::nn_core::activation::Activation::<T>::forward_in_place(&#a, #o, __out.as_mut_slice());)
        });
        let body = match &l.kind {
            LayerKind::Dropout(_) => {
                let a = &parents[0];
                quote!(__out.copy_from(#a);)
            }
            LayerKind::Op(_) => {
                let (op, a) = (op_trait(l, false), &parents[0]);
                quote!(#op::op_forward(&self.#f, #a, __out, &mut #op::empty_cache());)
            }
            LayerKind::Join(jn) => join::forward(net, l, *jn, &parents, &quote!(__out)),
        };
        quote! {{
            let (__rest, __out) = ::nn_core::workspace::split::<T, #o>(__ws, #off);
            let _ = &__rest;
            #body
            #act
        }}
    });
    let outs: Vec<_> = net
        .outputs
        .iter()
        .map(|s| match s {
            Src::Node(j) => {
                let (o, off) = (&sizes[*j], offset(*j));
                quote!(*::nn_core::workspace::get::<T, #o>(__ws, #off))
            }
            Src::Input(i) => {
                let p = input_param(net, *i);
                quote!(*#p)
            }
        })
        .collect();
    let ret = tuple(&outs);

    let heap = quote! {
        let mut __ws = ::nn_core::workspace::on_heap::<T>(Self::WORKSPACE_LEN);
        self.__forward_workspace(#(#args,)* &mut __ws)
    };
    let forward_body = match small(net) {
        Some(true) => stack,
        Some(false) => quote!(::nn_core::__private::alloc_or!({ #heap } else { #stack })),
        None => quote! {
            ::nn_core::__private::alloc_or!({
                if Self::WORKSPACE_LEN <= #STACK_VALUES { #stack } else { #heap }
            } else { #stack })
        },
    };
    let limit = format!(
        " One sample's output `f(x)`. Activations up to {STACK_VALUES} values live on the \
         stack; a larger network's go to a heap workspace of \
         [`WORKSPACE_LEN`](Self::WORKSPACE_LEN) values (with the `alloc` feature), so stack \
         use does not grow with the input. [`forward_in`](Self::forward_in) never allocates."
    );
    let name = &net.name;

    quote! {
        impl<#gp> #name<#ga> {
            #[doc(hidden)]
            const __WORKSPACE: ::nn_core::workspace::Plan<#count> =
                ::nn_core::workspace::plan([#(#sizes),*], [#(#last),*]);

            /// The number of `T` values [`forward_in`](Self::forward_in) needs in its
            /// workspace: every layer output still to be read, placed without overlap.
            pub const WORKSPACE_LEN: usize = Self::__WORKSPACE.len;

            /// The workspace's size in bytes, `WORKSPACE_LEN * size_of::<T>()`.
            pub const WORKSPACE_BYTES: usize =
                Self::WORKSPACE_LEN * ::core::mem::size_of::<T>();

            #[doc = #limit]
            #[allow(clippy::let_and_return)]
            #forward_sig {
                #forward_body
            }

            /// One sample's output `f(x)` computed in `workspace`, which must hold at least
            /// [`WORKSPACE_LEN`](Self::WORKSPACE_LEN) values (its contents do not matter).
            /// Allocates nothing and uses a few hundred bytes of stack whatever the size of
            /// the network: the path for large networks without a heap.
            pub fn forward_in(&self, #(#params,)* workspace: &mut [T]) -> ::core::result::Result<#out_v, ::nn_core::Error> {
                ::nn_core::workspace::check_len(Self::WORKSPACE_LEN, workspace.len())?;
                ::core::result::Result::Ok(self.__forward_workspace(#(#args,)* workspace))
            }

            #[allow(unused_variables)]
            fn __forward_workspace(&self, #(#params,)* __ws: &mut [T]) -> #out_v {
                #(#steps)*
                #ret
            }
        }
    }
}
