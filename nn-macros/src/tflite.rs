//! `network!` over TFLite full-integer int8 layers (`tfl_*` kinds), embedded from a weights
//! file that `nn-import MODEL.tflite --name NAME --out DIR` writes.
//!
//! Activations are int8 with a scale `s` and zero point `z` per tensor (`r = s (q - z)`),
//! weights int8 with per-channel scales, biases int32; a layer computes
//! `y = clamp(z_out + M·(Σ w (x - z_in) + b), lo, hi)` with TFLM's fixed-point `M`
//! (`nn_core::quant::tflite`). Shapes are TFLite's: NHWC activations, `[out, kh, kw, in]`
//! convolution filters, `[1, kh, kw, c·m]` depthwise filters, `[out, in]` dense weights.
//!
//! ```text
//! input: [1, 49, 40, 1],
//! dw1: tfl_depthwise_conv2d(kernel = (10, 8), stride = (2, 2), padding = same, multiplier = 8, act = relu),
//! flat: tfl_reshape([1, 4000]),
//! fc1: tfl_fully_connected(4),
//! probs: tfl_softmax(beta = 1.0),
//! ```
//!
//! The file holds, for the input and every layer `L`, `L.shape` (I32, the NHWC output
//! shape), `L.scale` (F32 `[1]`) and `L.zero_point` (I32 `[1]`) (a reshape only its shape),
//! and for `tfl_fully_connected`, `tfl_conv2d` and `tfl_depthwise_conv2d` `L.weight` (I8),
//! `L.bias` (I32 `[C]`), `L.weight_scale` (F32, `[C]` or `[1]`) and TFLM's requantization
//! `L.multiplier` and `L.shift` (I32, as `L.weight_scale`). Every tensor is checked against the
//! declaration while expanding; a mismatch is an error on the layer naming the tensor.
//!
//! The pipeline: `validate::tfl` lowers each layer through its kind (`kinds::tfl`, one type
//! per kind implementing `TflKind`) over its input's shape to an `ir::TflNetwork`;
//! `validate::tfl_weights` checks the file against it (the tensors each kind reads) and
//! gives the `Layout`, whose bytes (`validate::tfl_blob`) are only the tensors the kernels
//! read; `codegen::tfl` writes the struct, placing each kind's kernel call.
//!
//! The activations live in one arena of `ARENA_BYTES` (a `const` the macro computes: the
//! largest input plus output of the layers between the first and the last, which read the
//! caller's input and write the caller's output), on the stack (`run`) or in a caller's
//! buffer (`run_in`); nothing is allocated.

use crate::ast::{Item, NetworkDecl};
use crate::codegen::tfl as codegen;
use crate::kinds::tfl::PREFIX;
use crate::validate::{tfl as lower, tfl_weights as file};
use crate::weights::WeightsAttr;
use proc_macro2::TokenStream;

/// Whether `decl` declares a network of TFLite int8 layers (any layer kind `tfl_*`, the
/// prefix every registered `tfl_` kind has).
pub fn is_tflite(decl: &NetworkDecl) -> bool {
    decl.items
        .iter()
        .any(|i| matches!(i, Item::Layer(l) if l.kind.to_string().starts_with(PREFIX)))
}

/// Expands a TFLite int8 declaration: the struct and its `run`, or every error beside a
/// stand-in struct.
pub fn expand(decl: NetworkDecl, weights: Option<WeightsAttr>) -> TokenStream {
    let mut errs = decl.errors.clone();
    let stub = crate::codegen::embedded::stub(&decl.attrs, &decl.vis, &decl.name);
    let Some(weights) = weights else {
        errs.push(syn::Error::new(
            decl.name.span(),
            format!(
                "`{}` has `tfl_` layers, which are embedded from a weights file, but has no `#[weights = \"...\"]`\n\nhelp: `cargo run -p nn-import -- MODEL.tflite --name {} --out DIR` writes the declaration and its file",
                decl.name, decl.name
            ),
        ));
        return errors(&errs, stub);
    };
    let file = match file::File::open(&weights) {
        Ok(f) => f,
        Err(e) => {
            errs.push(syn::Error::new(weights.span, e));
            return errors(&errs, stub);
        }
    };
    let net = lower::lower(&decl, &mut errs, &|layer| file.declared_shape(layer));
    let Some(net) = net else {
        return errors(&errs, stub);
    };
    let plan = match codegen::place(&net) {
        Ok(p) => p,
        Err(e) => {
            errs.push(e);
            return errors(&errs, stub);
        }
    };
    let checked = file::check(&net, file, &mut errs);
    match checked {
        Some(layout) if errs.is_empty() => codegen::generate(&net, &layout, &plan, &weights),
        _ => errors(&errs, stub),
    }
}

fn errors(errs: &[syn::Error], stub: TokenStream) -> TokenStream {
    let errs = errs.iter().map(syn::Error::to_compile_error);
    quote::quote!(#(#errs)* #stub)
}
