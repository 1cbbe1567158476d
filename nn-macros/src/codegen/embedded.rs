//! A network embedded from a weights file (`#[weights = "..."]`): an inference-only struct
//! whose layers view `static` bytes (`dense` and `conv2d` layers, float or int8; `lstm`,
//! `gru`, `rnn` layers, stacked, bidirectional and with `reset_after = false` too, and
//! `batch_norm` layers, float).
//!
//! Each layer kind that can be embedded says which tensors it expects ([`expected`]); every
//! tensor of the file is checked against them (name, dtype, shape, alignment) and each
//! disagreement becomes an error naming the tensor, spanned on the layer. The file is then
//! embedded once with `include_bytes!` in an aligned static, and each layer's field views
//! its tensors there ([`layer_value`]); the forward drives every field through
//! `nn_core::embed::Infer`, and kinds without parameters (`flatten`, pooling) through their
//! own `Op` on a zero-sized value. A new kind with parameters adds an arm to `expected`,
//! `layer_type` and `layer_value` (and a static layer type in `nn_core::embed`).
//!
//! Any graph embeds: layers applied to any earlier node, joins (`add`, `mul`, `concat`,
//! `dueling`, which have no tensors), several inputs and outputs. The forward
//! (`embedded_forward`) has the trainable network's signature, one `&SVector` argument per
//! input in declaration order and one vector or a tuple of them in `output` order, and keeps
//! each node's output in a stack buffer reused once its last reader has run.

use super::embedded_forward::Forward;
use super::embedded_recurrent::{cell_name, gates_per_unit, recurrent_sizes, stack_shape, times};
use super::src_size;
use crate::ir::{Layer, LayerKind, Network, Size, Src};
use crate::validate::Errors;
use crate::weights::{dtype_size, shape_text, Header, WeightsAttr};
use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned, ToTokens};

/// One tensor a layer expects: its name suffix (`weight`), shape in PyTorch's order, and
/// dtype (`None`: the network's float type, F32 or F64).
struct Expected {
    suffix: String,
    shape: Vec<Size>,
    dtype: Option<&'static str>,
}

fn tensor(suffix: impl Into<String>, shape: &[&Size], dtype: Option<&'static str>) -> Expected {
    let shape = shape.iter().map(|s| (*s).clone()).collect();
    Expected {
        suffix: suffix.into(),
        shape,
        dtype,
    }
}

/// Whether the file holds layer `l` quantized (`I8` weights, from `nn_core::quant`).
fn quantized(l: &Layer, header: &Header) -> bool {
    matches!(l.kind_name(), "dense" | "conv2d")
        && header
            .tensors
            .get(&format!("{}.weight", l.path))
            .is_some_and(|t| t.dtype == "I8")
}

/// A `conv2d` layer's const arguments, read back from its type
/// (`Conv2d<T, C, H, W, F, KH, KW, S, P, D, G, K, BIAS>`, all literals): the 11 sizes and
/// whether it has a bias.
fn conv_args(ty: &TokenStream) -> Option<([usize; 11], bool)> {
    let path: syn::TypePath = syn::parse2(ty.clone()).ok()?;
    let syn::PathArguments::AngleBracketed(args) = &path.path.segments.last()?.arguments else {
        return None;
    };
    let lits: Vec<&syn::Lit> = args
        .args
        .iter()
        .skip(1)
        .filter_map(|a| match a {
            syn::GenericArgument::Const(syn::Expr::Lit(e)) => Some(&e.lit),
            _ => None,
        })
        .collect();
    let ([sizes @ .., syn::Lit::Bool(bias)], 12) = (&lits[..], lits.len()) else {
        return None;
    };
    let mut out = [0; 11];
    for (o, l) in out.iter_mut().zip(sizes) {
        let syn::Lit::Int(n) = l else { return None };
        *o = n.base10_parse().ok()?;
    }
    Some((out, bias.value))
}

/// A `batch_norm` layer's channels `C` (the first of its input's dimensions) and positions
/// per channel `HW` (the product of the others, 1 for a flat input), as its type has them.
fn batch_norm_sizes(l: &Layer) -> Option<(Size, TokenStream)> {
    let (c, rest) = l.in_dims.0.split_first()?;
    let rest = rest.iter().map(Size::tokens);
    Some((c.clone(), quote!({ 1 #(* #rest)* })))
}

/// The tensors of layer `l`, or `None` when its kind cannot be embedded yet.
fn expected(l: &Layer, quantized: bool) -> Option<Vec<Expected>> {
    let (i, o, one) = (&l.inputs, &l.outputs, &Size::Lit(1, l.name.span()));
    let lit = |n| Size::Lit(n, l.name.span());
    match &l.kind {
        LayerKind::Op(k) if k.kind == "conv2d" => {
            // PyTorch's `weight` (F, C/G, kh, kw) and `bias` (F); int8 adds the scales.
            let ([c, _, _, f, kh, kw, _, _, _, g, _], bias) = conv_args(&k.ty)?;
            let (f, cg, kh, kw) = (lit(f), lit(c / g), lit(kh), lit(kw));
            let (float, int8) = (None, Some("F32"));
            let mut t = if quantized {
                vec![
                    tensor("weight", &[&f, &cg, &kh, &kw], Some("I8")),
                    tensor("weight_scale", &[&f], int8),
                    tensor("input_scale", &[one], int8),
                ]
            } else {
                vec![tensor("weight", &[&f, &cg, &kh, &kw], float)]
            };
            if bias {
                t.push(tensor("bias", &[&f], if quantized { int8 } else { float }));
            }
            Some(t)
        }
        LayerKind::Op(k) if k.kind == "dense" && quantized => Some(vec![
            tensor("weight", &[o, i], Some("I8")),
            tensor("weight_scale", &[o], Some("F32")),
            tensor("bias", &[o], Some("F32")),
            tensor("input_scale", &[one], Some("F32")),
        ]),
        LayerKind::Op(k) if k.kind == "dense" => Some(vec![
            tensor("weight", &[o, i], None),
            tensor("bias", &[o], None),
        ]),
        LayerKind::Op(k) if k.kind == "batch_norm" => {
            // As `BatchNorm2d` saves them (PyTorch's names): γ, β, then the two buffers.
            let (c, _) = batch_norm_sizes(l)?;
            let t = |s| tensor(s, &[&c], None);
            Some(vec![
                t("weight"),
                t("bias"),
                t("running_mean"),
                t("running_var"),
            ])
        }
        LayerKind::Op(_) if gates_per_unit(l).is_some() => {
            // PyTorch's names for `nn.LSTM`/`nn.GRU`/`nn.RNN`, as `CellWeights` and
            // `RecurrentStack` save them: layer after layer, forward then reverse.
            let [_, i, h, g] = recurrent_sizes(l)?;
            let (dirs, layers, _) = stack_shape(l).unwrap_or((1, 1, h.clone()));
            let iu = times(dirs, &h);
            let mut t = Vec::new();
            for layer in 0..layers {
                for d in 0..dirs {
                    let tail = format!("_l{layer}{}", if d == 1 { "_reverse" } else { "" });
                    let input = if layer == 0 { &i } else { &iu };
                    t.push(tensor(format!("weight_ih{tail}"), &[&g, input], None));
                    t.push(tensor(format!("weight_hh{tail}"), &[&g, &h], None));
                    t.push(tensor(format!("bias_ih{tail}"), &[&g], None));
                    t.push(tensor(format!("bias_hh{tail}"), &[&g], None));
                }
            }
            Some(t)
        }
        LayerKind::Op(o) if !o.params => Some(vec![]),
        LayerKind::Dropout(_) | LayerKind::Join(_) => Some(vec![]),
        LayerKind::Op(_) => None,
    }
}

/// The field type of a layer with parameters.
fn layer_type(l: &Layer, t: &TokenStream, quantized: bool) -> TokenStream {
    let (i, o) = (l.inputs.tokens(), l.outputs.tokens());
    match l.kind_name() {
        "dense" if quantized => quote!(::nn_core::embed::StaticQDense<#i, #o>),
        "dense" => quote!(::nn_core::embed::StaticDense<#t, #i, #o>),
        "conv2d" => match l.op().and_then(|k| conv_args(&k.ty)) {
            Some((sizes, _)) if quantized => {
                let sizes = sizes.map(Literal::usize_unsuffixed);
                quote!(::nn_core::embed::StaticQConv2d<#(#sizes),*>)
            }
            Some((sizes, _)) => {
                let sizes = sizes.map(Literal::usize_unsuffixed);
                quote!(::nn_core::embed::StaticConv2d<#t, #(#sizes),*>)
            }
            None => quote!(()),
        },
        "batch_norm" => match batch_norm_sizes(l) {
            Some((c, hw)) => {
                let c = c.tokens();
                quote!(::nn_core::embed::StaticBatchNorm2d<#t, #c, #hw>)
            }
            None => quote!(()),
        },
        "lstm" | "gru" | "rnn" if stack_shape(l).is_some() => {
            let (Some([s, i, h, g]), Some((dirs, layers, _))) =
                (recurrent_sizes(l), stack_shape(l))
            else {
                return quote!(());
            };
            let iu = times(dirs, &h).tokens();
            let [s, i, h, g] = [s, i, h, g].map(|s| s.tokens());
            let cell = cell_name(l);
            let (d, up) = (
                Literal::usize_unsuffixed(dirs),
                Literal::usize_unsuffixed(layers - 1),
            );
            quote!(::nn_core::embed::StaticRecurrentStack<
                ::nn_core::cell::#cell<#t, #i, #h, #g>,
                ::nn_core::cell::#cell<#t, #iu, #h, #g>,
                #t, #i, #iu, #h, #g, #s, #d, #up, { (#s) * (#h) }, { (#s) * (#iu) }
            >)
        }
        "lstm" | "gru" | "rnn" => match recurrent_sizes(l) {
            Some(sizes) => {
                let [s, i, h, g] = sizes.map(|s| s.tokens());
                let cell = cell_name(l);
                quote!(::nn_core::embed::StaticRecurrent<::nn_core::cell::#cell<#t, #i, #h, #g>, #t, #i, #h, #g, #s>)
            }
            None => quote!(()),
        },
        _ => quote!(()),
    }
}

/// The field's value, given each expected tensor's byte offset in the embedded file.
fn layer_value(l: &Layer, offsets: &[usize], quantized: bool) -> TokenStream {
    let views = offsets.iter().map(|&o| {
        let o = Literal::usize_unsuffixed(o);
        quote!(::nn_core::embed::view(&__NN_WEIGHTS_FILE, #o))
    });
    match l.kind_name() {
        "dense" if quantized => quote!(::nn_core::embed::StaticQDense::new(#(#views),*)),
        "dense" => quote!(::nn_core::embed::StaticDense::new(#(#views),*)),
        "conv2d" => {
            // The bias comes last in `expected` and is optional.
            let mut views: Vec<TokenStream> = views.collect();
            let n = if quantized { 4 } else { 2 };
            let b = match (views.len() == n).then(|| views.pop()).flatten() {
                Some(b) => quote!(::core::option::Option::Some(#b)),
                None => quote!(::core::option::Option::None),
            };
            if quantized {
                let [w, s, a] = &views[..] else {
                    return quote!(());
                };
                quote!(::nn_core::embed::StaticQConv2d::new(#w, #s, #b, #a))
            } else {
                quote!(::nn_core::embed::StaticConv2d::new(#(#views,)* #b))
            }
        }
        // `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`, in `expected`'s order;
        // a stack has four per direction per layer.
        "lstm" | "gru" | "rnn" => match stack_shape(l) {
            Some((dirs, _, _)) => {
                let views: Vec<TokenStream> = views.collect();
                let dirs_of: Vec<TokenStream> = views
                    .chunks(4)
                    .map(|v| quote!(::nn_core::embed::StaticRecurrent::new(#(#v),*)))
                    .collect();
                let layers: Vec<TokenStream> =
                    dirs_of.chunks(dirs).map(|d| quote!([#(#d),*])).collect();
                let (first, upper) = layers
                    .split_first()
                    .map_or((quote!([]), &[][..]), |(f, u)| (f.clone(), u));
                quote!(::nn_core::embed::StaticRecurrentStack::new(#first, [#(#upper),*]))
            }
            None => quote!(::nn_core::embed::StaticRecurrent::new(#(#views),*)),
        },
        // `weight`, `bias`, `running_mean`, `running_var`, in `expected`'s order.
        "batch_norm" => quote!(::nn_core::embed::StaticBatchNorm2d::new(#(#views),*)),
        _ => quote!(()),
    }
}

/// The checked layout: the scalar type and each layer's tensor offsets in the file.
struct Layout {
    scalar: TokenStream,
    offsets: Vec<Vec<usize>>,
    /// Whether each layer is quantized in the file.
    quantized: Vec<bool>,
    /// `const` assertions for sizes written as `const` names.
    checks: Vec<TokenStream>,
}

fn check(net: &Network, attr: &WeightsAttr, header: &Header, errs: &mut Errors) -> Layout {
    let file = &attr.path;
    let mut used = std::collections::BTreeSet::new();
    let mut dtype: Option<(&str, String)> = None;
    let mut offsets = Vec::new();
    let mut checks = Vec::new();
    let mut quantized_layers = Vec::new();
    for l in &net.layers {
        let span = l.name.span();
        let q = quantized(l, header);
        quantized_layers.push(q);
        let Some(tensors) = expected(l, q) else {
            errs.push(
                span,
                format!(
                    "`{}` layers cannot be embedded from a weights file yet",
                    l.kind_name()
                ),
            );
            offsets.push(vec![]);
            continue;
        };
        if let Some(msg) = super::embedded_recurrent::kind_mismatch(l, header, file) {
            errs.push(span, msg);
            // Its tensors are the file's, read as another kind: reported once, above.
            let prefix = format!("{}.", l.path);
            used.extend(
                header
                    .tensors
                    .keys()
                    .filter(|k| k.starts_with(&prefix))
                    .cloned(),
            );
            offsets.push(vec![]);
            continue;
        }
        let mut layer_offsets = Vec::new();
        for e in tensors {
            let name = format!("{}.{}", l.path, e.suffix);
            let want = shape_text(&e.shape.iter().map(Size::display).collect::<Vec<_>>());
            let Some(t) = header.tensors.get(&name) else {
                let held: Vec<_> = header.tensors.keys().map(|k| format!("`{k}`")).collect();
                errs.push(
                    span,
                    format!(
                        "`{name}` is missing from `{file}`: `{}` expects a tensor of shape {want}; the file holds {}",
                        l.name,
                        if held.is_empty() { "no tensors".into() } else { held.join(", ") }
                    ),
                );
                layer_offsets.push(0);
                continue;
            };
            used.insert(name.clone());
            let found = shape_text(&t.shape);
            let rank_ok = t.shape.len() == e.shape.len();
            let dims_ok = rank_ok
                && e.shape.iter().zip(&t.shape).all(|(s, &f)| match s.known() {
                    Some(k) => k == f,
                    None => true,
                });
            if !dims_ok {
                // For a dense weight, the layer the file holds, as it would be declared.
                let hint = match (e.suffix.as_str(), &t.shape[..]) {
                    ("weight", [o, i]) if l.kind_name() == "dense" => {
                        format!("\n\nhelp: the file's `{}` is `dense({i} -> {o})`", l.name)
                    }
                    ("weight", [f, c, kh, kw]) if l.kind_name() == "conv2d" => format!(
                        "\n\nhelp: the file's `{}` has {f} filters of {kh}x{kw} over {c} input channels (per group)",
                        l.name
                    ),
                    ("weight_ih_l0", [g, i]) if gates_per_unit(l).is_some_and(|k| g % k == 0) => {
                        let k = gates_per_unit(l).unwrap_or(1);
                        format!("\n\nhelp: the file's `{}` is `{}({i} -> {})`", l.name, l.kind_name(), g / k)
                    }
                    ("weight", [c]) if l.kind_name() == "batch_norm" => format!(
                        "\n\nhelp: the file's `{}` normalizes {c} channels",
                        l.name
                    ),
                    ("weight_hh_l0", [_, h]) if gates_per_unit(l).is_some() => format!(
                        "\n\nhelp: the file's `{}` has {h} hidden units: `{}({h})`",
                        l.name,
                        l.kind_name()
                    ),
                    _ => String::new(),
                };
                errs.push(
                    span,
                    format!(
                        "`{name}` has shape {found} in `{file}`, but `{}` expects {want}{hint}",
                        l.name
                    ),
                );
            } else {
                for (s, &f) in e.shape.iter().zip(&t.shape) {
                    if let Size::Expr(..) = s {
                        let (v, msg) = (
                            s.tokens(),
                            format!(
                                "`{name}` has shape {found} in `{file}`, but `{}` expects {want}, with `{}` != {f}",
                                l.name,
                                s.display()
                            ),
                        );
                        checks.push(quote_spanned! {s.span()=>
                            const _: () = if (#v) != #f { ::core::panic!(#msg) };
                        });
                    }
                }
            }
            match (e.dtype, dtype_size(&t.dtype)) {
                (Some(d), _) if d != t.dtype => errs.push(
                    span,
                    format!(
                        "`{name}` has dtype {} in `{file}`, but a quantized `{}` needs {d}",
                        t.dtype, l.name
                    ),
                ),
                (None, None) | (None, Some(1)) => errs.push(
                    span,
                    format!(
                        "`{name}` has dtype {} in `{file}`; embedded weights must be F32 or F64",
                        t.dtype
                    ),
                ),
                (_, None) => {}
                (fixed, Some(size)) => {
                    match &dtype {
                        _ if fixed.is_some() => {}
                        None => dtype = Some((if size == 4 { "F32" } else { "F64" }, name.clone())),
                        Some((d, first)) if *d != t.dtype => errs.push(
                            span,
                            format!(
                                "`{name}` has dtype {} in `{file}`, but `{first}` has {d}; every tensor must have the same dtype",
                                t.dtype
                            ),
                        ),
                        _ => {}
                    }
                    // The reader checked that the tensor's bytes lie inside the file and
                    // hold exactly `dtype × shape`, with checked arithmetic.
                    let at = t.start;
                    if !at.is_multiple_of(size) {
                        errs.push(span, format!("`{name}` starts at byte {at} of `{file}`, not a multiple of {size}, so it cannot be viewed in place; save the file with nn_core::io::save_safetensors or the safetensors package, which align every tensor"));
                    }
                }
            }
            layer_offsets.push(t.start);
        }
        offsets.push(layer_offsets);
    }
    // PyTorch's batch norm counts its training batches in an `I64` scalar, which inference
    // does not read: a file torchvision saved holds it, one nn-core saved may not.
    for l in net.layers.iter().filter(|l| l.kind_name() == "batch_norm") {
        let name = format!("{}.num_batches_tracked", l.path);
        if header.tensors.get(&name).is_some_and(|t| t.dtype == "I64") {
            used.insert(name);
        }
    }
    for name in header.tensors.keys().filter(|k| !used.contains(*k)) {
        errs.push(
            attr.span,
            format!(
                "`{file}` holds `{name}`, which `{}` does not declare",
                net.name
            ),
        );
    }
    let scalar = match dtype {
        Some(("F64", _)) => quote!(f64),
        _ => quote!(f32),
    };
    if quantized_layers.contains(&true) && dtype.is_some_and(|(d, _)| d == "F64") {
        errs.push(
            net.name.span(),
            format!("`{file}` mixes int8 layers with F64 ones; quantized networks compute in F32"),
        );
    }
    Layout {
        scalar,
        offsets,
        quantized: quantized_layers,
        checks,
    }
}

pub fn generate(net: &Network, attr: &WeightsAttr) -> Result<TokenStream, Vec<syn::Error>> {
    let mut errs = Errors::default();
    let header = match crate::weights::read(attr) {
        Ok(h) => h,
        Err(msg) => {
            errs.push(attr.span, msg);
            return errs.into_result(TokenStream::new());
        }
    };
    let layout = check(net, attr, &header, &mut errs);
    errs.into_result(())?;

    let (attrs, vis, name) = (&net.attrs, &net.vis, &net.name);
    let t = &layout.scalar;
    let in_sizes: Vec<_> = (0..net.inputs.len())
        .map(|i| src_size(net, Src::Input(i)))
        .collect();
    let out_sizes: Vec<_> = net.outputs.iter().map(|s| src_size(net, *s)).collect();
    let (in_t, out_t) = (&in_sizes[0], out_sizes.first().unwrap_or(&in_sizes[0]));
    let Forward {
        params: inputs,
        output,
        body,
    } = super::embedded_forward::generate(net, t);
    let with_params: Vec<&Layer> = net.layers.iter().filter(|l| l.has_params()).collect();
    let is_quantized = |l: &Layer| {
        let j = net.layers.iter().position(|m| m.name == l.name);
        j.is_some_and(|j| layout.quantized[j])
    };
    let fields = with_params.iter().map(|l| {
        let (f, ty) = (&l.name, layer_type(l, t, is_quantized(l)));
        let doc = format!("`{}`, embedded.", l.name);
        quote!(#[doc = #doc] pub #f: #ty)
    });
    let values = net
        .layers
        .iter()
        .zip(&layout.offsets)
        .filter(|(l, _)| l.has_params())
        .map(|(l, o)| {
            let (f, v) = (&l.name, layer_value(l, o, is_quantized(l)));
            quote!(#f: #v)
        });
    let params = with_params.iter().map(|l| {
        let (i, o) = (l.inputs.tokens(), l.outputs.tokens());
        if let Some(sizes) = recurrent_sizes(l) {
            let stack = stack_shape(l);
            let iu = stack.as_ref().map(|(d, _, h)| times(*d, h).tokens());
            let [_, i, h, g] = sizes.map(|s| s.tokens());
            let one = quote!((#g) * ((#i) + (#h) + 2));
            return match (stack, iu) {
                (Some((d, layers, _)), Some(iu)) => {
                    let (d, up) = (
                        Literal::usize_unsuffixed(d),
                        Literal::usize_unsuffixed(layers - 1),
                    );
                    quote!(#d * (#one + #up * (#g) * ((#iu) + (#h) + 2)))
                }
                _ => one,
            };
        }
        if let Some((c, _)) = batch_norm_sizes(l).filter(|_| l.kind_name() == "batch_norm") {
            // γ, β and the two running statistics, as the trainable network counts them.
            let c = c.tokens();
            return quote!(4 * (#c));
        }
        match l.op().and_then(|k| conv_args(&k.ty)) {
            Some((g, bias)) => Literal::usize_unsuffixed(g[3] * g[10] + usize::from(bias) * g[3])
                .into_token_stream(),
            None => quote!((#i) * (#o) + (#o)),
        }
    });

    let file = Literal::string(&attr.path);
    // A relative path from the crate's `Cargo.toml`, as the header was read; an absolute one
    // as it is.
    let include = if std::path::Path::new(&attr.path).is_absolute() {
        quote!(#file)
    } else {
        quote!(::core::concat!(::core::env!("CARGO_MANIFEST_DIR"), "/", #file))
    };
    let len = Literal::usize_unsuffixed(header.file_len);
    let checks = &layout.checks;
    let doc = format!(
        "The network with the parameters of `{}`, embedded at compile time (no copy, no heap).",
        attr.path
    );

    Ok(quote! {
        #(#attrs)*
        #[derive(Clone, Copy, Debug)]
        #vis struct #name {
            #(#fields,)*
        }

        impl #name {
            /// The number of input values (of the first input).
            #vis const INPUTS: usize = #in_t;
            /// The number of output values (of the first output).
            #vis const OUTPUTS: usize = #out_t;
            /// The number of values of each input, in declaration order.
            #vis const INPUT_SIZES: &'static [usize] = &[#(#in_sizes),*];
            /// The number of values of each output, in `output` order.
            #vis const OUTPUT_SIZES: &'static [usize] = &[#(#out_sizes),*];
            /// Number of scalar parameters (all in `static` data).
            #vis const PARAMETERS: usize = 0 #(+ #params)*;
            const __EMBEDDED: Self = {
                static __NN_WEIGHTS_FILE: ::nn_core::embed::Aligned<[u8; #len]> =
                    ::nn_core::embed::Aligned(*::core::include_bytes!(#include));
                #name { #(#values,)* }
            };

            #[doc = #doc]
            #vis const fn new() -> Self {
                Self::__EMBEDDED
            }

            /// The network's outputs for one sample (one argument per input); allocates
            /// nothing.
            #[allow(clippy::let_and_return)]
            #vis fn forward(&self, #(#inputs),*) -> #output {
                // The scalar of the weights file, under the name the layer types use.
                #[allow(non_camel_case_types, dead_code)]
                type T = #t;
                #body
            }
        }

        impl ::core::default::Default for #name {
            fn default() -> Self {
                Self::new()
            }
        }

        #(#checks)*
    })
}

/// The scalar of `attr`'s file for a stand-in: `f64` when it holds `F64` tensors, else `f32`.
pub fn scalar(attr: &WeightsAttr) -> TokenStream {
    match crate::weights::read(attr) {
        Ok(h) if h.tensors.values().any(|t| t.dtype == "F64") => quote!(f64),
        _ => quote!(f32),
    }
}

/// What is emitted beside the errors of an embedded declaration: the struct and `new()`, so
/// code that uses the network does not fail again on a missing name.
pub fn stub(attrs: &[syn::Attribute], vis: &syn::Visibility, name: &syn::Ident) -> TokenStream {
    quote! {
        #(#attrs)*
        #[derive(Clone, Copy, Debug)]
        #vis struct #name;

        #[allow(dead_code)]
        impl #name {
            #vis const fn new() -> Self {
                #name
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::validate;

    #[test]
    fn an_absolute_path_is_embedded_as_it_is() {
        let file = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/sine_1_16_16_1.safetensors"
        );
        let net = validate(syn::parse_quote! {
            struct Sine { input: 1, fc1: dense(16, relu), fc2: dense(16, relu), fc3: dense(1) }
        })
        .unwrap_or_else(|_| panic!("valid declaration rejected"));
        let attr = WeightsAttr {
            path: file.to_string(),
            span: proc_macro2::Span::call_site(),
        };
        let code = generate(&net, &attr)
            .unwrap_or_else(|e| panic!("{}", e[0]))
            .to_string();
        let include = format!("include_bytes ! ({})", Literal::string(file));
        assert!(code.contains(&include), "{code}");
        assert!(!code.contains("CARGO_MANIFEST_DIR"), "{code}");
    }
}
