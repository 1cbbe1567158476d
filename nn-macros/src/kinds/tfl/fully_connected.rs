//! `tfl_fully_connected(UNITS, act = ...)`: TFLite's int8 FULLY_CONNECTED over the
//! innermost dimension, `y[n, u] = requant(Σ_i w[u, i] (x[n, i] - z_in) + b[u])`; input
//! `[.., D]` (read as `N = len / D` rows), weights `[UNITS, D]`, output `[N, UNITS]`.

use super::args::Act;
use super::emit::{depth, requant};
use super::{weighted, Ctx, Emit, Lowered, Tensor, TflKind, WeightViews};
use crate::ir::TflLayer;
use proc_macro2::TokenStream;
use quote::quote;

/// `tfl_fully_connected`: `nn_core::quant::tflite::fully_connected`.
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
        quote!(__k::fully_connected(&#rq, x, #d, #w, Some(#b), y)?;)
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
