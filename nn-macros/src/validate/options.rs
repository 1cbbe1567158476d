//! Reading a layer's activation and initialization arguments.

use super::Errors;
use crate::args;
use crate::ast::Arg;
use crate::ir::{Act, InitKind};
use crate::parse::span_of;
use crate::suggest;

/// `relu`, `leaky_relu(0.1)`, ...: the activation named by argument `a` of layer `layer`.
pub fn activation(layer: &str, a: &Arg, errs: &mut Errors) -> Option<Act> {
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

pub fn init_kind(a: &Arg, errs: &mut Errors) -> Option<InitKind> {
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
        "torch" => simple(errs, InitKind::Torch),
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
