//! `tfl_fully_connected(UNITS, act = ...)`: TFLite's int8 FULLY_CONNECTED over the
//! innermost dimension, `y[n, u] = requant(Σ_i w[u, i] (x[n, i] - z_in) + b[u])`; input
//! `[.., D]` (read as `N = len / D` rows), weights `[UNITS, D]`, output `[N, UNITS]`.
//! Over a float32 input, TFLite's float kernel: `y[n, u] = clamp(Σ_i w[u, i] x[n, i] + b[u])`.

use super::args::Act;
use super::emit::{depth, range_f32, requant};
use super::{weighted_as, Ctx, Dtype, Emit, Lowered, Tensor, TflKind, WeightViews};
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
        let w = vec![self.units, *l.input.last().unwrap_or(&1)];
        weighted_as(l.dtype, w, self.units)
    }

    fn emit(&self, l: &TflLayer, e: &Emit) -> TokenStream {
        if l.dtype == Dtype::F32 {
            let (w, b, d, r) = (e.view(0), e.view(1), depth(&l.input), range_f32(self.act));
            return quote!(__k::fully_connected_f32(x, #d, #w, Some(#b), #r, y)?;);
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::tfl::Quant;

    /// Whether the call of a `tfl_fully_connected(units)` over `depth` inputs takes the
    /// portable kernel.
    fn small(depth: usize, units: usize) -> bool {
        let l = TflLayer {
            name: syn::parse_quote!(fc),
            span: proc_macro2::Span::call_site(),
            kind: Box::new(super::super::reshape::Reshape),
            parents: vec![crate::ir::TflNode::Input],
            input: vec![1, depth],
            dtype: Dtype::I8,
            out: vec![1, units],
            out_dtype: Dtype::I8,
        };
        let q = Quant {
            scale: 1.0,
            zero_point: 0,
        };
        let e = Emit {
            input: q,
            inputs: vec![q],
            output: q,
            views: Vec::new(),
        };
        let call = FullyConnected {
            units,
            act: Act::None,
        }
        .emit(&l, &e)
        .to_string();
        call.contains("reference")
    }

    #[test]
    fn layers_of_at_most_small_fc_macs_take_the_portable_kernel() {
        // Sine's 1 -> 16 -> 16 -> 1, micro_speech's 4000 -> 4.
        assert!(small(1, 16) && small(16, 16) && small(16, 1));
        assert!(small(32, 32) && !small(33, 32));
        assert!(!small(4000, 4));
    }
}
