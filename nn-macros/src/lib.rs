//! The `network!` procedural macro of nn-core.
//!
//! Only this file touches `proc_macro`; the pipeline is plain Rust over `proc_macro2`/`syn`:
//! `parse` (syntax tree with spans) -> `validate` (thread sizes through the layers,
//! collect every error, lower to the resolved `ir`) -> `codegen`.
//! On errors the macro emits every `compile_error!` plus a stub of the struct.
//!
//! Use it through `nn_core::network!`; its documentation is there.

mod args;
mod ast;
mod codegen;
mod ir;
mod kinds;
mod parse;
mod suggest;
mod validate;
mod weights;

use proc_macro::TokenStream;

/// Declares a statically shaped neural network. See `nn_core::network!` for the grammar.
#[proc_macro]
pub fn network(input: TokenStream) -> TokenStream {
    expand(input.into()).into()
}

fn expand(input: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    let mut decl: ast::NetworkDecl = match syn::parse2(input) {
        Ok(d) => d,
        Err(e) => return e.to_compile_error(),
    };
    // `#[weights = "..."]`: an inference network embedded from that file.
    let weights = match weights::take(&mut decl.attrs) {
        Ok(w) => w,
        Err(e) => return e.to_compile_error(),
    };
    let (attrs, vis, name) = (decl.attrs.clone(), decl.vis.clone(), decl.name.clone());
    let generated = validate::validate(decl).and_then(|net| match &weights {
        Some(w) => codegen::embedded::generate(&net, w),
        None => Ok(codegen::generate(&net)),
    });
    match generated {
        Ok(tokens) => tokens,
        Err(errors) => {
            let errors = errors.iter().map(syn::Error::to_compile_error);
            let stub = match weights {
                Some(_) => codegen::embedded::stub(&attrs, &vis, &name),
                None => codegen::stub(&attrs, &vis, &name),
            };
            quote::quote!(#(#errors)* #stub)
        }
    }
}
