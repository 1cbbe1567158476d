//! The layer kinds `network!` knows, each in its own file: a kind reads its arguments,
//! checks them against its input's shape and returns its nn-core type and output shape.
//!
//! Adding a kind: a file with a `lower` function, one line in [`KINDS`], and an nn-core type
//! implementing `Layer`, `Op` and `BatchOp`. Codegen needs nothing else.

mod adaptive_avg_pool2d;
mod batch_norm;
mod conv2d;
mod dense;
mod dropout;
mod flatten;
mod global_avg_pool;
mod image;
mod pool2d;
mod recurrent;

use crate::ast::LayerDecl;
use crate::ir::{Act, ConstCheck, Dims, InitKind, LayerKind, Size};
use crate::validate::{Errors, Producer};

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
                "`{}` is a `{kind}` layer, which {what}, but {} {}\n\nhelp: insert `flat: flatten,` before `{}`{}",
                self.name,
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
    ("dense", dense::lower),
    ("dropout", dropout::lower),
    ("flatten", flatten::lower),
    ("global_avg_pool", global_avg_pool::lower),
    ("max_pool2d", pool2d::lower_max),
    ("lstm", recurrent::lstm),
    ("gru", recurrent::gru),
    ("rnn", recurrent::rnn),
];

/// Every kind's name, joins and `input` included, for "did you mean" hints.
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
