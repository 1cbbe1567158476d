//! Reading argument tokens: sizes, `a -> b` pairs, `name(args)` calls and numbers.

use crate::ir::Size;
use crate::parse::span_of;
use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use syn::Ident;

/// A size: an integer literal, a `const` path, or a `{ block }`. `what` names it in messages
/// ("the output size of `fc1`").
/// The message for an integer literal with a suffix (`8u8`, or a typo: `1O`, `78A`).
fn suffixed(what: &str, i: &syn::LitInt) -> String {
    const TYPES: [&str; 11] = [
        "u8", "u16", "u32", "u64", "u128", "i8", "i16", "i32", "i64", "i128", "isize",
    ];
    let (digits, suffix) = (i.base10_digits(), i.suffix());
    if TYPES.contains(&suffix) {
        return format!(
            "{what} is a `usize`, found the `{suffix}` literal `{i}`\n\nhelp: write `{digits}`"
        );
    }
    // Letters that look like digits (`O` for `0`, `l` and `I` for `1`) are a typo for them.
    let looks: Option<String> = suffix
        .chars()
        .map(|c| match c {
            'O' | 'o' => Some('0'),
            'l' | 'I' => Some('1'),
            '0'..='9' | '_' => Some(c),
            _ => None,
        })
        .collect();
    let help = match looks {
        Some(rest) => format!("`{suffix}` is not a digit; write `{digits}{rest}`"),
        None => format!("remove `{suffix}`: write `{digits}`"),
    };
    format!("{what} must be a whole number, found `{i}`\n\nhelp: {help}")
}

pub fn size(tokens: &TokenStream, what: &str) -> syn::Result<Size> {
    let span = span_of(tokens);
    let err = || {
        syn::Error::new(
            span,
            format!(
                "{what} must be a whole number, found `{tokens}`\n\nhelp: write an integer literal (`128`), a `const` name (`HIDDEN`) or a `{{ const expression }}`"
            ),
        )
    };
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    if let [TokenTree::Literal(lit)] = trees.as_slice() {
        let lit = syn::Lit::new(lit.clone());
        return match lit {
            syn::Lit::Int(i) => {
                if !matches!(i.suffix(), "" | "usize") {
                    return Err(syn::Error::new(span, suffixed(what, &i)));
                }
                i.base10_parse::<usize>().map(|n| Size::Lit(n, span))
            }
            _ => Err(err()),
        };
    }
    if let [TokenTree::Group(g)] = trees.as_slice() {
        if g.delimiter() == Delimiter::Brace {
            return Ok(Size::Expr(
                g.stream(),
                format!("{{ {} }}", g.stream()),
                span,
            ));
        }
    }
    if syn::parse2::<syn::Path>(tokens.clone()).is_ok() {
        let text = tokens.to_string().replace(' ', "");
        return Ok(Size::Expr(tokens.clone(), text, span));
    }
    Err(err())
}

/// `OUT` or `IN -> OUT`, the sizes of layer `layer`.
pub fn size_pair(tokens: &TokenStream, layer: &str) -> syn::Result<(Option<Size>, Size)> {
    let out_what = format!("the output size of `{layer}`");
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    let arrow = trees.windows(2).position(|w| {
        matches!(&w[0], TokenTree::Punct(p) if p.as_char() == '-' && p.spacing() == Spacing::Joint)
            && matches!(&w[1], TokenTree::Punct(p) if p.as_char() == '>')
    });
    match arrow {
        None => Ok((None, size(tokens, &out_what)?)),
        Some(i) => {
            let left: TokenStream = trees[..i].iter().cloned().collect();
            let right: TokenStream = trees[i + 2..].iter().cloned().collect();
            if left.is_empty() || right.is_empty() {
                return Err(syn::Error::new(
                    span_of(tokens),
                    format!(
                        "expected the sizes of `{layer}` as `inputs -> outputs`, e.g. `784 -> 128`"
                    ),
                ));
            }
            let in_what = format!("the input size of `{layer}`");
            let (l, r) = (size(&left, &in_what), size(&right, &out_what));
            match (l, r) {
                (Ok(l), Ok(r)) => Ok((Some(l), r)),
                (Err(mut a), Err(b)) => {
                    a.combine(b);
                    Err(a)
                }
                (Err(e), _) | (_, Err(e)) => Err(e),
            }
        }
    }
}

/// `name` or `name(arg, ...)`.
pub fn call(tokens: &TokenStream) -> syn::Result<(Ident, Vec<TokenStream>)> {
    let mut iter = tokens.clone().into_iter();
    let name = match iter.next() {
        Some(TokenTree::Ident(i)) => i,
        _ => {
            return Err(syn::Error::new(
                span_of(tokens),
                format!("expected a name such as `relu` or `leaky_relu(0.2)`, found `{tokens}`"),
            ))
        }
    };
    let args = match iter.next() {
        None => Vec::new(),
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
            split_commas(g.stream())
        }
        Some(other) => {
            return Err(syn::Error::new(
                other.span(),
                format!("unexpected `{other}` after `{name}`"),
            ))
        }
    };
    if let Some(extra) = iter.next() {
        return Err(syn::Error::new(
            extra.span(),
            format!("unexpected `{extra}` after `{name}(...)`"),
        ));
    }
    Ok((name, args))
}

/// The comma-separated parts of `tokens` (empty parts dropped).
pub fn split_commas(tokens: TokenStream) -> Vec<TokenStream> {
    let mut out = vec![TokenStream::new()];
    for tt in tokens {
        match &tt {
            TokenTree::Punct(p) if p.as_char() == ',' => out.push(TokenStream::new()),
            _ => out
                .last_mut()
                .into_iter()
                .for_each(|s| s.extend([tt.clone()])),
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// An `f64` argument: a literal (written as a float, so `1` works too) or any other
/// expression, such as `-PI`, which the compiler checks.
pub fn float_expr(tokens: &TokenStream) -> TokenStream {
    match number(tokens) {
        Ok(v) => quote::quote!(#v),
        Err(_) => quote::quote!((#tokens) as f64),
    }
}

/// A numeric literal, optionally negated: `0.2`, `-1.0`, `3`.
pub fn number(tokens: &TokenStream) -> syn::Result<f64> {
    let span = span_of(tokens);
    let expr: syn::Expr = syn::parse2(tokens.clone())
        .map_err(|_| syn::Error::new(span, format!("expected a number, found `{tokens}`")))?;
    fn eval(e: &syn::Expr) -> Option<f64> {
        match e {
            syn::Expr::Lit(l) => match &l.lit {
                syn::Lit::Float(f) => f.base10_parse().ok(),
                syn::Lit::Int(i) => i.base10_parse().ok(),
                _ => None,
            },
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => eval(&u.expr).map(|v| -v),
            syn::Expr::Paren(p) => eval(&p.expr),
            _ => None,
        }
    }
    eval(&expr).ok_or_else(|| {
        syn::Error::new(span, format!("expected a number literal, found `{tokens}`"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn reads_sizes() {
        let size = |t| size(&t, "the size");
        assert_eq!(size(quote!(128)).ok().and_then(|s| s.known()), Some(128));
        assert_eq!(
            size(quote!(HIDDEN)).ok().map(|s| s.display()).as_deref(),
            Some("HIDDEN")
        );
        assert!(size(quote!(1.5)).is_err());
        let msg = size(quote!(8u8))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            msg.starts_with("the size is a `usize`, found the `u8` literal `8u8`"),
            "{msg}"
        );
        assert!(msg.ends_with("help: write `8`"), "{msg}");
        let msg = |t: TokenStream| size(t).err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(
            msg(quote!(1O)),
            "the size must be a whole number, found `1O`\n\nhelp: `O` is not a digit; write `10`"
        );
        assert!(msg(quote!(78A)).ends_with("help: remove `A`: write `78`"));
        let (a, b) = size_pair(&quote!(784 -> 128), "fc").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (a.and_then(|s| s.known()), b.known()),
            (Some(784), Some(128))
        );
    }

    #[test]
    fn reads_calls_and_numbers() {
        let (name, args) = call(&quote!(hinges(-1.0, 2))).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(name, "hinges");
        let vals: Vec<f64> = args.iter().filter_map(|a| number(a).ok()).collect();
        assert_eq!(vals, [-1.0, 2.0]);
        assert!(number(&quote!(x)).is_err());
    }
}
