//! The code of a join node, shared by the one-sample and batch passes: every expression is
//! a `&SVector` or a `&Batch` (one column per sample), read through `as_slice()`.

use super::src_size;
use crate::ir::{Join, Layer, Network};
use proc_macro2::TokenStream;
use quote::quote;

const J: fn() -> TokenStream = || quote!(::nn_core::__private::join);

/// `z = join(parents)`, into the place `z` (already sized).
pub fn forward(
    net: &Network,
    l: &Layer,
    j: Join,
    parents: &[TokenStream],
    z: &TokenStream,
) -> TokenStream {
    let m = J();
    match j {
        Join::Add => {
            let first = &parents[0];
            let rest = &parents[1..];
            quote! {
                #m::copy((#first).as_slice(), (#z).as_mut_slice());
                #( #m::add_assign((#z).as_mut_slice(), (#rest).as_slice()); )*
            }
        }
        Join::Mul => {
            let (a, b) = (&parents[0], &parents[1]);
            quote!(#m::mul((#a).as_slice(), (#b).as_slice(), (#z).as_mut_slice());)
        }
        Join::Concat => {
            let out_rows = l.outputs.tokens();
            let mut offset = quote!(0);
            let mut code = TokenStream::new();
            for (p, s) in parents.iter().zip(&l.parents) {
                let rows = src_size(net, *s);
                code.extend(quote!(#m::concat_part((#p).as_slice(), #rows, (#z).as_mut_slice(), #out_rows, #offset);));
                offset = quote!(#offset + #rows);
            }
            code
        }
        Join::Dueling => {
            let (v, a) = (&parents[0], &parents[1]);
            quote!(#m::dueling_forward((#v).as_slice(), (#a).as_slice(), (#z).as_mut_slice());)
        }
    }
}

/// Parent `k`'s share of the gradient `delta` (`dℓ/dz`), into the place `target` (already
/// sized), overwriting it. `values` are the parents' values (for `mul`).
pub fn backward(
    net: &Network,
    l: &Layer,
    j: Join,
    k: usize,
    values: &[TokenStream],
    delta: &TokenStream,
    target: &TokenStream,
) -> TokenStream {
    let m = J();
    match j {
        Join::Add => quote!(#m::copy((#delta).as_slice(), (#target).as_mut_slice());),
        Join::Mul => {
            let other = &values[1 - k];
            quote!(#m::mul((#delta).as_slice(), (#other).as_slice(), (#target).as_mut_slice());)
        }
        Join::Concat => {
            let out_rows = l.outputs.tokens();
            let offset = l.parents[..k].iter().map(|s| src_size(net, *s));
            let rows = src_size(net, l.parents[k]);
            quote!(#m::split_part((#delta).as_slice(), #out_rows, 0 #(+ #offset)*, #rows, (#target).as_mut_slice());)
        }
        Join::Dueling if k == 0 => {
            quote!(#m::dueling_backward_v((#delta).as_slice(), (#target).as_mut_slice());)
        }
        Join::Dueling => {
            let rows = src_size(net, l.parents[1]);
            quote!(#m::dueling_backward_a((#delta).as_slice(), #rows, (#target).as_mut_slice());)
        }
    }
}

/// The tangent of `z` from the parents' values and tangents, into the place `z`.
pub fn tangent(
    net: &Network,
    l: &Layer,
    j: Join,
    values: &[TokenStream],
    tangents: &[TokenStream],
    z: &TokenStream,
) -> TokenStream {
    match j {
        // Linear joins: the tangent is the join of the tangents.
        Join::Add | Join::Concat | Join::Dueling => forward(net, l, j, tangents, z),
        // d(a ∘ b) = da ∘ b + a ∘ db.
        Join::Mul => {
            let (a, b, da, db) = (&values[0], &values[1], &tangents[0], &tangents[1]);
            quote! {
                for (i, z) in (#z).as_mut_slice().iter_mut().enumerate() {
                    *z = (#da)[i] * (#b)[i] + (#a)[i] * (#db)[i];
                }
            }
        }
    }
}
