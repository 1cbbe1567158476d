//! The lowered network: every size resolved, every layer's meaning known. Codegen reads only
//! this.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Attribute, Ident, Visibility};

/// A size: a literal the macro can compute with, or a `const` expression left to the compiler.
#[derive(Clone)]
pub enum Size {
    Lit(usize, Span),
    Expr(TokenStream, String, Span),
}

impl Size {
    pub fn known(&self) -> Option<usize> {
        match self {
            Size::Lit(n, _) => Some(*n),
            Size::Expr(..) => None,
        }
    }
    pub fn span(&self) -> Span {
        match self {
            Size::Lit(_, s) | Size::Expr(_, _, s) => *s,
        }
    }
    /// The size as a const-generic argument.
    pub fn tokens(&self) -> TokenStream {
        match self {
            Size::Lit(n, _) => {
                let n = proc_macro2::Literal::usize_unsuffixed(*n);
                quote!(#n)
            }
            Size::Expr(t, _, _) => quote!({ #t }),
        }
    }
    /// As the user wrote it, for messages.
    pub fn display(&self) -> String {
        match self {
            Size::Lit(n, _) => n.to_string(),
            Size::Expr(_, s, _) => s.clone(),
        }
    }
    /// The same size, reported at another span.
    pub fn at(&self, span: Span) -> Size {
        match self {
            Size::Lit(n, _) => Size::Lit(*n, span),
            Size::Expr(t, s, _) => Size::Expr(t.clone(), s.clone(), span),
        }
    }
}

/// Element-wise or column-wise non-linearity after a layer.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Act {
    Identity,
    Relu,
    LeakyRelu(f64),
    Sigmoid,
    Tanh,
    Softmax,
}

impl Act {
    pub const NAMES: &'static [&'static str] = &[
        "identity",
        "relu",
        "leaky_relu",
        "sigmoid",
        "tanh",
        "softmax",
    ];
    /// Other libraries' names, for hints.
    pub const ALIASES: &'static [(&'static str, &'static str)] = &[
        ("linear", "identity"),
        ("none", "identity"),
        ("logistic", "sigmoid"),
        ("leakyrelu", "leaky_relu"),
    ];

    pub fn name(self) -> &'static str {
        match self {
            Act::Identity => "identity",
            Act::Relu => "relu",
            Act::LeakyRelu(_) => "leaky_relu",
            Act::Sigmoid => "sigmoid",
            Act::Tanh => "tanh",
            Act::Softmax => "softmax",
        }
    }
}

/// A weight-initialization scheme (nn-core's `Init`).
#[derive(Clone, Debug)]
pub enum InitKind {
    LeCun,
    Direction,
    /// The input range, as `f64` expressions (literals or constants such as `PI`).
    Hinges(TokenStream, TokenStream),
    He,
    Xavier,
    Zeros,
}

impl InitKind {
    pub const NAMES: &'static [&'static str] =
        &["lecun", "direction", "hinges", "he", "xavier", "zeros"];
    /// Other libraries' names, for hints.
    pub const ALIASES: &'static [(&'static str, &'static str)] = &[
        ("kaiming", "he"),
        ("kaiming_normal", "he"),
        ("he_normal", "he"),
        ("glorot", "xavier"),
        ("glorot_normal", "xavier"),
        ("xavier_normal", "xavier"),
        ("lecun_normal", "lecun"),
        ("zero", "zeros"),
    ];
}

/// What a layer computes.
pub enum LayerKind {
    /// `z = W x + b`.
    Dense,
    /// Inverted dropout with this rate; no parameters, size unchanged.
    Dropout(f64),
}

impl LayerKind {
    pub const NAMES: &'static [&'static str] = &["dense", "dropout"];
    /// Other libraries' names, for hints.
    pub const ALIASES: &'static [(&'static str, &'static str)] = &[
        ("linear", "dense"),
        ("fully_connected", "dense"),
        ("fc", "dense"),
    ];
}

pub struct Layer {
    pub name: Ident,
    pub kind: LayerKind,
    pub inputs: Size,
    pub outputs: Size,
    pub act: Act,
    pub init: InitKind,
}

impl Layer {
    /// Whether the layer owns parameters (and so a field of the network struct).
    pub fn has_params(&self) -> bool {
        matches!(self.kind, LayerKind::Dense)
    }

    /// The dropout rate, for a dropout layer.
    pub fn dropout(&self) -> Option<f64> {
        match self.kind {
            LayerKind::Dropout(p) => Some(p),
            LayerKind::Dense => None,
        }
    }

    /// The layer kind's name, as written in `network!`.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            LayerKind::Dense => "dense",
            LayerKind::Dropout(_) => "dropout",
        }
    }
}

/// A shape condition on `const` sizes that only the compiler can evaluate. Codegen emits it
/// as a `const` item spanned on the user's size, so the compiler's error points there.
pub enum ConstCheck {
    /// `value > 0`, else `message`.
    Positive {
        value: TokenStream,
        message: String,
        span: Span,
    },
    /// `expected == found`, else `parts[0] {expected} parts[1] {found} parts[2]`: the
    /// values are formatted by the compiler, so the message names both sizes.
    Equal {
        expected: TokenStream,
        found: TokenStream,
        parts: [String; 3],
        span: Span,
    },
}

pub struct Network {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub name: Ident,
    pub input: Size,
    pub layers: Vec<Layer>,
    pub checks: Vec<ConstCheck>,
}

impl Network {
    pub fn output(&self) -> &Size {
        self.layers.last().map_or(&self.input, |l| &l.outputs)
    }
}
