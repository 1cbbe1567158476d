//! The parameter visitor, the `Network` impl, size constants and `summary()`.

use super::{field, names, op_trait, src_size, vector};
use crate::ir::{Layer, Network, Src};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

pub fn generate(net: &Network) -> TokenStream {
    // The generics of the network's types, size parameters first (`generics`).
    let g = net.generics();
    let (gp, ga) = (&g.params, &g.args);
    let name = &net.name;
    let name_str = name.to_string();
    let batch_trace = names(net).batch_trace;
    let in_t = src_size(net, Src::Input(0));
    let out_t = net
        .outputs
        .first()
        .map(|s| src_size(net, *s))
        .unwrap_or_default();
    let (in_v, out_v) = (vector(&in_t), vector(&out_t));
    let param_layers: Vec<&Layer> = net.layers.iter().filter(|l| l.has_params()).collect();
    let ty = |l: &Layer| l.op().map(|o| o.trainable(&quote!(T))).unwrap_or_default();

    // Each accessor walks the layers, subtracting each one's tensor count.
    let walk = |body: fn(&syn::Ident, &str) -> TokenStream| {
        let arms = param_layers.iter().map(|l| {
            let ty = ty(l);
            let call = body(&l.name, &l.path);
            quote! {
                let count = <#ty as ::nn_core::layer::Layer<T>>::TENSORS;
                if i < count { return #call; }
                i -= count;
            }
        });
        quote!(let mut i = i; #(#arms)* let _ = i; ::core::option::Option::None)
    };
    let info = walk(
        |f, s| quote!(::nn_core::Parameters::<T>::tensor_info(&self.#f, i).map(|p| p.in_layer(#s))),
    );
    let tensor = walk(|f, _| quote!(::nn_core::Parameters::<T>::tensor(&self.#f, i)));
    let tensor_mut = walk(|f, _| quote!(::nn_core::Parameters::<T>::tensor_mut(&mut self.#f, i)));
    let counts = param_layers.iter().map(|l| {
        let ty = ty(l);
        quote!(<#ty as ::nn_core::layer::Layer<T>>::TENSORS)
    });
    // Parameter counts do not depend on the scalar: `f32` here, so `const` items can use them.
    let count = |l: &Layer| {
        if l.has_params() {
            let ty = l.op().map(|o| o.trainable(&quote!(f32)));
            quote!(<#ty as ::nn_core::layer::Layer<f32>>::PARAMETERS)
        } else {
            quote!(0)
        }
    };
    let params: Vec<_> = net.layers.iter().map(count).collect();
    let rows = net.layers.iter().map(|l| {
        let f = l.name.to_string();
        let act = match l.dropout() {
            Some(p) => format!("rate {p}"),
            None => l.act.name().to_string(),
        };
        let kind = l.kind_name();
        let (i, o) = (l.in_dims.tokens(), l.out_dims.tokens());
        let parameters = count(l);
        quote!(::nn_core::SummaryRow {
            name: #f, kind: #kind, activation: #act,
            input: ::nn_core::Shape::new(&[#(#i),*]), output: ::nn_core::Shape::new(&[#(#o),*]),
            parameters: #parameters,
        })
    });
    let updates = net.layers.iter().filter(|l| l.op().is_some()).map(|l| {
        let (f, c, bop) = (&l.name, field(l, "cache"), op_trait(l, true));
        quote!(#bop::op_update_state(&mut self.#f, &trace.#c);)
    });
    let update_doc = "After a training forward pass: updates the state gradients do not train (a batch norm's running statistics) from the batch in `trace`. [`Fit`](::nn_core::train::Fit) calls it after every forward pass.";

    // For `chain`'s size check; spanned on the output size, which the compiler then shows
    // as the size this network has when another network does not fit.
    let simple = net.is_simple();
    let out_span = net
        .outputs
        .first()
        .map_or_else(proc_macro2::Span::call_site, |s| net.dims(*s).0[0].span());
    let output_size = simple.then(|| quote_spanned! {out_span=>
        #[doc(hidden)]
        impl<#gp> ::nn_core::network::OutputSize<::nn_core::network::Size<#out_t>> for #name<#ga> {}
        // The second impl that keeps `chain`'s mismatches on `FeedsInto`'s message; on the
        // type rather than a blanket impl in nn-core, which rustdoc would list on this page.
        #[diagnostic::do_not_recommend]
        #[doc(hidden)]
        impl<#gp, __S> ::nn_core::network::OutputSize<::nn_core::network::NotASize<__S, T>> for #name<#ga> {}
    });
    let in_sizes: Vec<_> = (0..net.inputs.len())
        .map(|i| src_size(net, Src::Input(i)))
        .collect();
    let out_sizes: Vec<_> = net.outputs.iter().map(|s| src_size(net, *s)).collect();
    // Batch norm normalizes with the statistics of the whole mini-batch: splitting the batch
    // across threads would change them, so such networks train on one thread.
    let per_sample = !net
        .layers
        .iter()
        .any(|l| l.op().is_some_and(|o| o.batch_statistics()));
    let traits = simple.then(|| quote! {
        ::nn_core::__private::if_alloc! {
            impl<#gp> ::nn_core::BatchNetwork<T, #in_t, #out_t> for #name<#ga> {
                type Trace = #batch_trace<#ga>;
                const PER_SAMPLE: bool = #per_sample;
                fn zeros() -> Self {
                    #name::zeros()
                }
                fn new_trace(n: usize) -> #batch_trace<#ga> {
                    #batch_trace::with_batch_size(n)
                }
                fn seed_trace(trace: &mut #batch_trace<#ga>, seed: u64) {
                    trace.seed_dropout(seed)
                }
                fn forward_batch(&self, x: &::nn_core::Batch<T, #in_t>) -> ::nn_core::Batch<T, #out_t> {
                    #name::forward_batch(self, x)
                }
                fn forward_eval<'t>(&self, x: &::nn_core::Batch<T, #in_t>, trace: &'t mut #batch_trace<#ga>) -> &'t ::nn_core::Batch<T, #out_t> {
                    #name::forward_batch_into(self, x, trace)
                }
                fn forward_train(&self, x: &::nn_core::Batch<T, #in_t>, trace: &mut #batch_trace<#ga>) {
                    #name::forward_batch_trace_into(self, x, trace)
                }
                fn update_state(&mut self, trace: &#batch_trace<#ga>) {
                    #name::update_state(self, trace)
                }
                fn trace_output(trace: &#batch_trace<#ga>) -> &::nn_core::Batch<T, #out_t> {
                    trace.output()
                }
                fn backward_params(
                    &self,
                    x: &::nn_core::Batch<T, #in_t>,
                    trace: &mut #batch_trace<#ga>,
                    dl_df: &::nn_core::Batch<T, #out_t>,
                    grads: &mut Self,
                ) -> ::core::result::Result<(), ::nn_core::Error> {
                    #name::backward_batch_params(self, x, trace, dl_df, grads)
                }
                fn backward_with_inputs<'t>(
                    &self,
                    x: &::nn_core::Batch<T, #in_t>,
                    trace: &'t mut #batch_trace<#ga>,
                    dl_df: &::nn_core::Batch<T, #out_t>,
                    grads: &mut Self,
                ) -> ::core::result::Result<&'t ::nn_core::Batch<T, #in_t>, ::nn_core::Error> {
                    #name::backward_batch(self, x, trace, dl_df, grads)
                }
            }
        }

        impl<#gp> ::nn_core::Network<T> for #name<#ga> {
            const INPUTS: usize = #in_t;
            const OUTPUTS: usize = #out_t;
            type Input = #in_v;
            type Output = #out_v;
            fn forward(&self, x: &#in_v) -> #out_v {
                #name::forward(self, x)
            }
        }
    });

    quote! {
        #output_size

        impl<#gp> #name<#ga> {
            /// The number of input values (of the first input).
            pub const INPUTS: usize = #in_t;
            /// The number of output values (of the first output).
            pub const OUTPUTS: usize = #out_t;
            /// The number of values of each input, in declaration order.
            pub const INPUT_SIZES: &'static [usize] = &[#(#in_sizes),*];
            /// The number of values of each output, in `output` order.
            pub const OUTPUT_SIZES: &'static [usize] = &[#(#out_sizes),*];
            /// The number of scalar parameters.
            pub const PARAMETERS: usize = 0 #(+ #params)*;

            /// The layers with their shapes and parameter counts (`Display` prints a table).
            pub fn summary() -> ::nn_core::Summary {
                ::nn_core::Summary { name: #name_str, rows: Self::__SUMMARY_ROWS }
            }

            // An associated `const`, which (unlike a `const` item) may use size parameters.
            #[doc(hidden)]
            const __SUMMARY_ROWS: &'static [::nn_core::SummaryRow] = &[#(#rows),*];
        }

        ::nn_core::__private::if_alloc! {
            impl<#gp> #name<#ga> {
                #[doc = #update_doc]
                #[allow(unused_variables)]
                pub fn update_state(&mut self, trace: &#batch_trace<#ga>) {
                    #(#updates)*
                }
            }
        }

        impl<#gp> ::nn_core::Parameters<T> for #name<#ga> {
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
                Self::PARAMETERS
            }
        }

        #traits
    }
}
