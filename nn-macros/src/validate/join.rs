//! Joins: `add`, `mul`, `concat` and `dueling` check their parents' shapes against each
//! other.

use super::{Errors, Producer};
use crate::ast::LayerDecl;
use crate::ir::{Act, ConstCheck, Dims, Join, LayerKind, Size};
use crate::kinds::Lowered;
use proc_macro2::Span;
use quote::quote;

/// A parent as a join sees it.
pub struct Parent<'a> {
    pub dims: Option<&'a Dims>,
    pub producer: &'a Producer,
    /// Where the parent is named.
    pub span: Span,
}

pub fn lower(
    j: Join,
    l: &LayerDecl,
    parents: &[Parent],
    act: Act,
    errs: &mut Errors,
    checks: &mut Vec<ConstCheck>,
) -> (Option<Lowered>, Option<Dims>) {
    let name = l.path.clone().unwrap_or_else(|| l.name.to_string());
    let kind = j.name();
    let (min, max) = match j {
        Join::Add | Join::Concat => (2, usize::MAX),
        Join::Mul | Join::Dueling => (2, 2),
    };
    if parents.len() < min || parents.len() > max {
        let want = match j {
            Join::Mul => "two nodes: `mul(a, b)`".to_string(),
            Join::Dueling => {
                "two nodes, the value `v` (1 value) and the advantages `a`: `dueling(v, a)`"
                    .to_string()
            }
            _ => format!("at least two nodes: `{kind}(a, b)`"),
        };
        errs.push(
            l.args_span,
            format!(
                "`{name}` reads {} node(s), but `{kind}` joins {want}",
                parents.len()
            ),
        );
        return (None, None);
    }
    let Some(dims): Option<Vec<&Dims>> = parents.iter().map(|p| p.dims).collect() else {
        return (None, None);
    };
    let shape = |i: usize| format!("{} {}", parents[i].producer.gives(), dims[i].display());
    let out = match j {
        Join::Add | Join::Mul => {
            let verb = if j == Join::Add { "adds" } else { "multiplies" };
            let mut ok = true;
            for i in 1..dims.len() {
                if !same_shape(
                    dims[0],
                    dims[i],
                    checks,
                    parents[i].span,
                    &format!("`{name}` {verb} nodes of different sizes: "),
                ) {
                    let project = if dims[0].rank() == 3 {
                        "a 1x1 `conv2d` (with a stride where the heights and widths differ)"
                    } else {
                        "a `dense` layer"
                    };
                    errs.push(
                        parents[i].span,
                        format!("`{name}` {verb} nodes whose shapes differ: {}, but {}\n\nhelp: element-wise joins need equal shapes; project one side first, e.g. with {project}", shape(0), shape(i)),
                    );
                    ok = false;
                }
            }
            ok.then(|| dims[0].clone())
        }
        Join::Concat => concat_dims(&name, &dims, parents, errs),
        Join::Dueling => {
            let mut ok = true;
            if dims[0].rank() != 1 || dims[0].0[0].known().is_some_and(|n| n != 1) {
                errs.push(parents[0].span, format!("the value stream of `{name}` must be 1 value per sample, but {}\n\nhelp: write `dueling(v, a)` with `v: dense(1)`", shape(0)));
                ok = false;
            }
            if dims[1].rank() != 1 {
                errs.push(
                    parents[1].span,
                    format!(
                        "the advantage stream of `{name}` must be a flat vector, but {}",
                        shape(1)
                    ),
                );
                ok = false;
            }
            ok.then(|| dims[1].clone())
        }
    };
    let Some(out) = out else {
        return (None, None);
    };
    let lowered = Lowered {
        kind: LayerKind::Join(j),
        out: out.clone(),
        act,
        init: None,
    };
    (Some(lowered), Some(out))
}

/// Whether `a` and `b` are the same shape: compared here when both are literals, by the
/// compiler otherwise.
fn same_shape(a: &Dims, b: &Dims, checks: &mut Vec<ConstCheck>, span: Span, what: &str) -> bool {
    if a.rank() != b.rank() {
        return false;
    }
    for (x, y) in a.0.iter().zip(&b.0) {
        match (x.known(), y.known()) {
            (Some(p), Some(q)) if p != q => return false,
            (Some(_), Some(_)) => {}
            _ => checks.push(ConstCheck::Equal {
                expected: x.tokens(),
                found: y.tokens(),
                parts: [what.to_string(), " and ".to_string(), String::new()],
                span,
            }),
        }
    }
    true
}

/// Flat vectors concatenate to their summed length; images of equal height and width
/// concatenate along the channels.
fn concat_dims(name: &str, dims: &[&Dims], parents: &[Parent], errs: &mut Errors) -> Option<Dims> {
    let rank = dims[0].rank();
    let first_rest: Vec<Option<usize>> = dims[0].0[1..].iter().map(Size::known).collect();
    for (i, d) in dims.iter().enumerate().skip(1) {
        let rest: Vec<Option<usize>> =
            d.0.get(1..)
                .unwrap_or(&[])
                .iter()
                .map(Size::known)
                .collect();
        if d.rank() != rank || rest != first_rest {
            errs.push(
                parents[i].span,
                format!(
                    "`{name}` concatenates {} {} with {} {}: only flat vectors, or images of equal height and width (along the channels), concatenate\n\nhelp: flatten both first",
                    parents[0].producer.name(), dims[0].display(), parents[i].producer.name(), d.display()
                ),
            );
            return None;
        }
    }
    let span = dims[0].0[0].span();
    let lead: Vec<&Size> = dims.iter().map(|d| &d.0[0]).collect();
    let total = match lead.iter().map(|s| s.known()).sum::<Option<usize>>() {
        Some(n) => Size::Lit(n, span),
        None => {
            let parts = lead.iter().map(|s| s.tokens());
            let text: Vec<String> = lead.iter().map(|s| s.display()).collect();
            Size::Expr(quote!(0 #(+ #parts)*), text.join(" + "), span)
        }
    };
    let mut out = vec![total];
    out.extend(dims[0].0[1..].iter().cloned());
    Some(Dims(out))
}
