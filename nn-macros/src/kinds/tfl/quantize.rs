//! `tfl_quantize` and `tfl_dequantize`: TFLite's QUANTIZE and DEQUANTIZE, the activation's
//! dtype changing between float32 and int8 under the same shape. QUANTIZE from float32:
//! `q = clamp(round(r / s_out) + z_out, -128, 127)`; from int8 (a requantization):
//! `q = clamp(z_out + M (x - z_in))` with `M = s_in / s_out` in TFLM's fixed point.
//! DEQUANTIZE: `r = s_in (q - z_in)`, the product in `f64` rounded to `f32`.

use super::emit::quant;
use super::{Ctx, Dtype, Emit, Lowered, TflKind};
use crate::ir::TflLayer;
use proc_macro2::TokenStream;
use quote::quote;

/// `tfl_quantize`: `quantize_f32` from float32, `requantize_i8` from int8; writes int8.
pub struct Quantize;

impl TflKind for Quantize {
    fn name(&self) -> &'static str {
        "tfl_quantize"
    }

    fn out_dtype(&self, _: Dtype) -> Dtype {
        Dtype::I8
    }

    fn emit(&self, l: &TflLayer, e: &Emit) -> TokenStream {
        let o = quant(e.output);
        if l.dtype == Dtype::F32 {
            quote!(__k::quantize_f32(#o, x, y)?;)
        } else {
            let i = quant(e.input);
            quote!(__k::requantize_i8(#i, #o, x, y)?;)
        }
    }
}

/// `tfl_dequantize`: `dequantize_i8`; reads int8, writes float32.
pub struct Dequantize;

impl TflKind for Dequantize {
    fn name(&self) -> &'static str {
        "tfl_dequantize"
    }

    fn out_dtype(&self, _: Dtype) -> Dtype {
        Dtype::F32
    }

    fn emit(&self, _: &TflLayer, e: &Emit) -> TokenStream {
        let i = quant(e.input);
        quote!(__k::dequantize_i8(#i, x, y)?;)
    }
}

pub fn lower_quantize(cx: &mut Ctx) -> Option<Lowered> {
    cx.args.finish(cx.errs, "none");
    Some((Box::new(Quantize), cx.input.to_vec()))
}

pub fn lower_dequantize(cx: &mut Ctx) -> Option<Lowered> {
    cx.args.finish(cx.errs, "none");
    if cx.dtype != Dtype::I8 {
        let l = cx.args.layer;
        super::args::err(
            cx.errs,
            l.kind.span(),
            format!("`{}` dequantizes a float32 input: `tfl_dequantize` reads int8\n\nhelp: remove `{}`", l.name, l.name),
        );
        return None;
    }
    Some((Box::new(Dequantize), cx.input.to_vec()))
}
