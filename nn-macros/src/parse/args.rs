//! A layer's (or a block's) arguments: `dense(128, relu, init = he)` is `128`, `relu` and
//! `init = he`, each the tokens up to the next top-level comma.
//!
//! A missing comma is found where the tokens cannot be one argument: a `key =` after other
//! tokens (`dense(width act = act)`), or a word after a number or a word (`dense(128 relu)`,
//! `dense(width relu)`). It is reported here, once, where it is written, and the arguments it
//! runs together are kept apart, so a block whose body has it does not report it again at
//! each use.

use crate::ast::Arg;
use proc_macro2::{Spacing, TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::ParseStream;
use syn::spanned::Spanned;
use syn::{Ident, Token};

/// Comma-separated arguments, each `tokens` or `key = tokens`; a missing comma goes to
/// `errors` and the arguments on either side are kept. `what` names them in the message
/// (`arguments`, a block's `parameters`).
pub fn parse_args(
    input: ParseStream,
    what: &str,
    errors: &mut Vec<syn::Error>,
) -> syn::Result<Vec<Arg>> {
    let mut args = Vec::new();
    while !input.is_empty() {
        let key = if input.peek(Ident) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
            let k: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            Some(k)
        } else {
            None
        };
        let value = tokens_until_comma(input)?;
        if value.is_empty() {
            let span = key.as_ref().map_or_else(|| input.span(), Ident::span);
            return Err(syn::Error::new(
                span,
                "expected an argument before the comma",
            ));
        }
        for (key, value) in split(key, value, what, errors) {
            let span = match &key {
                Some(k) => k.span().join(value.span()).unwrap_or_else(|| value.span()),
                None => value.span(),
            };
            args.push(Arg { key, value, span });
        }
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(args)
}

/// Every token up to (not including) the next top-level comma (or `;`, a mistake for one).
pub fn tokens_until_comma(input: ParseStream) -> syn::Result<TokenStream> {
    let mut out = TokenStream::new();
    while !input.is_empty() && !input.peek(Token![,]) && !input.peek(Token![;]) {
        let tt: TokenTree = input.parse()?;
        tt.to_tokens(&mut out);
    }
    Ok(out)
}

/// One argument's tokens, or several where a comma is missing between them (reported).
fn split(
    key: Option<Ident>,
    value: TokenStream,
    what: &str,
    errors: &mut Vec<syn::Error>,
) -> Vec<(Option<Ident>, TokenStream)> {
    let trees: Vec<TokenTree> = value.into_iter().collect();
    let Some(cut) = (1..trees.len()).find(|&i| starts_key(&trees, i) || after_word(&trees, i))
    else {
        return vec![(key, trees.into_iter().collect())];
    };
    let (before, after) = trees.split_at(cut);
    let text = |t: &[TokenTree]| t.iter().cloned().collect::<TokenStream>().to_string();
    let written = match &key {
        Some(k) => format!("{k} = {}", text(before)),
        None => text(before),
    };
    let after_text = text(after);
    errors.push(syn::Error::new(
        after[0].span(),
        format!(
            "expected `,` before `{}`: {what} are separated by commas\n\nhelp: write `{written}, {after_text}`",
            after[0]
        ),
    ));
    let mut out = vec![(key, before.iter().cloned().collect())];
    let (next_key, rest) = match starts_key(&trees, cut) {
        true => match &after[0] {
            TokenTree::Ident(k) => (Some(k.clone()), &after[2..]),
            _ => (None, after),
        },
        false => (None, after),
    };
    if !rest.is_empty() {
        out.extend(split(
            next_key,
            rest.iter().cloned().collect(),
            what,
            errors,
        ));
    }
    out
}

/// Whether `trees[i]` starts `key = value`: a name and a lone `=` (not `==` or `=>`).
fn starts_key(trees: &[TokenTree], i: usize) -> bool {
    matches!(&trees[i], TokenTree::Ident(_))
        && matches!(trees.get(i + 1), Some(TokenTree::Punct(p)) if p.as_char() == '=' && p.spacing() == Spacing::Alone)
        && !matches!(&trees[i - 1], TokenTree::Punct(p) if p.as_char() == '.' || p.as_char() == ':')
}

/// Whether `trees[i]` is a word right after an argument that is one number or one word
/// (`128 relu`, `width relu`; `N as usize` is one argument).
fn after_word(trees: &[TokenTree], i: usize) -> bool {
    i == 1
        && matches!(&trees[0], TokenTree::Literal(_) | TokenTree::Ident(_))
        && matches!(&trees[1], TokenTree::Ident(w) if w != "as")
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse::Parser;

    /// The arguments of `tokens` as written (`key = value` or `value`), and the errors.
    fn args(tokens: TokenStream) -> (Vec<String>, Vec<String>) {
        let mut errors = Vec::new();
        let args = (|input: ParseStream| parse_args(input, "arguments", &mut errors))
            .parse2(tokens)
            .unwrap_or_else(|e| panic!("{e}"));
        let args = args
            .iter()
            .map(|a| match &a.key {
                Some(k) => format!("{k} = {}", a.value),
                None => a.value.to_string(),
            })
            .collect();
        (args, errors.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn arguments_are_split_at_commas() {
        let (a, e) = args(quote::quote!(128, relu, init = he, pad = { P + 1 }));
        assert_eq!(a, ["128", "relu", "init = he", "pad = { P + 1 }"]);
        assert!(e.is_empty(), "{e:?}");
    }

    #[test]
    fn a_missing_comma_is_reported_once_and_the_arguments_kept() {
        let (a, e) = args(quote::quote!(width act = act));
        assert_eq!(a, ["width", "act = act"]);
        assert_eq!(
            e,
            ["expected `,` before `act`: arguments are separated by commas\n\nhelp: write `width, act = act`"]
        );
        let (a, e) = args(quote::quote!(128 relu, init = he stride = 2, width relu));
        assert_eq!(
            a,
            ["128", "relu", "init = he", "stride = 2", "width", "relu"]
        );
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(
            e[1].ends_with("help: write `init = he, stride = 2`"),
            "{}",
            e[1]
        );
    }

    #[test]
    fn expressions_are_not_split() {
        let (a, e) = args(quote::quote!(N * 2, a == b, x.y = 1, N as usize));
        assert_eq!(a, ["N * 2", "a == b", "x . y = 1", "N as usize"]);
        assert!(e.is_empty(), "{e:?}");
    }
}
