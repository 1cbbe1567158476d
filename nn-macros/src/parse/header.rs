//! Messages for mistakes in a declaration's header, before its body: an attribute that does
//! not parse, a missing or misspelled `struct`, and a missing body. The parser stops there;
//! `standin` then recovers the name and body for the stand-in.

use proc_macro2::{Group, TokenTree};
use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::{Attribute, Ident, Token, Visibility};

/// The outer attributes; one that does not parse is an error here (syn would report it only
/// once the whole declaration is read), and a `#[weights ...]` one says its form.
pub fn attrs(input: ParseStream) -> syn::Result<Vec<Attribute>> {
    let fork = input.fork();
    while fork.peek(Token![#]) && !fork.peek2(Token![!]) {
        fork.parse::<Token![#]>()?;
        let group: Group = fork.parse()?;
        if let Err(e) = syn::parse2::<syn::Meta>(group.stream()) {
            let first = group.stream().into_iter().next();
            if matches!(&first, Some(TokenTree::Ident(i)) if i == "weights") {
                return Err(syn::Error::new(
                    group.span(),
                    "`#[weights]` takes the path of its file after `=`\n\nhelp: write `#[weights = \"path/to/file.safetensors\"]`",
                ));
            }
            let found = e.span().source_text();
            let found = found.map_or_else(|| e.to_string(), |t| format!("unexpected `{t}`"));
            return Err(syn::Error::new(
                e.span(),
                format!("{found} in an attribute: an attribute is written `#[name]`, `#[name(...)]` or `#[name = value]`"),
            ));
        }
    }
    input.call(Attribute::parse_outer)
}

/// The error where `struct` was expected after the visibility `vis`, saying what was found.
pub fn expected_struct(input: ParseStream, vis: &Visibility) -> syn::Error {
    const FORM: &str = "a network is declared as `network! { pub struct Name { input: N, ... } }`";
    if matches!(vis, Visibility::Public(_)) && input.peek(syn::token::Paren) {
        if let Ok(TokenTree::Group(g)) = input.fork().parse::<TokenTree>() {
            return syn::Error::new(
                g.span(),
                format!("`pub{g}` is not a visibility\n\nhelp: write `pub`, `pub(crate)`, `pub(super)` or `pub(in path)`"),
            );
        }
    }
    let next = input.fork();
    let Ok(found) = next.call(Ident::parse_any) else {
        return input.error(format!("expected `struct`: {FORM}"));
    };
    if next.peek(syn::token::Brace) || next.peek(Token![<]) {
        return syn::Error::new(
            found.span(),
            format!("expected `struct` before `{found}`: {FORM}\n\nhelp: write `struct {found}`"),
        );
    }
    let help = if next.peek(Ident) {
        format!("\n\nhelp: replace `{found}` with `struct`")
    } else {
        String::new()
    };
    syn::Error::new(
        found.span(),
        format!("expected `struct`, found `{found}`: {FORM}{help}"),
    )
}

/// The error where the body `{ ... }` of network `name` was expected, saying what was found.
pub fn no_body(input: ParseStream, name: &Ident) -> syn::Error {
    let help = format!("help: write its input and layers in braces: `struct {name} {{ input: 784, out: dense(10) }}`");
    let found = input.fork().parse::<TokenTree>();
    let (span, found) = match &found {
        Ok(TokenTree::Group(g)) if g.delimiter() == proc_macro2::Delimiter::Parenthesis => {
            (g.span(), "a tuple struct's `(...)`".to_string())
        }
        Ok(t) => (t.span(), format!("`{t}`")),
        Err(_) => (name.span(), "nothing".to_string()),
    };
    syn::Error::new(
        span,
        format!("`{name}` has no body: expected `{{` after `{name}`, found {found}\n\n{help}"),
    )
}

#[cfg(test)]
mod tests {
    use crate::ast::NetworkDecl;
    use quote::quote;

    fn message(tokens: proc_macro2::TokenStream) -> String {
        match syn::parse2::<NetworkDecl>(tokens) {
            Ok(_) => panic!("parsed"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn header_mistakes_say_what_was_found() {
        let body = quote!({ input: 4, fc: dense(2) });
        let cases = [
            (
                quote!(#[doc = "x"] #[weights "a.safetensors"] struct Net #body),
                "`#[weights]` takes",
            ),
            (
                quote!(pub(crat) struct Net #body),
                "`pub(crat)` is not a visibility",
            ),
            (quote!(pub Net #body), "expected `struct` before `Net`"),
            (
                quote!(pub strcut Net #body),
                "expected `struct`, found `strcut`",
            ),
        ];
        for (tokens, start) in cases {
            let m = message(tokens);
            assert!(m.starts_with(start), "{m}");
        }
    }
}
