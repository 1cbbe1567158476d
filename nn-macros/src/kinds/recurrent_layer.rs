//! The lowered recurrent layer ([`Recurrent`]): its cell, sizes `SEQ`, `I`, `H` and
//! `G = k·H` gate rows (`k` = 4 for `lstm`, 3 for `gru`, 1 for `rnn`), directions and
//! stacked layers; its trainable type (`nn_core::cell::Recurrent` for one layer in one
//! direction, `RecurrentStack` otherwise) and, embedded from a weights file, PyTorch's
//! tensors `weight_ih_l{n}[_reverse]`, `weight_hh_l{n}`, `bias_ih_l{n}`, `bias_hh_l{n}`.

use super::{tensor, Kind, Tensor};
use crate::ir::{Layer, Size};
use crate::weights::Header;
use proc_macro2::{Literal, TokenStream};
use quote::quote;

/// The recurrent cell.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Lstm,
    /// PyTorch's GRU, the reset gate after the hidden product.
    Gru,
    /// `reset_after = false`: the reset gate before the hidden product (Cho et al. 2014).
    GruResetBefore,
    Rnn,
}

impl Cell {
    /// The kind's name in `network!`.
    pub fn kind(self) -> &'static str {
        match self {
            Cell::Lstm => "lstm",
            Cell::Gru | Cell::GruResetBefore => "gru",
            Cell::Rnn => "rnn",
        }
    }

    /// Gate rows per hidden unit.
    pub fn gates(self) -> usize {
        match self {
            Cell::Lstm => 4,
            Cell::Gru | Cell::GruResetBefore => 3,
            Cell::Rnn => 1,
        }
    }

    /// The cell type in `nn_core::cell` and its one-layer alias (`Lstm<T, I, H, G, SEQ, IN,
    /// OUT>`).
    fn types(self) -> (TokenStream, TokenStream) {
        match self {
            Cell::Lstm => (quote!(LstmCell), quote!(Lstm)),
            Cell::Gru => (quote!(GruCell), quote!(Gru)),
            Cell::GruResetBefore => (quote!(GruResetBeforeCell), quote!(GruResetBefore)),
            Cell::Rnn => (quote!(RnnCell), quote!(Rnn)),
        }
    }
}

/// `lstm`, `gru` or `rnn` with its resolved settings.
pub struct Recurrent {
    pub cell: Cell,
    /// Steps `SEQ` and inputs per step `I`: the input is `[SEQ, I]`.
    pub seq: Size,
    pub inputs: Size,
    /// Hidden units `H` per direction.
    pub hidden: Size,
    /// 1, or 2 when bidirectional.
    pub dirs: usize,
    /// Stacked layers, 1 to 8.
    pub layers: usize,
    /// The dropout rate between stacked layers.
    pub dropout: f64,
    /// `seq = full` (every hidden state) rather than `seq = last`.
    pub full: bool,
}

impl Recurrent {
    /// Whether it is a `RecurrentStack` (several layers or both directions).
    fn stacked(&self) -> bool {
        self.layers > 1 || self.dirs > 1
    }

    /// `SEQ`, `I`, `H` and `G` as the embedded layer of `l` names them.
    fn sizes(&self, l: &Layer) -> [Size; 4] {
        let h = if self.stacked() {
            self.hidden.at(l.name.span())
        } else {
            self.hidden.clone()
        };
        let g = times(self.cell.gates(), &h);
        [self.seq.clone(), self.inputs.clone(), h, g]
    }
}

impl Kind for Recurrent {
    fn name(&self) -> &'static str {
        self.cell.kind()
    }

    fn computes_with(&self) -> Option<(&Size, String)> {
        let k = self.cell.gates();
        let what = if k > 1 {
            format!("its weights have `{k}·H` gate rows")
        } else {
            "its weights and state are sized from it".to_string()
        };
        Some((&self.hidden, what))
    }

    fn trainable(&self, t: &TokenStream) -> TokenStream {
        let (s, i, h) = (
            self.seq.tokens(),
            self.inputs.tokens(),
            self.hidden.tokens(),
        );
        let g = Literal::usize_unsuffixed(self.cell.gates());
        let (cell, alias) = self.cell.types();
        let cell = quote!(::nn_core::cell::#cell);
        let d = Literal::usize_unsuffixed(self.dirs);
        let o = match (self.full, self.dirs) {
            (true, 1) => quote!({ (#s) * (#h) }),
            (true, _) => quote!({ (#s) * #d * (#h) }),
            (false, 1) => h.clone(),
            (false, _) => quote!({ #d * (#h) }),
        };
        if !self.stacked() {
            return quote!(::nn_core::cell::#alias<#t, #i, #h, { #g * (#h) }, #s, { (#s) * (#i) }, #o>);
        }
        let up = Literal::usize_unsuffixed(self.layers - 1);
        let bits = Literal::u64_suffixed(self.dropout.to_bits());
        quote!(::nn_core::cell::RecurrentStack<
            #cell<#t, #i, #h, { #g * (#h) }>,
            #cell<#t, { #d * (#h) }, #h, { #g * (#h) }>,
            #d, #up, #s, { (#s) * (#i) }, { (#s) * (#h) }, { (#s) * #d * (#h) }, #o, #bits
        >)
    }

    fn tensors(&self, l: &Layer, _: bool) -> Option<Vec<Tensor>> {
        // PyTorch's names for `nn.LSTM`/`nn.GRU`/`nn.RNN`, as `CellWeights` and
        // `RecurrentStack` save them: layer after layer, forward then reverse.
        let [_, i, h, g] = self.sizes(l);
        let iu = times(self.dirs, &h);
        let mut t = Vec::new();
        for layer in 0..self.layers {
            for d in 0..self.dirs {
                let tail = format!("_l{layer}{}", if d == 1 { "_reverse" } else { "" });
                let input = if layer == 0 { &i } else { &iu };
                t.push(tensor(format!("weight_ih{tail}"), &[&g, input], None));
                t.push(tensor(format!("weight_hh{tail}"), &[&g, &h], None));
                t.push(tensor(format!("bias_ih{tail}"), &[&g], None));
                t.push(tensor(format!("bias_hh{tail}"), &[&g], None));
            }
        }
        Some(t)
    }

    fn shape_hint(&self, l: &Layer, suffix: &str, found: &[usize]) -> Option<String> {
        let k = self.cell.gates();
        match (suffix, found) {
            ("weight_ih_l0", [g, i]) if g % k == 0 => Some(format!(
                "\n\nhelp: the file's `{}` is `{}({i} -> {})`",
                l.name,
                self.name(),
                g / k
            )),
            ("weight_hh_l0", [_, h]) => Some(format!(
                "\n\nhelp: the file's `{}` has {h} hidden units: `{}({h})`",
                l.name,
                self.name()
            )),
            _ => None,
        }
    }

    /// The file's `weight_hh_l0` has the rows of another kind (4, 3 or 1 gates per hidden
    /// unit): the kind it needs.
    fn file_mismatch(&self, l: &Layer, header: &Header, file: &str) -> Option<String> {
        let declared = self.cell.gates();
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
            self.name(),
            rows / h,
            l.name,
        ))
    }

    fn embedded_type(&self, l: &Layer, t: &TokenStream, _: bool) -> TokenStream {
        let [s, i, h, g] = self.sizes(l);
        let iu = times(self.dirs, &h).tokens();
        let [s, i, h, g] = [s, i, h, g].map(|s| s.tokens());
        let (cell, _) = self.cell.types();
        if !self.stacked() {
            return quote!(::nn_core::embed::StaticRecurrent<::nn_core::cell::#cell<#t, #i, #h, #g>, #t, #i, #h, #g, #s>);
        }
        let (d, up) = (
            Literal::usize_unsuffixed(self.dirs),
            Literal::usize_unsuffixed(self.layers - 1),
        );
        quote!(::nn_core::embed::StaticRecurrentStack<
            ::nn_core::cell::#cell<#t, #i, #h, #g>,
            ::nn_core::cell::#cell<#t, #iu, #h, #g>,
            #t, #i, #iu, #h, #g, #s, #d, #up, { (#s) * (#h) }, { (#s) * (#iu) }
        >)
    }

    fn embedded_value(&self, views: Vec<TokenStream>, _: bool) -> TokenStream {
        // `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, in `tensors`' order;
        // a stack has four per direction per layer.
        if !self.stacked() {
            return quote!(::nn_core::embed::StaticRecurrent::new(#(#views),*));
        }
        let dirs_of: Vec<TokenStream> = views
            .chunks(4)
            .map(|v| quote!(::nn_core::embed::StaticRecurrent::new(#(#v),*)))
            .collect();
        let layers: Vec<TokenStream> = dirs_of
            .chunks(self.dirs)
            .map(|d| quote!([#(#d),*]))
            .collect();
        let (first, upper) = layers
            .split_first()
            .map_or((quote!([]), &[][..]), |(f, u)| (f.clone(), u));
        quote!(::nn_core::embed::StaticRecurrentStack::new(#first, [#(#upper),*]))
    }

    fn embedded_parameters(&self, l: &Layer) -> TokenStream {
        let [_, i, h, g] = self.sizes(l);
        let iu = times(self.dirs, &h).tokens();
        let [i, h, g] = [i, h, g].map(|s| s.tokens());
        let one = quote!((#g) * ((#i) + (#h) + 2));
        if !self.stacked() {
            return one;
        }
        let (d, up) = (
            Literal::usize_unsuffixed(self.dirs),
            Literal::usize_unsuffixed(self.layers - 1),
        );
        quote!(#d * (#one + #up * (#g) * ((#iu) + (#h) + 2)))
    }
}

/// `k · s` as a size.
fn times(k: usize, s: &Size) -> Size {
    match s.known() {
        Some(n) => Size::Lit(k * n, s.span()),
        None if k == 1 => s.clone(),
        None => {
            let (k, t) = (Literal::usize_unsuffixed(k), s.tokens());
            Size::Expr(quote!(#k * #t), format!("{k}*{}", s.display()), s.span())
        }
    }
}
