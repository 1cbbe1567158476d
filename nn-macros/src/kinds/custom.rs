//! `custom(TYPE)`: a layer type of the user's in a declaration, `y = f(x; θ)` as the type
//! computes it. `TYPE` names the network's scalar `T` where it needs it (`MyScale<T, 4>`)
//! and implements `nn_core::layer::CustomLayer<T>` (with `Layer<T>`, `Parameters<T>`,
//! `Debug`), whose `INPUTS` and `OUTPUTS` give its sizes; the field is
//! `nn_core::layer::Custom<TYPE>`, which drives it through `Op` and `BatchOp`.
//!
//! The input may have any shape; the layer sees it flat, `IN` values per sample, and
//! `INPUTS` must equal `IN` (the compiler checks it, the error spanned on the type and
//! naming the layer). The output is flat, `OUTPUTS` values.
//!
//! Embedded from a weights file, the layer is `nn_core::embed::StaticCustom`: the file's
//! tensors under the layer's name, viewed as slices, checked while compiling against the
//! type's `CustomLayer::TENSOR_INFO` (`nn_core::__private::custom_tensors_mismatch`, in a
//! `const` item spanned on the type).

use super::{tensor, Ctx, Kind, Lowered, Tensor};
use crate::ir::{Act, ConstCheck, Dims, InitKind, Layer, LayerKind, Size};
use crate::parse::span_of;
use crate::validate::named;
use crate::weights::Header;
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::visit_mut::{self, VisitMut};

/// A user's layer type, as written.
pub struct Custom {
    ty: syn::Type,
    /// The type as the user wrote it, for messages.
    text: String,
    span: Span,
}

impl Kind for Custom {
    fn user_defined(&self) -> bool {
        true
    }

    fn name(&self) -> &'static str {
        "custom"
    }

    fn trainable(&self, t: &TokenStream) -> TokenStream {
        let ty = over(&self.ty, t);
        quote!(::nn_core::layer::Custom<#ty>)
    }

    fn tensors_in_file(
        &self,
        l: &Layer,
        header: &Header,
        file: &str,
    ) -> Option<(Vec<Tensor>, TokenStream)> {
        let prefix = format!("{}.", l.path);
        let held: Vec<_> = header
            .tensors
            .iter()
            .filter_map(|(k, t)| Some((k.strip_prefix(&prefix)?, &t.shape)))
            .collect();
        let tensors = held
            .iter()
            .map(|(suffix, shape)| {
                let dims: Vec<Size> = shape.iter().map(|&d| Size::Lit(d, self.span)).collect();
                tensor(*suffix, &dims.iter().collect::<Vec<_>>(), None)
            })
            .collect();
        let ty = over(&self.ty, &quote!(f32));
        let entries = held
            .iter()
            .map(|(suffix, shape)| quote!((#suffix, &[#(#shape),*] as &[usize])));
        let (path, text) = (&l.path, &self.text);
        let check = quote_spanned! {self.span=>
            const _: () = if let ::core::option::Option::Some(message) =
                ::nn_core::__private::custom_tensors_mismatch(
                    <#ty as ::nn_core::layer::CustomLayer<f32>>::TENSOR_INFO,
                    <#ty as ::nn_core::layer::Layer<f32>>::TENSORS,
                    &[#(#entries),*],
                    #path,
                    #text,
                    #file,
                )
            {
                ::core::panic!("{}", message.as_str())
            };
        };
        Some((tensors, check))
    }

    fn views_as_slices(&self) -> bool {
        true
    }

    fn embedded_type(&self, _: &Layer, t: &TokenStream, _: bool) -> TokenStream {
        let ty = over(&self.ty, t);
        quote!(::nn_core::embed::StaticCustom<
            #ty,
            #t,
            { <#ty as ::nn_core::layer::CustomLayer<#t>>::TENSOR_INFO.len() },
        >)
    }

    fn embedded_value(&self, views: Vec<TokenStream>, _: bool) -> TokenStream {
        quote!(::nn_core::embed::StaticCustom::new([#(#views),*]))
    }

    fn embedded_parameters(&self, _: &Layer) -> TokenStream {
        let ty = over(&self.ty, &quote!(f32));
        quote!(<#ty as ::nn_core::layer::Layer<f32>>::PARAMETERS)
    }
}

/// The user's type over `scalar`: every type `T` in it (the network's scalar parameter,
/// `MyScale<T, 4>`, `<T as Trait>::Out`) is `scalar`. A substitution in the parsed type, so
/// only types named `T` change, not a const expression or a path through `T`.
fn over(ty: &syn::Type, scalar: &TokenStream) -> TokenStream {
    struct Scalar<'a>(&'a TokenStream);
    impl VisitMut for Scalar<'_> {
        fn visit_type_mut(&mut self, ty: &mut syn::Type) {
            match ty {
                syn::Type::Path(p) if p.qself.is_none() && p.path.is_ident("T") => {
                    *ty = syn::Type::Verbatim(self.0.clone());
                }
                _ => visit_mut::visit_type_mut(self, ty),
            }
        }
    }
    let mut ty = ty.clone();
    Scalar(scalar).visit_type_mut(&mut ty);
    ty.into_token_stream()
}

/// One of the type's sizes (`INPUTS`, `OUTPUTS`) as a `const` expression, with `f32` for
/// `T` (a const argument cannot name the scalar; sizes do not depend on it).
fn size_of(ty: &syn::Type, text: &str, which: &str, span: proc_macro2::Span) -> Size {
    let which_ident = proc_macro2::Ident::new(which, span);
    let ty = over(ty, &quote!(f32));
    Size::Expr(
        quote!(<#ty as ::nn_core::layer::CustomLayer<f32>>::#which_ident),
        format!("<{text} as CustomLayer<T>>::{which}"),
        span,
    )
}

/// Reads `custom(TYPE)`; the type's `INPUTS` is checked against the input by the compiler.
pub fn lower(cx: &mut Ctx) -> (Option<Lowered>, Option<Dims>) {
    let (layer, name) = (cx.decl, cx.name.clone());
    // The arguments split at the commas between the type's generic arguments: join them.
    let mut tokens = TokenStream::new();
    for (k, a) in layer.args.iter().enumerate() {
        if k > 0 {
            quote!(,).to_tokens(&mut tokens);
        }
        if let Some(key) = &a.key {
            quote!(#key =).to_tokens(&mut tokens);
        }
        a.value.to_tokens(&mut tokens);
    }
    if tokens.is_empty() {
        cx.errs.push(
            layer.args_span,
            format!("`{name}` needs its layer type: write `{name}: custom(MyLayer<T, 4>)`, with `T` the network's scalar"),
        );
        return (None, None);
    }
    let span = span_of(&tokens);
    let ty = match syn::parse2::<syn::Type>(tokens.clone()) {
        Ok(ty) => ty,
        Err(_) => {
            cx.errs.push(
                span,
                format!("`{name}` takes one argument, a layer type such as `MyLayer<T, 4>`, found `{tokens}`"),
            );
            return (None, None);
        }
    };
    let text = ty
        .to_token_stream()
        .to_string()
        .replace(" < ", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
        .replace(" :: ", "::");
    let out = Dims::flat_of(size_of(&ty, &text, "OUTPUTS", span));
    let Some(dims) = cx.input else {
        return (None, Some(out));
    };
    let found = dims.flat();
    let expected = size_of(&ty, &text, "INPUTS", span);
    cx.checks.push(ConstCheck::Equal {
        expected: expected.tokens(),
        found: found.tokens(),
        parts: [
            format!("`{name}` is a custom layer `{text}` taking "),
            format!(" inputs, but {} {}", cx.producer.gives(), named(&found)),
            format!(
                "\n\nhelp: the sizes must be equal: change what {} gives, or the input size of `{text}` (its `CustomLayer::INPUTS`)",
                cx.producer.name()
            ),
        ],
        span,
    });
    let lowered = Lowered {
        kind: LayerKind::Op(Box::new(Custom { ty, text, span })),
        out: out.clone(),
        act: Act::Identity,
        init: Some(InitKind::LeCun),
    };
    (Some(lowered), Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_types_named_t_become_the_scalar() {
        let ty: syn::Type = syn::parse_quote!(Wrap<T, Tx, <T as Tr>::Out, [T; 4], ::m::T, { N }>);
        let want = quote!(Wrap<f64, Tx, <f64 as Tr>::Out, [f64; 4], ::m::T, { N }>);
        assert_eq!(over(&ty, &quote!(f64)).to_string(), want.to_string());
    }
}
