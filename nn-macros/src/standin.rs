//! Stand-ins for the two mistakes that stop the macro before validation: a declaration that
//! does not parse, and size parameters on a network embedded from a weights file. Each gets
//! its one error and the surface a valid declaration would have (see `codegen::stub`), so a
//! program that uses the network reports nothing more.
//!
//! A declaration that does not parse is read again with its header rebuilt ([`recover`]):
//! the struct's body is the first `{ ... }` that does not belong to a `block`, its name the
//! identifier before it (and before `<...>`), and of what precedes the name only what parses
//! is kept: each `#[...]` that parses on its own, `pub` or a visibility that parses, and
//! `block`s. Anything else there (`strcut`, a missing `struct`, `pub(crat)`) is what the
//! error is about and is dropped. The rebuilt declaration goes through the ordinary
//! pipeline, so it gets the full stand-in whenever the sizes at its ends are known, and
//! reports mistakes in its body as usual.
//!
//! Where no body can be found (`struct Net;`, `struct Net(...)`), no size is known: the
//! stand-in is one `dense` from one input to one output over `crate::unknown`'s size, a
//! constant holding the parser's error, so the program using the network still reports that
//! error alone.

use crate::ast::NetworkDecl;
use crate::codegen;
use proc_macro2::{Delimiter, Ident, Spacing, TokenStream, TokenTree};
use quote::{quote, quote_spanned};
use syn::parse::Parser;
use syn::{Attribute, Visibility};

/// A declaration rebuilt from one that did not parse.
struct Recovered {
    decl: NetworkDecl,
    /// A `#[weights ...]` attribute was dropped because it did not parse: the network is
    /// embedded, and the stand-in must be too.
    weights: bool,
}

/// What the macro emits for a declaration that did not parse: the parser's error and the
/// richest stand-in that can be recovered from `input`.
pub fn parse_error(error: syn::Error, input: TokenStream) -> TokenStream {
    let trees: Vec<TokenTree> = input.into_iter().collect();
    match recover(&trees) {
        Some(Recovered {
            decl,
            weights: false,
        }) => {
            let e = error.to_compile_error();
            let rest = crate::expand_decl(decl);
            quote!(#e #rest)
        }
        Some(Recovered {
            mut decl,
            weights: true,
        }) => {
            crate::blocks::expand(&mut decl);
            crate::bad_weights_attr(error, decl)
        }
        None => {
            let Some(name) = fallback_name(&trees) else {
                return error.to_compile_error();
            };
            let (mut attrs, unparsed) = header_attrs(&trees);
            let vis = header_vis(&trees);
            // `#[weights = "..."]` embeds the network; its file gives the scalar.
            let scalar = match crate::weights::take(&mut attrs) {
                Ok(Some(w)) => Some(crate::validate::weights::File::read(&w).scalar()),
                _ if unparsed => Some(quote!(f32)),
                _ => None,
            };
            attrs.retain(|a| !a.path().is_ident("weights"));
            let net = crate::unknown::network(attrs, vis, name);
            let stub = match scalar {
                Some(t) => codegen::embedded_standin(&net, &t),
                None => codegen::generate(&net),
            };
            crate::unknown::emit(&net.name, &[error], stub)
        }
    }
}

/// The declaration with its header rebuilt from the parts that parse, if its body parses.
fn recover(trees: &[TokenTree]) -> Option<Recovered> {
    let (name_at, body_at) = find_body(trees)?;
    let blocks_end = trees[..name_at]
        .iter()
        .rposition(|t| is_group(t, Delimiter::Brace))
        .map_or(0, |i| i + 1);
    let head = &trees[blocks_end..name_at];
    let (attrs, weights) = attrs_of(head);
    let vis = visibility_of(head);
    let blocks: TokenStream = trees[..blocks_end].iter().cloned().collect();
    let name = &trees[name_at];
    let generics: TokenStream = trees[name_at + 1..body_at].iter().cloned().collect();
    let rest: TokenStream = trees[body_at..].iter().cloned().collect();
    let kw = quote_spanned!(name.span()=> struct);
    let rebuilt = quote!(#blocks #(#attrs)* #vis #kw #name #generics #rest);
    let decl = syn::parse2::<NetworkDecl>(rebuilt).ok()?;
    Some(Recovered { decl, weights })
}

/// The indices of the struct's name and of its `{ ... }` body: the first brace group that
/// is not a `block`'s, after an identifier (and optional `<...>`).
fn find_body(trees: &[TokenTree]) -> Option<(usize, usize)> {
    let ident_at = |i: usize| match &trees[i] {
        TokenTree::Ident(id) => Some(id.to_string()),
        _ => None,
    };
    for (i, t) in trees.iter().enumerate() {
        if !is_group(t, Delimiter::Brace) || i == 0 {
            continue;
        }
        // `block Name(params) { ... }`
        if is_group(&trees[i - 1], Delimiter::Parenthesis) {
            if i >= 3 && ident_at(i - 3).as_deref() == Some("block") {
                continue;
            }
            return None;
        }
        let mut k = i - 1;
        if is_punct(&trees[k], '>') {
            k = open_angle(trees, k)?.checked_sub(1)?;
        }
        let name = ident_at(k)?;
        if k >= 1 && ident_at(k - 1).as_deref() == Some("block") {
            continue;
        }
        if ["struct", "pub", "crate", "enum"].contains(&name.as_str()) {
            return None;
        }
        return Some((k, i));
    }
    None
}

/// The index of the `<` that the `>` at `close` ends.
fn open_angle(trees: &[TokenTree], close: usize) -> Option<usize> {
    let mut depth = 0usize;
    for j in (0..=close).rev() {
        if is_punct(&trees[j], '>') && !is_arrow(trees, j) {
            depth += 1;
        } else if is_punct(&trees[j], '<') {
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                return Some(j);
            }
        }
    }
    None
}

/// Whether the `>` at `j` ends `->` or `=>` rather than an angle bracket.
fn is_arrow(trees: &[TokenTree], j: usize) -> bool {
    j > 0
        && matches!(&trees[j - 1], TokenTree::Punct(p)
            if (p.as_char() == '-' || p.as_char() == '=') && p.spacing() == Spacing::Joint)
}

/// Each `#[...]` of `head` that parses on its own, and whether a `#[weights ...]` did not.
fn attrs_of(head: &[TokenTree]) -> (Vec<Attribute>, bool) {
    let (mut attrs, mut weights) = (Vec::new(), false);
    for pair in head.windows(2) {
        let [hash, group] = pair else { continue };
        if !is_punct(hash, '#') || !is_group(group, Delimiter::Bracket) {
            continue;
        }
        let tokens: TokenStream = pair.iter().cloned().collect();
        match Attribute::parse_outer.parse2(tokens) {
            Ok(a) => attrs.extend(a),
            Err(_) => {
                let TokenTree::Group(g) = group else { continue };
                let first = g.stream().into_iter().next();
                weights |= matches!(first, Some(TokenTree::Ident(i)) if i == "weights");
            }
        }
    }
    (attrs, weights)
}

/// `pub`, or `pub(...)` when that parses as a visibility, or none.
fn visibility_of(head: &[TokenTree]) -> TokenStream {
    let Some(at) = head
        .iter()
        .position(|t| matches!(t, TokenTree::Ident(i) if i == "pub"))
    else {
        return TokenStream::new();
    };
    if let Some(g @ TokenTree::Group(_)) = head.get(at + 1) {
        let tokens: TokenStream = [head[at].clone(), g.clone()].into_iter().collect();
        if let Ok(v @ Visibility::Restricted(_)) = syn::parse2::<Visibility>(tokens) {
            return quote!(#v);
        }
    }
    let pub_ = &head[at];
    quote!(#pub_)
}

/// The attributes before the name that parse, for the fallback stub.
fn header_attrs(trees: &[TokenTree]) -> (Vec<Attribute>, bool) {
    let end = trees
        .iter()
        .position(|t| matches!(t, TokenTree::Ident(i) if i == "struct"))
        .unwrap_or(trees.len());
    attrs_of(&trees[..end])
}

/// The visibility before `struct`, when no body could be recovered.
fn header_vis(trees: &[TokenTree]) -> Visibility {
    let end = trees
        .iter()
        .position(|t| matches!(t, TokenTree::Ident(i) if i == "struct"))
        .unwrap_or(trees.len());
    syn::parse2(visibility_of(&trees[..end])).unwrap_or(Visibility::Inherited)
}

/// The name after `struct`, when no body could be recovered.
fn fallback_name(trees: &[TokenTree]) -> Option<Ident> {
    trees.windows(2).find_map(|w| match w {
        [TokenTree::Ident(s), TokenTree::Ident(n)] if s == "struct" => Some(n.clone()),
        _ => None,
    })
}

fn is_group(t: &TokenTree, d: Delimiter) -> bool {
    matches!(t, TokenTree::Group(g) if g.delimiter() == d)
}

fn is_punct(t: &TokenTree, c: char) -> bool {
    matches!(t, TokenTree::Punct(p) if p.as_char() == c)
}

/// What is emitted for a network declared with size parameters and `#[weights]`: the error,
/// the declaration's other errors, and the embedded surface (constants, `new`, `Default`,
/// `forward`) over no parameters, so `Net::new().forward(&x)` compiles; a size at its ends
/// that names a parameter, or that other mistakes hide, is `crate::unknown`'s. `scalar`
/// reads the file's scalar.
pub fn params_with_weights(decl: NetworkDecl, scalar: impl FnOnce() -> TokenStream) -> TokenStream {
    let params = decl.params.clone();
    let help = match params.as_slice() {
        [p] => {
            format!("remove `<const {p}: usize>` and write the file's sizes where `{p}` is used")
        }
        _ => "remove the size parameters and write the file's sizes where they are used".into(),
    };
    let e = syn::Error::new(
        params[0].span(),
        format!("a network embedded from a weights file takes no size parameters: the file fixes every size\n\nhelp: {help}"),
    );
    let (mut errors, net) = match crate::validate::validate(decl) {
        Ok(net) => (Vec::new(), Box::new(net)),
        Err(failed) => (failed.errors, failed.standin),
    };
    errors.insert(0, e);
    let net = crate::unknown::without_params(&net);
    let stub = codegen::embedded_standin(&net, &scalar());
    crate::unknown::emit(&net.name, &errors, stub)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The name, visibility and attribute count of the declaration recovered from `tokens`.
    fn recovered(tokens: TokenStream) -> Option<(String, String, usize, bool)> {
        assert!(syn::parse2::<NetworkDecl>(tokens.clone()).is_err());
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        let r = recover(&trees)?;
        let vis = &r.decl.vis;
        Some((
            r.decl.name.to_string(),
            quote!(#vis).to_string(),
            r.decl.attrs.len(),
            r.weights,
        ))
    }

    #[test]
    fn the_header_is_rebuilt_from_what_parses() {
        let body = quote!({ input: 4, fc: dense(2) });
        let cases = [
            (quote!(pub strcut Net #body), ("Net", "pub", 0, false)),
            (quote!(pub Net #body), ("Net", "pub", 0, false)),
            (quote!(pub(crat) struct Net #body), ("Net", "pub", 0, false)),
            (
                quote!(#[doc = "x"] #[allow(a) b] struct Net #body),
                ("Net", "", 1, false),
            ),
            (
                quote!(#[weights "a"] struct Net #body),
                ("Net", "", 0, true),
            ),
            (
                quote!(strcut Net<const H: usize> #body),
                ("Net", "", 0, false),
            ),
        ];
        for (tokens, (name, vis, attrs, weights)) in cases {
            let text = tokens.to_string();
            let got = recovered(tokens).unwrap_or_else(|| panic!("not recovered: {text}"));
            assert_eq!(got, (name.into(), vis.into(), attrs, weights), "{text}");
        }
    }

    #[test]
    fn blocks_before_the_struct_are_kept() {
        let tokens = quote! {
            block Basic(planes) { a: dense(planes) }
            pub strcut Net { input: 4, b: Basic(8), out: dense(2) }
        };
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        let r = recover(&trees).unwrap_or_else(|| panic!("not recovered"));
        assert_eq!(
            (r.decl.name.to_string(), r.decl.blocks.len()),
            ("Net".into(), 1)
        );
    }

    #[test]
    fn without_a_body_only_the_name_is_found() {
        for tokens in [
            quote!(
                struct Net;
            ),
            quote!(pub struct Net(4, 2)),
            quote!(pub struct { input: 4 }),
        ] {
            let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
            assert!(recover(&trees).is_none(), "{tokens}");
        }
        let trees: Vec<TokenTree> = quote!(pub struct Net(4, 2)).into_iter().collect();
        assert_eq!(
            fallback_name(&trees).map(|n| n.to_string()),
            Some("Net".into())
        );
    }
}
