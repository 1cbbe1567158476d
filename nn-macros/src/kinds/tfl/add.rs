//! `tfl_add(act = ...)(a, b)`: TFLite's ADD of two nodes of one dtype whose shapes broadcast
//! by numpy's rules (TFLM's `BroadcastAdd6DSlow`): aligned from the last dimension, each
//! pair equal or one of them 1, at most six dimensions; the output has the broadcast shape.
//! int8: both inputs brought to the scale `2 max(s_a, s_b)` with 20 bits of headroom and
//! summed, `y = clamp(z_out + M_out (M_a (a - z_a) + M_b (b - z_b)))` in TFLM's fixed point
//! (`nn_core::quant::tflite::add_i8`, `add_i8_broadcast`), its parameters a `const` the
//! compiler computes; float32: `y = clamp(a + b)`.

use super::args::{err, Act};
use super::emit::{quant, range, range_f32, shape};
use super::{Ctx, Dtype, Emit, Lowered, TflKind};
use crate::ir::TflLayer;
use proc_macro2::TokenStream;
use quote::quote;

/// The most dimensions TFLM's broadcasting ADD takes (`nn_core`'s `MAX_BROADCAST_DIMS`).
const MAX_DIMS: usize = 6;

/// `tfl_add`: `add_i8` or `add_f32`, their `_broadcast` forms when the shapes differ.
pub struct Add {
    pub act: Act,
    /// The two parents' shapes when they differ.
    pub broadcast: Option<[Vec<usize>; 2]>,
}

impl TflKind for Add {
    fn name(&self) -> &'static str {
        "tfl_add"
    }

    fn emit(&self, l: &TflLayer, e: &Emit) -> TokenStream {
        let shapes = self.broadcast.as_ref().map(|[a, b]| (shape(a), shape(b)));
        if l.dtype == Dtype::F32 {
            let r = range_f32(self.act);
            return match shapes {
                Some((sa, sb)) => quote!(__k::add_f32_broadcast(x, &#sa, x1, &#sb, #r, y)?;),
                None => quote!(__k::add_f32(x, x1, #r, y)?;),
            };
        }
        let (a, b) = (
            quant(e.input),
            quant(e.inputs.get(1).copied().unwrap_or(e.input)),
        );
        let (o, r) = (quant(e.output), range(self.act, e.output));
        let call = match shapes {
            Some((sa, sb)) => quote!(__k::add_i8_broadcast(&P, x, &#sa, x1, &#sb, y)?;),
            None => quote!(__k::add_i8(&P, x, x1, y)?;),
        };
        // TFLM's `Prepare` computes the multipliers once; here the compiler does.
        quote!({
            const P: __k::AddParams = __k::AddParams::new(#a, #b, #o, #r);
            #call
        })
    }
}

/// The lowercase name of a node's dtype in messages.
fn dtype_text(d: Dtype) -> &'static str {
    match d {
        Dtype::F32 => "float32",
        Dtype::I32 => "int32",
        Dtype::I8 => "int8",
    }
}

/// numpy's broadcast of `a` and `b`, or the first dimension (counted from the last, 1-based)
/// where they differ and neither is 1.
fn broadcast(a: &[usize], b: &[usize]) -> Result<Vec<usize>, usize> {
    let rank = a.len().max(b.len());
    let dim = |s: &[usize], i: usize| (i + s.len()).checked_sub(rank).map_or(1, |j| s[j]);
    (0..rank)
        .map(|i| match (dim(a, i), dim(b, i)) {
            (x, y) if x == y || y == 1 => Ok(x),
            (1, y) => Ok(y),
            _ => Err(rank - i),
        })
        .collect()
}

pub fn lower(cx: &mut Ctx) -> Option<Lowered> {
    let act = cx.args.act(cx.errs);
    cx.args.finish(cx.errs, "`act`");
    let l = cx.args.layer;
    let [(a, da), (b, db)] = cx.parents else {
        return Some((
            Box::new(Add {
                act: act?,
                broadcast: None,
            }),
            cx.input.to_vec(),
        ));
    };
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
    let adds = format!(
        "`{}` adds `{na}` ({} {a:?}) and `{nb}` ({} {b:?})",
        l.name,
        dtype_text(*da),
        dtype_text(*db)
    );
    if da != db {
        err(
            cx.errs,
            span,
            format!("{adds}, but `tfl_add` takes two nodes of one dtype\n\nhelp: convert one of them with `tfl_quantize` or `tfl_dequantize`"),
        );
        return None;
    }
    let out = match broadcast(a, b) {
        Ok(out) if out.len() <= MAX_DIMS => out,
        Ok(out) => {
            err(
                cx.errs,
                span,
                format!("{adds}, whose broadcast has {} dimensions, but `tfl_add` takes at most {MAX_DIMS} (TFLM's broadcasting ADD)", out.len()),
            );
            return None;
        }
        Err(k) => {
            let at = |s: &[usize]| s.len().checked_sub(k).map_or(1, |j| s[j]);
            err(
                cx.errs,
                span,
                format!("{adds}, whose shapes do not broadcast: dimension {} from the end is {} and {}, expected equal or one of them 1 (numpy's rules, as TFLM's ADD)\n\nhelp: reshape one of them with `tfl_reshape` so that each dimension matches or is 1", k, at(a), at(b)),
            );
            return None;
        }
    };
    let broadcast = (a != b).then(|| [a.clone(), b.clone()]);
    Some((
        Box::new(Add {
            act: act?,
            broadcast,
        }),
        out,
    ))
}

#[cfg(test)]
mod tests {
    use super::super::{Quant, TflKind};
    use super::{broadcast, Act, Add, Dtype, Emit, TflLayer};
    use crate::ir::TflNode;

    /// The int8 kernel call: TFLM's `AddParams` as a `const` (computed by the compiler, not
    /// on every call on the microcontroller) and the broadcast shapes as literals.
    #[test]
    fn the_int8_parameters_are_a_const_and_the_shapes_literals() {
        let add = |broadcast| Add {
            act: Act::Relu,
            broadcast,
        };
        let l = TflLayer {
            name: syn::parse_quote!(add1),
            span: proc_macro2::Span::call_site(),
            kind: Box::new(add(None)),
            parents: vec![TflNode::Input, TflNode::Layer(0)],
            input: vec![1, 1, 1, 3],
            dtype: Dtype::I8,
            out: vec![1, 4, 4, 3],
            out_dtype: Dtype::I8,
        };
        let q = Quant {
            scale: 0.5,
            zero_point: -3,
        };
        let e = Emit {
            input: q,
            inputs: vec![q, q],
            output: q,
            views: Vec::new(),
        };
        let code = add(Some([vec![1, 1, 1, 3], vec![1, 4, 4, 3]]))
            .emit(&l, &e)
            .to_string();
        assert!(
            code.contains("const P : __k :: AddParams = __k :: AddParams :: new ("),
            "{code}"
        );
        assert!(
            code.contains("__k :: add_i8_broadcast (& P , x , & [1 , 1 , 1 , 3] , x1 , & [1 , 4 , 4 , 3] , y) ?"),
            "{code}"
        );
        let code = add(None).emit(&l, &e).to_string();
        assert!(
            code.contains("__k :: add_i8 (& P , x , x1 , y) ?"),
            "{code}"
        );
    }

    #[test]
    fn shapes_broadcast_by_numpys_rules() {
        assert_eq!(
            broadcast(&[1, 4, 4, 3], &[1, 1, 1, 3]),
            Ok(vec![1, 4, 4, 3])
        );
        assert_eq!(broadcast(&[1, 4, 4, 3], &[3]), Ok(vec![1, 4, 4, 3]));
        assert_eq!(broadcast(&[4, 1, 3], &[1, 1, 5, 1]), Ok(vec![1, 4, 5, 3]));
        assert_eq!(broadcast(&[1, 4, 4, 3], &[1, 4, 2, 3]), Err(2));
        assert_eq!(broadcast(&[2, 3], &[2]), Err(1));
    }
}
