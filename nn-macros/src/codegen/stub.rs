//! What is emitted beside the errors of a wrong declaration: the struct and its
//! constructors, so code that uses the network does not fail again on a missing name.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Attribute, Ident, Visibility};

pub fn stub(attrs: &[Attribute], vis: &Visibility, name: &Ident) -> TokenStream {
    quote! {
        #(#attrs)*
        #vis struct #name<T = f32>(::core::marker::PhantomData<T>);

        #[allow(dead_code)]
        impl<T> #name<T> {
            #vis fn zeros() -> Self {
                #name(::core::marker::PhantomData)
            }
            #vis fn new<R: ?Sized>(_rng: &mut R) -> Self {
                Self::zeros()
            }
        }
    }
}
