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
mod unknown;
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
                Err(errors) => (errors, Box::new(net)),
            },
            None => {
                let errors = validate::params::check(&mut net, &params);
                if errors.is_empty() {
                    return codegen::generate(&net);
                }
                (errors, Box::new(net))
            }
        },
        Err(failed) => (failed.errors, failed.standin),
    };
    // Beside the errors, a stand-in with the surface a valid declaration has, so a program
    // using the network reports only the declaration's mistakes.
    let standin = match (&file, params.is_empty()) {
        (None, false) => validate::params::standin(&standin),
        _ => *standin,
    };
    let stub = match &file {
        Some(f) => codegen::embedded_standin(&standin, &f.scalar()),
        None => codegen::generate(&standin),
    };
    unknown::emit(&standin.name, &errors, stub)
}

/// A malformed `#[weights ...]` attribute: its error, the declaration's own errors, and the
/// surface the embedded network would have (`f32`, as no file was read), so a program that
/// calls its `forward` reports only the declaration's mistakes.
fn bad_weights_attr(e: syn::Error, decl: ast::NetworkDecl) -> proc_macro2::TokenStream {
    if tflite::is_tflite(&decl) {
        let mut errors = decl.errors.clone();
        errors.insert(0, e);
        return tflite::errors(&decl, &errors, None);
    }
    let (mut errors, standin) = match validate::validate(decl) {
        Ok(net) => (Vec::new(), Box::new(net)),
        Err(failed) => (failed.errors, failed.standin),
    };
    errors.insert(0, e);
    let standin = unknown::without_params(&standin);
    let stub = codegen::embedded_standin(&standin, &quote::quote!(f32));
    unknown::emit(&standin.name, &errors, stub)
}
