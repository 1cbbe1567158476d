//! `tfl_fully_connected(UNITS, act = ...)`: TFLite's int8 FULLY_CONNECTED over the
//! innermost dimension, `y[n, u] = requant(Σ_i w[u, i] (x[n, i] - z_in) + b[u])`; input
//! `[.., D]` (read as `N = len / D` rows), weights `[UNITS, D]`, output `[N, UNITS]`.

use super::args::Act;
use super::emit::{depth, requant};
use super::{weighted, Ctx, Emit, Lowered, Tensor, TflKind, WeightViews};
use crate::ir::TflLayer;
use proc_macro2::TokenStream;
use quote::quote;

/// A fully-connected layer of at most this many multiply-adds per row of its input takes the
/// one-product-at-a-time kernel (`quant::tflite::reference`, the same bits): with the
/// feature `arm-dsp` the DSP kernel saves about two instructions per multiply-add but is
/// 3.7 kB of code, more than such a layer's whole weights. Sine's layers (16 to 256
/// multiply-adds) take the small kernel, micro_speech's 4000 x 4 the DSP one.
const SMALL_FC_MACS: usize = 1024;

/// `tfl_fully_connected`: `nn_core::quant::tflite::fully_connected`, or
/// `quant::tflite::reference::fully_connected` for a layer of at most [`SMALL_FC_MACS`].
pub struct FullyConnected {
    pub units: usize,
    pub act: Act,
}

impl TflKind for FullyConnected {
    fn name(&self) -> &'static str {
        "tfl_fully_connected"
    }

    fn tensors(&self, l: &TflLayer) -> Vec<Tensor> {
        weighted(vec![self.units, *l.input.last().unwrap_or(&1)], self.units)
    }

    fn emit(&self, l: &TflLayer, e: &Emit) -> TokenStream {
        let v = WeightViews::of(e);
        let rq = requant(e, &v.multiplier, &v.shift, self.act);
        let (w, b, d) = (v.weight, v.bias, depth(&l.input));
        let kernel = if *l.input.last().unwrap_or(&1) * self.units <= SMALL_FC_MACS {
            quote!(__k::reference::fully_connected)
        } else {
            quote!(__k::fully_connected)
        };
        quote!(#kernel(&#rq, x, #d, #w, Some(#b), y)?;)
    }
}

pub fn lower(cx: &mut Ctx) -> Option<Lowered> {
    let errs = &mut *cx.errs;
    let units = cx.args.count(
        errs,
        "",
        "the number of units (`tfl_fully_connected(UNITS)`)",
    );
    let act = cx.args.act(errs);
    cx.args.finish(errs, "the units and `act`");
    let (units, act) = (units?, act?);
    let depth = *cx.input.last().unwrap_or(&1);
    let out = vec![cx.input_len() / depth.max(1), units];
    Some((Box::new(FullyConnected { units, act }), out))
}
