//! `tfl_avg_pool2d(kernel = (H, W), stride, padding, act)` and `tfl_max_pool2d(...)`:
//! TFLite's int8 AVERAGE_POOL_2D and MAX_POOL_2D over NHWC input `[N, H, W, C]`, each
//! channel on its own: the rounded mean or the maximum of the window's values that lie
//! inside the input, clamped by the fused activation. The output keeps the input's scale
//! and zero point. Over a float32 input, TFLite's float kernel: the plain mean or maximum,
//! clamped.

use super::args::{window, Act, Window};
use super::emit::{pair, range, range_f32, shape};
use super::{Ctx, Dtype, Emit, Lowered, Quant, TflKind};
use crate::ir::TflLayer;
use proc_macro2::TokenStream;
use quote::quote;

/// `tfl_avg_pool2d` or `tfl_max_pool2d`: `nn_core::quant::tflite::pool_2d`.
pub struct Pool2d {
    pub max: bool,
    pub win: Window,
    pub act: Act,
}

impl TflKind for Pool2d {
    fn name(&self) -> &'static str {
        if self.max {
            "tfl_max_pool2d"
        } else {
            "tfl_avg_pool2d"
        }
    }

    fn check_output(&self, input: Quant, output: Quant) -> Option<String> {
        (output != input).then(|| {
            format!(
                "a pooling layer keeps its input's {} and {}",
                input.scale, input.zero_point
            )
        })
    }

    fn emit(&self, l: &TflLayer, e: &Emit) -> TokenStream {
        let kind = if self.max {
            quote!(Max)
        } else {
            quote!(Average)
        };
        let w = &self.win;
        if l.dtype == Dtype::F32 {
            let (f, s, pad, r) = (
                pair(w.kernel),
                pair(w.stride),
                pair(w.pad),
                range_f32(self.act),
            );
            let (is, os) = (shape(&l.input), shape(&l.out));
            return quote!(__k::pool_2d_f32(__k::PoolKind::#kind, &__k::PoolGeometry { filter: #f, stride: #s, padding: #pad, range: (i32::MIN, i32::MAX) }, #r, x, #is, y, #os)?;);
        }
        let (f, s, pad, r) = (
            pair(w.kernel),
            pair(w.stride),
            pair(w.pad),
            range(self.act, e.output),
        );
        let (is, os) = (shape(&l.input), shape(&l.out));
        quote!(__k::pool_2d(__k::PoolKind::#kind, &__k::PoolGeometry { filter: #f, stride: #s, padding: #pad, range: #r }, x, #is, y, #os)?;)
    }
}

fn lower(cx: &mut Ctx, max: bool) -> Option<Lowered> {
    let ok = cx.rank4();
    let win = if ok {
        window(&mut cx.args, cx.errs, cx.input, false)
    } else {
        None
    };
    let act = cx.args.act(cx.errs);
    let ((win, oh, ow), act) = (win?, act?);
    cx.args
        .finish(cx.errs, "`kernel`, `stride`, `padding` and `act`");
    let i = cx.input;
    Some((Box::new(Pool2d { max, win, act }), vec![i[0], oh, ow, i[3]]))
}

pub fn lower_avg(cx: &mut Ctx) -> Option<Lowered> {
    lower(cx, false)
}

pub fn lower_max(cx: &mut Ctx) -> Option<Lowered> {
    lower(cx, true)
}
