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
}

/// What a layer computes.
pub enum LayerKind {
    /// `z = W x + b`.
    Dense,
}

impl LayerKind {
    pub const NAMES: &'static [&'static str] = &["dense"];
}

pub struct Layer {
    pub name: Ident,
    pub kind: LayerKind,
    pub inputs: Size,
    pub outputs: Size,
    pub act: Act,
    pub init: InitKind,
}

/// A shape condition on `const` sizes that only the compiler can evaluate.
pub struct ConstCheck {
    pub cond: TokenStream,
    pub message: String,
    pub span: Span,
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
