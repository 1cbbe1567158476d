//! The forward pass of an embedded network, for any graph: `z_l = f_l(parents)`,
//! `x_l = σ(z_l)` in declaration order, for one sample, with no heap.
//!
//! Each node's output lives in a stack buffer (a `[T; M]` array, viewed as `SVector<T, N>`
//! with `nn_core::__private::vector`/`vector_mut`) from the node's step to its last reader's;
//! a buffer is then free for a later node, and sized for the largest node it holds
//! (`nn_core::__private::max_of`). A node never writes into a buffer it reads, since its parents
//! are still live while it runs. For a chain this alternates between two buffers, so the
//! stack holds two layers' outputs, not all of them. Inputs are read through their
//! references; dropout (the identity at inference) is its parent's value, with no step; an
//! output is copied out of its buffer at the end.

use super::{act_value, input_param, join, src_size, tuple};
use crate::ir::{Layer, LayerKind, Network, Src};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

/// The forward function's parts: its parameters (one `&SVector` per input, in declaration
/// order), its return type (one vector, or a tuple in `output` order) and its body, which
/// names the scalar `T`.
pub struct Forward {
    pub params: Vec<TokenStream>,
    pub output: TokenStream,
    pub body: TokenStream,
}

/// Where a source's value is: an input, or a node that has a step (not dropout).
fn place(net: &Network, s: Src) -> Src {
    match s {
        Src::Node(j) if net.layers[j].dropout().is_some() => place(net, net.layers[j].parents[0]),
        other => other,
    }
}

/// Stack buffers for the nodes with a step: `slot[j]` for node `j`, and each buffer's
/// sizes (the nodes it holds, one after another).
fn allocate(net: &Network) -> (Vec<Option<usize>>, Vec<Vec<TokenStream>>) {
    let n = net.layers.len();
    let has_step = |j: usize| net.layers[j].dropout().is_none();
    // The last node reading each node's value; outputs stay live to the end.
    let mut last = vec![None; n];
    for (j, l) in net.layers.iter().enumerate().filter(|(j, _)| has_step(*j)) {
        for p in &l.parents {
            if let Src::Node(k) = place(net, *p) {
                last[k] = Some(j);
            }
        }
    }
    for s in &net.outputs {
        if let Src::Node(k) = place(net, *s) {
            last[k] = Some(usize::MAX);
        }
    }
    let (mut slot, mut sizes, mut busy) = (vec![None; n], Vec::<Vec<_>>::new(), Vec::new());
    for (j, l) in net.layers.iter().enumerate().filter(|(j, _)| has_step(*j)) {
        let b = busy.iter().position(|b| !b).unwrap_or_else(|| {
            busy.push(false);
            sizes.push(vec![]);
            busy.len() - 1
        });
        busy[b] = true;
        sizes[b].push(l.outputs.tokens());
        slot[j] = Some(b);
        // Free the parents read for the last time, and the node itself if nothing reads it.
        let reads = l.parents.iter().map(|p| place(net, *p));
        for k in reads.chain([Src::Node(j)]).filter_map(|s| match s {
            Src::Node(k) => Some(k),
            Src::Input(_) => None,
        }) {
            if last[k].is_none_or(|u| u == j) {
                if let Some(b) = slot[k] {
                    busy[b] = false;
                }
            }
        }
    }
    (slot, sizes)
}

/// The buffer of slot `b`.
fn buffer(b: usize) -> Ident {
    format_ident!("__s{}", b)
}

/// A source's value, as a `&SVector<T, N>` expression.
fn read(net: &Network, slot: &[Option<usize>], s: Src) -> TokenStream {
    match place(net, s) {
        Src::Input(i) => {
            let p = input_param(net, i);
            quote!(#p)
        }
        Src::Node(k) => {
            let (buf, n) = (buffer(slot[k].unwrap_or(0)), src_size(net, Src::Node(k)));
            quote!(::nn_core::__private::vector::<T, #n, _>(&#buf))
        }
    }
}

/// The code writing layer `l`'s `z` into `__y` from its first parent `x`: a layer with
/// parameters through `Infer`, a kind without through its `Op` on a zero-sized value.
fn apply(l: &Layer, x: &TokenStream) -> TokenStream {
    let (f, li, lo) = (&l.name, l.inputs.tokens(), l.outputs.tokens());
    match &l.kind {
        LayerKind::Op(o) if o.has_params() => quote! {
            ::nn_core::embed::Infer::<T, #li, #lo>::infer(&self.#f, #x, __y);
        },
        LayerKind::Op(o) => {
            let ty = o.trainable(&quote!(T));
            quote! {
                let mut __cache = <#ty as ::nn_core::layer::Op<T, #li, #lo>>::empty_cache();
                ::nn_core::layer::Op::<T, #li, #lo>::op_forward(
                    &<#ty as ::nn_core::layer::Layer<T>>::zeros(), #x, __y, &mut __cache,
                );
            }
        }
        LayerKind::Dropout(_) | LayerKind::Join(_) => TokenStream::new(),
    }
}

pub fn generate(net: &Network, t: &TokenStream) -> Forward {
    let (slot, sizes) = allocate(net);
    let mut steps = Vec::new();
    for (j, l) in net.layers.iter().enumerate() {
        let Some(b) = slot[j] else { continue };
        let (buf, lo) = (buffer(b), l.outputs.tokens());
        let parents: Vec<_> = l.parents.iter().map(|p| read(net, &slot, *p)).collect();
        let z = match &l.kind {
            LayerKind::Join(jn) => join::forward(net, l, *jn, &parents, &quote!(__y)),
            _ => apply(l, &parents[0]),
        };
        let act = act_value(l.act).map(|a| {
            quote!(::nn_core::activation::Activation::<T>::forward_in_place(&#a, #lo, __y.as_mut_slice());)
        });
        steps.push(quote! {{
            let __y = ::nn_core::__private::vector_mut::<T, #lo, _>(&mut #buf);
            #z
            #act
        }});
    }
    let buffers = sizes.iter().enumerate().map(|(b, s)| {
        let buf = buffer(b);
        quote! {
            let mut #buf = [<T as ::core::default::Default>::default(); ::nn_core::__private::max_of(&[#(#s),*])];
        }
    });
    let outs: Vec<_> = net
        .outputs
        .iter()
        .map(|s| {
            let v = read(net, &slot, *s);
            quote!(*#v)
        })
        .collect();
    let ret = tuple(&outs);
    let params = (0..net.inputs.len())
        .map(|i| {
            let (p, n) = (input_param(net, i), src_size(net, Src::Input(i)));
            quote!(#p: &::nn_core::nalgebra::SVector<#t, #n>)
        })
        .collect();
    let tys: Vec<_> = net
        .outputs
        .iter()
        .map(|s| {
            let n = src_size(net, *s);
            quote!(::nn_core::nalgebra::SVector<#t, #n>)
        })
        .collect();
    Forward {
        params,
        output: tuple(&tys),
        body: quote! {
            #(#buffers)*
            #(#steps)*
            #ret
        },
    }
}

#[cfg(test)]
mod tests {
    use super::allocate;
    use crate::ast::NetworkDecl;
    use crate::validate::validate;

    /// Each node's buffer, and the largest size each buffer holds.
    fn buffers(decl: NetworkDecl) -> (Vec<Option<usize>>, Vec<usize>) {
        let net = validate(decl).unwrap_or_else(|_| panic!("valid declaration rejected"));
        let (slot, sizes) = allocate(&net);
        let max = sizes
            .iter()
            .map(|s| {
                s.iter()
                    .map(|n| n.to_string().parse().unwrap())
                    .max()
                    .unwrap()
            })
            .collect();
        (slot, max)
    }

    #[test]
    fn a_chain_alternates_between_two_buffers_and_dropout_takes_none() {
        let (slot, max) = buffers(syn::parse_quote! {
            struct N { input: 4, a: dense(8), d: dropout(0.5), b: dense(6), c: dense(2) }
        });
        assert_eq!(slot, [Some(0), None, Some(1), Some(0)]);
        assert_eq!(max, [8, 6]);
    }

    #[test]
    fn a_buffer_is_reused_once_its_readers_have_run() {
        // `x1` is read by `h` and by `sum`, so `h` and `sum` take new buffers; `out` reuses
        // `x1`'s.
        let (slot, _) = buffers(syn::parse_quote! {
            struct N { input: 4, x1: dense(8), h: dense(8), sum: add(x1, h), out: dense(3)(sum) }
        });
        assert_eq!(slot, [Some(0), Some(1), Some(2), Some(0)]);
        // A residual conv block: the shortcut keeps `stem` live across `c1` and `c2`; 7
        // outputs (779 values) fit in 3 buffers (512 values).
        let (slot, max) = buffers(syn::parse_quote! {
            struct N {
                input: [2, 8, 8],
                stem: conv2d(4, 3, pad = 1, relu),
                c1: conv2d(8, 3, stride = 2, pad = 1, floor = true, relu),
                c2: conv2d(8, 3, pad = 1),
                proj: conv2d(8, 1, stride = 2, bias = false, floor = true)(stem),
                block: add(c2, proj, relu),
                gap: global_avg_pool,
                out: dense(3),
            }
        });
        assert_eq!(slot, [0, 1, 2, 1, 0, 1, 0].map(Some));
        assert_eq!(max, [256, 128, 128]);
    }

    #[test]
    fn outputs_stay_live_to_the_end() {
        // `a` is an output read by `b`: `c` may not take its buffer.
        let (slot, _) = buffers(syn::parse_quote! {
            struct N { input: 4, a: dense(8), b: dense(8), c: dense(2), output: (a, c) }
        });
        assert_eq!(slot, [Some(0), Some(1), Some(2)]);
    }
}
