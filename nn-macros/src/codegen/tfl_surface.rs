//! The surface of a `tfl_` network, written once for the network and for its stand-in: the
//! unit struct, its constants (`INPUT_SHAPE`, `INPUT_LEN`, `INPUT_QUANT` for an int8 input,
//! the arena sizes), `new`, and `run`/`run_in` over `[in; INPUT_LEN]` and `[out; OUTPUT_LEN]`
//! with one arena per activation dtype the network uses (`[i8; ARENA_I8]`, and
//! `[f32; ARENA_F32]` when it has float activations).
//!
//! The stand-in, emitted beside a declaration's errors, has the same surface over no file
//! and a `run_in` that is never reached: the shapes, dtypes and arenas of the lowered network
//! when lowering succeeded (the file's tensors were wrong), and otherwise
//! `crate::unknown`'s size and an element type naming it, which the compiler reads as an
//! error type, so a program calling `run` reports the declaration's errors alone.

use super::tfl_plan::Plan;
use crate::ir::TflNetwork;
use crate::kinds::tfl::emit::lit;
use crate::kinds::tfl::Dtype;
use proc_macro2::{Ident, TokenStream};
use quote::quote;

/// What the surface of a `tfl_` network is written from, as tokens.
pub struct Surface<'a> {
    pub attrs: &'a [syn::Attribute],
    pub vis: &'a syn::Visibility,
    pub name: &'a Ident,
    /// `INPUT_SHAPE`'s and `OUTPUT_SHAPE`'s array lengths and values.
    pub in_shape: (TokenStream, TokenStream),
    pub out_shape: (TokenStream, TokenStream),
    /// The element types and lengths of `run`'s input and output.
    pub in_ty: TokenStream,
    pub out_ty: TokenStream,
    pub in_len: TokenStream,
    pub out_len: TokenStream,
    /// The dtype names in the length constants' docs (`int8`, `float32`, or none).
    pub in_name: &'static str,
    pub out_name: &'static str,
    /// `INPUT_QUANT` and `OUTPUT_QUANT`, for int8 ends.
    pub in_q: Option<TokenStream>,
    pub out_q: Option<TokenStream>,
    /// `ARENA_I8`, `ARENA_F32`; `run_in` takes the float arena when `floats`.
    pub a8: TokenStream,
    pub af: TokenStream,
    pub floats: bool,
    /// `new`'s doc.
    pub doc_new: String,
}

/// The struct and its `impl`, with `body` as `run_in`'s body.
pub fn emit(s: &Surface, body: TokenStream) -> TokenStream {
    let (attrs, vis, name) = (s.attrs, s.vis, s.name);
    let (in_ty, out_ty, in_len, out_len) = (&s.in_ty, &s.out_ty, &s.in_len, &s.out_len);
    let ((in_rank, in_dims), (out_rank, out_dims)) = (&s.in_shape, &s.out_shape);
    let doc_in_len = format!("The number of {}input values.", s.in_name);
    let doc_out_len = format!("The number of {}output values.", s.out_name);
    let in_q = s.in_q.as_ref().map(|q| {
        quote! {
            /// The input's quantization: `real = scale · (q - zero_point)`.
            #vis const INPUT_QUANT: ::nn_core::quant::tflite::QuantParams = #q;
        }
    });
    let out_q = s.out_q.as_ref().map(|q| {
        quote! {
            /// The output's quantization.
            #vis const OUTPUT_QUANT: ::nn_core::quant::tflite::QuantParams = #q;
        }
    });
    let (a8, af, doc_new) = (&s.a8, &s.af, &s.doc_new);
    let (run, run_in) = if !s.floats {
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
            #vis const INPUT_SHAPE: [usize; #in_rank] = #in_dims;
            /// The output's shape.
            #vis const OUTPUT_SHAPE: [usize; #out_rank] = #out_dims;
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
            #vis const ARENA_BYTES: usize = #a8 + 4 * #af;

            #[doc = #doc_new]
            #vis const fn new() -> Self {
                #name
            }

            #run

            #run_in {
                #body
            }
        }
    }
}

/// The surface of lowered network `net` placed by `plan`: its shapes, dtypes and arenas.
pub fn of<'a>(net: &'a TflNetwork, plan: &Plan, doc_new: String) -> Surface<'a> {
    let shape = |s: &[usize]| {
        let (rank, dims) = (lit(s.len()), s.iter().map(|&d| lit(d)));
        (quote!(#rank), quote!([#(#dims),*]))
    };
    let len = |s: &[usize]| {
        let n = lit(s.iter().product::<usize>());
        quote!(#n)
    };
    let (a8, af) = (lit(plan.arena_i8), lit(plan.arena_f32));
    let (out, out_dtype) = net
        .layers
        .last()
        .map_or((&net.input, net.input_dtype), |l| (&l.out, l.out_dtype));
    let dname = |d: Dtype| if d == Dtype::F32 { "float32 " } else { "int8 " };
    Surface {
        attrs: &net.attrs,
        vis: &net.vis,
        name: &net.name,
        in_shape: shape(&net.input),
        out_shape: shape(out),
        in_ty: net.input_dtype.rust(),
        out_ty: out_dtype.rust(),
        in_len: len(&net.input),
        out_len: len(out),
        in_name: dname(net.input_dtype),
        out_name: dname(out_dtype),
        in_q: None,
        out_q: None,
        a8: quote!(#a8),
        af: quote!(#af),
        floats: plan.arena_f32 > 0,
        doc_new,
    }
}

/// The stand-in emitted beside the errors of a `tfl_` declaration: the surface of `lowered`
/// (the network and its plan) when lowering succeeded, else of `crate::unknown`'s size.
pub fn standin(
    decl: &crate::ast::NetworkDecl,
    lowered: Option<(&TflNetwork, &Plan)>,
) -> TokenStream {
    let stub_q = quote!(::nn_core::quant::tflite::QuantParams {
        scale: 1.0,
        zero_point: 0
    });
    let doc = "A stand-in: the declaration has errors.".to_string();
    let surface = match lowered {
        Some((net, plan)) => {
            let mut s = of(net, plan, doc);
            s.in_q = (net.input_dtype == Dtype::I8).then(|| stub_q.clone());
            let out_i8 = net.layers.last().map_or(net.input_dtype, |l| l.out_dtype) == Dtype::I8;
            s.out_q = out_i8.then(|| stub_q.clone());
            s
        }
        None => {
            let c = crate::unknown::constant(&decl.name);
            let size = quote!({ #c });
            // An element type that names the unknown size: an error type too.
            let ty = quote!(<[(); #size] as ::core::iter::IntoIterator>::Item);
            Surface {
                attrs: &decl.attrs,
                vis: &decl.vis,
                name: &decl.name,
                in_shape: (size.clone(), quote!([0; #size])),
                out_shape: (size.clone(), quote!([0; #size])),
                in_ty: ty.clone(),
                out_ty: ty,
                in_len: size.clone(),
                out_len: size.clone(),
                in_name: "",
                out_name: "",
                in_q: Some(stub_q.clone()),
                out_q: Some(stub_q),
                a8: size.clone(),
                af: size,
                floats: false,
                doc_new: doc,
            }
        }
    };
    emit(&surface, quote!(::core::unreachable!()))
}
