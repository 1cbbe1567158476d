//! The `network!` procedural macro of nn-core.
//!
//! Only this file touches `proc_macro`; the pipeline is plain Rust over `proc_macro2`/`syn`:
//! `parse` (syntax tree with spans) -> `validate` (thread sizes through the layers,
//! collect every error, lower to the resolved `ir`) -> `codegen`.
//! On errors the macro emits every `compile_error!` plus a stand-in of the struct with the
//! same generated surface (see `validate::Failed`); a declaration that does not parse gets
//! one too, from its recovered name and body (see `standin`). A declaration of TFLite int8 layers
//! (`tfl_*`, inference only) takes the same three steps over its own IR
//! (`ir::TflNetwork`, each kind a `kinds::tfl::TflKind`): see `tflite`.
//!
//! Use it through `nn_core::network!`; its documentation is there.

mod args;
mod ast;
mod blocks;
mod codegen;
mod ir;
mod kinds;
mod parse;
mod standin;
mod suggest;
mod tflite;
mod validate;
mod weights;

use proc_macro::TokenStream;

/// Declares a statically shaped neural network. See `nn_core::network!` for the grammar.
#[proc_macro]
pub fn network(input: TokenStream) -> TokenStream {
    expand(input.into()).into()
}

fn expand(input: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    match syn::parse2(input.clone()) {
        Ok(decl) => expand_decl(decl),
        Err(e) => standin::parse_error(e, input),
    }
}

fn expand_decl(mut decl: ast::NetworkDecl) -> proc_macro2::TokenStream {
    blocks::expand(&mut decl);
    // `#[weights = "..."]`: an inference network embedded from that file.
    let weights = match weights::take(&mut decl.attrs) {
        Ok(w) => w,
        Err(e) => return bad_weights_attr(e, decl),
    };
    // `tfl_*` layers: TFLite full-integer int8 (nn-import's declarations), inference only,
    // on their own IR.
    if tflite::is_tflite(&decl) {
        return tflite::expand(decl, weights);
    }
    let (attrs, vis, name) = (decl.attrs.clone(), decl.vis.clone(), decl.name.clone());
    // Size parameters: checked after lowering; the IR carries them to the generated types.
    let params = decl.params.clone();
    if let (Some(w), Some(_)) = (&weights, params.first()) {
        return standin::params_with_weights(decl, || validate::weights::File::read(w).scalar());
    }
    // The weights file's header, read once: checked against the lowered network, and the
    // scalar of the stand-in when something is wrong.
    let file = weights.as_ref().map(validate::weights::File::read);
    let (errors, standin) = match validate::validate(decl) {
        Ok(mut net) => match &file {
            Some(f) => match validate::weights::check(&net, f) {
                Ok(layout) => return codegen::embedded::generate(&net, f.attr, &layout),
                Err(errors) => (errors, Some(Box::new(net))),
            },
            None => {
                let errors = validate::params::check(&mut net, &params);
                if errors.is_empty() {
                    return codegen::generate(&net);
                }
                (errors, Some(Box::new(net)))
            }
        },
        Err(failed) => (failed.errors, failed.standin),
    };
    // Beside the errors, a stand-in with the surface a valid declaration has, so a program
    // using the network reports only the declaration's mistakes.
    let errors = errors.iter().map(syn::Error::to_compile_error);
    let stub = match (&file, &standin) {
        (Some(f), Some(net)) => codegen::embedded_standin(net, &f.scalar()),
        (Some(_), None) => codegen::embedded::stub(&attrs, &vis, &name),
        (None, Some(net)) if params.is_empty() => codegen::generate(net),
        (None, Some(net)) => match validate::params::standin(net) {
            Some(standin) => codegen::generate(&standin),
            None => codegen::stub(&attrs, &vis, &name, &params),
        },
        (None, _) => codegen::stub(&attrs, &vis, &name, &params),
    };
    quote::quote!(#(#errors)* #stub)
}

/// A malformed `#[weights ...]` attribute: its error, the declaration's own errors, and the
/// surface the embedded network would have (`f32`, as no file was read), so a program that
/// calls its `forward` reports only the declaration's mistakes.
fn bad_weights_attr(e: syn::Error, decl: ast::NetworkDecl) -> proc_macro2::TokenStream {
    let e = e.to_compile_error();
    let stub = codegen::embedded::stub(&decl.attrs, &decl.vis, &decl.name);
    if tflite::is_tflite(&decl) || !decl.params.is_empty() {
        return quote::quote!(#e #stub);
    }
    let (errors, standin) = match validate::validate(decl) {
        Ok(net) => (Vec::new(), Some(Box::new(net))),
        Err(failed) => (failed.errors, failed.standin),
    };
    let errors = errors.iter().map(syn::Error::to_compile_error);
    let stub = match standin {
        Some(net) => codegen::embedded_standin(&net, &quote::quote!(f32)),
        None => stub,
    };
    quote::quote!(#e #(#errors)* #stub)
}
