//! Parsing: tokens to [`NetworkDecl`]. Only syntax is checked here; meaning is `validate`'s.

use crate::ast::{Arg, Item, LayerDecl, NetworkDecl};
use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{braced, parenthesized, Attribute, Ident, Token, Visibility};

impl Parse for NetworkDecl {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        if !input.peek(Token![struct]) {
            return Err(input.error(
                "expected `struct`: a network is declared as `network! { pub struct Name { input: N, ... } }`",
            ));
        }
        input.parse::<Token![struct]>()?;
        let name: Ident = input.parse()?;
        if input.peek(Token![<]) {
            return Err(input.error(
                "a network takes no generic parameters: the generated struct is generic over its scalar type `T` (default `f32`) already",
            ));
        }
        let content;
        let brace = braced!(content in input);
        let mut items = Vec::new();
        while !content.is_empty() {
            items.push(content.parse()?);
            if content.is_empty() {
                break;
            }
            content.parse::<Token![,]>()?;
        }
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the network's body"));
        }
        Ok(NetworkDecl {
            attrs,
            vis,
            name,
            body_span: brace.span.join(),
            items,
        })
    }
}

impl Parse for Item {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let name: Ident = input.call(Ident::parse_any)?;
        input.parse::<Token![:]>()?;
        if name == "input" {
            let size = tokens_until_comma(input)?;
            if size.is_empty() {
                return Err(syn::Error::new(
                    name.span(),
                    "`input` needs a size, e.g. `input: 784`",
                ));
            }
            return Ok(Item::Input { key: name, size });
        }
        if name == "output" {
            let span = input.span();
            let names = if input.peek(syn::token::Paren) {
                let content;
                parenthesized!(content in input);
                let list = content.parse_terminated(Ident::parse_any, Token![,])?;
                list.into_iter().collect()
            } else {
                vec![input.call(Ident::parse_any)?]
            };
            return Ok(Item::Output {
                key: name,
                names,
                span,
            });
        }
        let kind: Ident = input.call(Ident::parse_any)?;
        let (args, args_span) = if input.peek(syn::token::Paren) {
            let content;
            let paren = parenthesized!(content in input);
            (parse_args(&content)?, paren.span.join())
        } else {
            (Vec::new(), kind.span())
        };
        let parents = if input.peek(syn::token::Paren) {
            let content;
            let paren = parenthesized!(content in input);
            let list = content.parse_terminated(Ident::parse_any, Token![,])?;
            Some((list.into_iter().collect(), paren.span.join()))
        } else {
            None
        };
        Ok(Item::Layer(LayerDecl {
            name,
            kind,
            args,
            args_span,
            parents,
        }))
    }
}

/// Comma-separated arguments, each `tokens` or `key = tokens`.
fn parse_args(input: ParseStream) -> syn::Result<Vec<Arg>> {
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
        let span = match (&key, value.is_empty()) {
            (Some(k), true) => k.span(),
            (Some(k), false) => k.span().join(value.span()).unwrap_or_else(|| value.span()),
            (None, _) => value.span(),
        };
        if value.is_empty() {
            return Err(syn::Error::new(
                if key.is_some() { span } else { input.span() },
                "expected an argument before the comma",
            ));
        }
        args.push(Arg { key, value, span });
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(args)
}

/// Every token up to (not including) the next top-level comma.
fn tokens_until_comma(input: ParseStream) -> syn::Result<TokenStream> {
    let mut out = TokenStream::new();
    while !input.is_empty() && !input.peek(Token![,]) {
        let tt: TokenTree = input.parse()?;
        tt.to_tokens(&mut out);
    }
    Ok(out)
}

/// The span of a whole token stream (first to last token where the compiler allows).
pub fn span_of(tokens: &TokenStream) -> Span {
    let mut iter = tokens.clone().into_iter();
    let Some(first) = iter.next() else {
        return Span::call_site();
    };
    let last = iter.last().map_or(first.span(), |t| t.span());
    first.span().join(last).unwrap_or(first.span())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_layers_and_arguments() {
        let decl: NetworkDecl = syn::parse_quote! {
            /// Docs.
            pub struct Net { input: 784, fc1: dense(784 -> 128, relu, init = he), out: dense(10) }
        };
        assert_eq!(decl.name, "Net");
        assert_eq!(decl.attrs.len(), 1);
        assert_eq!(decl.items.len(), 3);
        let Item::Layer(fc1) = &decl.items[1] else {
            panic!("expected a layer")
        };
        assert_eq!(fc1.kind, "dense");
        assert_eq!(fc1.args.len(), 3);
        assert_eq!(
            fc1.args[2].key.as_ref().map(|k| k.to_string()).as_deref(),
            Some("init")
        );
        assert_eq!(fc1.args[0].value.to_string(), "784 -> 128");
    }

    #[test]
    fn rejects_generics() {
        let r = syn::parse2::<NetworkDecl>(quote::quote! { struct Net<T> { input: 1 } });
        let msg = r.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.contains("no generic parameters"), "{msg}");
    }
}
