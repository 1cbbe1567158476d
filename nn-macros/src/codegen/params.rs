//! The parameter visitor, the `Network` impl, size constants and `summary()`.

use super::{layer_type, names, vector};
use crate::ir::Network;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

pub fn generate(net: &Network) -> TokenStream {
    let name = &net.name;
    let name_str = name.to_string();
    let batch_trace = names(net).batch_trace;
    let in_t = net.input.tokens();
    let out_t = net.output().tokens();
    let (in_v, out_v) = (vector(&in_t), vector(&out_t));

    // Each accessor walks the layers, subtracting each one's tensor count.
    let walk = |body: fn(&syn::Ident) -> TokenStream| {
        let arms = net.layers.iter().filter(|l| l.has_params()).map(|l| {
            let ty = layer_type(l);
            let call = body(&l.name);
            quote! {
                let count = <#ty as ::nn_core::layer::Layer<T>>::TENSORS;
                if i < count { return #call; }
                i -= count;
            }
        });
        quote!(let mut i = i; #(#arms)* let _ = i; ::core::option::Option::None)
    };
    let info = walk(|f| {
        let s = f.to_string();
        quote!(::nn_core::Parameters::<T>::tensor_info(&self.#f, i).map(|p| p.in_layer(#s)))
    });
    let tensor = walk(|f| quote!(::nn_core::Parameters::<T>::tensor(&self.#f, i)));
    let tensor_mut = walk(|f| quote!(::nn_core::Parameters::<T>::tensor_mut(&mut self.#f, i)));
    let counts = net.layers.iter().filter(|l| l.has_params()).map(|l| {
        let ty = layer_type(l);
        quote!(<#ty as ::nn_core::layer::Layer<T>>::TENSORS)
    });
    let count = |l: &crate::ir::Layer| {
        let (i, o) = (l.inputs.tokens(), l.outputs.tokens());
        if l.has_params() {
            quote!((#i) * (#o) + (#o))
        } else {
            quote!(0)
        }
    };
    let params = net.layers.iter().map(count);
    let params2 = params.clone();
    let rows = net.layers.iter().map(|l| {
        let f = l.name.to_string();
        let act = match l.dropout() {
            Some(p) => format!("rate {p}"),
            None => l.act.name().to_string(),
        };
        let kind = l.kind_name();
        let (i, o) = (l.inputs.tokens(), l.outputs.tokens());
        let parameters = count(l);
        quote!(::nn_core::SummaryRow {
            name: #f, kind: #kind, activation: #act,
            input: ::nn_core::Shape::new(&[#i]), output: ::nn_core::Shape::new(&[#o]),
            parameters: #parameters,
        })
    });

    // For `chain`'s size check; spanned on the output size, which the compiler then shows
    // as the size this network has when another network does not fit.
    let output_size = quote_spanned! {net.output().span()=>
        impl<T: ::nn_core::Scalar> ::nn_core::network::OutputSize<::nn_core::network::Size<#out_t>> for #name<T> {}
    };

    quote! {
        #output_size

        impl<T: ::nn_core::Scalar> #name<T> {
            /// The number of input values.
            pub const INPUTS: usize = #in_t;
            /// The number of output values.
            pub const OUTPUTS: usize = #out_t;
            /// The number of scalar parameters.
            pub const PARAMETERS: usize = 0 #(+ #params)*;

            /// The layers with their shapes and parameter counts (`Display` prints a table).
            pub fn summary() -> ::nn_core::Summary {
                const ROWS: &[::nn_core::SummaryRow] = &[#(#rows),*];
                ::nn_core::Summary { name: #name_str, rows: ROWS }
            }
        }

        impl<T: ::nn_core::Scalar> ::nn_core::Parameters<T> for #name<T> {
            fn tensor_count(&self) -> usize {
                0 #(+ #counts)*
            }
            fn tensor_info(&self, i: usize) -> ::core::option::Option<::nn_core::ParamInfo> {
                #info
            }
            fn tensor(&self, i: usize) -> ::core::option::Option<&[T]> {
                #tensor
            }
            fn tensor_mut(&mut self, i: usize) -> ::core::option::Option<&mut [T]> {
                #tensor_mut
            }
            fn parameter_count(&self) -> usize {
                0 #(+ #params2)*
            }
        }

        ::nn_core::__private::if_alloc! {
            impl<T: ::nn_core::Scalar> ::nn_core::BatchNetwork<T, { #in_t }, { #out_t }> for #name<T> {
                type Trace = #batch_trace<T>;
                fn zeros() -> Self {
                    #name::zeros()
                }
                fn new_trace(n: usize) -> #batch_trace<T> {
                    #batch_trace::with_batch_size(n)
                }
                fn seed_trace(trace: &mut #batch_trace<T>, seed: u64) {
                    trace.seed_dropout(seed)
                }
                fn forward_batch(&self, x: &::nn_core::Batch<T, { #in_t }>) -> ::nn_core::Batch<T, { #out_t }> {
                    #name::forward_batch(self, x)
                }
                fn forward_train(&self, x: &::nn_core::Batch<T, { #in_t }>, trace: &mut #batch_trace<T>) {
                    #name::forward_batch_trace_into(self, x, trace)
                }
                fn trace_output(trace: &#batch_trace<T>) -> &::nn_core::Batch<T, { #out_t }> {
                    trace.output()
                }
                fn backward_params(
                    &self,
                    x: &::nn_core::Batch<T, { #in_t }>,
                    trace: &mut #batch_trace<T>,
                    dl_df: &::nn_core::Batch<T, { #out_t }>,
                    grads: &mut Self,
                ) -> ::core::result::Result<(), ::nn_core::Error> {
                    #name::backward_batch_params(self, x, trace, dl_df, grads)
                }
            }
        }

        impl<T: ::nn_core::Scalar> ::nn_core::Network<T> for #name<T> {
            const INPUTS: usize = #in_t;
            const OUTPUTS: usize = #out_t;
            type Input = #in_v;
            type Output = #out_v;
            fn forward(&self, x: &#in_v) -> #out_v {
                #name::forward(self, x)
            }
        }
    }
}
