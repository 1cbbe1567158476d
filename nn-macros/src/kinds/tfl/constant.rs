//! `tfl_constant(i8[d, ...])` or `tfl_constant(f32[d, ...])`: a constant tensor of the model
//! (an ADD's second operand), `L.value` in the weights file with `L.shape` (and `L.scale`,
//! `L.zero_point` when int8), read in place from flash; it has no parent and runs nothing.

use super::args::{err, typed_shape};
use super::{Ctx, Dtype, Emit, Lowered, Shape, Tensor, TflKind, Values};
use crate::ir::TflLayer;
use proc_macro2::TokenStream;

/// `tfl_constant`: its values are the file's `L.value`.
pub struct Constant {
    pub dtype: Dtype,
}

impl TflKind for Constant {
    fn name(&self) -> &'static str {
        "tfl_constant"
    }

    fn computes(&self) -> bool {
        false
    }

    fn stored(&self) -> bool {
        true
    }

    fn out_dtype(&self, _: Dtype) -> Dtype {
        self.dtype
    }

    fn tensors(&self, l: &TflLayer) -> Vec<Tensor> {
        vec![Tensor {
            suffix: "value",
            dtype: self.dtype,
            shape: Shape::Exact(l.out.clone()),
            values: Values::Any,
            read: true,
        }]
    }

    fn emit(&self, _: &TflLayer, _: &Emit) -> TokenStream {
        TokenStream::new()
    }
}

pub fn lower(cx: &mut Ctx) -> Option<Lowered> {
    let l = cx.args.layer;
    let shape = cx.args.get("").map(|a| (a, typed_shape(&a.value)));
    cx.args.finish(cx.errs, "its dtype and shape");
    match shape {
        Some((_, Some((s, dtype)))) if !s.is_empty() && s.iter().all(|&d| d > 0) => {
            Some((Box::new(Constant { dtype }), s))
        }
        Some((a, _)) => {
            err(cx.errs, a.span, format!("expected the constant's dtype and shape, `i8[d, ...]` or `f32[d, ...]`, found `{}`", a.value));
            None
        }
        None => {
            err(
                cx.errs,
                l.args_span,
                format!(
                    "`tfl_constant` needs its dtype and shape: `{}: tfl_constant(i8[1, N])`",
                    l.name
                ),
            );
            None
        }
    }
}
