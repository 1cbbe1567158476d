//! `tfl_softmax(beta = B)`: TFLite's int8 SOFTMAX over the innermost dimension,
//! `y_i = exp(β s (x_i - max x)) / Σ_j exp(β s (x_j - max x))` in TFLM's fixed point, written
//! with scale 1/256 and zero point -128. Over a float32 input, TFLite's float kernel (the
//! sum in `f32`).

use super::args::err;
use super::emit::{depth, f32_bits};
use super::{Ctx, Dtype, Emit, Lowered, Quant, TflKind};
use crate::ir::TflLayer;
use proc_macro2::TokenStream;
use quote::quote;

/// The output quantization TFLite's int8 softmax writes.
const OUTPUT: Quant = Quant {
    scale: 1.0 / 256.0,
    zero_point: -128,
};

/// `tfl_softmax`: `nn_core::quant::tflite::softmax_i8`.
pub struct Softmax {
    pub beta: f32,
}

impl TflKind for Softmax {
    fn name(&self) -> &'static str {
        "tfl_softmax"
    }

    fn check_output(&self, _: Quant, output: Quant) -> Option<String> {
        (output != OUTPUT).then(|| "TFLite's int8 softmax writes 1/256 and -128".to_string())
    }

    fn emit(&self, l: &TflLayer, e: &Emit) -> TokenStream {
        if l.dtype == Dtype::F32 {
            let (b, d) = (f32_bits(self.beta), depth(&l.input));
            return quote!(__k::softmax_f32(#b, x, #d, y)?;);
        }
        let (b, s, d) = (
            f32_bits(self.beta),
            f32_bits(e.input.scale),
            depth(&l.input),
        );
        quote!(__k::softmax_i8(&__k::SoftmaxParams::new(#b, #s), x, #d, y)?;)
    }
}

pub fn lower(cx: &mut Ctx) -> Option<Lowered> {
    let beta = match cx.args.get("beta") {
        None => Some(1.0f32),
        Some(x) => {
            let v = syn::parse2::<syn::LitFloat>(x.value.clone())
                .ok()
                .and_then(|f| f.base10_parse::<f32>().ok())
                .or_else(|| {
                    syn::parse2::<syn::LitInt>(x.value.clone())
                        .ok()
                        .and_then(|i| i.base10_parse::<f32>().ok())
                });
            match v {
                Some(b) if b.is_finite() && b > 0.0 => Some(b),
                _ => {
                    err(
                        cx.errs,
                        x.span,
                        format!(
                            "expected `beta` to be a positive number, found `{}`",
                            x.value
                        ),
                    );
                    None
                }
            }
        }
    };
    cx.args.finish(cx.errs, "`beta`");
    Some((Box::new(Softmax { beta: beta? }), cx.input.to_vec()))
}
