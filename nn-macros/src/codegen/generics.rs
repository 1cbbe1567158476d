//! The generics of the generated types: the network's struct and its traces take the size
//! parameters before the scalar, `Mlp<const H: usize, T = f32>`, so users write `Mlp<64>`
//! (scalar `f32`) or `Mlp<64, f64>`.
//!
//! Every generator writes them from [`Network::generics`]: `impl<#params> Mlp<#args>` for
//! an `impl` (every `impl` it emits is for one of these types), `struct Mlp<#sizes T = f32>`
//! for a definition. A network without size parameters gets `impl<T: Scalar> Mlp<T>`.

use crate::ir::Network;
use proc_macro2::{Ident, TokenStream};
use quote::quote;

/// The generic parameters and arguments of the network's types, written once.
pub struct Generics {
    /// `const H: usize, T: ::nn_core::Scalar`: an `impl`'s parameters.
    pub params: TokenStream,
    /// `H, T`: the arguments of the network's types inside such an `impl`.
    pub args: TokenStream,
    /// `const H: usize,`: the size parameters alone, before a definition's own scalar
    /// parameter (empty without size parameters).
    pub sizes: TokenStream,
}

impl Generics {
    /// The generics for size parameters `params` (`H`, `CLASSES`).
    pub fn new(params: &[Ident]) -> Generics {
        let sizes = quote!(#(const #params: usize,)*);
        Generics {
            params: quote!(#sizes T: ::nn_core::Scalar),
            args: quote!(#(#params,)* T),
            sizes,
        }
    }
}

impl Network {
    /// The generics of this network's types, from its size parameters.
    pub fn generics(&self) -> Generics {
        Generics::new(&self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::format_ident;

    #[test]
    fn size_parameters_go_before_the_scalar() {
        let g = Generics::new(&[format_ident!("H"), format_ident!("C")]);
        let want = quote!(const H: usize, const C: usize, T: ::nn_core::Scalar);
        assert_eq!(g.params.to_string(), want.to_string());
        assert_eq!(g.args.to_string(), quote!(H, C, T).to_string());
        let sizes = quote!(const H: usize, const C: usize,);
        assert_eq!(g.sizes.to_string(), sizes.to_string());
    }

    #[test]
    fn every_generated_type_and_impl_takes_the_size_parameters() {
        let decl: crate::ast::NetworkDecl = syn::parse_quote! {
            struct Mlp<const H: usize> {
                input: 4, a: dense(H, relu), b: dense(H), s: add(a, b), out: dense(2)
            }
        };
        let net = crate::validate::validate(decl).unwrap_or_else(|_| panic!("rejected"));
        let code = super::super::generate(&net).to_string();
        let impls = code.matches("impl <").count();
        assert!(impls > 10, "{code}");
        assert_eq!(code.matches("impl < const H : usize , T").count(), impls);
        for ty in ["Mlp", "MlpTrace", "MlpBatchTrace"] {
            assert!(code.contains(&format!("struct {ty} < const H : usize , T")));
            assert!(!code.contains(&format!("{ty} < T")), "{ty}<T> in {code}");
        }
        // Sizes are one brace block, as a const argument naming a parameter must be.
        assert!(!code.contains("{ { H } }"), "{code}");
    }

    #[test]
    fn without_size_parameters_only_the_scalar_is_generic() {
        let g = Generics::new(&[]);
        assert_eq!(
            g.params.to_string(),
            quote!(T: ::nn_core::Scalar).to_string()
        );
        assert_eq!(g.args.to_string(), "T");
        assert!(g.sizes.is_empty());
    }
}
