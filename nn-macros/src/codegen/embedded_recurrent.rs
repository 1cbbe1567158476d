//! The sizes of an embedded recurrent layer, read from its lowered layer: gate rows per unit,
//! `SEQ`, `I`, `H`, `G`, and for a stacked or bidirectional layer (`RecurrentStack`) its
//! directions and layers; the cell type (`GruResetBeforeCell` for `reset_after = false`).

use crate::ir::{Layer, Size};
use proc_macro2::{Literal, TokenStream};
use quote::{quote, ToTokens};

/// Gate rows per hidden unit of a recurrent kind (`G = k·H`: 4 for `lstm`, 3 for `gru`, 1
/// for `rnn`), `None` for other kinds.
pub(super) fn gates_per_unit(l: &Layer) -> Option<usize> {
    match l.kind_name() {
        "lstm" => Some(4),
        "gru" => Some(3),
        "rnn" => Some(1),
        _ => None,
    }
}

/// The cell type of a recurrent layer (`LstmCell`, `GruCell`, `GruResetBeforeCell` for
/// `reset_after = false`, `RnnCell`), read from its type.
pub(super) fn cell_name(l: &Layer) -> TokenStream {
    match l.kind_name() {
        "lstm" => quote!(LstmCell),
        "gru"
            if l.op()
                .is_some_and(|o| o.ty.to_string().contains("GruResetBefore")) =>
        {
            quote!(GruResetBeforeCell)
        }
        "gru" => quote!(GruCell),
        _ => quote!(RnnCell),
    }
}

/// A stacked or bidirectional recurrent layer (`RecurrentStack<C0, CU, DIRS, UP, ..>`, whose
/// `C0` is `Cell<T, I, H, G>`): its directions, layers and hidden size `H`.
pub(super) fn stack_shape(l: &Layer) -> Option<(usize, usize, Size)> {
    use syn::{GenericArgument as A, PathArguments};
    gates_per_unit(l)?;
    let path: syn::TypePath = syn::parse2(l.op()?.ty.clone()).ok()?;
    let seg = path.path.segments.last()?;
    if seg.ident != "RecurrentStack" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &seg.arguments else {
        return None;
    };
    let args: Vec<&A> = args.args.iter().collect();
    let int = |a: &A| match a {
        A::Const(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(n),
            ..
        })) => n.base10_parse::<usize>().ok(),
        _ => None,
    };
    let (dirs, up) = (int(args.get(2)?)?, int(args.get(3)?)?);
    let A::Type(syn::Type::Path(cell)) = args.first()? else {
        return None;
    };
    let PathArguments::AngleBracketed(cargs) = &cell.path.segments.last()?.arguments else {
        return None;
    };
    let h = cargs.args.iter().nth(2)?;
    let span = l.name.span();
    let h = match int(h) {
        Some(n) => Size::Lit(n, span),
        None => {
            // As written in the declaration: `HIDDEN`, not the `{ HIDDEN }` block of the type.
            let t = h.to_token_stream();
            let text = t.to_string().replace(' ', "");
            let text = text
                .trim_start_matches('{')
                .trim_end_matches('}')
                .to_string();
            Size::Expr(t, text, span)
        }
    };
    Some((dirs, up + 1, h))
}

/// `k · s` as a size.
pub(super) fn times(k: usize, s: &Size) -> Size {
    match s.known() {
        Some(n) => Size::Lit(k * n, s.span()),
        None if k == 1 => s.clone(),
        None => {
            let (k, t) = (Literal::usize_unsuffixed(k), s.tokens());
            Size::Expr(quote!(#k * #t), format!("{k}*{}", s.display()), s.span())
        }
    }
}

/// A recurrent layer's sizes: steps `SEQ`, inputs per step `I` (its input is `[SEQ, I]`),
/// hidden units `H` (the last of its output's dimensions) and gate rows `G`.
pub(super) fn recurrent_sizes(l: &Layer) -> Option<[Size; 4]> {
    let k = gates_per_unit(l)?;
    let [seq, i] = &l.in_dims.0[..] else {
        return None;
    };
    let h = match stack_shape(l) {
        Some((_, _, h)) => h,
        None => l.out_dims.0.last()?.clone(),
    };
    let g = times(k, &h);
    Some([seq.clone(), i.clone(), h, g])
}

/// When a recurrent layer is declared as one kind but the file holds another (`lstm(64)`
/// over a GRU's tensors), the one error to report: the kind the file's `weight_hh_l0` has
/// the rows of (4, 3 or 1 gates per hidden unit), with the declaration it needs.
pub(super) fn kind_mismatch(
    l: &Layer,
    header: &crate::weights::Header,
    file: &str,
) -> Option<String> {
    let declared = gates_per_unit(l)?;
    let name = format!("{}.weight_hh_l0", l.name);
    let &[rows, h] = header.tensors.get(&name)?.shape.as_slice() else {
        return None;
    };
    if h == 0 || rows == declared * h || !rows.is_multiple_of(h) {
        return None;
    }
    let (kind, what) = match rows / h {
        4 => ("lstm", "an LSTM (4 gates per hidden unit)"),
        3 => ("gru", "a GRU (3 gates per hidden unit)"),
        1 => ("rnn", "a plain RNN (1 gate per hidden unit)"),
        _ => return None,
    };
    Some(format!(
        "`{}` is declared `{}`, but `{file}` holds {what} there: `{name}` has {rows} = {}·{h} rows\n\nhelp: declare it `{}: {kind}({h})`",
        l.name,
        l.kind_name(),
        rows / h,
        l.name,
    ))
}
