//! The network struct, its trace structs, constructors, `Clone` and `Debug`.

use super::{batch, delta_field, layer_type, names, vector, x_field, z_field};
use crate::ir::{InitKind, Network};
use proc_macro2::TokenStream;
use quote::quote;

pub fn generate(net: &Network) -> TokenStream {
    let name = &net.name;
    let vis = &net.vis;
    let attrs = &net.attrs;
    let n = names(net);
    let (trace, batch_trace) = (&n.trace, &n.batch_trace);
    let params: Vec<_> = net.layers.iter().filter(|l| l.has_params()).collect();
    let fields = params.iter().map(|l| {
        let f = &l.name;
        let ty = layer_type(l);
        let doc = format!(
            "`{f}`: {} {} -> {}, {}.",
            "dense",
            l.inputs.display(),
            l.outputs.display(),
            l.act.name()
        );
        quote!(#[doc = #doc] pub #f: #ty,)
    });
    let names_: Vec<_> = params.iter().map(|l| &l.name).collect();
    let inits = params.iter().map(|l| {
        let f = &l.name;
        let init = match &l.init {
            InitKind::LeCun => quote!(::nn_core::init::Init::LeCun),
            InitKind::Direction => quote!(::nn_core::init::Init::Direction),
            InitKind::Hinges(lo, hi) => {
                quote!(::nn_core::init::Init::Hinges { low: #lo, high: #hi })
            }
            InitKind::He => quote!(::nn_core::init::Init::He),
            InitKind::Xavier => quote!(::nn_core::init::Init::Xavier),
            InitKind::Zeros => quote!(::nn_core::init::Init::Zeros),
        };
        quote!(::nn_core::layer::Layer::<T>::init(&mut net.#f, #init, rng);)
    });
    let name_str = name.to_string();

    // One-sample trace: z_l and x_l as stack vectors.
    let trace_fields = net.layers.iter().map(|l| {
        let (z, x) = (z_field(l), x_field(l));
        let v = vector(&l.outputs.tokens());
        if l.dropout().is_some() {
            let dx = format!(
                "`x` of `{}`: its input (dropout is the identity outside batch training).",
                l.name
            );
            return quote!(#[doc = #dx] pub #x: #v,);
        }
        let (dz, dx) = (
            format!("`z` of `{}`: `W x_{{l-1}} + b`.", l.name),
            format!("`x` of `{}`: `σ(z)` ({}).", l.name, l.act.name()),
        );
        quote!(#[doc = #dz] pub #z: #v, #[doc = #dx] pub #x: #v,)
    });
    let batch_fields = net.layers.iter().map(|l| {
        let (z, x, d) = (z_field(l), x_field(l), delta_field(l));
        let b = batch(&l.outputs.tokens());
        let (dz, dx) = (
            match l.dropout() {
                Some(p) => format!(
                    "The dropout mask of `{}`: 0 or 1/(1 - {p}) per value.",
                    l.name
                ),
                None => format!("`Z` of `{}`, one column per sample.", l.name),
            },
            format!("`X = σ(Z)` of `{}` ({}).", l.name, l.act.name()),
        );
        quote!(#[doc = #dz] pub #z: #b, #[doc = #dx] pub #x: #b, #d: #b,)
    });
    let batch_new = net.layers.iter().map(|l| {
        let (z, x, d) = (z_field(l), x_field(l), delta_field(l));
        let o = l.outputs.tokens();
        quote!(#z: ::nn_core::Batch::<T, #o>::zeros(n), #x: ::nn_core::Batch::<T, #o>::zeros(n), #d: ::nn_core::Batch::<T, #o>::zeros(n),)
    });
    let last = net.layers.last();
    let out_x = last.map(x_field);
    let out_ty = vector(&net.output().tokens());
    let out_batch = batch(&net.output().tokens());
    let in_tokens = net.input.tokens();
    let in_batch = batch(&in_tokens);
    let trace_doc = format!(
        "The intermediates of one sample's forward pass through [`{name}`]: each layer's `z_l` and `x_l`, as the lecture writes them. Made by [`{name}::forward_trace`], read by [`{name}::backward`]."
    );
    let batch_doc = format!(
        "The intermediates of a batch's forward pass through [`{name}`] (one column per sample), plus scratch space for the backward pass. Made by [`{name}::forward_batch_trace`]; reuse it with [`{name}::forward_batch_trace_into`] so a training loop allocates once."
    );

    quote! {
        #(#attrs)*
        #vis struct #name<T: ::nn_core::Scalar = f32> {
            #(#fields)*
            _scalar: ::core::marker::PhantomData<T>,
        }

        #[doc = #trace_doc]
        #vis struct #trace<T: ::nn_core::Scalar = f32> {
            #(#trace_fields)*
        }

        impl<T: ::nn_core::Scalar> #trace<T> {
            /// The network's output `f(x)`: the last layer's `x_L`.
            pub fn output(&self) -> &#out_ty {
                &self.#out_x
            }
        }

        ::nn_core::__private::if_alloc! {
            #[doc = #batch_doc]
            #vis struct #batch_trace<T: ::nn_core::Scalar = f32> {
                #(#batch_fields)*
                input_grad: #in_batch,
                dropout_rng: ::nn_core::layer::DropoutRng,
            }

            impl<T: ::nn_core::Scalar> #batch_trace<T> {
                /// Buffers for a batch of `n` samples.
                pub fn with_batch_size(n: usize) -> Self {
                    Self {
                        #(#batch_new)*
                        input_grad: ::nn_core::Batch::<T, #in_tokens>::zeros(n),
                        dropout_rng: ::core::default::Default::default(),
                    }
                }
                /// The network's outputs, one column per sample.
                pub fn output(&self) -> &#out_batch {
                    &self.#out_x
                }
                /// Restarts the dropout masks' random numbers from `seed` (a fixed default
                /// seed is used otherwise, so runs are reproducible).
                pub fn seed_dropout(&mut self, seed: u64) {
                    self.dropout_rng.reseed(seed);
                }
                /// While frozen, training forward passes reuse the last dropout masks (for
                /// gradient checks of a fixed mask).
                pub fn freeze_dropout(&mut self, frozen: bool) {
                    self.dropout_rng.freeze(frozen);
                }
                /// The number of samples.
                pub fn batch_size(&self) -> usize {
                    self.#out_x.ncols()
                }
            }
        }

        impl<T: ::nn_core::Scalar> #name<T> {
            /// A network with every parameter zero (also the shape of a gradient or an
            /// optimizer's state).
            pub fn zeros() -> Self {
                Self { #(#names_: ::nn_core::layer::Layer::<T>::zeros(),)* _scalar: ::core::marker::PhantomData }
            }

            /// A network whose layers are drawn with their declared initialization
            /// (`lecun` unless stated) from `rng`.
            pub fn new<R: ::nn_core::rand::Rng + ?Sized>(rng: &mut R) -> Self {
                let mut net = Self::zeros();
                #(#inits)*
                net
            }
        }

        impl<T: ::nn_core::Scalar> ::core::clone::Clone for #name<T> {
            fn clone(&self) -> Self {
                Self { #(#names_: ::core::clone::Clone::clone(&self.#names_),)* _scalar: ::core::marker::PhantomData }
            }
        }

        impl<T: ::nn_core::Scalar> ::core::fmt::Debug for #name<T> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(#name_str)
                    #(.field(::core::stringify!(#names_), &self.#names_))*
                    .finish()
            }
        }

        impl<T: ::nn_core::Scalar> ::core::clone::Clone for #trace<T> {
            fn clone(&self) -> Self {
                *self
            }
        }
        impl<T: ::nn_core::Scalar> ::core::marker::Copy for #trace<T> {}

        impl<T: ::nn_core::Scalar> ::core::fmt::Debug for #trace<T> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(::core::stringify!(#trace)).finish_non_exhaustive()
            }
        }
    }
}
