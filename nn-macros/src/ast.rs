//! The syntax tree of a `network!` declaration, keeping every span.
//!
//! ```text
//! network! {
//!     /// docs and #[attributes]
//!     pub struct Name<const P: usize, ...> {   (size parameters optional)
//!         input: SIZE | [DIM, ...],          (or several `name: input(SIZE)`)
//!         layer_name: kind(arg, arg, key = value, ...),
//!         layer_name: kind(args)(parent),      (read another node than the previous one)
//!         join_name: add(a, b),                (joins name their parents as arguments)
//!         ...
//!         output: name | (name, ...),          (optional: the last node by default)
//!     }
//! }
//! ```
//!
//! Arguments are kept as raw tokens: what they mean depends on the layer kind, which
//! `validate` knows and the parser does not.

use proc_macro2::{Span, TokenStream};
use syn::{Attribute, Ident, Visibility};

/// The whole declaration.
pub struct NetworkDecl {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub name: Ident,
    /// Size parameters, `<const H: usize, ...>` after the name.
    pub params: Vec<Ident>,
    /// Span of the `{ ... }` body.
    pub body_span: Span,
    pub items: Vec<Item>,
    /// `block Name(params) { ... }` declarations before the struct, expanded at each use by
    /// [`crate::blocks`].
    pub blocks: Vec<BlockDecl>,
    /// Syntax errors in the body: each item that did not parse was skipped up to the next
    /// `,` and is kept as an [`Item::Broken`], so the rest is still checked.
    pub errors: Vec<syn::Error>,
}

/// One `name: ...` entry of the body.
pub enum Item {
    /// `input: SIZE` or `input: [DIM, ...]`.
    Input { key: Ident, size: TokenStream },
    /// `output: name` or `output: (name, ...)`.
    Output {
        key: Ident,
        names: Vec<Ident>,
        span: Span,
    },
    /// `name: kind(args)`.
    Layer(LayerDecl),
    /// An entry with a syntax error (already reported), with its name when that much parsed.
    Broken(Option<Ident>),
}

/// `name: kind(args)`.
pub struct LayerDecl {
    /// The field's name: a dotted name's segments joined by `_` (`layer1.0` is `layer1_0`).
    pub name: Ident,
    /// The dotted name as written (`layer1.0`), PyTorch's module path; `None` for a plain one.
    pub path: Option<String>,
    /// `if FLAG` after a layer of a block: kept only where the block's `FLAG` is `true`.
    pub cond: Option<Ident>,
    pub kind: Ident,
    pub args: Vec<Arg>,
    /// Span of the parenthesized argument list, or of the kind when there is none.
    pub args_span: Span,
    /// `(parent, ...)` after the arguments, with its span.
    pub parents: Option<(Vec<Ident>, Span)>,
    /// For a layer expanded from a block, the block's layer it is (`Basic.conv1`): a mistake
    /// in the block's body is reported at its first use only.
    pub origin: Option<String>,
}

/// One argument: `tokens` or `key = tokens`.
pub struct Arg {
    pub key: Option<Ident>,
    pub value: TokenStream,
    pub span: Span,
}

/// `block Name(param, param = default, ...) { layers }`: a sub-network declared once and
/// expanded at each use (`layer1.0: Name(64)`), its layers named `layer1.0.conv1`.
pub struct BlockDecl {
    pub name: Ident,
    /// Each parameter with its default value, if any.
    pub params: Vec<(Ident, Option<TokenStream>)>,
    pub items: Vec<Item>,
}
