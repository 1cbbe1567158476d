//! The layer kinds `network!` knows, each in its own file. A kind's `lower` function reads
//! its arguments, checks them against its input's shape and returns a value of the kind's
//! own type, holding its resolved settings (sizes, kernel, cell...), and the output shape.
//! That type implements [`Kind`]: its name, its trainable nn-core type, and for a network
//! embedded from a weights file (`#[weights = "..."]`) the tensors it reads, its embedded
//! type and value. Codegen and the weights checks ask the [`Kind`]; none of them knows a
//! kind by name.
//!
//! # Adding a kind
//!
//! 1. A file `kinds/my_kind.rs` with a `lower(cx: &mut Ctx) -> (Option<Lowered>, Option<Dims>)`
//!    function (read the arguments with the helpers of `crate::args` and `super::image`,
//!    push every mistake on `cx.errs`, spanned on what the user wrote) and a type holding
//!    the resolved settings that implements [`Kind`]: `name` and `trainable` always;
//!    `has_params` (default `true`), `batch_statistics`; and to embed from a weights file
//!    `tensors` (default: none for a kind without parameters, "cannot be embedded yet"
//!    otherwise; or `tensors_in_file` when only the compiler knows them, as for `custom`),
//!    `embedded_type`, `embedded_value`, `embedded_parameters`, plus the optional hints
//!    (`quantizable`, `shape_hint`, `file_mismatch`).
//! 2. `mod my_kind;` and one line `("my_kind", my_kind::lower)` in [`KINDS`].
//! 3. In nn-core, the trainable type implementing `Layer`, `Op` and `BatchOp` (and for
//!    embedding, a static type implementing `embed::Infer`).
//!
//! Nothing else changes: validation, codegen and the weights checks go through [`Kind`].
//!
//! # Inference-only kinds: `tfl_*`
//!
//! [`Kind`] describes a trainable float layer. TFLite's int8 layers (`tfl_conv2d`, ...) have
//! no trainable type and run over concrete NHWC shapes with a quantization per activation,
//! so they implement a second trait, [`tfl::TflKind`]: the tensors they read from the
//! weights file, the rule their output quantization follows, and their kernel call. A
//! declaration with a `tfl_` layer is validated (`validate::tfl`, `validate::tfl_weights`)
//! and generated (`codegen::tfl`) through that trait; its kinds are registered in
//! [`tfl::KINDS`] and suggested only there. The recipe for adding one is in [`tfl`].

mod adaptive_avg_pool2d;
mod batch_norm;
mod conv2d;
mod custom;
mod dense;
mod dropout;
mod flatten;
mod global_avg_pool;
mod image;
mod pool2d;
mod recurrent;
mod recurrent_layer;
pub mod tfl;

pub use dense::Dense;

use crate::ast::LayerDecl;
use crate::ir::{Act, ConstCheck, Dims, InitKind, Layer, LayerKind, Size};
use crate::validate::{Errors, Producer};
use crate::weights::Header;
use proc_macro2::TokenStream;
use quote::quote;

/// A lowered layer kind: a type holding the layer's resolved settings.
///
/// Methods taking `l` get the lowered layer the kind belongs to (its name, input and output
/// shapes).
pub trait Kind {
    /// The kind's name as written in `network!` (`"dense"`), for messages and `summary()`.
    fn name(&self) -> &'static str;

    /// The trainable layer type over scalar `t` (`::nn_core::layer::Dense<T, 784, 128>` for
    /// `t` = `T`, the network's parameter; `f32` in `const` items, which cannot name `T`),
    /// implementing `Layer`, `Op` and `BatchOp`.
    fn trainable(&self, t: &TokenStream) -> TokenStream;

    /// Whether it owns parameters (and is initialized by `new`).
    fn has_params(&self) -> bool {
        true
    }

    /// Whether it computes statistics over the whole mini-batch (batch norm), so the
    /// network trains on one thread.
    fn batch_statistics(&self) -> bool {
        false
    }

    /// Whether the trainable type is the user's own (`custom(...)`), whose declaration may
    /// bound the scalar: the network struct then carries the `Scalar` bound too.
    fn user_defined(&self) -> bool {
        false
    }

    /// A size the kind's types compute with (`lstm(H)`'s `4·H` gate rows), which therefore
    /// cannot be a size parameter on stable Rust: the size, and what is computed from it.
    fn computes_with(&self) -> Option<(&Size, String)> {
        None
    }

    /// Whether a weights file may hold it quantized (`I8` weights, from `nn_core::quant`).
    fn quantizable(&self) -> bool {
        false
    }

    /// The tensors a weights file holds for layer `l`, in the order [`Kind::embedded_value`]
    /// takes their views; `None` when the kind cannot be embedded yet.
    fn tensors(&self, l: &Layer, quantized: bool) -> Option<Vec<Tensor>> {
        let _ = (l, quantized);
        (!self.has_params()).then(Vec::new)
    }

    /// For a kind whose tensors only the compiler knows (`custom(Type)`, described by the
    /// type's `CustomLayer::TENSOR_INFO`): the tensors `header` holds under `l`'s path, taken
    /// as they are (in the header's order), and a `const` item that checks them against the
    /// type, naming the tensor when they disagree. `None` (the default): the kind's tensors
    /// are [`Kind::tensors`].
    fn tensors_in_file(
        &self,
        l: &Layer,
        header: &Header,
        file: &str,
    ) -> Option<(Vec<Tensor>, TokenStream)> {
        let _ = (l, header, file);
        None
    }

    /// Whether [`Kind::embedded_value`] takes each tensor as a `&'static [T]` of its values
    /// rather than as a view of a fixed-size type.
    fn views_as_slices(&self) -> bool {
        false
    }

    /// A hint for a tensor `suffix` of layer `l` whose shape in the file, `found`, is not
    /// the expected one: the layer the file holds, as it would be declared.
    fn shape_hint(&self, l: &Layer, suffix: &str, found: &[usize]) -> Option<String> {
        let _ = (l, suffix, found);
        None
    }

    /// The one error to report when `file` holds another kind of layer under `l`'s name
    /// (an `lstm` over a GRU's tensors), instead of one per tensor.
    fn file_mismatch(&self, l: &Layer, header: &Header, file: &str) -> Option<String> {
        let _ = (l, header, file);
        None
    }

    /// The embedded field type of layer `l` (with parameters) over scalar `t`.
    fn embedded_type(&self, l: &Layer, t: &TokenStream, quantized: bool) -> TokenStream {
        let _ = (l, t, quantized);
        quote!(())
    }

    /// The embedded field's value, given a view of each of [`Kind::tensors`] in order.
    fn embedded_value(&self, views: Vec<TokenStream>, quantized: bool) -> TokenStream {
        let _ = (views, quantized);
        quote!(())
    }

    /// The embedded layer's number of scalar parameters, as a `const` expression.
    fn embedded_parameters(&self, l: &Layer) -> TokenStream {
        let _ = l;
        quote!(0)
    }
}

/// One tensor a layer reads from a weights file: its name suffix (`weight`), shape in
/// PyTorch's order, and dtype (`None`: the network's float type, F32 or F64).
pub struct Tensor {
    pub suffix: String,
    pub shape: Vec<Size>,
    pub dtype: Option<&'static str>,
}

/// A [`Tensor`] of the given shape.
pub fn tensor(suffix: impl Into<String>, shape: &[&Size], dtype: Option<&'static str>) -> Tensor {
    Tensor {
        suffix: suffix.into(),
        shape: shape.iter().map(|s| (*s).clone()).collect(),
        dtype,
    }
}

/// What a kind is given: its declaration, its input and where to report.
pub struct Ctx<'a> {
    pub decl: &'a LayerDecl,
    /// The layer's name, for messages.
    pub name: String,
    /// The input's shape; `None` when its producer had a mistake (report nothing about it).
    pub input: Option<&'a Dims>,
    /// Who produces the input, for messages.
    pub producer: &'a Producer,
    pub errs: &'a mut Errors,
    /// Conditions on `const` sizes that only the compiler can evaluate.
    pub checks: &'a mut Vec<ConstCheck>,
}

impl Ctx<'_> {
    /// The input as one flat size, or an error naming the layer when it has several
    /// dimensions (`kind` and `what`: "`dense`", "takes a flat vector").
    pub fn flat_input(&mut self, kind: &str, what: &str) -> Option<(Size, Producer)> {
        let dims = self.input?;
        if dims.rank() == 1 {
            return Some((dims.flat(), self.producer.clone()));
        }
        self.errs.push(
            self.decl.kind.span(),
            format!(
                "`{}` is {} `{kind}` layer, which {what}, but {} {}\n\nhelp: insert `flat: flatten,` before `{}`{}",
                self.name,
                crate::suggest::article(kind),
                self.producer.gives(),
                dims.display(),
                self.name,
                if dims.rank() == 2 {
                    ", or give the recurrent layer before it `seq = last` to pass on only its last state"
                } else {
                    ""
                }
            ),
        );
        None
    }

    /// Reports every argument as unexpected: for kinds that take none.
    pub fn no_arguments(&mut self, kind: &str) {
        if let Some(a) = self.decl.args.first() {
            self.errs.push(
                a.span,
                format!(
                    "`{kind}` takes no arguments; write `{}: {kind},`",
                    self.name
                ),
            );
        }
    }
}

/// A lowered layer: what codegen needs.
pub struct Lowered {
    pub kind: LayerKind,
    pub out: Dims,
    pub act: Act,
    pub init: Option<InitKind>,
}

/// Lowers a layer: the lowered layer when it is valid, and its output shape whenever it is
/// known (so the layers after a mistake are still checked).
pub type LowerFn = fn(&mut Ctx) -> (Option<Lowered>, Option<Dims>);

/// Every layer kind by name.
pub const KINDS: &[(&str, LowerFn)] = &[
    ("adaptive_avg_pool2d", adaptive_avg_pool2d::lower),
    ("avg_pool2d", pool2d::lower_avg),
    ("batch_norm", batch_norm::lower),
    ("conv2d", conv2d::lower),
    ("custom", custom::lower),
    ("dense", dense::lower),
    ("dropout", dropout::lower),
    ("flatten", flatten::lower),
    ("global_avg_pool", global_avg_pool::lower),
    ("max_pool2d", pool2d::lower_max),
    ("lstm", recurrent::lstm),
    ("gru", recurrent::gru),
    ("rnn", recurrent::rnn),
];

/// Every kind's name, joins and `input` included, for "did you mean" hints in a float
/// network (the `tfl_` kinds are suggested only in a network of them: [`tfl::names`]).
pub fn names() -> Vec<&'static str> {
    let mut names: Vec<&str> = KINDS.iter().map(|(k, _)| *k).collect();
    names.extend(crate::ir::Join::NAMES);
    names.push("input");
    names
}

/// The kind called `name`.
pub fn lookup(name: &str) -> Option<LowerFn> {
    KINDS.iter().find(|(k, _)| *k == name).map(|(_, f)| *f)
}
