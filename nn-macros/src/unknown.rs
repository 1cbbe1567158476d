//! Sizes a mistake hides: `struct Net;` (no body), an output size that does not parse
//! (`dense(1O)`), an input size computed from a size parameter. The stand-in still needs a
//! size there, and a literal would be wrong: a program calling `forward` with a 784-vector
//! would then report a mismatch the mistake caused, not the program.
//!
//! Such a size is one constant per network, `const __Net_UNKNOWN_SIZE: usize =
//! compile_error!("...")`, holding the declaration's first error. The constant reports that
//! error once, where the mistake is, and is itself an error value: the compiler reads every
//! type that names it (`SVector<f32, { __Net_UNKNOWN_SIZE }>`) as an error type and reports
//! nothing more about it. Every method and trait impl of the stand-in then has a valid
//! signature and a program that uses the network reports only the declaration's mistake.
//!
//! ```text
//! struct Net;            ->  const __Net_UNKNOWN_SIZE: usize = compile_error!("`Net` has no body ...");
//!                            struct Net { out: Dense<T, {__Net_UNKNOWN_SIZE}, {__Net_UNKNOWN_SIZE}> } + impls
//! ```

use crate::ir::{Dims, Input, Network, Size};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

/// The constant standing for the sizes of network `name` that a mistake hides.
pub fn constant(name: &Ident) -> Ident {
    format_ident!("__{}_UNKNOWN_SIZE", name, span = name.span())
}

/// A size of network `name` that a mistake hides.
pub fn size(name: &Ident) -> Size {
    let c = constant(name);
    Size::Expr(quote!(#c), "an unknown size".to_string(), name.span())
}

/// The dimensions of a node of network `name` whose size a mistake hides.
pub fn dims(name: &Ident) -> Dims {
    Dims::flat_of(size(name))
}

/// The single input of a network whose inputs a mistake hides.
pub fn input(name: &Ident) -> Input {
    Input {
        name: Ident::new("input", name.span()),
        dims: dims(name),
    }
}

/// Whether `tokens` name one of `names`.
fn mentions(tokens: &TokenStream, names: &[Ident]) -> bool {
    crate::validate::params::mentions(tokens, names).is_some()
}

/// The errors of network `name` beside its stand-in's code `standin`: where the stand-in
/// names the unknown size, the first error becomes its constant; the rest are emitted as they
/// are.
pub fn emit(name: &Ident, errors: &[syn::Error], standin: TokenStream) -> TokenStream {
    let c = constant(name);
    let mut each = errors.iter().flat_map(|e| e.clone().into_iter());
    let first = match mentions(&standin, std::slice::from_ref(&c)) {
        true => each.next(),
        false => None,
    };
    let konst = first.map(|e| {
        let e = e.to_compile_error();
        quote! {
            #[doc(hidden)]
            #[allow(non_upper_case_globals, dead_code)]
            const #c: usize = #e;
        }
    });
    let rest = each.map(|e| e.to_compile_error());
    quote!(#konst #(#rest)* #standin)
}

/// The stand-in of a network whose declaration gives no size at its ends (`struct Net;`):
/// one `dense` from one input to one output `out`, both of the unknown size.
pub fn network(attrs: Vec<syn::Attribute>, vis: syn::Visibility, name: Ident) -> Network {
    let (input, out) = (input(&name), dims(&name));
    let ends = vec![("out".into(), out)];
    crate::validate::collapsed(attrs, vis, name, Vec::new(), &[input], ends)
}

/// The stand-in of an embedded network `net` declared with size parameters, which it cannot
/// take: one `dense` from the first input to each output, over no parameters, where a size at
/// the ends that names a parameter is the unknown size.
pub fn without_params(net: &Network) -> Network {
    let names = |d: &Dims| {
        d.0.iter().any(|s| match s {
            Size::Expr(t, ..) => mentions(t, &net.params),
            Size::Lit(..) => false,
        })
    };
    collapsed(net, Vec::new(), names)
}

/// One `dense` from `net`'s first input to each of its outputs, over size parameters
/// `params`, where the sizes at the ends that are `hidden` (and missing inputs or outputs)
/// are the unknown size: a stand-in with `net`'s surface.
pub fn collapsed(net: &Network, params: Vec<Ident>, hidden: impl Fn(&Dims) -> bool) -> Network {
    let known = |d: &Dims| match hidden(d) {
        true => dims(&net.name),
        false => d.clone(),
    };
    let mut inputs: Vec<Input> = net
        .inputs
        .iter()
        .map(|i| Input {
            name: i.name.clone(),
            dims: known(&i.dims),
        })
        .collect();
    if inputs.is_empty() {
        inputs.push(input(&net.name));
    }
    let mut ends: Vec<(String, Dims)> = net
        .outputs
        .iter()
        .map(|&o| match o {
            crate::ir::Src::Node(i) => (net.layers[i].name.to_string(), known(net.dims(o))),
            crate::ir::Src::Input(_) => ("out".to_string(), dims(&net.name)),
        })
        .collect();
    if ends.is_empty() {
        ends.push(("out".to_string(), dims(&net.name)));
    }
    crate::validate::collapsed(
        net.attrs.clone(),
        net.vis.clone(),
        net.name.clone(),
        params,
        &inputs,
        ends,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::Span;

    #[test]
    fn the_first_error_becomes_the_unknown_size() {
        let name = Ident::new("Net", Span::call_site());
        let mut two = syn::Error::new(Span::call_site(), "first");
        two.combine(syn::Error::new(Span::call_site(), "second"));
        let third = syn::Error::new(Span::call_site(), "third");
        let standin = quote!(
            struct Net([f32; __Net_UNKNOWN_SIZE]);
        );
        let code = emit(&name, &[two.clone(), third.clone()], standin).to_string();
        let konst = code
            .find("const __Net_UNKNOWN_SIZE : usize = :: core :: compile_error ! { \"first\" }");
        let (second, third_at) = (code.find("\"second\""), code.find("\"third\""));
        assert!(
            konst.is_some() && second > konst && third_at > second,
            "{code}"
        );
        assert_eq!(code.matches("compile_error").count(), 3, "{code}");
        // A stand-in with every size known keeps every error as it is.
        let code = emit(
            &name,
            &[two, third],
            quote!(
                struct Net;
            ),
        )
        .to_string();
        assert!(!code.contains("UNKNOWN_SIZE"), "{code}");
        assert_eq!(code.matches("compile_error").count(), 3, "{code}");
    }

    #[test]
    fn a_network_without_sizes_uses_the_unknown_size() {
        let name = Ident::new("Net", Span::call_site());
        let net = network(Vec::new(), syn::Visibility::Inherited, name);
        assert_eq!(
            (
                net.inputs[0].dims.display(),
                net.layers[0].out_dims.display()
            ),
            ("an unknown size".into(), "an unknown size".into())
        );
    }
}
