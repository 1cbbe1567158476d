//! `tfl_add(act = ...)(a, b)`: TFLite's ADD of two nodes of the same shape and dtype (no
//! broadcasting). int8: both inputs brought to the scale `2 max(s_a, s_b)` with 20 bits of
//! headroom and summed, `y = clamp(z_out + M_out (M_a (a - z_a) + M_b (b - z_b)))` in TFLM's
//! fixed point (`nn_core::quant::tflite::add_i8`); float32: `y = clamp(a + b)`.

use super::args::{err, Act};
use super::emit::{quant, range, range_f32};
use super::{Ctx, Dtype, Emit, Lowered, TflKind};
use crate::ir::TflLayer;
use proc_macro2::TokenStream;
use quote::quote;

/// `tfl_add`: `add_i8` or `add_f32`.
pub struct Add {
    pub act: Act,
}

impl TflKind for Add {
    fn name(&self) -> &'static str {
        "tfl_add"
    }

    fn emit(&self, l: &TflLayer, e: &Emit) -> TokenStream {
        if l.dtype == Dtype::F32 {
            let r = range_f32(self.act);
            return quote!(__k::add_f32(x, x1, #r, y)?;);
        }
        let (a, b) = (
            quant(e.input),
            quant(e.inputs.get(1).copied().unwrap_or(e.input)),
        );
        let (o, r) = (quant(e.output), range(self.act, e.output));
        quote!(__k::add_i8(&__k::AddParams::new(#a, #b, #o, #r), x, x1, y)?;)
    }
}

pub fn lower(cx: &mut Ctx) -> Option<Lowered> {
    let act = cx.args.act(cx.errs);
    cx.args.finish(cx.errs, "`act`");
    let l = cx.args.layer;
    if let [(a, da), (b, db)] = cx.parents {
        if a != b || da != db {
            let names = l
                .parents
                .as_ref()
                .map(|(n, _)| n.iter().map(|i| i.to_string()).collect::<Vec<_>>())
                .unwrap_or_default();
            let (na, nb) = (
                names.first().cloned().unwrap_or_default(),
                names.get(1).cloned().unwrap_or_default(),
            );
            let span = l.parents.as_ref().map_or(l.kind.span(), |p| p.1);
            err(
                cx.errs,
                span,
                format!("`{}` adds `{na}` ({} {a:?}) and `{nb}` ({} {b:?}), but `tfl_add` takes two nodes of the same shape and dtype (TFLM's int8 ADD broadcasts, this kind does not yet)\n\nhelp: add nodes of one shape, or reshape one of them with `tfl_reshape`", l.name, da.name(), db.name()),
            );
            return None;
        }
    }
    Some((Box::new(Add { act: act? }), cx.input.to_vec()))
}
