//! The code of a `tfl_` network: a unit struct whose `run_in` calls
//! `nn_core::quant::tflite`'s kernels on views of the embedded parameters (a byte string of
//! only what the kernels read, [`super::blob`]), the layers taking turns at the two ends of
//! one arena (see `nn_core::quant::tflite::arena_pair`).

use super::file::{At, Layout, Params, Quant};
use super::kinds::{Act, Net, Op, Window};
use crate::ast::NetworkDecl;
use crate::weights::WeightsAttr;
use proc_macro2::{Literal, TokenStream};
use quote::quote;

fn lit(n: usize) -> Literal {
    Literal::usize_unsuffixed(n)
}

fn f32_bits(v: f32) -> TokenStream {
    let bits = Literal::u32_suffixed(v.to_bits());
    quote!(f32::from_bits(#bits))
}

fn quant(q: Quant) -> TokenStream {
    let (s, z) = (f32_bits(q.scale), Literal::i32_unsuffixed(q.zero_point));
    quote!(::nn_core::quant::tflite::QuantParams { scale: #s, zero_point: #z })
}

fn shape4(s: &[usize]) -> TokenStream {
    let d = s.iter().map(|&d| lit(d));
    quote!([#(#d),*])
}

fn view(ty: TokenStream, at: Option<At>) -> TokenStream {
    let at = at.unwrap_or(At { start: 0, len: 0 });
    let (start, len) = (lit(at.start), lit(at.len));
    quote!({
        const V: &[#ty] = ::nn_core::embed::view_slice(&__NN_PARAMS, #start, #len);
        V
    })
}

fn act(a: Act) -> TokenStream {
    match a {
        Act::None => quote!(None),
        Act::Relu => quote!(Relu),
        Act::Relu6 => quote!(Relu6),
        Act::ReluN1To1 => quote!(ReluN1To1),
    }
}

fn range(a: Act, out: Quant) -> TokenStream {
    let (a, q) = (act(a), quant(out));
    quote!(__k::activation_range_i8(__k::FusedActivation::#a, #q))
}

fn requant(p: &Params, input: Quant, a: Act) -> TokenStream {
    let out = p.out.unwrap_or(input);
    let (m, s) = (view(quote!(i32), p.multiplier), view(quote!(i32), p.shift));
    let (io, oo) = (
        Literal::i32_unsuffixed(-input.zero_point),
        Literal::i32_unsuffixed(out.zero_point),
    );
    let r = range(a, out);
    quote!(__k::Requant {
        input_offset: #io,
        filter_offset: 0,
        output_offset: #oo,
        multipliers: #m,
        shifts: #s,
        range: #r,
    })
}

fn pair(p: (usize, usize)) -> TokenStream {
    let (a, b) = (lit(p.0), lit(p.1));
    quote!((#a, #b))
}

fn conv_geometry(w: &Window) -> TokenStream {
    let (s, d, p) = (pair(w.stride), pair(w.dilation), pair(w.pad));
    quote!(__k::ConvGeometry { stride: #s, dilation: #d, padding: #p })
}

/// A fully-connected layer of at most this many multiply-adds per row of its input takes the
/// one-product-at-a-time kernel (`quant::tflite::reference`, the same bits): with the
/// feature `arm-dsp` the DSP kernel saves about two instructions per multiply-add but is
/// 3.7 kB of code, more than such a layer's whole weights. Sine's layers (16 to 256
/// multiply-adds) take the small kernel, micro_speech's 4000 x 4 the DSP one.
const SMALL_FC_MACS: usize = 1024;

/// The largest input plus output over the layers that read or write the arena.
pub fn arena_bytes(sizes: &[(usize, usize)]) -> usize {
    let m = sizes.len();
    sizes
        .iter()
        .enumerate()
        .map(|(j, &(i, o))| if j > 0 { i } else { 0 } + if j + 1 < m { o } else { 0 })
        .max()
        .unwrap_or(0)
}

/// The network's code.
pub fn generate(decl: &NetworkDecl, net: &Net, layout: &Layout, attr: &WeightsAttr) -> TokenStream {
    let (attrs, vis, name) = (&decl.attrs, &decl.vis, &decl.name);
    let len = |s: &[usize]| s.iter().product::<usize>();
    // The layers that compute (a reshape only renames the shape of the same bytes).
    let compute: Vec<usize> = (0..net.layers.len())
        .filter(|&i| !matches!(net.layers[i].op, Op::Reshape))
        .collect();
    let sizes: Vec<(usize, usize)> = compute
        .iter()
        .map(|&i| (len(&net.layers[i].input), len(&net.layers[i].out)))
        .collect();
    let arena = arena_bytes(&sizes);
    let mut quants = vec![layout.input];
    for p in &layout.layers {
        quants.push(p.out.unwrap_or(*quants.last().unwrap_or(&layout.input)));
    }
    let m = compute.len();
    let mut body = Vec::new();
    for (j, &i) in compute.iter().enumerate() {
        let l = &net.layers[i];
        let p = &layout.layers[i];
        let qin = quants[i];
        let out_q = p.out.unwrap_or(qin);
        let (n_in, n_out) = (lit(len(&l.input)), lit(len(&l.out)));
        let front = j % 2 == 0;
        let prev_front = !front;
        let io = match (j == 0, j + 1 == m) {
            (true, true) => quote!(let (x, y): (&[i8], &mut [i8]) = (&input[..], &mut output[..]);),
            (true, false) => {
                quote!(let (x, y): (&[i8], &mut [i8]) = (&input[..], __k::arena_write(&mut arena[..], #front, #n_out)?);)
            }
            (false, true) => {
                quote!(let (x, y): (&[i8], &mut [i8]) = (__k::arena_read(&arena[..], #prev_front, #n_in)?, &mut output[..]);)
            }
            (false, false) => {
                quote!(let (x, y) = __k::arena_pair(&mut arena[..], #front, #n_in, #n_out)?;)
            }
        };
        let call = match &l.op {
            Op::FullyConnected { act, .. } => {
                let rq = requant(p, qin, *act);
                let (w, b) = (view(quote!(i8), p.weight), view(quote!(i32), p.bias));
                let depth = *l.input.last().unwrap_or(&1);
                let kernel = if depth * l.out.last().unwrap_or(&1) <= SMALL_FC_MACS {
                    quote!(__k::reference::fully_connected)
                } else {
                    quote!(__k::fully_connected)
                };
                let depth = lit(depth);
                quote!(#kernel(&#rq, x, #depth, #w, Some(#b), y)?;)
            }
            Op::Conv { act, win, filters } => {
                let rq = requant(p, qin, *act);
                let (w, b) = (view(quote!(i8), p.weight), view(quote!(i32), p.bias));
                let g = conv_geometry(win);
                let fs = shape4(&[*filters, win.kernel.0, win.kernel.1, l.input[3]]);
                let (is, os) = (shape4(&l.input), shape4(&l.out));
                quote!(__k::conv_2d(&#rq, &#g, x, #is, #w, #fs, Some(#b), y, #os)?;)
            }
            Op::Depthwise {
                act,
                win,
                multiplier,
            } => {
                let rq = requant(p, qin, *act);
                let (w, b) = (view(quote!(i8), p.weight), view(quote!(i32), p.bias));
                let g = conv_geometry(win);
                let fs = shape4(&[1, win.kernel.0, win.kernel.1, l.out[3]]);
                let (is, os, mult) = (shape4(&l.input), shape4(&l.out), lit(*multiplier));
                quote!(__k::depthwise_conv_2d(&#rq, &#g, #mult, x, #is, #w, #fs, Some(#b), y, #os)?;)
            }
            Op::Pool { max, win, act } => {
                let kind = if *max { quote!(Max) } else { quote!(Average) };
                let (f, s, pad, r) = (
                    pair(win.kernel),
                    pair(win.stride),
                    pair(win.pad),
                    range(*act, out_q),
                );
                let (is, os) = (shape4(&l.input), shape4(&l.out));
                quote!(__k::pool_2d(__k::PoolKind::#kind, &__k::PoolGeometry { filter: #f, stride: #s, padding: #pad, range: #r }, x, #is, y, #os)?;)
            }
            Op::Softmax { beta } => {
                let (b, s) = (f32_bits(*beta), f32_bits(qin.scale));
                let depth = lit(*l.input.last().unwrap_or(&1));
                quote!(__k::softmax_i8(&__k::SoftmaxParams::new(#b, #s), x, #depth, y)?;)
            }
            Op::Reshape => quote!(),
        };
        body.push(quote!({
            #io
            #call
        }));
    }
    if compute.is_empty() {
        body.push(quote!(output.copy_from_slice(input);));
    }
    let in_shape = &net.input;
    let out_shape = &net.layers.last().map_or(in_shape, |l| &l.out);
    let (in_len, out_len) = (lit(len(in_shape)), lit(len(out_shape)));
    let (in_rank, out_rank) = (lit(in_shape.len()), lit(out_shape.len()));
    let (in_dims, out_dims) = (
        in_shape.iter().map(|&d| lit(d)),
        out_shape.iter().map(|&d| lit(d)),
    );
    let (in_q, out_q) = (
        quant(layout.input),
        quant(*quants.last().unwrap_or(&layout.input)),
    );
    let arena_lit = lit(arena);
    let blob_len = lit(layout.blob.len());
    let blob = Literal::byte_string(&layout.blob);
    let include = attr.include();
    let doc_new = format!(
        "The network with the int8 parameters of `{}`, embedded at compile time.",
        attr.path
    );
    quote! {
        #(#attrs)*
        #[derive(Clone, Copy, Debug, Default)]
        #vis struct #name;

        impl #name {
            /// The input's shape (NHWC for images).
            #vis const INPUT_SHAPE: [usize; #in_rank] = [#(#in_dims),*];
            /// The output's shape.
            #vis const OUTPUT_SHAPE: [usize; #out_rank] = [#(#out_dims),*];
            /// The number of int8 input values.
            #vis const INPUT_LEN: usize = #in_len;
            /// The number of int8 output values.
            #vis const OUTPUT_LEN: usize = #out_len;
            /// The input's quantization: `real = scale · (q - zero_point)`.
            #vis const INPUT_QUANT: ::nn_core::quant::tflite::QuantParams = #in_q;
            /// The output's quantization.
            #vis const OUTPUT_QUANT: ::nn_core::quant::tflite::QuantParams = #out_q;
            /// The bytes of activation memory inference needs beside the input and the
            /// output: the largest input plus output of the layers in between, which take
            /// turns at the two ends of one arena.
            #vis const ARENA_BYTES: usize = #arena_lit;

            #[doc = #doc_new]
            #vis const fn new() -> Self {
                #name
            }

            /// Runs the network on one int8 input with its arena on the stack
            /// (`ARENA_BYTES`); allocates nothing. The error is a kernel's refusal, which the
            /// macro's shape checks rule out.
            #vis fn run(&self, input: &[i8; #in_len], output: &mut [i8; #out_len]) -> ::core::result::Result<(), ::nn_core::Error> {
                let mut arena = [0i8; #arena_lit];
                self.run_in(&mut arena, input, output)
            }

            /// Runs the network on one int8 input with the caller's arena (a `static` buffer,
            /// say); allocates nothing.
            #[allow(unused_variables, unused_mut)]
            #vis fn run_in(&self, arena: &mut [i8; #arena_lit], input: &[i8; #in_len], output: &mut [i8; #out_len]) -> ::core::result::Result<(), ::nn_core::Error> {
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

#[cfg(test)]
mod tests {
    use super::arena_bytes;

    #[test]
    fn the_arena_holds_the_largest_input_plus_output_between_the_ends() {
        // 10 -> 6 -> 8 -> 2: the first layer reads the caller's input and the last writes
        // the caller's output, so the arena holds 6 (layer 0's output), 6 + 8, 8.
        assert_eq!(arena_bytes(&[(10, 6), (6, 8), (8, 2)]), 14);
        assert_eq!(arena_bytes(&[(10, 2)]), 0);
        assert_eq!(arena_bytes(&[(4, 9), (9, 1)]), 9);
        assert_eq!(arena_bytes(&[]), 0);
    }
}
