//! `tfl_reshape([d, ...])`: TFLite's RESHAPE, the same values (and quantization) under
//! another shape with as many values; no kernel runs.

use super::args::{err, shape};
use super::{Ctx, Emit, Lowered, TflKind};
use crate::ir::TflLayer;
use proc_macro2::TokenStream;

/// `tfl_reshape`: renames the shape of its input's bytes.
pub struct Reshape;

impl TflKind for Reshape {
    fn name(&self) -> &'static str {
        "tfl_reshape"
    }

    fn computes(&self) -> bool {
        false
    }

    fn emit(&self, _: &TflLayer, _: &Emit) -> TokenStream {
        TokenStream::new()
    }
}

pub fn lower(cx: &mut Ctx) -> Option<Lowered> {
    let (n_in, input, l) = (cx.input_len(), cx.input, cx.args.layer);
    match cx.args.get("").map(|x| (x, shape(&x.value))) {
        Some((_, Some(s))) if s.iter().product::<usize>() == n_in => {
            cx.args.finish(cx.errs, "the new shape");
            Some((Box::new(Reshape), s))
        }
        Some((x, Some(s))) => {
            err(
                cx.errs,
                x.span,
                format!(
                    "`{}` reshapes {n_in} values ({input:?}) to {s:?}, which holds {}",
                    l.name,
                    s.iter().product::<usize>()
                ),
            );
            None
        }
        Some((x, None)) => {
            err(
                cx.errs,
                x.span,
                format!(
                    "expected a shape `[d, ...]` of integers, found `{}`",
                    x.value
                ),
            );
            None
        }
        None => {
            err(
                cx.errs,
                l.args_span,
                format!(
                    "`tfl_reshape` needs the new shape: `{}: tfl_reshape([1, {n_in}])`",
                    l.name
                ),
            );
            None
        }
    }
}
