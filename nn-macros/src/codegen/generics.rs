//! Size parameters in the generated code: the network's struct, its traces and every `impl`
//! gain the parameters before the scalar type, `Mlp<const H: usize, T = f32>`, so users
//! write `Mlp<64>` (scalar `f32`) or `Mlp<64, f64>`.
//!
//! The other code generators write `Name<T>` and `impl<T: Scalar>` as for a network without
//! parameters; [`apply`] then adds `const H: usize, ...` after `impl<` and after the
//! `struct` definitions' `<`, and `H, ...` in every use of the generated type names
//! (`Name<`, `Name::<`). Every `impl` the generators emit is for one of these types.

use proc_macro2::{Delimiter, Group, Ident, TokenStream, TokenTree};
use quote::quote;

/// `tokens` with `params` added to the generic arguments of `names` and of every `impl`.
pub fn apply(tokens: TokenStream, names: &[Ident], params: &[Ident]) -> TokenStream {
    if params.is_empty() {
        return tokens;
    }
    let decls: TokenStream = params.iter().map(|p| quote!(const #p: usize,)).collect();
    let args: TokenStream = params.iter().map(|p| quote!(#p,)).collect();
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out: Vec<TokenTree> = Vec::with_capacity(trees.len());
    let is =
        |t: Option<&TokenTree>, c: char| matches!(t, Some(TokenTree::Punct(p)) if p.as_char() == c);
    let mut i = 0;
    while i < trees.len() {
        let tt = &trees[i];
        match tt {
            TokenTree::Group(g) => {
                let g = unnest(g);
                let mut group = Group::new(g.delimiter(), apply(g.stream(), names, params));
                group.set_span(g.span());
                out.push(TokenTree::Group(group));
            }
            TokenTree::Ident(id) if id == "impl" && is(trees.get(i + 1), '<') => {
                out.push(tt.clone());
                out.push(trees[i + 1].clone());
                out.extend(decls.clone());
                i += 1;
            }
            TokenTree::Ident(id) if names.contains(id) => {
                let defined = matches!(out.last(), Some(TokenTree::Ident(k)) if k == "struct");
                out.push(tt.clone());
                if is(trees.get(i + 1), '<') {
                    out.push(trees[i + 1].clone());
                    out.extend(if defined { decls.clone() } else { args.clone() });
                    i += 1;
                } else if is(trees.get(i + 1), ':')
                    && is(trees.get(i + 2), ':')
                    && is(trees.get(i + 3), '<')
                {
                    out.extend(trees[i + 1..=i + 3].iter().cloned());
                    out.extend(args.clone());
                    i += 3;
                }
            }
            _ => out.push(tt.clone()),
        }
        i += 1;
    }
    out.into_iter().collect()
}

/// `{ { H } }` as `{ H }`: a const argument may be a parameter in braces, but not in a block
/// within a block (the generators brace sizes that they brace again).
fn unnest(g: &Group) -> Group {
    let trees: Vec<TokenTree> = g.stream().into_iter().collect();
    match trees.as_slice() {
        [TokenTree::Group(inner)]
            if g.delimiter() == Delimiter::Brace && inner.delimiter() == Delimiter::Brace =>
        {
            unnest(inner)
        }
        _ => g.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::format_ident;

    #[test]
    fn parameters_go_before_the_scalar_everywhere() {
        let (n, h) = (format_ident!("Mlp"), format_ident!("H"));
        let code = quote! {
            pub struct Mlp<T: Scalar = f32> { a: u8 }
            impl<T: Scalar> Clone for Mlp<T> {
                let x: Mlp<T> = Mlp::<T>::zeros();
                let y: SVector<T, { { H } }>;
            }
        };
        let got = apply(code, &[n], &[h]).to_string();
        let want = quote! {
            pub struct Mlp<const H: usize, T: Scalar = f32> { a: u8 }
            impl<const H: usize, T: Scalar> Clone for Mlp<H, T> {
                let x: Mlp<H, T> = Mlp::<H, T>::zeros();
                let y: SVector<T, { H }>;
            }
        };
        assert_eq!(got, want.to_string());
    }
}
