//! The lowered network: every size resolved, every layer's meaning known (each kind a type
//! with its settings, `crate::kinds::Kind`), its size parameters listed. Codegen reads only
//! this, and for a network embedded from a weights file the layout validation checked.

use crate::kinds::tfl::{Dtype, TflKind};
use crate::kinds::Kind;
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
    Torch,
}

impl InitKind {
    pub const NAMES: &'static [&'static str] = &[
        "lecun",
        "direction",
        "hinges",
        "he",
        "xavier",
        "zeros",
        "torch",
    ];
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
        ("pytorch", "torch"),
        ("kaiming_uniform", "torch"),
    ];
}

/// A per-sample shape: `[N]` for a vector, `[C, H, W]` for an image, `[SEQ, I]` for a
/// sequence. Samples are stored flat in this order.
#[derive(Clone)]
pub struct Dims(pub Vec<Size>);

impl Dims {
    pub fn flat_of(size: Size) -> Dims {
        Dims(vec![size])
    }
    /// The number of values per sample.
    pub fn flat(&self) -> Size {
        let span = self.0.first().map_or_else(Span::call_site, Size::span);
        if let Some(n) = self.0.iter().map(Size::known).product::<Option<usize>>() {
            return Size::Lit(n, span);
        }
        if let [one] = self.0.as_slice() {
            return one.clone();
        }
        // Parenthesized: a leading `{ N }` would otherwise parse as a block statement.
        let first = self.0[0].tokens();
        let rest = self.0[1..].iter().map(Size::tokens);
        Size::Expr(quote!((#first) #(* (#rest))*), self.display(), span)
    }
    /// `784` or `16x7x7`.
    pub fn display(&self) -> String {
        let parts: Vec<String> = self.0.iter().map(Size::display).collect();
        parts.join("x")
    }
    pub fn rank(&self) -> usize {
        self.0.len()
    }
    /// The dimensions' tokens, for `Shape::new(&[..])`.
    pub fn tokens(&self) -> Vec<TokenStream> {
        self.0.iter().map(Size::tokens).collect()
    }
}

/// Where a node reads from: a network input or an earlier node.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Src {
    Input(usize),
    Node(usize),
}

/// A network input.
pub struct Input {
    pub name: Ident,
    pub dims: Dims,
}

/// A node reading several parents.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Join {
    /// `z = a + b + ...`.
    Add,
    /// `z = a ∘ b`.
    Mul,
    /// `z = [a; b; ...]`.
    Concat,
    /// `z_k = v + a_k - mean(a)`.
    Dueling,
}

impl Join {
    pub const NAMES: &'static [&'static str] = &["add", "mul", "concat", "dueling"];

    pub fn from_name(name: &str) -> Option<Join> {
        Some(match name {
            "add" => Join::Add,
            "mul" => Join::Mul,
            "concat" => Join::Concat,
            "dueling" => Join::Dueling,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Join::Add => "add",
            Join::Mul => "mul",
            Join::Concat => "concat",
            Join::Dueling => "dueling",
        }
    }
}

/// What a node computes.
pub enum LayerKind {
    /// A layer type driven through `Op`/`BatchOp`; a field of the network struct. The
    /// kind holds its resolved settings (see `crate::kinds::Kind`).
    Op(Box<dyn Kind>),
    /// Inverted dropout with this rate; no parameters, size unchanged.
    Dropout(f64),
    /// A join of several parents.
    Join(Join),
}

impl LayerKind {
    /// Other libraries' names, for hints.
    pub const ALIASES: &'static [(&'static str, &'static str)] = &[
        ("linear", "dense"),
        ("fully_connected", "dense"),
        ("fc", "dense"),
        ("cat", "concat"),
        ("sum", "add"),
        ("multiply", "mul"),
    ];
}

pub struct Layer {
    pub name: Ident,
    /// PyTorch's module path, the prefix of the layer's `state_dict` keys (`layer1.0.conv1`).
    pub path: String,
    pub kind: LayerKind,
    pub parents: Vec<Src>,
    /// The first parent's shape (the input of an `Op`).
    pub in_dims: Dims,
    pub out_dims: Dims,
    /// `in_dims.flat()`.
    pub inputs: Size,
    /// `out_dims.flat()`.
    pub outputs: Size,
    pub act: Act,
    /// The initialization of a layer with parameters.
    pub init: Option<InitKind>,
}

impl Layer {
    /// The layer's `Op` type, for layers that are fields of the network.
    pub fn op(&self) -> Option<&dyn Kind> {
        match &self.kind {
            LayerKind::Op(o) => Some(o.as_ref()),
            _ => None,
        }
    }

    /// Whether the layer owns parameters.
    pub fn has_params(&self) -> bool {
        self.op().is_some_and(|o| o.has_params())
    }

    /// The dropout rate, for a dropout layer.
    pub fn dropout(&self) -> Option<f64> {
        match self.kind {
            LayerKind::Dropout(p) => Some(p),
            _ => None,
        }
    }

    /// The layer kind's name, as written in `network!`.
    pub fn kind_name(&self) -> &'static str {
        match &self.kind {
            LayerKind::Op(o) => o.name(),
            LayerKind::Dropout(_) => "dropout",
            LayerKind::Join(j) => j.name(),
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
    /// `value > 0` for a size that mentions a size parameter (`dense(H)`): only known when
    /// the network's type is used with values for its parameters, so codegen checks it in an
    /// associated `const` that the constructor evaluates.
    ParamPositive {
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
    pub inputs: Vec<Input>,
    pub layers: Vec<Layer>,
    pub outputs: Vec<Src>,
    pub checks: Vec<ConstCheck>,
    /// The size parameters, `struct Mlp<const H: usize>`: the generated types take them
    /// before the scalar (`codegen::generics`).
    pub params: Vec<Ident>,
}

impl Network {
    /// The shape a source produces.
    pub fn dims(&self, s: Src) -> &Dims {
        match s {
            Src::Input(i) => &self.inputs[i].dims,
            Src::Node(j) => &self.layers[j].out_dims,
        }
    }
    /// The name of a source.
    pub fn src_name(&self, s: Src) -> &Ident {
        match s {
            Src::Input(i) => &self.inputs[i].name,
            Src::Node(j) => &self.layers[j].name,
        }
    }
    /// Whether the network has one input and one output, so it implements `Network` and
    /// `BatchNetwork`.
    pub fn is_simple(&self) -> bool {
        self.inputs.len() == 1 && self.outputs.len() == 1
    }
    /// Every node reading `s`, with the parent slot, in declaration order.
    pub fn children(&self, s: Src) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (j, l) in self.layers.iter().enumerate() {
            for (k, p) in l.parents.iter().enumerate() {
                if *p == s {
                    out.push((j, k));
                }
            }
        }
        out
    }
}

/// A lowered network of `tfl_` layers (TFLite int8 and float32, inference only): layers in
/// order over concrete NHWC shapes, each reading earlier nodes ([`TflNode`]), each layer's
/// kind a [`TflKind`]. Codegen (`codegen::tfl`) reads only this and the file layout
/// `validate::tfl_weights` checked.
pub struct TflNetwork {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub name: Ident,
    /// The input's shape and dtype, and the span of `input` for the file's errors about it.
    pub input: Vec<usize>,
    pub input_dtype: Dtype,
    pub input_span: Span,
    pub layers: Vec<TflLayer>,
}

/// A node a `tfl_` layer reads: the network's input or an earlier layer's output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TflNode {
    Input,
    Layer(usize),
}

/// A lowered `tfl_` layer, reading its parents (the node before it unless it names them).
pub struct TflLayer {
    pub name: Ident,
    /// The kind as written, where the layer's errors point.
    pub span: Span,
    pub kind: Box<dyn TflKind>,
    /// The nodes it reads, in order (`input` is the first one's shape).
    pub parents: Vec<TflNode>,
    /// The first parent's shape and dtype (empty and `I8` for a constant).
    pub input: Vec<usize>,
    pub dtype: Dtype,
    pub out: Vec<usize>,
    pub out_dtype: Dtype,
}
