//! The code of a `tfl_` network: a unit struct whose `run_in` calls
//! `nn_core::quant::tflite`'s kernels on views of the embedded parameters (a byte string of
//! only what the kernels read, `validate::tfl_blob`), each layer reading its parents and
//! writing its output where `tfl_plan` put them: the caller's input and output, or a place
//! in the arena of its dtype (`[i8; ARENA_I8]`, `[f32; ARENA_F32]`; see
//! `nn_core::quant::tflite::arena_split`).

use super::tfl_plan::{plan, Node, Plan, Role, Store};
use crate::ir::{TflLayer, TflNetwork, TflNode};
use crate::kinds::tfl::emit::{lit, quant};
use crate::kinds::tfl::{Dtype, Emit, Quant};
use crate::validate::tfl_weights::{At, Layout, Params};
use crate::weights::WeightsAttr;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

/// A view of the tensor at `at` of the embedded parameters, as a `&'static [T]` of its dtype.
fn view(dtype: Dtype, at: At) -> TokenStream {
    let ty = dtype.rust();
    let (start, len) = (lit(at.start), lit(at.len));
    quote!({
        const V: &[#ty] = ::nn_core::embed::view_slice(&__NN_PARAMS, #start, #len);
        V
    })
}

/// The views of layer `l`'s tensors.
fn views(l: &TflLayer, p: &Params) -> Vec<TokenStream> {
    l.kind
        .tensors(l)
        .iter()
        .zip(&p.tensors)
        .map(|(t, &at)| view(t.dtype, at))
        .collect()
}

/// The placement of `net`'s nodes.
pub fn place(net: &TflNetwork) -> Plan {
    let len = |s: &[usize]| s.iter().product::<usize>();
    let nodes: Vec<Node> = net
        .layers
        .iter()
        .map(|l| Node {
            parents: l.parents.clone(),
            role: if l.kind.stored() {
                Role::Stored
            } else if l.kind.computes() {
                Role::Computes
            } else {
                Role::Aliases
            },
            dtype: l.out_dtype,
            len: len(&l.out),
        })
        .collect();
    plan(&nodes)
}

/// The arena variable of `dtype`.
fn arena(dtype: Dtype) -> TokenStream {
    match dtype {
        Dtype::F32 => quote!(arena_f32),
        _ => quote!(arena),
    }
}

/// A slice of a node at `store` (`layers`' params give a constant's view).
fn read(store: Store, net: &TflNetwork, layout: &Layout) -> TokenStream {
    match store {
        Store::Input => quote!(&input[..]),
        Store::Output => quote!(&output[..]),
        Store::Flash(j) => views(&net.layers[j], &layout.layers[j])
            .into_iter()
            .next()
            .unwrap_or_default(),
        Store::Arena {
            dtype, offset, len, ..
        } => {
            let (a, o, n) = (arena(dtype), lit(offset), lit(len));
            quote!(__k::arena_read(&#a[..], #o, #n)?)
        }
    }
}

/// Layer `i`'s block: its slices and its kernel call.
fn layer_code(net: &TflNetwork, layout: &Layout, plan: &Plan, i: usize) -> TokenStream {
    let l = &net.layers[i];
    let p = &layout.layers[i];
    let stores: Vec<Store> = l
        .parents
        .iter()
        .map(|q| match q {
            TflNode::Input => Store::Input,
            TflNode::Layer(j) => plan.stores[*j],
        })
        .collect();
    let quant_of = |q: &TflNode| match q {
        TflNode::Input => layout.input,
        TflNode::Layer(j) => layout.layers[*j].out,
    };
    let inputs: Vec<Quant> = l.parents.iter().map(quant_of).collect();
    let ty_out = l.out_dtype.rust();
    let mut lets = Vec::new();
    // The parents in the output's arena, read through `arena_split` (`__x[k]`).
    let mut shared: Vec<Store> = Vec::new();
    match plan.stores[i] {
        Store::Arena {
            dtype, offset, len, ..
        } => {
            let (a, o, n) = (arena(dtype), lit(offset), lit(len));
            for s in &stores {
                if matches!(s, Store::Arena { dtype: d, .. } if *d == dtype) && !shared.contains(s)
                {
                    shared.push(*s);
                }
            }
            let ins = shared.iter().map(|s| match s {
                Store::Arena { offset, len, .. } => {
                    let (at, m) = (lit(*offset), lit(*len));
                    quote!((#at, #m))
                }
                _ => quote!(),
            });
            let k = lit(shared.len());
            lets.push(quote!(let (__x, y): ([&[#ty_out]; #k], &mut [#ty_out]) = __k::arena_split(&mut #a[..], (#o, #n), [#(#ins),*])?;));
        }
        _ => lets.push(quote!(let y: &mut [#ty_out] = &mut output[..];)),
    }
    for (k, (s, q)) in stores.iter().zip(&l.parents).enumerate() {
        let x = if k == 0 {
            format_ident!("x")
        } else {
            format_ident!("x{}", k)
        };
        let ty = match q {
            TflNode::Input => net.input_dtype.rust(),
            TflNode::Layer(j) => net.layers[*j].out_dtype.rust(),
        };
        let value = match shared.iter().position(|t| t == s) {
            Some(j) => {
                let j = lit(j);
                quote!(__x[#j])
            }
            None => read(*s, net, layout),
        };
        lets.push(quote!(let #x: &[#ty] = #value;));
    }
    let e = Emit {
        input: inputs.first().copied().unwrap_or(layout.input),
        inputs,
        output: p.out,
        views: views(l, p),
    };
    let call = l.kind.emit(l, &e);
    quote!({
        #(#lets)*
        #call
    })
}

/// The network's code.
pub fn generate(net: &TflNetwork, layout: &Layout, plan: &Plan, attr: &WeightsAttr) -> TokenStream {
    let mut body: Vec<TokenStream> = (0..net.layers.len())
        .filter(|&i| net.layers[i].kind.computes())
        .map(|i| layer_code(net, layout, plan, i))
        .collect();
    let last = net.layers.len().saturating_sub(1);
    if !plan.stores.contains(&Store::Output) {
        // Nothing computes the output (reshapes of the input or a constant): a copy.
        let src = read(plan.stores[last], net, layout);
        body.push(quote!(output.copy_from_slice(#src);));
    }
    let mut surface = super::tfl_surface::of(
        net,
        plan,
        format!(
            "The network with the parameters of `{}`, embedded at compile time.",
            attr.path
        ),
    );
    surface.in_q = (net.input_dtype == Dtype::I8).then(|| quant(layout.input));
    let out_i8 = net.layers.last().map_or(net.input_dtype, |l| l.out_dtype) == Dtype::I8;
    surface.out_q = out_i8.then(|| quant(layout.layers.last().map_or(layout.input, |p| p.out)));
    let blob_len = lit(layout.blob.len());
    let blob = Literal::byte_string(&layout.blob);
    let include = attr.include();
    super::tfl_surface::emit(
        &surface,
        quote! {
            use ::nn_core::quant::tflite as __k;
            // Rebuilt when the file changes; only `blob`'s bytes reach the binary.
            const _: &[u8] = ::core::include_bytes!(#include);
            static __NN_PARAMS: ::nn_core::embed::Aligned<[u8; #blob_len]> =
                ::nn_core::embed::Aligned(*#blob);
            #(#body)*
            Ok(())
        },
    )
}
