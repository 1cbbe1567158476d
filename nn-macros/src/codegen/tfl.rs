//! The code of a `tfl_` network: a unit struct whose `run_in` calls
//! `nn_core::quant::tflite`'s kernels on views of the embedded parameters (a byte string of
//! only what the kernels read, `validate::tfl_blob`), the layers taking turns at the two ends of
//! one arena (see `nn_core::quant::tflite::arena_pair`).

use crate::ir::{TflLayer, TflNetwork};
use crate::kinds::tfl::emit::{lit, quant};
use crate::kinds::tfl::{Dtype, Emit, Quant};
use crate::validate::tfl_weights::{At, Layout, Params};
use crate::weights::WeightsAttr;
use proc_macro2::{Literal, TokenStream};
use quote::quote;

/// A view of the tensor at `at` of the embedded parameters, as a `&'static [T]` of its dtype.
fn view(dtype: Dtype, at: At) -> TokenStream {
    let ty = dtype.rust();
    let (start, len) = (lit(at.start), lit(at.len));
    quote!({
        const V: &[#ty] = ::nn_core::embed::view_slice(&__NN_PARAMS, #start, #len);
        V
    })
}

/// Layer `l`'s kernel call, its kind given a view of each of its tensors.
fn call(l: &TflLayer, p: &Params, input: Quant) -> TokenStream {
    let views = l
        .kind
        .tensors(l)
        .iter()
        .zip(&p.tensors)
        .map(|(t, &at)| view(t.dtype, at))
        .collect();
    let e = Emit {
        input,
        output: p.out,
        views,
    };
    l.kind.emit(l, &e)
}

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
pub fn generate(net: &TflNetwork, layout: &Layout, attr: &WeightsAttr) -> TokenStream {
    let (attrs, vis, name) = (&net.attrs, &net.vis, &net.name);
    let len = |s: &[usize]| s.iter().product::<usize>();
    // The layers that compute (a reshape only renames the shape of the same bytes).
    let compute: Vec<usize> = (0..net.layers.len())
        .filter(|&i| net.layers[i].kind.computes())
        .collect();
    let sizes: Vec<(usize, usize)> = compute
        .iter()
        .map(|&i| (len(&net.layers[i].input), len(&net.layers[i].out)))
        .collect();
    let arena = arena_bytes(&sizes);
    let mut quants = vec![layout.input];
    quants.extend(layout.layers.iter().map(|p| p.out));
    let m = compute.len();
    let mut body = Vec::new();
    for (j, &i) in compute.iter().enumerate() {
        let l = &net.layers[i];
        let p = &layout.layers[i];
        let qin = quants[i];
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
        let call = call(l, p, qin);
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
