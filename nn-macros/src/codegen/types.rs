//! The network struct, its trace structs, constructors, `Clone` and `Debug`.

use super::{acc_field, batch, field, grad_field, names, needs_acc, op_trait, vector};
use crate::ir::{ConstCheck, InitKind, Network, Src};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

pub fn generate(net: &Network) -> TokenStream {
    // The generics of the network's types, size parameters first (`generics`).
    let g = net.generics();
    let (gp, ga, gs) = (&g.params, &g.args, &g.sizes);
    let name = &net.name;
    let vis = &net.vis;
    let attrs = &net.attrs;
    let n = names(net);
    let (trace, batch_trace) = (&n.trace, &n.batch_trace);
    // Every `Op` layer is a field (a zero-sized one when it has no parameters).
    let ops: Vec<_> = net.layers.iter().filter(|l| l.op().is_some()).collect();
    let fields = ops.iter().map(|l| {
        let f = &l.name;
        let ty = l.op().map(|o| o.trainable(&quote!(T)));
        let doc = format!(
            "`{f}`: {} {} -> {}, {}.",
            l.kind_name(),
            l.in_dims.display(),
            l.out_dims.display(),
            l.act.name()
        );
        quote!(#[doc = #doc] pub #f: #ty,)
    });
    let field_names: Vec<_> = ops.iter().map(|l| &l.name).collect();
    let debug_names: Vec<_> = ops
        .iter()
        .filter(|l| l.has_params())
        .map(|l| &l.name)
        .collect();
    let inits = ops.iter().filter(|l| l.has_params()).map(|l| {
        let f = &l.name;
        let init = match &l.init {
            Some(InitKind::LeCun) | None => quote!(::nn_core::init::Init::LeCun),
            Some(InitKind::Direction) => quote!(::nn_core::init::Init::Direction),
            Some(InitKind::Hinges(lo, hi)) => {
                quote!(::nn_core::init::Init::Hinges { low: #lo, high: #hi })
            }
            Some(InitKind::He) => quote!(::nn_core::init::Init::He),
            Some(InitKind::Xavier) => quote!(::nn_core::init::Init::Xavier),
            Some(InitKind::Zeros) => quote!(::nn_core::init::Init::Zeros),
            Some(InitKind::Torch) => quote!(::nn_core::init::Init::Torch),
        };
        quote!(::nn_core::layer::Layer::<T>::init(&mut net.#f, #init, rng);)
    });
    let name_str = name.to_string();
    // Sizes that are size parameters (`dense(H)`) must not be 0: checked when the type is
    // used with values for them, as the constructor evaluates this constant (one error, at
    // the declaration's size, naming the layer and the parameter).
    let param_checks = net.checks.iter().filter_map(|c| match c {
        ConstCheck::ParamPositive {
            value,
            message,
            span,
        } => Some(quote_spanned! {*span=>
            if (#value) == 0 {
                ::core::panic!("{}", #message)
            }
        }),
        _ => None,
    });

    // One-sample trace: z_l, x_l and the layer's cache, on the stack.
    let trace_fields = net.layers.iter().map(|l| {
        let (z, x, c) = (field(l, "z"), field(l, "x"), field(l, "cache"));
        let v = vector(&l.outputs.tokens());
        if l.dropout().is_some() {
            let dx = format!(
                "`x` of `{}`: its input (dropout is the identity outside batch training).",
                l.name
            );
            return quote!(#[doc = #dx] pub #x: #v,);
        }
        let (dz, dx) = (
            format!(
                "`z` of `{}` ({}), before the activation.",
                l.name,
                l.kind_name()
            ),
            format!("`x` of `{}`: `σ(z)` ({}).", l.name, l.act.name()),
        );
        let cache = l.op().map(|_| {
            let op = op_trait(l, false);
            let doc = format!(
                "What `{}`'s backward needs beyond its input and output.",
                l.name
            );
            quote!(#[doc = #doc] pub #c: #op::Cache,)
        });
        quote!(#[doc = #dz] pub #z: #v, #[doc = #dx] pub #x: #v, #cache)
    });
    let batch_fields = net.layers.iter().map(|l| {
        let (z, x, d, c) = (
            field(l, "z"),
            field(l, "x"),
            field(l, "delta"),
            field(l, "cache"),
        );
        let b = batch(&l.outputs.tokens());
        let dx = format!(
            "`X = σ(Z)` of `{}` ({}), one column per sample.",
            l.name,
            l.act.name()
        );
        let first = match l.dropout() {
            Some(p) => {
                let m = field(l, "mask");
                let doc = format!(
                    "The dropout mask of `{}`: 0 or 1/(1 - {p}) per value.",
                    l.name
                );
                quote!(#[doc = #doc] pub #m: #b,)
            }
            None => {
                let doc = format!("`Z` of `{}`, one column per sample.", l.name);
                quote!(#[doc = #doc] pub #z: #b,)
            }
        };
        let cache = l.op().map(|_| {
            let op = op_trait(l, true);
            quote!(#c: #op::BatchCache,)
        });
        quote!(#first #[doc = #dx] pub #x: #b, #d: #b, #cache)
    });
    let batch_new = net.layers.iter().map(|l| {
        let (x, d) = (field(l, "x"), field(l, "delta"));
        let o = l.outputs.tokens();
        let first = field(l, if l.dropout().is_some() { "mask" } else { "z" });
        let cache = l.op().map(|_| {
            let (c, op) = (field(l, "cache"), op_trait(l, true));
            quote!(#c: #op::empty_batch_cache(),)
        });
        quote!(#first: ::nn_core::Batch::<T, #o>::zeros(n), #x: ::nn_core::Batch::<T, #o>::zeros(n), #d: ::nn_core::Batch::<T, #o>::zeros(n), #cache)
    });
    // Layers that draw random numbers inside them (dropout between stacked recurrent
    // layers) are seeded and frozen with the trace's own dropout.
    let (op_seeds, op_freezes): (Vec<_>, Vec<_>) = net
        .layers
        .iter()
        .filter(|l| l.op().is_some())
        .enumerate()
        .map(|(j, l)| {
            let (c, op) = (field(l, "cache"), op_trait(l, true));
            let k = (j as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            (
                quote!(#op::op_seed(&mut self.#c, seed ^ #k);),
                quote!(#op::op_freeze(&mut self.#c, frozen);),
            )
        })
        .unzip();
    // Input gradients, and scratch for sources that several children read.
    let mut extra_fields = Vec::new();
    let mut extra_new = Vec::new();
    let sources = (0..net.inputs.len())
        .map(Src::Input)
        .chain((0..net.layers.len()).map(Src::Node));
    for s in sources {
        let size = super::src_size(net, s);
        let b = batch(&size);
        if let Src::Input(_) = s {
            let g = grad_field(net, s);
            extra_fields.push(quote!(#g: #b,));
            extra_new.push(quote!(#g: ::nn_core::Batch::<T, #size>::zeros(n),));
        }
        if needs_acc(net, s) {
            let a = acc_field(net, s);
            extra_fields.push(quote!(#a: #b,));
            extra_new.push(quote!(#a: ::nn_core::Batch::<T, #size>::zeros(n),));
        }
    }

    let first_out = net.outputs.first().map(|s| match s {
        Src::Node(j) => field(&net.layers[*j], "x"),
        Src::Input(i) => grad_field(net, Src::Input(*i)),
    });
    let outputs = if net.outputs.len() == 1 {
        let s = net.outputs[0];
        let size = super::src_size(net, s);
        let (v, b) = (vector(&size), batch(&size));
        (
            quote! {
                impl<#gp> #trace<#ga> {
                    /// The network's output `f(x)`: the last layer's `x_L`.
                    pub fn output(&self) -> &#v {
                        &self.#first_out
                    }
                }
            },
            quote! {
                /// The network's outputs, one column per sample.
                pub fn output(&self) -> &#b {
                    &self.#first_out
                }
            },
        )
    } else {
        (TokenStream::new(), TokenStream::new())
    };
    let (trace_output, batch_output) = outputs;
    let trace_doc = format!(
        "The intermediates of one sample's forward pass through [`{name}`]: each layer's `z_l` and `x_l`, as the lecture writes them. Made by [`{name}::forward_trace`], read by [`{name}::backward`] and [`{name}::tangent`]."
    );
    let batch_doc = format!(
        "The intermediates of a batch's forward pass through [`{name}`] (one column per sample), plus scratch space for the backward pass. Made by [`{name}::forward_batch_trace`]; reuse it with [`{name}::forward_batch_trace_into`] so a training loop allocates once."
    );
    // A network too large for the stack has its one-sample trace in a heap workspace
    // instead (`trace_ws`).
    let stack_trace = (!super::trace_ws::on_heap(net)).then(|| {
        quote! {
            #[doc = #trace_doc]
            #vis struct #trace<#gs T: ::nn_core::Scalar = f32> {
                #(#trace_fields)*
            }

            #trace_output

            impl<#gp> ::core::clone::Clone for #trace<#ga> {
                fn clone(&self) -> Self {
                    *self
                }
            }
            impl<#gp> ::core::marker::Copy for #trace<#ga> {}

            impl<#gp> ::core::fmt::Debug for #trace<#ga> {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.debug_struct(::core::stringify!(#trace)).finish_non_exhaustive()
                }
            }
        }
    });

    // The struct itself bounds its scalar only where it must: a field of the user's own type
    // (a custom layer, whose declaration may bound it), or a `#[derive(...)]` of the user's,
    // whose impls need the layers' `Scalar`-bounded impls. Otherwise `Net<i32>` is a valid
    // type and the one error is where it is constructed or used, from the bound of the
    // `impl`s (which all have it).
    let bound = (net
        .layers
        .iter()
        .any(|l| l.op().is_some_and(|o| o.user_defined()))
        || attrs.iter().any(|a| a.path().is_ident("derive")))
    .then(|| quote!(: ::nn_core::Scalar));
    quote! {
        #(#attrs)*
        #vis struct #name<#gs T #bound = f32> {
            #(#fields)*
            _scalar: ::core::marker::PhantomData<T>,
        }

        #stack_trace

        ::nn_core::__private::if_alloc! {
            #[doc = #batch_doc]
            #vis struct #batch_trace<#gs T: ::nn_core::Scalar = f32> {
                #(#batch_fields)*
                #(#extra_fields)*
                dropout_rng: ::nn_core::layer::DropoutRng,
            }

            impl<#gp> #batch_trace<#ga> {
                /// Buffers for a batch of `n` samples.
                pub fn with_batch_size(n: usize) -> Self {
                    Self {
                        #(#batch_new)*
                        #(#extra_new)*
                        dropout_rng: ::core::default::Default::default(),
                    }
                }
                #batch_output
                /// Restarts the dropout masks' random numbers from `seed` (a fixed default
                /// seed is used otherwise, so runs are reproducible).
                pub fn seed_dropout(&mut self, seed: u64) {
                    self.dropout_rng.reseed(seed);
                    #(#op_seeds)*
                }
                /// While frozen, training forward passes reuse the last dropout masks (for
                /// gradient checks of a fixed mask).
                pub fn freeze_dropout(&mut self, frozen: bool) {
                    self.dropout_rng.freeze(frozen);
                    #(#op_freezes)*
                }
                /// The number of samples.
                pub fn batch_size(&self) -> usize {
                    self.#first_out.ncols()
                }
            }
        }

        impl<#gp> #name<#ga> {
            const SIZE_PARAMETERS_POSITIVE: () = { #(#param_checks)* };

            /// A network with every parameter zero (also the shape of a gradient or an
            /// optimizer's state).
            pub fn zeros() -> Self {
                let () = Self::SIZE_PARAMETERS_POSITIVE;
                Self { #(#field_names: ::nn_core::layer::Layer::<T>::zeros(),)* _scalar: ::core::marker::PhantomData }
            }

            /// A network whose layers are drawn with their declared initialization
            /// (`lecun` unless stated) from `rng`.
            pub fn new<R: ::nn_core::rand::Rng + ?Sized>(rng: &mut R) -> Self {
                let mut net = Self::zeros();
                #(#inits)*
                net
            }
        }

        impl<#gp> ::core::clone::Clone for #name<#ga> {
            fn clone(&self) -> Self {
                Self { #(#field_names: ::core::clone::Clone::clone(&self.#field_names),)* _scalar: ::core::marker::PhantomData }
            }
        }

        impl<#gp> ::core::fmt::Debug for #name<#ga> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(#name_str)
                    #(.field(::core::stringify!(#debug_names), &self.#debug_names))*
                    .finish()
            }
        }
    }
}
