//! `lstm(H)`, `gru(H)`, `rnn(H)` (or `I -> H`): a recurrent layer over a sequence input
//! `[SEQ, I]` (declared `input: [SEQ, I]`, or a `seq = full` layer before it). Named options:
//!
//! - `seq = full` (every hidden state, the default) or `seq = last` (each direction's last);
//! - `layers = L` (1 to 8): `L` stacked layers in one declaration, PyTorch's `num_layers`;
//! - `bidirectional = true`: each layer also runs over the reversed sequence, its output at
//!   a step both directions' hidden states concatenated (`2H` values);
//! - `dropout = p`: inverted dropout on each layer's output but the last, in training
//!   (needs `layers` ≥ 2, as PyTorch's `dropout`);
//! - `reset_after = false` (`gru` only): the reset gate before the hidden product (Cho et
//!   al. 2014) instead of PyTorch's after it;
//! - `init = ...`.
//!
//! Output: `[SEQ, D·H]` for `seq = full` (`D` = 2 when bidirectional, else 1), so recurrent
//! layers stack; `[D·H]` for `seq = last`, so a dense head follows. One layer in one
//! direction is `nn_core::cell::Recurrent`; anything more, `nn_core::cell::RecurrentStack`.

use super::image::flag;
use super::recurrent_layer::{Cell, Recurrent};
use super::{Ctx, Lowered};
use crate::args;
use crate::ast::Arg;
use crate::ir::{Act, ConstCheck, Dims, InitKind, LayerKind, Size};
use crate::parse::span_of;
use crate::suggest;
use crate::validate::{named, options, positive, Errors};
use quote::quote;

/// `lstm(...)`: `::nn_core::cell::LstmCell`, 4H gate rows.
pub fn lstm(cx: &mut Ctx) -> (Option<Lowered>, Option<Dims>) {
    lower(cx, Cell::Lstm)
}

/// `gru(...)`: `::nn_core::cell::GruCell` (or `GruResetBeforeCell`), 3H gate rows.
pub fn gru(cx: &mut Ctx) -> (Option<Lowered>, Option<Dims>) {
    lower(cx, Cell::Gru)
}

/// `rnn(...)`: `::nn_core::cell::RnnCell`, H rows.
pub fn rnn(cx: &mut Ctx) -> (Option<Lowered>, Option<Dims>) {
    lower(cx, Cell::Rnn)
}

/// The most stacked layers (`nn_core::cell::MAX_LAYERS`).
const MAX_LAYERS: usize = 8;

/// The named options of a recurrent layer.
const OPTIONS: &[&str] = &[
    "seq",
    "layers",
    "bidirectional",
    "dropout",
    "reset_after",
    "init",
];

/// Other libraries' names for them.
const ALIASES: &[(&str, &str)] = &[
    ("num_layers", "layers"),
    ("return_sequences", "seq"),
    ("bidirectional_", "bidirectional"),
];

/// `layers = L`: an integer literal from 1 to [`MAX_LAYERS`].
fn layer_count(a: &Arg, name: &str, errs: &mut Errors) -> Option<usize> {
    let text = a.value.to_string();
    match text.parse::<usize>() {
        Ok(n) if (1..=MAX_LAYERS).contains(&n) => Some(n),
        _ => {
            errs.push(
                span_of(&a.value),
                format!(
                    "`layers` of `{name}` is a whole number from 1 to {MAX_LAYERS}, found `{text}`"
                ),
            );
            None
        }
    }
}

fn lower(cx: &mut Ctx, cell: Cell) -> (Option<Lowered>, Option<Dims>) {
    let kind = cell.kind();
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
    let (mut layers, mut dirs, mut reset_after) = (1, 1, true);
    let mut dropout: Option<(f64, proc_macro2::Span)> = None;
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
            "layers" => match layer_count(a, &name, errs) {
                Some(n) => layers = n,
                None => ok = false,
            },
            "bidirectional" => match flag(a, &format!("`bidirectional` of `{name}`"), errs) {
                Some(b) => dirs = if b { 2 } else { 1 },
                None => ok = false,
            },
            "dropout" => match errs.ok(args::number(&a.value)) {
                Some(p) if (0.0..1.0).contains(&p) => dropout = Some((p, a.span)),
                Some(p) => {
                    errs.push(
                        span_of(&a.value),
                        format!("the dropout rate of `{name}` must lie in [0, 1), found {p}"),
                    );
                    ok = false;
                }
                None => ok = false,
            },
            "reset_after" if cell != Cell::Gru => {
                errs.push(
                    key_span,
                    format!("`reset_after` is an option of `gru` layers, but `{name}` is an `{kind}` layer, which has no reset gate"),
                );
                ok = false;
            }
            "reset_after" => match flag(a, &format!("`reset_after` of `{name}`"), errs) {
                Some(b) => reset_after = b,
                None => ok = false,
            },
            other => {
                errs.push(
                    key_span,
                    suggest::unknown("named argument", other, OPTIONS, ALIASES),
                );
                ok = false;
            }
        }
    }

    if let (Some((p, span)), 1) = (dropout, layers) {
        if p > 0.0 {
            errs.push(
                span,
                format!("`dropout = {p}` of `{name}` applies between stacked layers, but `{name}` has one layer\n\nhelp: add `layers = 2`, or put a `dropout({p})` layer after `{name}`"),
            );
            ok = false;
        }
    }
    let drop = dropout.map_or(0.0, |(p, _)| p);
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
    // Each step's output: both directions' hidden states when bidirectional.
    let width = match (dirs, hidden.known()) {
        (1, _) => hidden.clone(),
        (_, Some(n)) => Size::Lit(2 * n, hidden.span()),
        (_, None) => {
            let h = hidden.tokens();
            Size::Expr(
                quote!(2 * #h),
                format!("2*{}", hidden.display()),
                hidden.span(),
            )
        }
    };
    let out = |seq: Option<&Size>| match (full, seq) {
        (true, Some(s)) => Some(Dims(vec![s.clone(), width.clone()])),
        (true, None) => None,
        (false, _) => Some(Dims::flat_of(width.clone())),
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
    let cell = match (cell, reset_after) {
        (Cell::Gru, false) => Cell::GruResetBefore,
        (cell, _) => cell,
    };
    let lowered = Lowered {
        kind: LayerKind::Op(Box::new(Recurrent {
            cell,
            seq,
            inputs,
            hidden,
            dirs,
            layers,
            dropout: drop,
            full,
        })),
        out: out_dims,
        act: Act::Identity,
        init: Some(init),
    };
    (Some(lowered), out)
}

fn cx_display(seq: &Size, inputs: &Size) -> String {
    format!("{}x{}", seq.display(), inputs.display())
}
