//! `network!` over TFLite layers (`tfl_*` kinds), embedded from a weights file that
//! `nn-import MODEL.tflite --name NAME --out DIR` writes.
//!
//! int8 activations have a scale `s` and zero point `z` per tensor (`r = s (q - z)`),
//! weights int8 with per-channel scales, biases int32; a layer computes
//! `y = clamp(z_out + M·(Σ w (x - z_in) + b), lo, hi)` with TFLM's fixed-point `M`
//! (`nn_core::quant::tflite`). float32 activations (`input: f32[..]`, or after a
//! `tfl_dequantize`) go through TFLite's float kernels, `y = clamp(Σ w x + b)`, until a
//! `tfl_quantize`. Shapes are TFLite's: NHWC activations, `[out, kh, kw, in]`
//! convolution filters, `[1, kh, kw, c·m]` depthwise filters, `[out, in]` dense weights.
//! A layer reads the node before it, or the nodes it names (`add1: tfl_add(act = relu)(a, b)`;
//! `tfl_constant(i8[..])` declares a constant operand).
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
//! shape) and, when its output is int8, `L.scale` (F32 `[1]`) and `L.zero_point` (I32 `[1]`)
//! (a reshape only its shape); for an int8 `tfl_fully_connected`, `tfl_conv2d` and
//! `tfl_depthwise_conv2d` `L.weight` (I8), `L.bias` (I32 `[C]`), `L.weight_scale` (F32, `[C]`
//! or `[1]`) and TFLM's requantization `L.multiplier` and `L.shift` (I32, as
//! `L.weight_scale`); for a float32 one `L.weight` and `L.bias` (F32); for a constant
//! `L.value`. Every tensor is checked against the
//! declaration while expanding; a mismatch is an error on the layer naming the tensor.
//!
//! The pipeline: `validate::tfl` lowers each layer through its kind (`kinds::tfl`, one type
//! per kind implementing `TflKind`) over its input's shape to an `ir::TflNetwork`;
//! `validate::tfl_weights` checks the file against it (the tensors each kind reads) and
//! gives the `Layout`, whose bytes (`validate::tfl_blob`) are only the tensors the kernels
//! read; `codegen::tfl` writes the struct, placing each kind's kernel call.
//!
//! The activations live in one arena per dtype (`ARENA_I8`, `ARENA_F32`: `const`s the macro
//! computes in `codegen::tfl_plan`, which gives each activation a place from the layer
//! writing it to the last layer reading it, disjoint from those alive at the same time, so
//! any DAG of layers runs), on the stack (`run`) or in a caller's buffers (`run_in`); nothing is
//! allocated. A declaration mixing `tfl_` layers with float `network!` layers is one error.

use crate::ast::{Item, NetworkDecl};
use crate::codegen::tfl as codegen;
use crate::kinds::tfl::PREFIX;
use crate::validate::{tfl as lower, tfl_weights as file};
use crate::weights::WeightsAttr;
use proc_macro2::TokenStream;

/// Whether `decl` declares a network of TFLite layers (any layer kind `tfl_*`, the
/// prefix every registered `tfl_` kind has).
pub fn is_tflite(decl: &NetworkDecl) -> bool {
    decl.items
        .iter()
        .any(|i| matches!(i, Item::Layer(l) if l.kind.to_string().starts_with(PREFIX)))
}

/// Expands a TFLite declaration: the struct and its `run`, or every error beside a
/// stand-in struct.
pub fn expand(decl: NetworkDecl, weights: Option<WeightsAttr>) -> TokenStream {
    let mut errs = decl.errors.clone();
    let Some(weights) = weights else {
        errs.push(syn::Error::new(
            decl.name.span(),
            format!(
                "`{}` has `tfl_` layers, which are embedded from a weights file, but has no `#[weights = \"...\"]`\n\nhelp: `cargo run -p nn-import -- MODEL.tflite --name {} --out DIR` writes the declaration and its file",
                decl.name, decl.name
            ),
        ));
        return errors(&decl, &errs, None);
    };
    let file = match file::File::open(&weights) {
        Ok(f) => f,
        Err(e) => {
            errs.push(syn::Error::new(weights.span, e));
            return errors(&decl, &errs, None);
        }
    };
    let net = lower::lower(&decl, &mut errs, &|layer| file.declared_shape(layer));
    let Some(net) = net else {
        return errors(&decl, &errs, None);
    };
    let plan = codegen::place(&net);
    let checked = file::check(&net, file, &mut errs);
    match checked {
        Some(layout) if errs.is_empty() => codegen::generate(&net, &layout, &plan, &weights),
        _ => errors(&decl, &errs, Some((&net, &plan))),
    }
}

/// The errors of `decl` beside its stand-in: the surface of the lowered network when it
/// lowered, else of `crate::unknown`'s size (which then holds the first error).
pub fn errors(
    decl: &NetworkDecl,
    errs: &[syn::Error],
    lowered: Option<(&crate::ir::TflNetwork, &crate::codegen::tfl_plan::Plan)>,
) -> TokenStream {
    let stub = crate::codegen::tfl_surface::standin(decl, lowered);
    crate::unknown::emit(&decl.name, errs, stub)
}
