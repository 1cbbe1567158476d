//! `dropout` or `dropout(p)`: inverted dropout; the shape passes through.

use super::{Ctx, Lowered};
use crate::args;
use crate::ir::{Act, Dims, LayerKind};
use crate::parse::span_of;

/// The rate must lie in `[0, 1)` (default 0.5).
pub fn lower(cx: &mut Ctx) -> (Option<Lowered>, Option<Dims>) {
    let (layer, name, errs) = (cx.decl, cx.name.clone(), &mut *cx.errs);
    let mut rate = Some(0.5);
    for (k, a) in layer.args.iter().enumerate() {
        if let Some(key) = &a.key {
            errs.push(
                key.span(),
                format!("`dropout` takes no named arguments; write `{name}: dropout(0.5)`"),
            );
            rate = None;
        } else if k > 0 {
            errs.push(
                a.span,
                format!("`dropout` takes one argument, its rate: `{name}: dropout(0.5)`"),
            );
            rate = None;
        } else {
            rate = match errs.ok(args::number(&a.value)) {
                Some(p) if (0.0..1.0).contains(&p) => Some(p),
                Some(p) => {
                    errs.push(
                        span_of(&a.value),
                        format!("the dropout rate of `{name}` must lie in [0, 1), found {p}"),
                    );
                    None
                }
                None => None,
            };
        }
    }
    let Some(dims) = cx.input.cloned() else {
        return (None, None);
    };
    let Some(p) = rate else {
        return (None, Some(dims));
    };
    let lowered = Lowered {
        kind: LayerKind::Dropout(p),
        out: dims.clone(),
        act: Act::Identity,
        init: None,
    };
    (Some(lowered), Some(dims))
}
