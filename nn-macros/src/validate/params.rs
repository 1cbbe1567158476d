//! Size parameters, `struct Mlp<const H: usize, const CLASSES: usize>`: where they may go.
//!
//! A parameter may be any size that the generated types use as it is (`dense(H)`,
//! `input: H`, `batch_norm(H)` over `H` features, a join of `H`-wide nodes, a block's
//! argument), and the macro checks such sizes against each other by name: `dense(H)` then
//! `dense(H -> 10)` fits, `dense(H2 -> 10)` does not. Stable Rust cannot compute with a const
//! parameter inside a type (`SVector<T, { H * 64 }>` needs the unstable
//! `generic_const_exprs`), so a size that would be computed from a parameter (a convolution's
//! output, a concat's sum, the flat size of an image with `H` channels, a recurrent layer's
//! `4·H` gate rows) is rejected with a message saying so. Image layers take their settings
//! as literals (their kinds say so), and a custom layer's `INPUTS` cannot be compared with a
//! parameter by name.

use crate::ir::{ConstCheck, Dims, Network, Size};
use proc_macro2::{Delimiter, Ident, TokenStream, TokenTree};

/// The first parameter `tokens` mention.
pub fn mentions<'p>(tokens: &TokenStream, params: &'p [Ident]) -> Option<&'p Ident> {
    tokens.clone().into_iter().find_map(|tt| match tt {
        TokenTree::Ident(i) => params.iter().find(|p| **p == i),
        TokenTree::Group(g) => mentions(&g.stream(), params),
        _ => None,
    })
}

/// Whether `size` is computed from a parameter (mentions one and is not that parameter).
fn computed<'p>(size: &Size, params: &'p [Ident]) -> Option<&'p Ident> {
    let Size::Expr(tokens, ..) = size else {
        return None;
    };
    let p = mentions(tokens, params)?;
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    match trees.as_slice() {
        [TokenTree::Ident(i)] if i == p => None,
        _ => Some(p),
    }
}

/// The message for a size computed from parameter `p`.
fn arithmetic(what: &str, size: &Size, p: &Ident) -> String {
    format!(
        "{what} would be computed from the size parameter `{p}` ({}): stable Rust cannot compute with a const parameter inside a type\n\nhelp: give this size as a literal or a `const` item, or make the computed size a parameter of its own",
        size.display().replace(" :: ", "::")
    )
}

/// The constant a size names when it is a type's constant, `<MyLayer<f32, 4> as
/// CustomLayer<f32>>::INPUTS` (a custom layer's size): `INPUTS`.
fn type_constant(tokens: &TokenStream) -> Option<Ident> {
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    match trees.as_slice() {
        [TokenTree::Group(g)] if matches!(g.delimiter(), Delimiter::Brace | Delimiter::None) => {
            type_constant(&g.stream())
        }
        [TokenTree::Punct(lt), .., TokenTree::Punct(colon), TokenTree::Ident(c)]
            if lt.as_char() == '<' && colon.as_char() == ':' =>
        {
            Some(c.clone())
        }
        _ => None,
    }
}

/// A size's tokens as a message names them: `{ H }` as `` `H` ``, a literal as it is, a
/// type's constant as `` `INPUTS` ``.
fn shown(tokens: &TokenStream) -> String {
    if let Some(c) = type_constant(tokens) {
        return format!("`{c}`");
    }
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    match trees.as_slice() {
        [TokenTree::Group(g)] if matches!(g.delimiter(), Delimiter::Brace | Delimiter::None) => {
            shown(&g.stream())
        }
        [TokenTree::Literal(l)] => l.to_string(),
        _ => format!("`{}`", tokens.to_string().replace(" :: ", "::")),
    }
}

/// The first layer whose kind computes with a size that is a parameter (`lstm(H)`).
fn computes_with_param(net: &Network, params: &[Ident]) -> Option<syn::Error> {
    net.layers.iter().find_map(|l| {
        let (size, what) = l.op()?.computes_with()?;
        let Size::Expr(tokens, ..) = size else {
            return None;
        };
        let p = mentions(tokens, params)?;
        let kind = l.op()?.name();
        Some(syn::Error::new(
            size.span(),
            format!(
                "the hidden size of `{}` is the size parameter `{p}`, but `{kind}` computes with its hidden size ({what}): stable Rust cannot compute with a const parameter inside a type\n\nhelp: give the hidden size as a literal or a `const` item",
                l.name
            ),
        ))
    })
}

/// What code generation writes beside the errors of a network with size parameters: one
/// `dense` layer from its input to its output, which has the surface of the declared network
/// (its methods, constants and trait impls over the same parameters) and computes with no
/// parameter, so a program using the network reports only the declaration's errors (one
/// `dense` per output when it has several, from the first input). A size at its ends that
/// is computed from a parameter is the unknown size.
pub fn standin(net: &Network) -> Network {
    let params = &net.params;
    // A size computed from a parameter cannot be a type's argument: the unknown size
    // (`crate::unknown`) stands for it.
    let computed_any = |d: &Dims| {
        d.0.iter()
            .chain([&d.flat()])
            .any(|s| computed(s, params).is_some())
    };
    crate::unknown::collapsed(net, params.clone(), computed_any)
}

/// Checks where `params` are used in `net` and turns the compiler checks that mention them
/// into the macro's own (by name). Returns the errors; at most one for arithmetic, at the
/// first place it happens (later sizes derive from it).
pub fn check(net: &mut Network, params: &[Ident]) -> Vec<syn::Error> {
    let mut errors = Vec::new();
    if params.is_empty() {
        return errors;
    }
    errors.extend(computes_with_param(net, params));
    let inputs = net.inputs.iter().map(|i| {
        (
            format!("the size of the input `{}`", i.name),
            &i.dims,
            i.name.span(),
        )
    });
    let layers = net.layers.iter().map(|l| {
        (
            format!("the output size of `{}`", l.name),
            &l.out_dims,
            l.name.span(),
        )
    });
    'places: for (what, dims, span) in inputs.chain(layers) {
        if !errors.is_empty() {
            break;
        }
        for size in dims.0.iter().chain([&dims.flat()]) {
            if let Some(p) = computed(size, params) {
                errors.push(syn::Error::new(span, arithmetic(&what, size, p)));
                break 'places;
            }
        }
    }
    let checks = std::mem::take(&mut net.checks);
    for c in checks {
        match &c {
            ConstCheck::Positive {
                value,
                message,
                span,
            } => match mentions(value, params) {
                Some(p) => net.checks.push(ConstCheck::ParamPositive {
                    value: value.clone(),
                    message: format!(
                        "{message} (`{p}` is a size parameter of `{}`: give it a value of at least 1)",
                        net.name
                    ),
                    span: *span,
                }),
                None => net.checks.push(c),
            },
            ConstCheck::Equal {
                expected,
                found,
                parts,
                span,
            } if mentions(expected, params).is_some() || mentions(found, params).is_some() => {
                if expected.to_string() != found.to_string() && errors.is_empty() {
                    let side = |part: &str, value: &TokenStream| match part.strip_suffix(" = ") {
                        Some(named) => named.to_string(),
                        None => format!("{part}{}", shown(value)),
                    };
                    let note = if type_constant(expected).is_some() || type_constant(found).is_some() {
                        "note: sizes given by size parameters are compared by name, and a custom layer's sizes are constants of its type, which cannot be compared with a parameter: give the sizes next to a custom layer as literals or `const` items"
                    } else {
                        "note: sizes given by size parameters are compared by name"
                    };
                    let msg = format!(
                        "{}{}{}\n\n{note}",
                        side(&parts[0], expected),
                        side(&parts[1], found),
                        parts[2]
                    );
                    errors.push(syn::Error::new(*span, msg));
                }
            }
            _ => net.checks.push(c),
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::validate;
    use quote::format_ident;

    fn errors(decl: crate::ast::NetworkDecl) -> Vec<String> {
        let params = decl.params.clone();
        let mut net = match validate(decl) {
            Ok(net) => net,
            Err(f) => return f.errors.iter().map(ToString::to_string).collect(),
        };
        check(&mut net, &params)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn parameters_used_as_they_are_pass_and_are_compared_by_name() {
        let m = errors(syn::parse_quote! {
            struct N<const H: usize> { input: 4, a: dense(H), b: dense(H -> 3) }
        });
        assert!(m.is_empty(), "{m:?}");
        let m = errors(syn::parse_quote! {
            struct N<const H: usize, const G: usize> { input: 4, a: dense(H), b: dense(G -> 3) }
        });
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(
            m[0].contains("`b` expects `G` inputs, but `a` produces `H`"),
            "{}",
            m[0]
        );
    }

    #[test]
    fn a_parameter_size_is_checked_positive_where_the_parameters_are_known() {
        let decl: crate::ast::NetworkDecl = syn::parse_quote! {
            struct N<const H: usize> { input: 4, a: dense(H), b: dense(3) }
        };
        let params = decl.params.clone();
        let Ok(mut net) = validate(decl) else {
            panic!("a valid declaration")
        };
        assert!(check(&mut net, &params).is_empty());
        let messages: Vec<&str> = net
            .checks
            .iter()
            .filter_map(|c| match c {
                ConstCheck::ParamPositive { message, .. } => Some(message.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert!(
            messages[0].contains("`a`") && messages[0].contains("size parameter of `N`"),
            "{}",
            messages[0]
        );
    }

    #[test]
    fn arithmetic_on_a_parameter_is_refused_once() {
        let m = errors(syn::parse_quote! {
            struct N<const C: usize> { input: [C, 8, 8], f: flatten, out: dense(2) }
        });
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(
            m[0].contains(
                "the size of the input `input` would be computed from the size parameter `C`"
            ),
            "{}",
            m[0]
        );
        let m = errors(syn::parse_quote! {
            struct N<const H: usize> { input: 4, a: dense(H)(input), b: dense(3)(input), c: concat(a, b), out: dense(2) }
        });
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(
            m[0].contains("the output size of `c` would be computed from the size parameter `H`"),
            "{}",
            m[0]
        );
        let h = format_ident!("H");
        assert!(computed(&Size::Expr(quote::quote!(H), "H".into(), h.span()), &[h]).is_none());
    }

    #[test]
    fn a_stand_in_goes_from_the_input_to_the_output_where_their_sizes_are_not_computed() {
        let net = |decl: crate::ast::NetworkDecl| match validate(decl) {
            Ok(net) => net,
            Err(f) => *f.standin,
        };
        let n = net(syn::parse_quote! {
            struct N<const H: usize> { input: [5, 3], r: lstm(H, seq = last), out: dense(H) }
        });
        let s = standin(&n);
        assert_eq!((s.layers.len(), s.params.len()), (1, 1));
        assert_eq!(s.layers[0].outputs.display(), "H");
        let n = net(syn::parse_quote! {
            struct N<const C: usize> { input: [C, 8, 8], f: flatten, out: dense(2) }
        });
        let s = standin(&n);
        assert_eq!(s.inputs[0].dims.display(), "an unknown size");
    }

    #[test]
    fn a_batch_norm_count_may_be_a_parameter_and_a_misspelled_activation_stays_one() {
        let m = errors(syn::parse_quote! {
            struct N<const H: usize> { input: 4, a: dense(H), b: batch_norm(H, relu), out: dense(2) }
        });
        assert!(m.is_empty(), "{m:?}");
        let m = errors(syn::parse_quote! {
            struct N<const H: usize> { input: 4, a: dense(H), b: batch_norm(rleu), out: dense(2) }
        });
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(m[0].contains("unknown activation `rleu`"), "{}", m[0]);
    }

    #[test]
    fn a_custom_layer_after_a_parameter_is_named_as_written() {
        let m = errors(syn::parse_quote! {
            struct N<const H: usize> { input: 4, a: dense(H), s: custom(my::Scale<T, 4>), out: dense(2) }
        });
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(
            m[0].starts_with("`s` is a custom layer `my::Scale<T, 4>` taking `INPUTS` inputs, but `a` produces `H`"),
            "{}",
            m[0]
        );
        assert!(
            m[0].contains("a custom layer's sizes are constants of its type"),
            "{}",
            m[0]
        );
    }
}
