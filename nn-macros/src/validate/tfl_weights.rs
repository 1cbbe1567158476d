//! The weights file of a network of `tfl_` layers, checked against the lowered network:
//! every node's `shape`, every int8 node's `scale` and `zero_point` (a float32 node has
//! neither), every tensor each layer's kind
//! reads (`TflKind::tensors`: dtype, shape, alignment, values), the rule each kind's output
//! quantization follows (`TflKind::check_output`), and no tensor left over. A disagreement
//! is an error naming the tensor, spanned on the layer; what passes is the [`Layout`]
//! `codegen::tfl` embeds.

use crate::ir::{TflLayer, TflNetwork, TflNode};
use crate::kinds::tfl::{Dtype, Quant, Shape, Values, F32_QUANT};
use crate::weights::{shape_text, Header, WeightsAttr};
use proc_macro2::Span;
use std::collections::BTreeSet;

/// A tensor's place in the file, for a view.
#[derive(Clone, Copy, Debug)]
pub struct At {
    pub start: usize,
    pub len: usize,
}

/// What codegen needs from the file, per layer.
#[derive(Clone, Debug)]
pub struct Params {
    /// Where each of the kind's `tensors` lies, in their order: in the file while checking,
    /// in the embedded bytes once packed (`len` 0 for a tensor the kernel does not read).
    pub tensors: Vec<At>,
    /// The output's quantization (a reshape's is its input's).
    pub out: Quant,
}

/// The checked file: the bytes to embed ([`super::tfl_blob`]), the input's quantization and each
/// layer's parameters (views into those bytes).
pub struct Layout {
    pub blob: Vec<u8>,
    pub input: Quant,
    pub layers: Vec<Params>,
}

/// The weights file, header and bytes.
pub struct File {
    header: Header,
    bytes: Vec<u8>,
    path: String,
    used: BTreeSet<String>,
}

impl File {
    /// Reads and checks the header (`nn_weights_header`), then the bytes it describes.
    pub fn open(attr: &WeightsAttr) -> Result<File, String> {
        let header = crate::weights::read(attr)?;
        let full = attr.full_path()?;
        let bytes = std::fs::read(&full)
            .map_err(|e| format!("cannot read the weights file `{}`: {e}", attr.path))?;
        if bytes.len() != header.file_len {
            return Err(format!(
                "the weights file `{}` changed while it was read ({} bytes, then {})",
                attr.path,
                header.file_len,
                bytes.len()
            ));
        }
        Ok(File {
            header,
            bytes,
            path: attr.path.clone(),
            used: BTreeSet::new(),
        })
    }

    /// The tensor `name`, checked for `dtype` and `shape`; reports on `span` and returns
    /// `None` when it is missing or differs.
    fn tensor(
        &mut self,
        errs: &mut Vec<syn::Error>,
        span: Span,
        owner: &str,
        name: &str,
        dtype: Dtype,
        shape: &[usize],
    ) -> Option<At> {
        self.used.insert(name.to_string());
        let (file, size, dtype) = (&self.path, dtype.size(), dtype.name());
        let Some(t) = self.header.tensors.get(name) else {
            errs.push(syn::Error::new(
                span,
                format!("`{name}` is missing from `{file}`: `{owner}` needs it ({dtype} of shape {})\n\nhelp: write the file and the declaration together with `nn-import MODEL.tflite --name NAME --out DIR`", shape_text(shape)),
            ));
            return None;
        };
        if t.dtype != dtype {
            errs.push(syn::Error::new(
                span,
                format!(
                    "`{name}` has dtype {} in `{file}`, but `{owner}` needs {dtype}",
                    t.dtype
                ),
            ));
            return None;
        }
        if t.shape != shape {
            errs.push(syn::Error::new(
                span,
                format!(
                    "`{name}` has shape {} in `{file}`, but `{owner}` expects {}",
                    shape_text(&t.shape),
                    shape_text(shape)
                ),
            ));
            return None;
        }
        if !t.start.is_multiple_of(size) {
            errs.push(syn::Error::new(
                span,
                format!("`{name}` starts at byte {} of `{file}`, not a multiple of {size}, so it cannot be viewed in place; write the file with `nn-import`, which aligns every tensor", t.start),
            ));
            return None;
        }
        Some(At {
            start: t.start,
            len: t.elements,
        })
    }

    /// Checks the values of the tensor `name` at `at` against `values`; reports on `span`.
    fn values(&self, errs: &mut Vec<syn::Error>, span: Span, name: &str, at: At, values: Values) {
        let file = &self.path;
        let bad = match values {
            Values::Any => return,
            Values::PositiveScales => self
                .words(at)
                .map(f32::from_le_bytes)
                .find(|s| !(s.is_finite() && *s > 0.0))
                .map(|bad| format!("`{name}` holds {bad} in `{file}`, expected positive scales")),
            Values::Shifts => self
                .words(at)
                .map(i32::from_le_bytes)
                .find(|s| !(-31..=31).contains(s))
                .map(|bad| {
                    format!("`{name}` holds {bad} in `{file}`, expected shifts in -31..=31")
                }),
        };
        if let Some(msg) = bad {
            errs.push(syn::Error::new(span, msg));
        }
    }

    /// `LAYER.shape` as the file holds it (a 1-D I32 tensor), with the file's path.
    pub fn declared_shape(&self, layer: &str) -> Option<(Vec<usize>, String)> {
        let t = self.header.tensors.get(&format!("{layer}.shape"))?;
        if t.dtype != Dtype::I32.name() || t.shape.len() != 1 {
            return None;
        }
        let at = At {
            start: t.start,
            len: t.elements,
        };
        let dims = self
            .words(at)
            .map(|w| usize::try_from(i32::from_le_bytes(w)).ok())
            .collect::<Option<Vec<usize>>>()?;
        Some((dims, self.path.clone()))
    }

    /// The four-byte values of a checked tensor.
    fn words(&self, at: At) -> impl Iterator<Item = [u8; 4]> + '_ {
        self.bytes[at.start..at.start + 4 * at.len]
            .chunks_exact(4)
            .map(|c| [c[0], c[1], c[2], c[3]])
    }

    /// `NODE.scale` and `NODE.zero_point`: a positive finite scale and an int8 zero point.
    fn quant(&mut self, errs: &mut Vec<syn::Error>, span: Span, node: &str) -> Option<Quant> {
        let s = self.tensor(errs, span, node, &format!("{node}.scale"), Dtype::F32, &[1]);
        let z = self.tensor(
            errs,
            span,
            node,
            &format!("{node}.zero_point"),
            Dtype::I32,
            &[1],
        );
        let scale = f32::from_le_bytes(self.words(s?).next()?);
        let zero_point = i32::from_le_bytes(self.words(z?).next()?);
        if !(scale.is_finite() && scale > 0.0 && (-128..=127).contains(&zero_point)) {
            errs.push(syn::Error::new(
                span,
                format!("`{node}.scale` and `{node}.zero_point` in `{}` are {scale} and {zero_point}, expected a positive scale and a zero point in -128..=127", self.path),
            ));
            return None;
        }
        Some(Quant { scale, zero_point })
    }

    /// The quantization of `node`, whose dtype is `dtype`: `NODE.scale` and
    /// `NODE.zero_point` when int8, none when float32 ([`F32_QUANT`]). A node whose dtype
    /// differs from the file's (the file holds neither tensor for an int8 node, or holds
    /// them for a float32 one) is one error saying so.
    fn node_quant(
        &mut self,
        errs: &mut Vec<syn::Error>,
        span: Span,
        node: &str,
        dtype: Dtype,
    ) -> Option<Quant> {
        let (s, z) = (format!("{node}.scale"), format!("{node}.zero_point"));
        let has = |n: &str| self.header.tensors.contains_key(n);
        let quantized = has(&s) || has(&z);
        let file = &self.path;
        match dtype {
            Dtype::I8 if !quantized => {
                errs.push(syn::Error::new(
                    span,
                    format!("`{node}` is int8 in the declaration, but `{file}` holds no `{s}` or `{z}`: the file's `{node}` is float32\n\nhelp: make the declaration agree with the file (`f32[...]` for the input, a `tfl_dequantize` before a layer)"),
                ));
                None
            }
            Dtype::I8 => self.quant(errs, span, node),
            _ if quantized => {
                self.used.insert(s.clone());
                self.used.insert(z);
                errs.push(syn::Error::new(
                    span,
                    format!("`{node}` is float32 in the declaration, but `{file}` holds `{s}`: the file's `{node}` is int8\n\nhelp: make the declaration agree with the file (no `f32` for the input, a `tfl_quantize` before a layer)"),
                ));
                None
            }
            _ => Some(F32_QUANT),
        }
    }

    /// `NODE.shape`: the activation's shape the file was made for, equal to `shape`.
    fn shape(
        &mut self,
        errs: &mut Vec<syn::Error>,
        span: Span,
        node: &str,
        shape: &[usize],
        from: &str,
    ) -> Option<()> {
        let name = format!("{node}.shape");
        let at = self.tensor(errs, span, node, &name, Dtype::I32, &[shape.len()])?;
        let found: Vec<i64> = self
            .words(at)
            .map(|w| i64::from(i32::from_le_bytes(w)))
            .collect();
        let want: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
        if found != want {
            errs.push(syn::Error::new(
                span,
                format!("`{name}` is {found:?} in `{}`, but `{node}` gives {want:?}{from}\n\nhelp: the file's `{node}` outputs {found:?}; make the declaration agree with it", self.path),
            ));
            return None;
        }
        Some(())
    }
}

/// The layers the file has tensors for (`layer.tensor`) that `net` does not declare.
fn undeclared(file: &File, net: &TflNetwork) -> Vec<String> {
    let declared: BTreeSet<String> = net.layers.iter().map(|l| l.name.to_string()).collect();
    let mut layers: Vec<String> = file
        .header
        .tensors
        .keys()
        .filter_map(|k| k.split_once('.').map(|(l, _)| l.to_string()))
        .filter(|l| l != "input" && !declared.contains(l))
        .collect();
    layers.dedup();
    layers
}

/// Layer `l`'s tensors in the file, given its parents' quantizations `ins`.
fn layer_params(
    file: &mut File,
    errs: &mut Vec<syn::Error>,
    l: &TflLayer,
    ins: &[Quant],
    unknown: &[String],
) -> Option<Params> {
    let prev = ins.first().copied().unwrap_or(F32_QUANT);
    let (name, span) = (l.name.to_string(), l.span);
    let prefix = format!("{name}.");
    if !file.header.tensors.keys().any(|k| k.starts_with(&prefix)) {
        let hint = match unknown {
            [] => String::new(),
            [one] => format!(
                "\n\nhelp: the file has a layer `{one}`, which the declaration does not name"
            ),
            more => format!(
                "\n\nhelp: the file has layers the declaration does not name: {}",
                more.iter()
                    .map(|m| format!("`{m}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        errs.push(syn::Error::new(
            span,
            format!(
                "`{}` holds no tensor of `{name}` (`{name}.shape`, ...){hint}",
                file.path
            ),
        ));
        return None;
    }
    let computes = l.kind.computes();
    let from = if computes {
        format!(" from its input {:?}", l.input)
    } else {
        String::new()
    };
    let shape_ok = file.shape(errs, span, &name, &l.out, &from);
    if !computes && !l.kind.stored() {
        shape_ok?;
        return Some(Params {
            tensors: Vec::new(),
            out: prev,
        });
    }
    let out = file.node_quant(errs, span, &name, l.out_dtype);
    // The views of the tensors that passed (all of them when `errs` stays as it was, the
    // only case codegen sees).
    let mut tensors = Vec::new();
    // The count of the per-channel tensors: `[1]` when the first one is so in the file.
    let mut per_channel = None;
    for t in l.kind.tensors(l) {
        let full = format!("{name}.{}", t.suffix);
        let shape = match t.shape {
            Shape::Exact(s) => s,
            Shape::PerChannel(c) => {
                let k = *per_channel.get_or_insert_with(|| match file.header.tensors.get(&full) {
                    Some(t) if t.shape == [1] => 1,
                    _ => c,
                });
                vec![k]
            }
        };
        let at = file.tensor(errs, span, &name, &full, t.dtype, &shape);
        if let Some(at) = at {
            file.values(errs, span, &full, at, t.values);
            tensors.push(at);
        }
    }
    let out = out?;
    let checked = computes && l.dtype == Dtype::I8 && l.out_dtype == Dtype::I8;
    if let Some(why) = l.kind.check_output(prev, out).filter(|_| checked) {
        errs.push(syn::Error::new(
            span,
            format!(
                "`{name}.scale` and `{name}.zero_point` are {} and {} in `{}`, but {why}",
                out.scale, out.zero_point, file.path
            ),
        ));
        return None;
    }
    shape_ok?;
    Some(Params { tensors, out })
}

/// Checks every tensor of the file against `net`; `None` (with the errors in `errs`) when
/// something differs.
pub fn check(net: &TflNetwork, mut file: File, errs: &mut Vec<syn::Error>) -> Option<Layout> {
    let name = &net.name;
    let before = errs.len();
    let span = net.input_span;
    file.shape(errs, span, "input", &net.input, "");
    let input = file.node_quant(errs, span, "input", net.input_dtype);
    let mut layers: Vec<Option<Params>> = Vec::new();
    let unknown = undeclared(&file, net);
    for l in &net.layers {
        let ins: Option<Vec<Quant>> = l
            .parents
            .iter()
            .map(|p| match p {
                TflNode::Input => input,
                TflNode::Layer(i) => layers.get(*i).and_then(|p| p.as_ref().map(|p| p.out)),
            })
            .collect();
        let p = ins.and_then(|ins| layer_params(&mut file, errs, l, &ins, &unknown));
        layers.push(p);
    }
    if errs.len() > before {
        // A layer that failed leaves the ones after it unchecked: their tensors are not
        // strays.
        let declared: Vec<String> = net.layers.iter().map(|l| format!("{}.", l.name)).collect();
        let all: Vec<String> = file.header.tensors.keys().cloned().collect();
        for k in all
            .into_iter()
            .filter(|k| declared.iter().any(|d| k.starts_with(d)))
        {
            file.used.insert(k);
        }
    }
    // One error per undeclared layer, one per stray tensor of a declared one.
    let mut reported = BTreeSet::new();
    let extra: Vec<String> = file
        .header
        .tensors
        .keys()
        .filter(|k| !file.used.contains(*k))
        .cloned()
        .collect();
    for t in extra {
        let layer = t.split_once('.').map_or(t.clone(), |(l, _)| l.to_string());
        if unknown.contains(&layer) {
            if reported.insert(layer.clone()) {
                errs.push(syn::Error::new(
                    name.span(),
                    format!("`{}` holds the layer `{layer}` (`{layer}.shape`, ...), which `{name}` does not declare", file.path),
                ));
            }
        } else {
            errs.push(syn::Error::new(
                name.span(),
                format!(
                    "`{}` holds `{t}`, which `{name}` does not declare",
                    file.path
                ),
            ));
        }
    }
    (errs.len() == before).then_some(Layout {
        blob: super::tfl_blob::pack(&file.bytes, net, &mut layers),
        input: input?,
        layers: layers.into_iter().collect::<Option<_>>()?,
    })
}
