//! `lstm(H)`, `gru(H)`, `rnn(H)` (or `I -> H`), with `seq = full` (every hidden state, the
//! default) or `seq = last` (the last one) and `init = ...`: a recurrent layer over a sequence
//! input `[SEQ, I]` (declared `input: [SEQ, I]`, or a `seq = full` layer before it).
//!
//! Output: `[SEQ, H]` for `seq = full`, so recurrent layers stack; `[H]` for `seq = last`, so
//! a dense head follows.

use super::{Ctx, Lowered};
use crate::args;
use crate::ast::Arg;
use crate::ir::{Act, ConstCheck, Dims, InitKind, LayerKind, OpKind, Size};
use crate::suggest;
use crate::validate::{named, options, positive};
use quote::quote;

/// `lstm(...)`: `::nn_core::cell::Lstm`, 4H gate rows.
pub fn lstm(cx: &mut Ctx) -> (Option<Lowered>, Option<Dims>) {
    lower(cx, "lstm", 4, quote!(::nn_core::cell::Lstm))
}

/// `gru(...)`: `::nn_core::cell::Gru`, 3H gate rows.
pub fn gru(cx: &mut Ctx) -> (Option<Lowered>, Option<Dims>) {
    lower(cx, "gru", 3, quote!(::nn_core::cell::Gru))
}

/// `rnn(...)`: `::nn_core::cell::Rnn`, H rows.
pub fn rnn(cx: &mut Ctx) -> (Option<Lowered>, Option<Dims>) {
    lower(cx, "rnn", 1, quote!(::nn_core::cell::Rnn))
}

fn lower(
    cx: &mut Ctx,
    kind: &'static str,
    gates: usize,
    ty: proc_macro2::TokenStream,
) -> (Option<Lowered>, Option<Dims>) {
    let (layer, name) = (cx.decl, cx.name.clone());
    let mut ok = true;
    // The input: a sequence `[SEQ, I]`.
    let seq_in = match cx.input {
        None => None,
        Some(d) if d.rank() == 2 => Some((d.0[0].clone(), d.0[1].clone())),
        Some(d) => {
            cx.errs.push(
                layer.kind.span(),
                format!(
                    "`{name}` is an `{kind}` layer, which takes a sequence `[SEQ, I]` (steps x inputs per step), but {} {}\n\nhelp: declare the input as `input: [SEQ, I]`, or give the recurrent layer before it `seq = full`",
                    cx.producer.gives(),
                    d.display()
                ),
            );
            None
        }
    };
    let who = cx.producer.clone();
    let (errs, checks) = (&mut *cx.errs, &mut *cx.checks);
    let positional: Vec<&Arg> = layer.args.iter().filter(|a| a.key.is_none()).collect();
    let sizes = match positional.first() {
        None => {
            errs.push(
                layer.args_span,
                format!("`{name}` needs a hidden size: write `{kind}(64)` or `{kind}(32 -> 64)`"),
            );
            None
        }
        Some(a) => errs.ok(args::size_pair(&a.value, &name)),
    };
    for extra in positional.iter().skip(1) {
        errs.push(
            extra.span,
            format!("`{name}` takes one argument before the named ones: the hidden size (`{kind}(64, seq = last)`)"),
        );
        ok = false;
    }
    let mut full = true;
    let mut init = Some(InitKind::LeCun);
    for a in layer.args.iter().filter(|a| a.key.is_some()) {
        let key = a.key.as_ref().map(|k| k.to_string()).unwrap_or_default();
        let key_span = a.key.as_ref().map_or(a.span, |k| k.span());
        match key.as_str() {
            "seq" => match a.value.to_string().as_str() {
                "full" => full = true,
                "last" => full = false,
                other => {
                    errs.push(
                        a.span,
                        format!("`seq` of `{name}` is `full` (every hidden state) or `last` (the last one), found `{other}`"),
                    );
                    ok = false;
                }
            },
            "init" => init = options::init_kind(a, errs),
            other => {
                errs.push(
                    key_span,
                    suggest::unknown("named argument", other, &["seq", "init"], &[]),
                );
                ok = false;
            }
        }
    }

    let Some((explicit_in, hidden)) = sizes else {
        return (None, None);
    };
    if hidden.known() == Some(0) {
        errs.push(
            hidden.span(),
            format!("`{name}` has 0 hidden units; a layer needs at least one unit"),
        );
        ok = false;
    } else if let Size::Expr(..) = hidden {
        checks.push(positive(
            &hidden,
            &format!(
                "the hidden size of `{name}`, `{}`, is 0; a layer needs at least one unit",
                hidden.display()
            ),
        ));
    }
    let out = |seq: Option<&Size>| match (full, seq) {
        (true, Some(s)) => Some(Dims(vec![s.clone(), hidden.clone()])),
        (true, None) => None,
        (false, _) => Some(Dims::flat_of(hidden.clone())),
    };
    let Some((seq, inputs)) = seq_in else {
        return (None, out(None));
    };
    let out = out(Some(&seq));
    if let Some(e) = explicit_in {
        match (e.known(), inputs.known()) {
            (Some(a), Some(b)) if a != b => {
                errs.push(
                    e.span(),
                    format!(
                        "`{name}` expects {a} inputs per step, but {} {} ({b} per step)\n\nhelp: write `{b} -> {}`, or only `{}` to take the input size from {}",
                        who.gives(),
                        cx_display(&seq, &inputs),
                        hidden.display(),
                        hidden.display(),
                        who.name()
                    ),
                );
                ok = false;
            }
            (Some(_), Some(_)) => {}
            _ => checks.push(ConstCheck::Equal {
                expected: e.tokens(),
                found: inputs.tokens(),
                parts: [
                    format!("`{name}` expects {}", named(&e)),
                    format!(" inputs per step, but {} {}", who.gives(), named(&inputs)),
                    "\n\nhelp: make the sizes equal".to_string(),
                ],
                span: e.span(),
            }),
        }
    }
    let (Some(init), Some(out_dims), true) = (init, out.clone(), ok) else {
        return (None, out);
    };
    let (s, i, h) = (seq.tokens(), inputs.tokens(), hidden.tokens());
    let g = proc_macro2::Literal::usize_unsuffixed(gates);
    let o = if full {
        quote!({ (#s) * (#h) })
    } else {
        h.clone()
    };
    let lowered = Lowered {
        kind: LayerKind::Op(OpKind {
            kind,
            ty: quote!(#ty<T, #i, #h, { #g * (#h) }, #s, { (#s) * (#i) }, #o>),
            params: true,
        }),
        out: out_dims,
        act: Act::Identity,
        init: Some(init),
    };
    (Some(lowered), out)
}

fn cx_display(seq: &Size, inputs: &Size) -> String {
    format!("{}x{}", seq.display(), inputs.display())
}
