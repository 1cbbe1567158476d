//! Parsing: tokens to [`NetworkDecl`]. Only syntax is checked here; meaning is `validate`'s.

use crate::ast::{BlockDecl, Item, LayerDecl, NetworkDecl};
use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::discouraged::Speculative;
use syn::parse::{Parse, ParseStream};
use syn::{braced, parenthesized, Attribute, Ident, Token, Visibility};

mod args;
mod header;

use args::{parse_args, tokens_until_comma};

impl Parse for NetworkDecl {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut errors = Vec::new();
        let mut blocks = Vec::new();
        loop {
            let fork = input.fork();
            // An attribute that does not parse is reported where the struct's are read.
            if fork.call(Attribute::parse_outer).is_err()
                || !(fork.peek(Ident)
                    && fork.peek2(Ident)
                    && fork.cursor().ident().is_some_and(|(i, _)| i == "block"))
            {
                break;
            }
            input.advance_to(&fork);
            blocks.push(parse_block(input, &mut errors)?);
        }
        let attrs = header::attrs(input)?;
        let vis: Visibility = input.parse()?;
        if !input.peek(Token![struct]) {
            return Err(header::expected_struct(input, &vis));
        }
        input.parse::<Token![struct]>()?;
        let name: Ident = input.parse()?;
        let mut params = Vec::new();
        if input.peek(Token![<]) {
            let fork = input.fork();
            match size_params(&fork) {
                Ok(p) => {
                    input.advance_to(&fork);
                    params = p;
                }
                Err(e) => {
                    errors.push(e);
                    skip_generics(input)?;
                }
            }
        }
        if !input.peek(syn::token::Brace) {
            return Err(header::no_body(input, &name));
        }
        let content;
        let brace = braced!(content in input);
        let items = parse_body(&content, &mut errors)?;
        if !input.is_empty() {
            errors.push(trailing(input, &name));
        }
        Ok(NetworkDecl {
            attrs,
            vis,
            name,
            params,
            body_span: brace.span.join(),
            items,
            blocks,
            errors,
        })
    }
}

/// The error for tokens after the network's body, which it consumes: reported with the
/// declaration's other errors, beside the stand-in, so the program using the network does not
/// fail again on a missing name.
fn trailing(input: ParseStream, name: &Ident) -> syn::Error {
    let second = input.fork();
    let _ = second.call(Attribute::parse_outer);
    let _ = second.parse::<Visibility>();
    let hint = if second.peek(Token![struct]) {
        "one `network!` declares one network: declare each in its own `network! { ... }`"
    } else {
        "remove it; the network ends with its body's `}`"
    };
    let first = input.fork().parse::<TokenTree>().map(|t| t.to_string());
    let e = input.error(format!(
        "unexpected `{}` after the body of `{name}`\n\nhelp: {hint}",
        first.unwrap_or_default()
    ));
    while input.parse::<TokenTree>().is_ok() {}
    e
}

/// The entries of a `{ ... }` body, recovering after each syntax error.
fn parse_body(content: ParseStream, errors: &mut Vec<syn::Error>) -> syn::Result<Vec<Item>> {
    let mut items = Vec::new();
    while !content.is_empty() {
        let fork = content.fork();
        match parse_item(&fork, errors) {
            Ok(item) => {
                content.advance_to(&fork);
                items.push(item);
            }
            Err(e) => {
                errors.push(e);
                let name = (content.peek(Ident::peek_any) && content.peek2(Token![:]))
                    .then(|| content.call(Ident::parse_any))
                    .transpose()?;
                items.push(Item::Broken(name));
                skip_to_comma(content)?;
            }
        }
        if content.is_empty() {
            break;
        }
        if content.peek(Token![;]) {
            let semi = content.parse::<Token![;]>()?;
            errors.push(syn::Error::new(
                semi.span,
                "the entries of a network are separated by `,`, found `;`\n\nhelp: replace the `;` with `,`",
            ));
        } else if content.peek(Token![,]) {
            content.parse::<Token![,]>()?;
        } else if content.peek(Ident::peek_any) && content.peek2(Token![:]) {
            // A forgotten comma: the next entry starts here.
            errors.push(content.error(format!(
                "expected `,` before `{}`: the entries of a network are separated by commas",
                content.fork().call(Ident::parse_any)?
            )));
        } else {
            errors.push(content.error(
                "expected `,` after this entry: a layer is written `name: kind(arguments)` and the entries are separated by commas",
            ));
            skip_to_comma(content)?;
            if content.peek(Token![,]) {
                content.parse::<Token![,]>()?;
            }
        }
    }
    Ok(items)
}

/// `block Name(param, param = default) { entries }` (the `block` keyword is next).
fn parse_block(input: ParseStream, errors: &mut Vec<syn::Error>) -> syn::Result<BlockDecl> {
    input.call(Ident::parse_any)?;
    let name: Ident = input.parse()?;
    let mut params = Vec::new();
    if input.peek(syn::token::Paren) {
        let content;
        parenthesized!(content in input);
        for arg in parse_args(&content, "a block's parameters", errors)? {
            match (arg.key, single_ident(&arg.value)) {
                (Some(k), _) => params.push((k, Some(arg.value))),
                (None, Some(i)) => params.push((i, None)),
                (None, None) => {
                    let meant = recover_params(&arg.value);
                    let hint = match meant.as_slice() {
                        [_, _, ..] => {
                            let list: Vec<String> = meant
                                .iter()
                                .map(|(n, d)| match d {
                                    Some(d) => format!("{n} = {d}"),
                                    None => n.to_string(),
                                })
                                .collect();
                            format!("\n\nhelp: separate them with commas: `{}`", list.join(", "))
                        }
                        _ => String::new(),
                    };
                    errors.push(syn::Error::new(
                        arg.span,
                        format!(
                            "a block's parameters are names, each with an optional default (`block Basic(planes, stride = 1)`), found `{}`{hint}",
                            arg.value
                        ),
                    ));
                    params.extend(meant);
                }
            }
        }
    }
    let content;
    braced!(content in input);
    let items = parse_body(&content, errors)?;
    Ok(BlockDecl {
        name,
        params,
        items,
    })
}

/// The parameters a malformed entry of a block's parameter list most likely meant, so the
/// block still expands and its uses report nothing more: each name at the top level, with
/// the one token after `=` as its default (`width act`, a forgotten comma, gives `width` and
/// `act`; a forgotten comma before `name =` is split by `args::parse_args`).
fn recover_params(tokens: &TokenStream) -> Vec<(Ident, Option<TokenStream>)> {
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    let is_eq =
        |t: Option<&TokenTree>| matches!(t, Some(TokenTree::Punct(p)) if p.as_char() == '=');
    let mut params = Vec::new();
    let mut i = 0;
    while i < trees.len() {
        if let TokenTree::Ident(name) = &trees[i] {
            if is_eq(trees.get(i + 1)) {
                let default = trees.get(i + 2).map(|t| TokenStream::from(t.clone()));
                params.push((name.clone(), default));
                i += 3;
                continue;
            }
            params.push((name.clone(), None));
        }
        i += 1;
    }
    params
}

/// The one identifier `tokens` consists of, if so.
pub fn single_ident(tokens: &TokenStream) -> Option<Ident> {
    let mut iter = tokens.clone().into_iter();
    match (iter.next(), iter.next()) {
        (Some(TokenTree::Ident(i)), None) => Some(i),
        _ => None,
    }
}

/// A name, plain (`fc1`) or dotted as PyTorch nests modules (`layer1.0.conv1`): the field's
/// identifier (segments joined by `_`) and, when dotted, the dotted path.
pub fn parse_path(input: ParseStream) -> syn::Result<(Ident, Option<String>)> {
    let first: Ident = input.call(Ident::parse_any)?;
    let mut segments = vec![first.to_string()];
    while input.peek(Token![.]) {
        input.parse::<Token![.]>()?;
        if input.peek(syn::LitInt) {
            segments.push(input.parse::<syn::LitInt>()?.base10_digits().to_string());
        } else if input.peek(syn::LitFloat) {
            // `a.0.1` lexes as `a`, `.`, `0.1`.
            let f: syn::LitFloat = input.parse()?;
            let text = f.to_string();
            if !f.suffix().is_empty()
                || !text
                    .split('.')
                    .all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            {
                return Err(syn::Error::new(
                    f.span(),
                    "expected a name's next segment after `.`",
                ));
            }
            segments.extend(text.split('.').map(str::to_string));
        } else {
            segments.push(input.call(Ident::parse_any)?.to_string());
        }
    }
    if segments.len() == 1 {
        return Ok((first, None));
    }
    let ident = Ident::new(&segments.join("_"), first.span());
    Ok((ident, Some(segments.join("."))))
}

/// `<const H: usize, ...>`: the network's size parameters.
fn size_params(input: ParseStream) -> syn::Result<Vec<Ident>> {
    const ONLY: &str = "a network takes only size parameters, written `const H: usize`: the generated struct is generic over its scalar type `T` (default `f32`) already";
    input.parse::<Token![<]>()?;
    let mut params: Vec<Ident> = Vec::new();
    while !input.peek(Token![>]) {
        if !input.peek(Token![const]) {
            return Err(input.error(ONLY));
        }
        input.parse::<Token![const]>()?;
        let name: Ident = input.parse()?;
        input.parse::<Token![:]>()?;
        let ty: Ident = input.parse()?;
        if ty != "usize" {
            return Err(syn::Error::new(
                ty.span(),
                format!("the size parameter `{name}` must be a `usize`, found `{ty}`\n\nhelp: write `const {name}: usize`"),
            ));
        }
        if name == "T" {
            return Err(syn::Error::new(
                name.span(),
                "`T` names the network's scalar type: give the size parameter another name",
            ));
        }
        if params.contains(&name) {
            return Err(syn::Error::new(
                name.span(),
                format!("the size parameter `{name}` is declared twice"),
            ));
        }
        params.push(name);
        if !input.peek(Token![>]) {
            input.parse::<Token![,]>()?;
        }
    }
    input.parse::<Token![>]>()?;
    Ok(params)
}

/// Skips `<...>` after the name, nested angle brackets included.
fn skip_generics(input: ParseStream) -> syn::Result<()> {
    let mut depth = 0usize;
    while !input.is_empty() {
        if input.peek(Token![<]) {
            depth += 1;
        } else if input.peek(Token![>]) {
            depth = depth.saturating_sub(1);
            input.parse::<TokenTree>()?;
            if depth == 0 {
                return Ok(());
            }
            continue;
        } else if input.peek(syn::token::Brace) && depth == 0 {
            return Ok(());
        }
        input.parse::<TokenTree>()?;
    }
    Ok(())
}

/// Skips tokens up to (not including) the next top-level `,` or `;`.
fn skip_to_comma(input: ParseStream) -> syn::Result<()> {
    while !input.is_empty() && !input.peek(Token![,]) && !input.peek(Token![;]) {
        input.parse::<TokenTree>()?;
    }
    Ok(())
}

/// One entry; mistakes it can read past (a layer called `output`) go to `errors`.
fn parse_item(input: ParseStream, errors: &mut Vec<syn::Error>) -> syn::Result<Item> {
    let (name, path) = parse_path(input)?;
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
    if name == "output" && input.peek(Ident::peek_any) && input.peek2(syn::token::Paren) {
        let kind = input.fork().call(Ident::parse_any)?;
        errors.push(syn::Error::new(
            name.span(),
            format!("`output` cannot name a layer: it lists the network's outputs (`output: fc2` or `output: (a, b)`)\n\nhelp: call the layer something else, e.g. `out: {kind}(...)`"),
        ));
    } else if name == "output" {
        let span = input.span();
        let names = if input.peek(syn::token::Paren) {
            let content;
            parenthesized!(content in input);
            let list = content.parse_terminated(parse_path, Token![,])?;
            list.into_iter().map(|p| p.0).collect()
        } else {
            vec![parse_path(input)?.0]
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
        (
            parse_args(&content, "arguments", errors)?,
            paren.span.join(),
        )
    } else {
        (Vec::new(), kind.span())
    };
    let parents = if input.peek(syn::token::Paren) {
        let content;
        let paren = parenthesized!(content in input);
        let list = content.parse_terminated(parse_path, Token![,])?;
        Some((list.into_iter().map(|p| p.0).collect(), paren.span.join()))
    } else {
        None
    };
    let cond = if input.peek(Token![if]) {
        input.parse::<Token![if]>()?;
        Some(input.parse::<Ident>()?)
    } else {
        None
    };
    Ok(Item::Layer(LayerDecl {
        name,
        path,
        cond,
        kind,
        args,
        args_span,
        parents,
        origin: None,
    }))
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
    fn a_block_parameter_list_with_a_forgotten_comma_recovers_its_parameters() {
        let decl: NetworkDecl = syn::parse_quote! {
            block Unit(width act = relu) { fc: dense(width, act) }
            struct N { input: 4, a: Unit(8), out: dense(2) }
        };
        let b = &decl.blocks[0];
        let params: Vec<(String, Option<String>)> = b
            .params
            .iter()
            .map(|(n, d)| (n.to_string(), d.as_ref().map(|d| d.to_string())))
            .collect();
        assert_eq!(
            params,
            [("width".into(), None), ("act".into(), Some("relu".into()))]
        );
        assert_eq!(decl.errors.len(), 1);
        let m = decl.errors[0].to_string();
        assert_eq!(
            m,
            "expected `,` before `act`: a block's parameters are separated by commas\n\nhelp: write `width, act = relu`"
        );
    }

    #[test]
    fn takes_only_size_parameters() {
        let first_error = |t: TokenStream| {
            syn::parse2::<NetworkDecl>(t)
                .map(|d| {
                    d.errors
                        .first()
                        .map(ToString::to_string)
                        .unwrap_or_default()
                })
                .unwrap_or_default()
        };
        let msg = first_error(quote::quote! { struct Net<T> { input: 1 } });
        assert!(msg.contains("only size parameters"), "{msg}");
        let msg = first_error(quote::quote! { struct Net<const H: u32> { input: 1 } });
        assert!(msg.contains("must be a `usize`, found `u32`"), "{msg}");
        let decl: NetworkDecl = syn::parse_quote! {
            struct Net<const H: usize, const C: usize> { input: 4, a: dense(H), b: dense(C) }
        };
        assert!(decl.errors.is_empty());
        assert_eq!(decl.params, ["H", "C"]);
    }

    #[test]
    fn tokens_after_the_body_are_one_error_with_the_declaration_kept() {
        let decl: NetworkDecl = syn::parse_quote! {
            pub struct A { input: 4, a: dense(2) }
            pub struct B { input: 2, b: dense(1) }
        };
        let msgs: Vec<String> = decl.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(msgs.len(), 1, "{msgs:?}");
        assert!(
            msgs[0].starts_with("unexpected `pub` after the body of `A`"),
            "{}",
            msgs[0]
        );
        assert!(
            msgs[0].contains("its own `network! { ... }`"),
            "{}",
            msgs[0]
        );
        assert_eq!((decl.name.to_string(), decl.items.len()), ("A".into(), 2));
        let decl: NetworkDecl = syn::parse_quote! { struct A { input: 4, a: dense(2) }; };
        let msg = decl.errors[0].to_string();
        assert!(
            msg.contains("unexpected `;`") && msg.contains("remove it"),
            "{msg}"
        );
    }

    #[test]
    fn recovers_after_syntax_errors() {
        let decl: NetworkDecl = syn::parse_quote! {
            struct Net { input: 4; a: dense(8) b: dense(2,, 3), output: dense(1) }
        };
        let msgs: Vec<String> = decl.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(msgs.len(), 4, "{msgs:?}");
        assert!(msgs[0].contains("found `;`"), "{}", msgs[0]);
        assert!(msgs[1].contains("expected `,` before `b`"), "{}", msgs[1]);
        assert!(msgs[2].contains("expected an argument"), "{}", msgs[2]);
        assert!(
            msgs[3].contains("`output` cannot name a layer"),
            "{}",
            msgs[3]
        );
        assert_eq!(decl.items.len(), 4);
        assert!(matches!(&decl.items[2], Item::Broken(Some(n)) if n == "b"));
    }
}
