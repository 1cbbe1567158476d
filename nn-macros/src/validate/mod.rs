//! Validation and lowering: resolve every node's parents, thread the shapes through the
//! graph, collect every mistake.
//!
//! A layer reads the node declared before it (or the network's `input`) unless it names a
//! parent, `dense(10)(h1)`; joins name theirs as arguments, `add(a, b)`. A layer may restate
//! its input size (`dense(128 -> 64)`); a literal that disagrees is an error spanned on that
//! literal. Sizes written as `const` names are compared by the compiler instead (a
//! [`ConstCheck`]). Every error is collected; one mistake never hides another.

mod graph;
mod join;
pub mod options;
pub mod params;
pub mod tfl;
mod tfl_blob;
pub mod tfl_weights;
pub mod weights;

use crate::ast::NetworkDecl;
use crate::ir::{ConstCheck, Network, Size};
use proc_macro2::Span;

pub use graph::collapsed;
pub use graph::validate_graph as validate_impl;

/// Collected errors.
#[derive(Default)]
pub struct Errors(Vec<syn::Error>);

impl Errors {
    pub fn push(&mut self, span: Span, msg: impl std::fmt::Display) {
        self.0.push(syn::Error::new(span, msg));
    }
    pub fn add(&mut self, e: syn::Error) {
        self.0.push(e);
    }
    /// `Some(value)` on success, recording the error otherwise.
    pub fn ok<T>(&mut self, r: syn::Result<T>) -> Option<T> {
        r.map_err(|e| self.add(e)).ok()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Drops the errors recorded since the `from`-th that repeat one of an earlier use of the
    /// same block layer `origin` (`Unit.fc`), here the layer `path` (`a.fc`): by place, or by
    /// message with the use's names (`a.`) read as the block's (`Unit.`). A mistake in a
    /// block's body is so reported at its first use only. `seen` holds what earlier uses
    /// reported.
    pub fn drop_repeats(
        &mut self,
        from: usize,
        (origin, path): (&str, &str),
        seen: &mut std::collections::HashSet<(String, String)>,
    ) {
        let local = origin.split_once('.').map_or(origin, |(_, l)| l);
        let block = &origin[..origin.len() - local.len()];
        let prefix = path.strip_suffix(local).unwrap_or(path);
        let new = self.0.split_off(from.min(self.0.len()));
        let mut kept = Vec::new();
        for e in new {
            let place = (origin.to_string(), format!("{:?}", e.span().byte_range()));
            let text = match prefix.is_empty() {
                true => e.to_string(),
                false => e
                    .to_string()
                    .replace(&format!("`{prefix}"), &format!("`{block}")),
            };
            let message = (origin.to_string(), text);
            if seen.contains(&place) || seen.contains(&message) {
                continue;
            }
            kept.extend([place, message]);
            self.0.push(e);
        }
        // Only other uses' errors are repeats: this one's may share a place.
        seen.extend(kept);
    }
    /// How many errors are recorded.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn into_result<T>(self, value: T) -> Result<T, Vec<syn::Error>> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.0)
        }
    }
}

/// A declaration with mistakes: every error, and a stand-in network with the same generated
/// surface, so code using the network reports nothing more.
pub struct Failed {
    pub errors: Vec<syn::Error>,
    /// The declaration with each wrong layer replaced by a `dense` of the same input and
    /// output sizes, or (when that is not possible) one `dense` from the input to each
    /// output, where a size a mistake hides is `crate::unknown`'s.
    pub standin: Box<Network>,
}

/// Checks a declaration and lowers it to the resolved [`Network`].
pub fn validate(decl: NetworkDecl) -> Result<Network, Failed> {
    validate_impl(decl)
}

/// Where a node's input comes from, for messages.
#[derive(Clone)]
pub enum Producer {
    /// The `input: N` entry.
    Input,
    /// A `name: input(N)` entry.
    NamedInput(String),
    Layer(String),
}

impl Producer {
    /// "the network's `input` is" / "`fc1` produces", before a size.
    pub fn gives(&self) -> String {
        match self {
            Producer::Input => "the network's `input` is".into(),
            Producer::NamedInput(name) => format!("the input `{name}` is"),
            Producer::Layer(name) => format!("`{name}` produces"),
        }
    }
    /// "the network's `input`" / "`fc1`".
    pub fn name(&self) -> String {
        match self {
            Producer::Input => "the network's `input`".into(),
            Producer::NamedInput(name) => format!("the input `{name}`"),
            Producer::Layer(name) => format!("`{name}`"),
        }
    }
}

/// A `const` check that a size is not zero.
pub fn positive(s: &Size, message: &str) -> ConstCheck {
    ConstCheck::Positive {
        value: s.tokens(),
        message: message.into(),
        span: s.span(),
    }
}

/// "`H` = " before a size the compiler formats, or nothing for a literal.
pub fn named(s: &Size) -> String {
    match s {
        Size::Lit(..) => String::new(),
        Size::Expr(..) => format!("`{}` = ", s.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Act;

    fn messages(decl: NetworkDecl) -> Vec<String> {
        match validate(decl) {
            Ok(_) => Vec::new(),
            Err(e) => e.errors.iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn an_empty_body_is_one_mistake() {
        let m = messages(syn::parse_quote! { struct N {} });
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].starts_with("`N` has an empty body"), "{}", m[0]);
    }

    #[test]
    fn a_mistake_in_a_block_body_is_reported_once() {
        let expanded = |mut decl: NetworkDecl| {
            crate::blocks::expand(&mut decl);
            messages(decl)
        };
        let m = expanded(syn::parse_quote! {
            block Unit(width) { fc: dense(width, rleu), h: dense(width, relu) }
            struct N { input: 4, a: Unit(8), b: Unit(8), c: Unit(4), out: dense(2) }
        });
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].contains("`rleu`"), "{}", m[0]);
        // A mistake at each use is reported at each.
        // Parsed from text, so that each token has its own place.
        let decl = syn::parse_str(
            "block Unit(width, act = relu) { fc: dense(width, act) }
             struct N { input: 4, a: Unit(8, act = rleu), b: Unit(8, act = tahn), out: dense(2) }",
        );
        let m = expanded(decl.unwrap_or_else(|e| panic!("{e}")));
        assert_eq!(m.len(), 2, "{m:?}");
    }

    #[test]
    fn threads_inferred_and_explicit_sizes() {
        let net = validate(syn::parse_quote! {
            struct N { input: 4, a: dense(8, relu), b: dense(8 -> 2) }
        })
        .unwrap_or_else(|_| panic!("valid declaration rejected"));
        let shapes: Vec<_> = net
            .layers
            .iter()
            .map(|l| (l.inputs.known(), l.outputs.known()))
            .collect();
        assert_eq!(shapes, [(Some(4), Some(8)), (Some(8), Some(2))]);
        assert_eq!(net.layers[0].act, Act::Relu);
    }

    #[test]
    fn reports_every_mistake_at_once() {
        let m = messages(syn::parse_quote! {
            struct N { input: 4, a: dense(8, rleu), a: dense(2), b: dense(5 -> 2), c: dense(0) }
        });
        assert_eq!(m.len(), 4, "{m:?}");
        assert!(m[0].contains("unknown activation `rleu`") && m[0].contains("did you mean `relu`"));
        assert!(m[1].contains("`a` is used twice"));
        assert!(
            m[2].contains("`b` expects 5 inputs, but `a` produces 2"),
            "{}",
            m[2]
        );
        assert!(m[3].contains("`c` has 0 outputs"));
    }

    #[test]
    fn const_sizes_become_compiler_checks() {
        let net = validate(syn::parse_quote! { struct N { input: IN, a: dense(IN -> 3) } })
            .unwrap_or_else(|_| panic!("valid declaration rejected"));
        assert_eq!(net.checks.len(), 2);
        let ConstCheck::Equal { parts, .. } = &net.checks[1] else {
            panic!("expected an equality check")
        };
        assert_eq!(parts[0], "`a` expects `IN` = ");
        assert_eq!(parts[1], " inputs, but the network's `input` is `IN` = ");
    }

    #[test]
    fn reports_in_source_order_with_both_sizes() {
        let m = messages(syn::parse_quote! {
            struct N { input: 4, a: dense(8, relu), b: dense(0, init = glorot), c: dense(3 -> 2, linear) }
        });
        assert_eq!(m.len(), 4, "{m:?}");
        assert!(m[0].contains("`b` has 0 outputs"), "{}", m[0]);
        assert!(
            m[1].contains("`glorot` is called `xavier` here"),
            "{}",
            m[1]
        );
        assert!(
            m[2].contains("`c` expects 3 inputs, but `b` produces 0"),
            "{}",
            m[2]
        );
        assert!(
            m[2].contains("help: write `0 -> 2`, or only `2` to take the input size from `b`"),
            "{}",
            m[2]
        );
        assert!(
            m[3].contains("`linear` is called `identity` here"),
            "{}",
            m[3]
        );
    }

    /// The layers of the stand-in emitted beside the errors, by name.
    fn standin(decl: NetworkDecl) -> Vec<String> {
        match validate(decl) {
            Ok(_) => panic!("wrong declaration accepted"),
            Err(f) => f
                .standin
                .layers
                .iter()
                .map(|l| l.name.to_string())
                .collect(),
        }
    }

    #[test]
    fn a_wrong_layer_is_stood_in_for_with_its_sizes() {
        let layers = standin(syn::parse_quote! {
            struct N { input: 4, a: dense(8, relu, init = he_normal), b: dense(3 -> 2) }
        });
        assert_eq!(layers, ["a", "b"]);
    }

    #[test]
    fn unknown_inner_sizes_collapse_to_one_layer_from_input_to_output() {
        let layers = standin(syn::parse_quote! {
            struct N { input: [1, 28, 28], c: conv2d(8, 3, stride = 2), f: flatten, out: dense(10) }
        });
        assert_eq!(layers, ["out"]);
        let layers = standin(syn::parse_quote! {
            struct N { input: 4, a: dense(8,, 2), out: dense(10) }
        });
        assert_eq!(layers, ["out"]);
        // A broken `input` entry is reported once, not again as a missing input.
        let m = messages(syn::parse_quote! { struct N { input: , out: dense(10) } });
        assert_eq!(m.len(), 1, "{m:?}");
        // An output size a mistake hides is the unknown size.
        match validate(syn::parse_quote! { struct N { input: 4, a: dense(8,, 2) } }) {
            Ok(_) => panic!("wrong declaration accepted"),
            Err(f) => {
                assert_eq!(f.standin.inputs[0].dims.display(), "4");
                let out = f.standin.layers[0].out_dims.display();
                assert_eq!(out, "an unknown size");
            }
        }
    }

    #[test]
    fn a_network_with_several_outputs_collapses_to_one_layer_per_output() {
        let layers = standin(syn::parse_quote! {
            struct N {
                input: 784,
                t: linear(128),
                class: dense(10)(t),
                a1: dense(32)(t),
                angle: dense(1),
                output: (class, angle),
            }
        });
        assert_eq!(layers, ["class", "angle"]);
    }

    #[test]
    fn a_network_with_several_inputs_keeps_them_all_in_its_stand_in() {
        let net = match validate(syn::parse_quote! {
            struct N {
                img: input(784),
                shift: input(1),
                a: linear(64)(img),
                b: dense(8)(shift),
                both: concat(a, b),
                out: dense(10),
            }
        }) {
            Ok(_) => panic!("wrong declaration accepted"),
            Err(f) => f.standin,
        };
        let inputs: Vec<String> = net.inputs.iter().map(|i| i.name.to_string()).collect();
        assert_eq!(inputs, ["img", "shift"]);
        assert_eq!(net.layers.len(), 1);
        assert_eq!(net.layers[0].name, "out");
    }
}
