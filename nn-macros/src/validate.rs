//! Validation and lowering: thread the sizes through the layers, collect every mistake.
//!
//! Each layer's input is the previous layer's output (or the network's `input`). A layer may
//! restate it (`dense(128 -> 64)`); a literal that disagrees is an error spanned on that
//! literal. Sizes written as `const` names are compared by the compiler instead (a
//! [`ConstCheck`]). Every error is collected; one mistake never hides another.

use crate::args;
use crate::ast::{Arg, Item, LayerDecl, NetworkDecl};
use crate::ir::{Act, ConstCheck, InitKind, Layer, LayerKind, Network, Size};
use crate::parse::span_of;
use crate::suggest;
use proc_macro2::Span;
use std::collections::HashMap;

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
    pub fn into_result<T>(self, value: T) -> Result<T, Vec<syn::Error>> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.0)
        }
    }
}

pub fn validate(decl: NetworkDecl) -> Result<Network, Vec<syn::Error>> {
    let mut errs = Errors::default();
    let net_name = decl.name.to_string();
    let mut input: Option<Size> = None;
    let mut layers: Vec<Layer> = Vec::new();
    let mut checks = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    // The size flowing into the next layer, and who produced it (for messages).
    let mut current: Option<(Size, Producer)> = None;
    let mut layer_decls = 0;

    for (index, item) in decl.items.into_iter().enumerate() {
        match item {
            Item::Input { key, size } => {
                if input.is_some() {
                    errs.push(
                        key.span(),
                        "`input` is declared twice; a network has one input size",
                    );
                    continue;
                }
                if index != 0 {
                    errs.push(key.span(), "`input` must come first, before every layer");
                }
                if let Some(s) = errs.ok(args::size(&size, "the network's `input` size")) {
                    if s.known() == Some(0) {
                        errs.push(
                            s.span(),
                            "`input` has size 0; a network needs at least one input value",
                        );
                    } else if let Size::Expr(..) = s {
                        checks.push(positive(
                            &s,
                            &format!(
                                "the network's `input` size, `{}`, is 0; a network needs at least one input value",
                                s.display()
                            ),
                        ));
                    }
                    current = Some((s.clone(), Producer::Input));
                    input = Some(s);
                }
            }
            Item::Layer(layer) => {
                layer_decls += 1;
                let name = layer.name.to_string();
                if let Some(first) = seen.get(&name) {
                    errs.push(
                        layer.name.span(),
                        format!(
                            "the layer name `{name}` is used twice (layers {first} and {layer_decls}); each layer needs its own name, as it becomes a field of `{net_name}`"
                        ),
                    );
                } else {
                    seen.insert(name.clone(), layer_decls);
                }
                let (lowered, out) = lower_layer(&layer, current.as_ref(), &mut errs, &mut checks);
                // A layer with another mistake still passes on its output size, so the
                // layers after it are checked too.
                current = out.map(|o| (o, Producer::Layer(name)));
                layers.extend(lowered);
            }
        }
    }

    if input.is_none() {
        errs.push(
            decl.name.span(),
            format!("`{net_name}` has no input size; start its body with `input: N,` (e.g. `input: 784,`)"),
        );
    }
    if layer_decls == 0 {
        errs.push(
            decl.body_span,
            format!("`{net_name}` has no layers; declare at least one, e.g. `out: dense(10)`"),
        );
    }
    let input = input.unwrap_or(Size::Lit(1, decl.name.span()));
    errs.into_result(Network {
        attrs: decl.attrs,
        vis: decl.vis,
        name: decl.name,
        input,
        layers,
        checks,
    })
}

/// Where a layer's input comes from, for messages.
enum Producer {
    Input,
    Layer(String),
}

impl Producer {
    /// "the network's `input` is" / "`fc1` produces", before a size.
    fn gives(&self) -> String {
        match self {
            Producer::Input => "the network's `input` is".into(),
            Producer::Layer(name) => format!("`{name}` produces"),
        }
    }
    /// "the network's `input`" / "`fc1`".
    fn name(&self) -> String {
        match self {
            Producer::Input => "the network's `input`".into(),
            Producer::Layer(name) => format!("`{name}`"),
        }
    }
}

/// A `const` check that a size is not zero.
fn positive(s: &Size, message: &str) -> ConstCheck {
    ConstCheck::Positive {
        value: s.tokens(),
        message: message.into(),
        span: s.span(),
    }
}

/// "`H` = " before a size the compiler formats, or nothing for a literal.
fn named(s: &Size) -> String {
    match s {
        Size::Lit(..) => String::new(),
        Size::Expr(..) => format!("`{}` = ", s.display()),
    }
}

/// `dropout` or `dropout(p)`: the size passes through; `0 <= p < 1` (default 0.5).
fn lower_dropout(
    layer: &LayerDecl,
    prev: Option<&(Size, Producer)>,
    errs: &mut Errors,
) -> (Option<Layer>, Option<Size>) {
    let name = layer.name.to_string();
    let mut rate = Some(0.5);
    for (k, a) in layer.args.iter().enumerate() {
        if let Some(key) = &a.key {
            errs.push(
                key.span(),
                format!("`dropout` takes no named arguments; write `{name}: dropout(0.5)`"),
            );
            rate = None;
        } else if k > 0 {
            errs.push(
                a.span,
                format!("`dropout` takes one argument, its rate: `{name}: dropout(0.5)`"),
            );
            rate = None;
        } else {
            rate = match errs.ok(args::number(&a.value)) {
                Some(p) if (0.0..1.0).contains(&p) => Some(p),
                Some(p) => {
                    errs.push(
                        span_of(&a.value),
                        format!("the dropout rate of `{name}` must lie in [0, 1), found {p}"),
                    );
                    None
                }
                None => None,
            };
        }
    }
    let Some((size, _)) = prev else {
        return (None, None);
    };
    let Some(p) = rate else {
        return (None, Some(size.clone()));
    };
    let layer = Layer {
        name: layer.name.clone(),
        kind: LayerKind::Dropout(p),
        inputs: size.clone(),
        outputs: size.clone(),
        act: Act::Identity,
        init: InitKind::LeCun,
    };
    (Some(layer), Some(size.clone()))
}

fn lower_layer(
    layer: &LayerDecl,
    prev: Option<&(Size, Producer)>,
    errs: &mut Errors,
    checks: &mut Vec<ConstCheck>,
) -> (Option<Layer>, Option<Size>) {
    let name = layer.name.to_string();
    let kind = layer.kind.to_string();
    if kind == "dropout" {
        return lower_dropout(layer, prev, errs);
    }
    if kind != "dense" {
        errs.push(
            layer.kind.span(),
            suggest::unknown("layer kind", &kind, LayerKind::NAMES, LayerKind::ALIASES),
        );
        return (None, None);
    }
    let positional: Vec<&Arg> = layer.args.iter().filter(|a| a.key.is_none()).collect();
    // Checked in the order they are written, so the errors come out in source order.
    let mut ok = true;

    // Size: `OUT` or `IN -> OUT`.
    let sizes = match positional.first() {
        None => {
            errs.push(
                layer.args_span,
                format!("`{name}` needs an output size: write `dense(128)` or `dense(784 -> 128)`"),
            );
            None
        }
        Some(a) => errs.ok(args::size_pair(&a.value, &name)),
    };
    let mut shape = None;
    if let Some((explicit_in, outputs)) = sizes {
        if outputs.known() == Some(0) {
            errs.push(
                outputs.span(),
                format!("`{name}` has 0 outputs; a layer needs at least one unit"),
            );
            ok = false;
        } else if let Size::Expr(..) = outputs {
            checks.push(positive(
                &outputs,
                &format!(
                    "the output size of `{name}`, `{}`, is 0; a layer needs at least one unit",
                    outputs.display()
                ),
            ));
        }
        let inputs = match (explicit_in, prev) {
            (Some(e), Some((p, who))) => {
                let hint = format!(
                    "only `{}` to take the input size from {}",
                    outputs.display(),
                    who.name()
                );
                match (e.known(), p.known()) {
                    (Some(a), Some(b)) if a != b => {
                        errs.push(
                            e.span(),
                            format!(
                                "`{name}` expects {a} inputs, but {} {b}\n\nhelp: write `{b} -> {}`, or {hint}",
                                who.gives(),
                                outputs.display(),
                            ),
                        );
                        ok = false;
                    }
                    (Some(_), Some(_)) => {}
                    _ => checks.push(ConstCheck::Equal {
                        expected: e.tokens(),
                        found: p.tokens(),
                        parts: [
                            format!("`{name}` expects {}", named(&e)),
                            format!(" inputs, but {} {}", who.gives(), named(p)),
                            format!("\n\nhelp: make the sizes equal, or write {hint}"),
                        ],
                        span: e.span(),
                    }),
                }
                // Use the producer's size: the type check then holds by construction.
                Some(p.at(e.span()))
            }
            (None, Some((p, _))) => Some(p.clone()),
            (Some(e), None) => Some(e),
            (None, None) => None,
        };
        shape = Some((inputs, outputs));
    }

    // Activation.
    let act = match positional.get(1) {
        None => Some(Act::Identity),
        Some(a) => activation(&name, a, errs),
    };
    for extra in positional.iter().skip(2) {
        errs.push(
            extra.span,
            format!("`{name}` takes at most two arguments before the named ones: the size and the activation"),
        );
        ok = false;
    }
    // Named arguments.
    let mut init = Some(InitKind::LeCun);
    let mut init_seen = false;
    for a in layer.args.iter().filter(|a| a.key.is_some()) {
        let key = a.key.as_ref().map(|k| k.to_string()).unwrap_or_default();
        let key_span = a.key.as_ref().map_or(a.span, |k| k.span());
        match key.as_str() {
            "init" if init_seen => {
                errs.push(key_span, format!("`init` is given twice for `{name}`"));
                ok = false;
            }
            "init" => {
                init_seen = true;
                init = init_kind(a, errs);
            }
            "activation" | "act" => {
                let size = positional
                    .first()
                    .map_or_else(|| "128".to_string(), |s| s.value.to_string());
                errs.push(
                    key_span,
                    format!(
                        "the activation of `{name}` is not a named argument\n\nhelp: write it second, after the size: `dense({size}, {})`",
                        a.value
                    ),
                );
                ok = false;
            }
            other => {
                errs.push(
                    key_span,
                    suggest::unknown("named argument", other, &["init"], &[]),
                );
                ok = false;
            }
        }
    }

    let Some((inputs, outputs)) = shape else {
        return (None, None);
    };
    let (Some(inputs), Some(act), Some(init), true) = (inputs, act, init, ok) else {
        return (None, Some(outputs));
    };
    let out = outputs.clone();
    (
        Some(Layer {
            name: layer.name.clone(),
            kind: LayerKind::Dense,
            inputs,
            outputs,
            act,
            init,
        }),
        Some(out),
    )
}

fn activation(layer: &str, a: &Arg, errs: &mut Errors) -> Option<Act> {
    let (name, params) = errs.ok(args::call(&a.value))?;
    let word = name.to_string();
    let no_params = |errs: &mut Errors, act: Act| {
        if params.is_empty() {
            Some(act)
        } else {
            errs.push(span_of(&a.value), format!("`{word}` takes no parameters"));
            None
        }
    };
    match word.as_str() {
        "identity" => no_params(errs, Act::Identity),
        "relu" => no_params(errs, Act::Relu),
        "sigmoid" => no_params(errs, Act::Sigmoid),
        "tanh" => no_params(errs, Act::Tanh),
        "softmax" => no_params(errs, Act::Softmax),
        "leaky_relu" => match params.as_slice() {
            [] => Some(Act::LeakyRelu(0.01)),
            [p] => {
                let slope = errs.ok(args::number(p))?;
                if (0.0..1.0).contains(&slope) {
                    Some(Act::LeakyRelu(slope))
                } else {
                    errs.push(
                        span_of(p),
                        format!(
                            "the `leaky_relu` slope of `{layer}` must lie in [0, 1), found `{p}`\n\nhelp: the slope scales negative inputs; plain `leaky_relu` uses 0.01"
                        ),
                    );
                    None
                }
            }
            _ => {
                errs.push(
                    span_of(&a.value),
                    "`leaky_relu` takes one parameter, its slope: `leaky_relu(0.01)`",
                );
                None
            }
        },
        _ => {
            errs.push(
                name.span(),
                suggest::unknown("activation", &word, Act::NAMES, Act::ALIASES),
            );
            None
        }
    }
}

fn init_kind(a: &Arg, errs: &mut Errors) -> Option<InitKind> {
    let (name, params) = errs.ok(args::call(&a.value))?;
    let word = name.to_string();
    let simple = |errs: &mut Errors, k: InitKind| {
        if params.is_empty() {
            Some(k)
        } else {
            errs.push(span_of(&a.value), format!("`{word}` takes no parameters"));
            None
        }
    };
    match word.as_str() {
        "lecun" => simple(errs, InitKind::LeCun),
        "direction" => simple(errs, InitKind::Direction),
        "he" => simple(errs, InitKind::He),
        "xavier" => simple(errs, InitKind::Xavier),
        "zeros" => simple(errs, InitKind::Zeros),
        "hinges" => match params.as_slice() {
            [lo, hi] => Some(InitKind::Hinges(args::float_expr(lo), args::float_expr(hi))),
            _ => {
                errs.push(
                    span_of(&a.value),
                    "`hinges` takes the input range its ReLU hinges should cover: `hinges(-1.0, 1.0)`",
                );
                None
            }
        },
        _ => {
            errs.push(
                name.span(),
                suggest::unknown("initialization", &word, InitKind::NAMES, InitKind::ALIASES),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(decl: NetworkDecl) -> Vec<String> {
        match validate(decl) {
            Ok(_) => Vec::new(),
            Err(e) => e.iter().map(|e| e.to_string()).collect(),
        }
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
}
