//! The one-sample trace in a workspace: every layer's `z_l` and `x_l` placed back to back
//! in one flat buffer of `T` (`nn_core::workspace::packed`), so that keeping them for the
//! backward pass costs no stack. A layer without activation stores `z_l` once (`x_l = z_l`);
//! a dropout layer (the identity outside batch training) stores only `x_l`.
//!
//! - `{Name}TraceIn<T, W>`: the trace over a buffer `W` (a `&mut [T]`, a `Vec<T>`), plus
//!   each layer's `Op::Cache` (`()` for the built-in layers).
//! - `forward_trace_in(x, workspace)`: at least `TRACE_LEN` values; no heap.
//! - For a network whose activations exceed the stack limit of `workspace`,
//!   `{Name}Trace<T>` is `{Name}TraceIn<T, Vec<T>>` (with `alloc`) and `forward_trace`
//!   fills a heap buffer; smaller networks keep the stack struct of `types`.

use super::forward::input_params;
use super::{act_value, field, input_param, join, op_trait, src_size, vector};
use crate::ir::{Layer, LayerKind, Network, Src};
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

/// Whether the one-sample trace and backward of `net` live on the heap (with `alloc`)
/// instead of the stack: every size is known and the activations exceed the stack limit.
pub fn on_heap(net: &Network) -> bool {
    super::workspace::small(net) == Some(false)
}

/// The name of the workspace trace type.
pub fn type_name(net: &Network) -> Ident {
    format_ident!("{}TraceIn", net.name)
}

/// Whether layer `l` keeps `x_l` apart from `z_l` (it has an activation, or is dropout).
fn x_apart(l: &Layer) -> bool {
    act_value(l.act).is_some() || l.dropout().is_some()
}

/// The offset of layer `j`'s `z_l` in the trace's values (in an `impl` of the network).
pub fn z_offset(j: usize) -> TokenStream {
    let i = Literal::usize_unsuffixed(2 * j);
    quote!(Self::__TRACE.offsets[#i])
}

/// The offset of layer `j`'s `x_l` (its `z_l` when it has no activation), as a constant of
/// `owner` (`Self` in an `impl` of the network).
pub fn x_offset(net: &Network, j: usize, owner: &TokenStream) -> TokenStream {
    let slot = if x_apart(&net.layers[j]) {
        2 * j + 1
    } else {
        2 * j
    };
    let i = Literal::usize_unsuffixed(slot);
    quote!(#owner::__TRACE.offsets[#i])
}

/// A source's value `x` as a `&SVector`, read from the trace's values `vals` (an
/// expression giving `&[T]`) or the input parameter.
pub fn value(net: &Network, s: Src, vals: &TokenStream, owner: &TokenStream) -> TokenStream {
    match s {
        Src::Input(i) => {
            let p = input_param(net, i);
            quote!(#p)
        }
        Src::Node(j) => {
            let (n, o) = (src_size(net, s), x_offset(net, j, owner));
            quote!(::nn_core::workspace::get::<T, #n>(#vals, #o))
        }
    }
}

/// The caches of the layers that have an `Op` type: `(field, Op trait)`.
fn caches(net: &Network) -> Vec<(Ident, TokenStream)> {
    net.layers
        .iter()
        .filter(|l| l.op().is_some())
        .map(|l| (field(l, "cache"), op_trait(l, false)))
        .collect()
}

/// The trace type, its constants, `forward_trace_in` and (for a heap trace) the owned
/// trace type `{Name}Trace<T>`. `trace_sig` is the spanned signature of `forward_trace`.
pub fn generate(net: &Network, trace_sig: &TokenStream) -> TokenStream {
    // The generics of the network's types, size parameters first (`generics`).
    let g = net.generics();
    let (gp, ga, gs) = (&g.params, &g.args, &g.sizes);
    let name = &net.name;
    let vis = &net.vis;
    let trace_in = type_name(net);
    let params = input_params(net, false);
    let args: Vec<_> = (0..net.inputs.len()).map(|i| input_param(net, i)).collect();
    let count = Literal::usize_unsuffixed(2 * net.layers.len());
    let sizes = net.layers.iter().flat_map(|l| {
        let o = l.outputs.tokens();
        let z = if l.dropout().is_some() {
            quote!(0)
        } else {
            quote!(#o)
        };
        let x = if x_apart(l) { quote!(#o) } else { quote!(0) };
        [z, x]
    });
    let (cache_fields, cache_ops): (Vec<_>, Vec<_>) = caches(net).into_iter().unzip();
    let me = quote!(Self);
    let steps = net.layers.iter().enumerate().map(|(j, l)| {
        let f = &l.name;
        let o = l.outputs.tokens();
        let (zo, xo) = (z_offset(j), x_offset(net, j, &me));
        let rest = quote!(__rest);
        let parents: Vec<_> = l
            .parents
            .iter()
            .map(|s| match s {
                Src::Node(k) => {
                    let (n, off) = (src_size(net, *s), x_offset(net, *k, &me));
                    quote!(__rest.get::<#n>(#off))
                }
                Src::Input(_) => value(net, *s, &rest, &me),
            })
            .collect();
        let z_step = match &l.kind {
            LayerKind::Dropout(_) => {
                let a = &parents[0];
                return quote! {{
                    let (__rest, __x) = ::nn_core::workspace::split::<T, #o>(__ws, #xo);
                    __x.copy_from(#a);
                }};
            }
            LayerKind::Op(_) => {
                let (op, a, c) = (op_trait(l, false), &parents[0], field(l, "cache"));
                quote!(#op::op_forward(&self.#f, #a, __z, &mut #c);)
            }
            LayerKind::Join(jn) => join::forward(net, l, *jn, &parents, &quote!(__z)),
        };
        let act = act_value(l.act).map(|a| {
            quote! {{
                let (__rest, __x) = ::nn_core::workspace::split::<T, #o>(__ws, #xo);
                __x.copy_from(__rest.get::<#o>(#zo));
                ::nn_core::activation::Activation::<T>::forward_in_place(&#a, #o, __x.as_mut_slice());
            }}
        });
        quote! {
            {
                let (__rest, __z) = ::nn_core::workspace::split::<T, #o>(__ws, #zo);
                let _ = &__rest;
                #z_step
            }
            #act
        }
    });

    let output = match net.outputs.as_slice() {
        [s @ Src::Node(_)] => {
            let (v, get) = (
                vector(&src_size(net, *s)),
                value(
                    net,
                    *s,
                    &quote!(self.values.as_ref()),
                    &quote!(#name::<#ga>),
                ),
            );
            quote! {
                /// The network's output `f(x)`, read from the trace.
                pub fn output(&self) -> &#v {
                    #get
                }
            }
        }
        _ => TokenStream::new(),
    };
    let doc = format!(
        "One sample's forward pass through [`{name}`] kept in a buffer `W` of `T` (a \
         `&mut [T]`, a `Vec<T>`): every layer's `z_l` and `x_l`, back to back, in \
         [`{name}::TRACE_LEN`] values. Made by [`{name}::forward_trace_in`], read by \
         [`{name}::backward_in`]."
    );
    let into_doc =
        format!(" The buffer back, its first [`{name}::TRACE_LEN`] values holding the trace.");
    let heap = on_heap(net).then(|| {
        let trace = format_ident!("{}Trace", name);
        let alias_doc = format!(
            "The trace of one sample's forward pass through [`{name}`], on the heap: its \
             activations are too large for a stack. Made by [`{name}::forward_trace`], read \
             by [`{name}::backward`]."
        );
        quote! {
            ::nn_core::__private::if_alloc! {
                #[doc = #alias_doc]
                #vis type #trace<#gs T = f32> = #trace_in<#ga, ::nn_core::workspace::HeapValues<T>>;

                impl<#gp> #name<#ga> {
                    /// The forward pass for one sample, keeping every layer's `z_l` and
                    /// `x_l` for [`backward`](Self::backward) in a heap buffer of
                    /// [`TRACE_LEN`](Self::TRACE_LEN) values.
                    #trace_sig {
                        self.__forward_trace_ws(#(#args,)* ::nn_core::workspace::on_heap::<T>(Self::TRACE_LEN))
                    }
                }
            }
        }
    });

    quote! {
        #[doc = #doc]
        #vis struct #trace_in<#gs T: ::nn_core::Scalar, W> {
            values: W,
            #(#cache_fields: #cache_ops::Cache,)*
            _scalar: ::core::marker::PhantomData<T>,
        }

        impl<#gp, W: ::core::convert::AsRef<[T]>> #trace_in<#ga, W> {
            #output

            #[doc = #into_doc]
            pub fn into_values(self) -> W {
                self.values
            }
        }

        impl<#gp, W> ::core::fmt::Debug for #trace_in<#ga, W> {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(::core::stringify!(#trace_in)).finish_non_exhaustive()
            }
        }

        impl<#gp> #name<#ga> {
            #[doc(hidden)]
            const __TRACE: ::nn_core::workspace::Plan<#count> =
                ::nn_core::workspace::packed([#(#sizes),*]);

            /// The number of `T` values one sample's trace takes
            /// ([`forward_trace_in`](Self::forward_trace_in)): each layer's `z_l` and, when
            /// it has an activation, `x_l`.
            pub const TRACE_LEN: usize = Self::__TRACE.len;

            /// The trace's size in bytes, `TRACE_LEN * size_of::<T>()`.
            pub const TRACE_BYTES: usize = Self::TRACE_LEN * ::core::mem::size_of::<T>();

            /// The forward pass for one sample, keeping every layer's `z_l` and `x_l` in
            /// `workspace` (at least [`TRACE_LEN`](Self::TRACE_LEN) values; its contents do
            /// not matter) for [`backward_in`](Self::backward_in). Allocates nothing and
            /// uses a few hundred bytes of stack whatever the size of the network.
            pub fn forward_trace_in<W: ::core::convert::AsMut<[T]>>(&self, #(#params,)* mut workspace: W) -> ::core::result::Result<#trace_in<#ga, W>, ::nn_core::Error> {
                ::nn_core::workspace::check_len(Self::TRACE_LEN, workspace.as_mut().len())?;
                ::core::result::Result::Ok(self.__forward_trace_ws(#(#args,)* workspace))
            }

            #[allow(unused_variables, unused_mut)]
            fn __forward_trace_ws<W: ::core::convert::AsMut<[T]>>(&self, #(#params,)* mut values: W) -> #trace_in<#ga, W> {
                #(let mut #cache_fields = #cache_ops::empty_cache();)*
                {
                    let __ws: &mut [T] = values.as_mut();
                    #(#steps)*
                }
                #trace_in { values, #(#cache_fields,)* _scalar: ::core::marker::PhantomData }
            }
        }

        #heap
    }
}
