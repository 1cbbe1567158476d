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
    let (attrs, vis, name) = (&net.attrs, &net.vis, &net.name);
    let len = |s: &[usize]| s.iter().product::<usize>();
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
    let in_shape = &net.input;
    let (out_shape, out_dtype) = net
        .layers
        .last()
        .map_or((in_shape, net.input_dtype), |l| (&l.out, l.out_dtype));
    let (in_ty, out_ty) = (net.input_dtype.rust(), out_dtype.rust());
    let (in_len, out_len) = (lit(len(in_shape)), lit(len(out_shape)));
    let (in_rank, out_rank) = (lit(in_shape.len()), lit(out_shape.len()));
    let (in_dims, out_dims) = (
        in_shape.iter().map(|&d| lit(d)),
        out_shape.iter().map(|&d| lit(d)),
    );
    let dname = |d: Dtype| if d == Dtype::F32 { "float32" } else { "int8" };
    let doc_in_len = format!("The number of {} input values.", dname(net.input_dtype));
    let doc_out_len = format!("The number of {} output values.", dname(out_dtype));
    let in_q = (net.input_dtype == Dtype::I8).then(|| {
        let q = quant(layout.input);
        quote! {
            /// The input's quantization: `real = scale · (q - zero_point)`.
            #vis const INPUT_QUANT: ::nn_core::quant::tflite::QuantParams = #q;
        }
    });
    let out_q = (out_dtype == Dtype::I8).then(|| {
        let q = quant(layout.layers.last().map_or(layout.input, |p| p.out));
        quote! {
            /// The output's quantization.
            #vis const OUTPUT_QUANT: ::nn_core::quant::tflite::QuantParams = #q;
        }
    });
    let (a8, af) = (lit(plan.arena_i8), lit(plan.arena_f32));
    let bytes = lit(plan.arena_i8 + 4 * plan.arena_f32);
    let blob_len = lit(layout.blob.len());
    let blob = Literal::byte_string(&layout.blob);
    let include = attr.include();
    let doc_new = format!(
        "The network with the parameters of `{}`, embedded at compile time.",
        attr.path
    );
    let (run, run_in) = if plan.arena_f32 == 0 {
        (
            quote! {
                /// Runs the network on one input with its arena on the stack
                /// (`ARENA_BYTES`); allocates nothing. The error is a kernel's refusal, which
                /// the macro's shape checks rule out.
                #vis fn run(&self, input: &[#in_ty; #in_len], output: &mut [#out_ty; #out_len]) -> ::core::result::Result<(), ::nn_core::Error> {
                    let mut arena = [0i8; #a8];
                    self.run_in(&mut arena, input, output)
                }
            },
            quote! {
                /// Runs the network on one input with the caller's arena (a `static`
                /// buffer, say); allocates nothing.
                #[allow(unused_variables, unused_mut)]
                #vis fn run_in(&self, arena: &mut [i8; #a8], input: &[#in_ty; #in_len], output: &mut [#out_ty; #out_len]) -> ::core::result::Result<(), ::nn_core::Error>
            },
        )
    } else {
        (
            quote! {
                /// Runs the network on one input with its arenas on the stack
                /// (`ARENA_BYTES`); allocates nothing. The error is a kernel's refusal, which
                /// the macro's shape checks rule out.
                #vis fn run(&self, input: &[#in_ty; #in_len], output: &mut [#out_ty; #out_len]) -> ::core::result::Result<(), ::nn_core::Error> {
                    let mut arena = [0i8; #a8];
                    let mut arena_f32 = [0f32; #af];
                    self.run_in(&mut arena, &mut arena_f32, input, output)
                }
            },
            quote! {
                /// Runs the network on one input with the caller's arenas (`static` buffers,
                /// say), one per activation dtype; allocates nothing.
                #[allow(unused_variables, unused_mut)]
                #vis fn run_in(&self, arena: &mut [i8; #a8], arena_f32: &mut [f32; #af], input: &[#in_ty; #in_len], output: &mut [#out_ty; #out_len]) -> ::core::result::Result<(), ::nn_core::Error>
            },
        )
    };
    quote! {
        #(#attrs)*
        #[derive(Clone, Copy, Debug, Default)]
        #vis struct #name;

        impl #name {
            /// The input's shape (NHWC for images).
            #vis const INPUT_SHAPE: [usize; #in_rank] = [#(#in_dims),*];
            /// The output's shape.
            #vis const OUTPUT_SHAPE: [usize; #out_rank] = [#(#out_dims),*];
            #[doc = #doc_in_len]
            #vis const INPUT_LEN: usize = #in_len;
            #[doc = #doc_out_len]
            #vis const OUTPUT_LEN: usize = #out_len;
            #in_q
            #out_q
            /// The int8 values of the activation arena: each int8 activation between the
            /// first layer and the last (which read the caller's input and write the
            /// caller's output) has a place there from the layer writing it to the last
            /// layer reading it, disjoint from those alive at the same time; this is the end
            /// of the highest.
            #vis const ARENA_I8: usize = #a8;
            /// The float32 values of the float activations' arena, sized as `ARENA_I8`.
            #vis const ARENA_F32: usize = #af;
            /// The bytes of activation memory inference needs beside the input and the
            /// output: `ARENA_I8 + 4 · ARENA_F32`.
            #vis const ARENA_BYTES: usize = #bytes;

            #[doc = #doc_new]
            #vis const fn new() -> Self {
                #name
            }

            #run

            #run_in {
                use ::nn_core::quant::tflite as __k;
                // Rebuilt when the file changes; only `blob`'s bytes reach the binary.
                const _: &[u8] = ::core::include_bytes!(#include);
                static __NN_PARAMS: ::nn_core::embed::Aligned<[u8; #blob_len]> =
                    ::nn_core::embed::Aligned(*#blob);
                #(#body)*
                Ok(())
            }
        }
    }
}
