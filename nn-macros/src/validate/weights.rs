//! The checks of a network embedded from a weights file (`#[weights = "..."]`) against the
//! file's header: each layer's kind says which tensors it reads (`Kind::tensors`); every
//! tensor of the file is checked against them (name, dtype, shape, alignment) and each
//! disagreement becomes an error naming the tensor, spanned on the layer. What passes is the
//! [`Layout`] codegen embeds (`codegen::embedded`). The header is read here once ([`File`]),
//! before the declaration is validated, and also gives the scalar of the stand-in emitted
//! when the declaration or the file has a mistake: code generation reads no file.

use super::Errors;
use crate::ir::{Layer, LayerKind, Network, Size};
use crate::kinds::Tensor;
use crate::weights::{dtype_size, shape_text, Header, WeightsAttr};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

/// A weights file as validation read it: the attribute naming it and its header (or why it
/// could not be read). Read once per declaration, before the declaration is validated, so
/// the stand-in of a wrong declaration computes in the file's scalar too ([`File::scalar`]).
pub struct File<'a> {
    pub attr: &'a WeightsAttr,
    header: Result<Header, String>,
}

impl<'a> File<'a> {
    /// Reads `attr`'s header.
    pub fn read(attr: &'a WeightsAttr) -> File<'a> {
        File {
            attr,
            header: crate::weights::read(attr),
        }
    }

    /// The scalar the network computes in as far as the file tells, for a declaration or
    /// file with mistakes: `f64` when the file holds `F64` tensors, else `f32` (also when
    /// it could not be read).
    pub fn scalar(&self) -> TokenStream {
        match &self.header {
            Ok(h) if h.tensors.values().any(|t| t.dtype == "F64") => quote!(f64),
            _ => quote!(f32),
        }
    }
}

/// Checks `net` against `file`'s header: the layout, or every mistake.
pub fn check(net: &Network, file: &File) -> Result<Layout, Vec<syn::Error>> {
    let attr = file.attr;
    let header = file
        .header
        .as_ref()
        .map_err(|msg| vec![syn::Error::new(attr.span, msg)])?;
    let mut errs = Errors::default();
    let layout = layout(net, attr, header, &mut errs);
    errs.into_result(layout)
}

/// Whether the file holds layer `l` quantized (`I8` weights, from `nn_core::quant`).
fn quantized(l: &Layer, header: &Header) -> bool {
    l.op().is_some_and(|k| k.quantizable())
        && header
            .tensors
            .get(&format!("{}.weight", l.path))
            .is_some_and(|t| t.dtype == "I8")
}

/// The tensors of layer `l`, or `None` when its kind cannot be embedded yet.
fn tensors(l: &Layer, quantized: bool) -> Option<Vec<Tensor>> {
    match &l.kind {
        LayerKind::Op(k) => k.tensors(l, quantized),
        LayerKind::Dropout(_) | LayerKind::Join(_) => Some(vec![]),
    }
}

/// The checked layout: the scalar type and each layer's tensor offsets in the file.
pub struct Layout {
    pub scalar: TokenStream,
    /// Each layer's tensor offsets in the file, in the order of its kind's `tensors`.
    pub offsets: Vec<Vec<usize>>,
    /// Each layer's tensors' numbers of values, in the same order.
    pub elements: Vec<Vec<usize>>,
    /// Whether each layer is quantized in the file.
    pub quantized: Vec<bool>,
    /// `const` assertions for sizes written as `const` names.
    pub checks: Vec<TokenStream>,
    /// The file's length in bytes.
    pub file_len: usize,
}

fn layout(net: &Network, attr: &WeightsAttr, header: &Header, errs: &mut Errors) -> Layout {
    let file = &attr.path;
    let mut used = std::collections::BTreeSet::new();
    let mut dtype: Option<(&str, String)> = None;
    let mut offsets = Vec::new();
    let mut elements = Vec::new();
    let mut checks = Vec::new();
    let mut quantized_layers = Vec::new();
    for l in &net.layers {
        let span = l.name.span();
        let q = quantized(l, header);
        quantized_layers.push(q);
        let from_file = l.op().and_then(|k| k.tensors_in_file(l, header, file));
        let from_file = from_file.map(|(tensors, check)| {
            checks.push(check);
            tensors
        });
        let Some(tensors) = from_file.or_else(|| tensors(l, q)) else {
            errs.push(
                span,
                format!(
                    "`{}` layers cannot be embedded from a weights file yet",
                    l.kind_name()
                ),
            );
            offsets.push(vec![]);
            elements.push(vec![]);
            continue;
        };
        if let Some(msg) = l.op().and_then(|k| k.file_mismatch(l, header, file)) {
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
            elements.push(vec![]);
            continue;
        }
        let mut layer_offsets = Vec::new();
        let mut layer_elements = Vec::new();
        for e in tensors {
            let name = format!("{}.{}", l.path, e.suffix);
            let want = shape_text(&e.shape.iter().map(Size::display).collect::<Vec<_>>());
            let Some(t) = header.tensors.get(&name) else {
                let held: Vec<_> = header.tensors.keys().map(|k| format!("`{k}`")).collect();
                errs.push(
                    span,
                    format!(
                        "`{name}` is missing from `{file}`: `{}` expects a tensor of shape {want}; the file holds {}",
                        l.path,
                        if held.is_empty() { "no tensors".into() } else { held.join(", ") }
                    ),
                );
                layer_offsets.push(0);
                layer_elements.push(0);
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
                // The layer the file holds, as it would be declared.
                let hint = l
                    .op()
                    .and_then(|k| k.shape_hint(l, &e.suffix, &t.shape))
                    .unwrap_or_default();
                errs.push(
                    span,
                    format!(
                        "`{name}` has shape {found} in `{file}`, but `{}` expects {want}{hint}",
                        l.path
                    ),
                );
            } else {
                for (s, &f) in e.shape.iter().zip(&t.shape) {
                    if let Size::Expr(..) = s {
                        let (v, msg) = (
                            s.tokens(),
                            format!(
                                "`{name}` has shape {found} in `{file}`, but `{}` expects {want}, with `{}` != {f}",
                                l.path,
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
                        t.dtype, l.path
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
            layer_elements.push(t.elements);
        }
        offsets.push(layer_offsets);
        elements.push(layer_elements);
    }
    // PyTorch's batch norm counts its training batches in an `I64` scalar, which inference
    // does not read: a file torchvision saved holds it beside `running_var`.
    let counter = |name: &str| {
        header.tensors.get(name).is_some_and(|t| t.dtype == "I64")
            && name
                .strip_suffix("num_batches_tracked")
                .is_some_and(|p| used.contains(&format!("{p}running_var")))
    };
    for name in header
        .tensors
        .keys()
        .filter(|k| !used.contains(*k) && !counter(k))
    {
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
        elements,
        quantized: quantized_layers,
        checks,
        file_len: header.file_len,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::weights::Base;

    fn attr(file: &str) -> WeightsAttr {
        WeightsAttr {
            path: format!("{}/../tests/fixtures/{file}", env!("CARGO_MANIFEST_DIR")),
            span: proc_macro2::Span::call_site(),
            base: Base::Manifest,
        }
    }

    #[test]
    fn the_scalar_of_a_file_is_read_with_its_header() {
        let scalar = |file: &str| File::read(&attr(file)).scalar().to_string();
        assert_eq!(scalar("recurrent_seq_f64.safetensors"), "f64");
        assert_eq!(scalar("sine_1_16_16_1.safetensors"), "f32");
        // A file that cannot be read: its error comes from `check`, the stand-in is `f32`.
        assert_eq!(scalar("no_such_file.safetensors"), "f32");
    }
}
