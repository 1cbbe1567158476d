//! The `tfl_*` kinds: TFLite layers (full-integer int8 and float32), inference only,
//! embedded from the weights file `nn-import` writes (the format is in `crate::tflite`).
//!
//! They run over concrete NHWC shapes and int8 activations with a scale and zero point per
//! tensor (`r = s (q - z)`) or float32 ones, so they have no trainable type and do not implement
//! [`super::Kind`]; each is a type holding its resolved settings that implements
//! [`TflKind`], the second trait of the IR: what it reads from the weights file
//! ([`TflKind::tensors`], checked by `validate::tfl_weights`), the rule its output
//! quantization follows ([`TflKind::check_output`]) and its kernel call
//! ([`TflKind::emit`], placed in the network's code by `codegen::tfl`). None of them is
//! known by name outside its own file and [`KINDS`].
//!
//! # Adding a `tfl_` kind
//!
//! 1. A file `kinds/tfl/my_kind.rs` with a `lower(cx: &mut Ctx) -> Option<Lowered>`
//!    function (read the arguments with [`args::Args`], report every mistake on `cx.errs`
//!    spanned on what the user wrote, and call `cx.args.finish` to refuse the arguments the
//!    kind does not take) and a type holding the resolved settings that implements
//!    [`TflKind`]: `name` and `emit` always; `tensors` when the file holds parameters for
//!    it (`weighted` for TFLite's weight, bias and requantization tensors), `check_output`
//!    when its output's quantization is fixed, `computes` (`false`) when it only renames
//!    its input's shape.
//! 2. `mod my_kind;` and one line `("tfl_my_kind", my_kind::lower)` in [`KINDS`].
//! 3. In nn-core, the int8 kernel in `nn_core::quant::tflite`, bit-exact to TFLM's;
//!    in nn-import, the operator's export to the declaration and its tensors.
//!
//! Nothing else changes: the chain's validation, the file checks and the code generator go
//! through [`TflKind`].
//!
//! Each layer reads its parents (the node before it unless it names them,
//! `add1: tfl_add(act = relu)(input, k)`): one for most kinds, two for `tfl_add`, none for
//! `tfl_constant` ([`arity`]). Activations are int8 or float32: a layer's dtype is its first
//! parent's ([`Ctx::dtype`]), and a kind changing it says so in [`TflKind::out_dtype`]
//! (`tfl_quantize` writes int8, `tfl_dequantize` float32); `emit` sees the slices
//! `x` (and `x1`) and `y` of those dtypes.

mod add;
pub mod args;
mod constant;
mod conv2d;
pub mod emit;
mod fully_connected;
mod pool2d;
mod quantize;
mod reshape;
mod softmax;

pub use emit::Emit;

use crate::ir::TflLayer;
use args::Args;
use proc_macro2::TokenStream;

/// The prefix of every `tfl_` kind's name; a declaration with one such layer is a network
/// of `tfl_` layers.
pub const PREFIX: &str = "tfl_";

/// A lowered `tfl_` kind: a type holding the layer's resolved settings.
///
/// Methods taking `l` get the lowered layer the kind belongs to (its name and NHWC input
/// and output shapes).
pub trait TflKind {
    /// The kind's name as written in `network!` (`"tfl_conv2d"`), for messages; the
    /// registry's tests check it against [`KINDS`].
    #[allow(dead_code)]
    fn name(&self) -> &'static str;

    /// Whether the layer runs a kernel with an output quantization of its own. `false` for
    /// a reshape: its output is its input's bytes under another shape, with its input's
    /// scale and zero point, and the file holds only its `shape`.
    fn computes(&self) -> bool {
        true
    }

    /// Whether the layer's output is a tensor of the weights file (`tfl_constant`'s
    /// `L.value`, kept in flash and read in place), rather than computed.
    fn stored(&self) -> bool {
        false
    }

    /// The dtype of the output, given the input's: the input's unless the kind converts.
    fn out_dtype(&self, input: Dtype) -> Dtype {
        input
    }

    /// The tensors the weights file holds for layer `l` beside its `shape`, `scale` and
    /// `zero_point`, in the order [`Emit::view`] numbers their views.
    fn tensors(&self, l: &TflLayer) -> Vec<Tensor> {
        let _ = l;
        Vec::new()
    }

    /// Why `output`, the layer's quantization in the file, cannot follow from `input`'s
    /// (the end of "`L.scale` and `L.zero_point` are .. in `FILE`, but a pooling layer keeps
    /// its input's .."), or `None` when it can.
    fn check_output(&self, input: Quant, output: Quant) -> Option<String> {
        let _ = (input, output);
        None
    }

    /// The kernel call of layer `l`, reading the slice `x` (and `x1`, its second parent)
    /// of its input's dtype and writing `y` of its output's, with
    /// `nn_core::quant::tflite` in scope as `__k` and the `?` of a function returning
    /// `Result<(), nn_core::Error>`.
    fn emit(&self, l: &TflLayer, e: &Emit) -> TokenStream;
}

/// A tensor's per-tensor quantization: `real = scale · (q - zero_point)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Quant {
    pub scale: f32,
    pub zero_point: i32,
}

/// The quantization a float32 node stands under where one is expected: the identity, unused.
pub const F32_QUANT: Quant = Quant {
    scale: 1.0,
    zero_point: 0,
};

/// One tensor a `tfl_` layer reads from the weights file, named `LAYER.suffix`.
pub struct Tensor {
    pub suffix: &'static str,
    pub dtype: Dtype,
    pub shape: Shape,
    /// What its values must satisfy.
    pub values: Values,
    /// Whether the kernel reads it at run time. Only those reach the binary
    /// (`validate::tfl_blob`); the others (`weight_scale`) are checked while expanding.
    pub read: bool,
}

/// A tensor's element type in the weights file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dtype {
    I8,
    I32,
    F32,
}

impl Dtype {
    /// The dtype written in a declaration (`i8`, `f32`) as an activation's or constant's.
    pub fn parse(s: &str) -> Option<Dtype> {
        match s {
            "i8" => Some(Dtype::I8),
            "f32" => Some(Dtype::F32),
            _ => None,
        }
    }

    /// The safetensors name (`I8`).
    pub fn name(self) -> &'static str {
        match self {
            Dtype::I8 => "I8",
            Dtype::I32 => "I32",
            Dtype::F32 => "F32",
        }
    }

    /// The bytes of one element, the alignment a view in place needs.
    pub fn size(self) -> usize {
        match self {
            Dtype::I8 => 1,
            Dtype::I32 | Dtype::F32 => 4,
        }
    }

    /// The Rust element type of a view.
    pub fn rust(self) -> TokenStream {
        match self {
            Dtype::I8 => quote::quote!(i8),
            Dtype::I32 => quote::quote!(i32),
            Dtype::F32 => quote::quote!(f32),
        }
    }
}

/// The shape a [`Tensor`] must have.
pub enum Shape {
    Exact(Vec<usize>),
    /// `[C]` per channel or `[1]` per tensor: the first such tensor of the layer decides
    /// (`[1]` when the file holds it so), the others follow it.
    PerChannel(usize),
}

/// A condition on a [`Tensor`]'s values, checked while expanding.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Values {
    Any,
    /// Positive finite `F32` scales.
    PositiveScales,
    /// `I32` shifts of TFLM's requantization, in `-31..=31`.
    Shifts,
}

/// The tensors of a layer with TFLite's int8 weights of shape `weight` and `channels`
/// output channels: `weight` (I8), `bias` (I32 `[C]`), `weight_scale` (F32), and TFLM's
/// requantization `multiplier` and `shift` (I32), the last three per channel or per tensor.
/// The kernels read all but `weight_scale`. [`WeightViews`] reads their views back.
pub fn weighted(weight: Vec<usize>, channels: usize) -> Vec<Tensor> {
    let t = |suffix, dtype, shape, values| Tensor {
        suffix,
        dtype,
        shape,
        values,
        read: suffix != "weight_scale",
    };
    vec![
        t("weight", Dtype::I8, Shape::Exact(weight), Values::Any),
        t(
            "bias",
            Dtype::I32,
            Shape::Exact(vec![channels]),
            Values::Any,
        ),
        t(
            "weight_scale",
            Dtype::F32,
            Shape::PerChannel(channels),
            Values::PositiveScales,
        ),
        t(
            "multiplier",
            Dtype::I32,
            Shape::PerChannel(channels),
            Values::Any,
        ),
        t(
            "shift",
            Dtype::I32,
            Shape::PerChannel(channels),
            Values::Shifts,
        ),
    ]
}

/// The tensors of a float32 layer with weights of shape `weight` and `channels` outputs:
/// `weight` and `bias` (F32 `[C]`), both read by the kernel.
pub fn weighted_f32(weight: Vec<usize>, channels: usize) -> Vec<Tensor> {
    let t = |suffix, shape| Tensor {
        suffix,
        dtype: Dtype::F32,
        shape: Shape::Exact(shape),
        values: Values::Any,
        read: true,
    };
    vec![t("weight", weight), t("bias", vec![channels])]
}

/// [`weighted`] or [`weighted_f32`], as the layer's dtype.
pub fn weighted_as(dtype: Dtype, weight: Vec<usize>, channels: usize) -> Vec<Tensor> {
    match dtype {
        Dtype::F32 => weighted_f32(weight, channels),
        _ => weighted(weight, channels),
    }
}

/// The views of [`weighted`]'s tensors, for a kernel call.
pub struct WeightViews {
    pub weight: TokenStream,
    pub bias: TokenStream,
    pub multiplier: TokenStream,
    pub shift: TokenStream,
}

impl WeightViews {
    pub fn of(e: &Emit) -> WeightViews {
        WeightViews {
            weight: e.view(0),
            bias: e.view(1),
            multiplier: e.view(3),
            shift: e.view(4),
        }
    }
}

/// What a kind is given: its arguments, its input's NHWC shape and dtype (its first
/// parent's), every parent's shape and dtype, and where to report.
pub struct Ctx<'a> {
    pub args: Args<'a>,
    pub input: &'a [usize],
    pub dtype: Dtype,
    pub parents: &'a [(Vec<usize>, Dtype)],
    pub errs: &'a mut Vec<syn::Error>,
}

impl Ctx<'_> {
    /// The number of input values.
    pub fn input_len(&self) -> usize {
        self.input.iter().product()
    }

    /// Whether the input is NHWC (4 dimensions); reports it on the kind otherwise.
    pub fn rank4(&mut self) -> bool {
        if self.input.len() == 4 {
            return true;
        }
        let (l, kind, input) = (self.args.layer, &self.args.kind, self.input);
        args::err(
            self.errs,
            l.kind.span(),
            format!("`{}` is {} `{kind}` layer, which takes an NHWC input of 4 dimensions, but its input has shape {input:?}\n\nhelp: insert a `tfl_reshape([1, H, W, C])` before `{}`", l.name, crate::suggest::article(kind), l.name),
        );
        false
    }
}

/// A lowered layer: its kind and output shape.
pub type Lowered = (Box<dyn TflKind>, Vec<usize>);

/// Lowers a layer over its input; `None` when it has a mistake (reported in `cx.errs`).
pub type LowerFn = fn(&mut Ctx) -> Option<Lowered>;

/// Every `tfl_` kind by name.
pub const KINDS: &[(&str, LowerFn)] = &[
    ("tfl_fully_connected", fully_connected::lower),
    ("tfl_conv2d", conv2d::lower_conv),
    ("tfl_depthwise_conv2d", conv2d::lower_depthwise),
    ("tfl_avg_pool2d", pool2d::lower_avg),
    ("tfl_max_pool2d", pool2d::lower_max),
    ("tfl_reshape", reshape::lower),
    ("tfl_softmax", softmax::lower),
    ("tfl_add", add::lower),
    ("tfl_quantize", quantize::lower_quantize),
    ("tfl_dequantize", quantize::lower_dequantize),
    ("tfl_constant", constant::lower),
];

/// The number of parents a kind reads: two for `tfl_add`, none for `tfl_constant`, one
/// for the others.
pub fn arity(kind: &str) -> usize {
    match kind {
        "tfl_add" => 2,
        "tfl_constant" => 0,
        _ => 1,
    }
}

/// Every `tfl_` kind's name, for "did you mean" hints inside a network of `tfl_` layers.
pub fn names() -> Vec<&'static str> {
    KINDS.iter().map(|(k, _)| *k).collect()
}

/// The `tfl_` kind called `name`.
pub fn lookup(name: &str) -> Option<LowerFn> {
    KINDS.iter().find(|(k, _)| *k == name).map(|(_, f)| *f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::Item;
    use crate::ast::NetworkDecl;

    /// The layers of `decl` lowered over `input`, each over the one before.
    fn lower_all(decl: NetworkDecl, input: &[usize]) -> Vec<Lowered> {
        let mut errs = Vec::new();
        let mut shape = input.to_vec();
        let mut out = Vec::new();
        for item in &decl.items {
            let Item::Layer(l) = item else { continue };
            let lower = lookup(&l.kind.to_string()).expect("a registered kind");
            let parents = [(shape.clone(), Dtype::I8)];
            let lowered = lower(&mut Ctx {
                args: Args::new(l),
                input: &shape,
                dtype: Dtype::I8,
                parents: &parents,
                errs: &mut errs,
            });
            let lowered = lowered.unwrap_or_else(|| panic!("{}: {:?}", l.name, errs));
            shape = lowered.1.clone();
            out.push(lowered);
        }
        out
    }

    #[test]
    fn every_kind_is_registered_under_its_name() {
        let lowered = lower_all(
            syn::parse_quote! {
                struct N {
                    input: [1, 8, 8, 2],
                    a: tfl_conv2d(4, kernel = (3, 3), padding = same, act = relu),
                    b: tfl_depthwise_conv2d(kernel = (3, 3), multiplier = 2),
                    c: tfl_avg_pool2d(kernel = (2, 2), stride = (2, 2)),
                    d: tfl_max_pool2d(kernel = (3, 3), padding = same),
                    e: tfl_reshape([1, 72]),
                    f: tfl_fully_connected(10),
                    g: tfl_softmax(beta = 1.0),
                    h: tfl_quantize,
                    i: tfl_dequantize,
                    j: tfl_add(act = relu),
                    k: tfl_constant(f32[1, 10]),
                }
            },
            &[1, 8, 8, 2],
        );
        let mut names: Vec<&str> = lowered.iter().map(|(k, _)| k.name()).collect();
        let mut registered = super::names();
        names.sort_unstable();
        registered.sort_unstable();
        assert_eq!(names, registered);
        let shapes: Vec<&[usize]> = lowered.iter().map(|(_, s)| s.as_slice()).collect();
        assert_eq!(
            shapes,
            [
                &[1, 8, 8, 4][..],
                &[1, 6, 6, 8],
                &[1, 3, 3, 8],
                &[1, 3, 3, 8],
                &[1, 72],
                &[1, 10],
                &[1, 10],
                &[1, 10],
                &[1, 10],
                &[1, 10],
                &[1, 10]
            ]
        );
    }

    #[test]
    fn only_kinds_with_weights_read_tensors_and_a_reshape_computes_nothing() {
        let lowered = lower_all(
            syn::parse_quote! {
                struct N {
                    input: [1, 4, 4, 3],
                    a: tfl_depthwise_conv2d(kernel = (3, 3), multiplier = 2),
                    b: tfl_reshape([1, 24]),
                    c: tfl_fully_connected(5),
                }
            },
            &[1, 4, 4, 3],
        );
        let layer = |i: usize, input: Vec<usize>| TflLayer {
            name: syn::parse_quote!(l),
            span: proc_macro2::Span::call_site(),
            kind: Box::new(reshape::Reshape),
            parents: vec![crate::ir::TflNode::Input],
            out: lowered[i].1.clone(),
            out_dtype: Dtype::I8,
            dtype: Dtype::I8,
            input,
        };
        let (dw, fc) = (layer(0, vec![1, 4, 4, 3]), layer(2, vec![1, 24]));
        let shapes = |k: &dyn TflKind, l: &TflLayer| -> Vec<(&str, Vec<usize>)> {
            k.tensors(l)
                .into_iter()
                .map(|t| match t.shape {
                    Shape::Exact(s) => (t.suffix, s),
                    Shape::PerChannel(c) => (t.suffix, vec![c]),
                })
                .collect()
        };
        assert_eq!(
            shapes(lowered[0].0.as_ref(), &dw)[..2],
            [("weight", vec![1, 3, 3, 6]), ("bias", vec![6])]
        );
        assert_eq!(shapes(lowered[2].0.as_ref(), &fc)[4], ("shift", vec![5]));
        assert!(lowered[1].0.tensors(&fc).is_empty() && !lowered[1].0.computes());
    }
}
