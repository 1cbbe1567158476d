//! The pieces of a `tfl_` kernel call: literals, quantization, TFLM's requantization
//! (`y = clamp(z_out + M·(Σ w (x - z_in) + b), lo, hi)` with per-channel fixed-point `M`)
//! and window geometry, as `nn_core::quant::tflite` (`__k`) takes them.

use super::args::{Act, Window};
use super::Quant;
use proc_macro2::{Literal, TokenStream};
use quote::quote;

/// What a kind's [`super::TflKind::emit`] is given beside its layer: the quantization of
/// its input (its first parent), of every parent and of its output, and a view of each of
/// its [`super::TflKind::tensors`]. A float32 node's quantization is unused (scale 1, zero
/// point 0).
pub struct Emit {
    pub input: Quant,
    pub inputs: Vec<Quant>,
    pub output: Quant,
    pub views: Vec<TokenStream>,
}

impl Emit {
    /// The view of the kind's `i`-th tensor (a `&'static [T]` expression).
    pub fn view(&self, i: usize) -> TokenStream {
        self.views.get(i).cloned().unwrap_or_default()
    }
}

pub fn lit(n: usize) -> Literal {
    Literal::usize_unsuffixed(n)
}

/// `v`, exactly, as an `f32` expression.
pub fn f32_bits(v: f32) -> TokenStream {
    let bits = Literal::u32_suffixed(v.to_bits());
    quote!(f32::from_bits(#bits))
}

pub fn quant(q: Quant) -> TokenStream {
    let (s, z) = (f32_bits(q.scale), Literal::i32_unsuffixed(q.zero_point));
    quote!(::nn_core::quant::tflite::QuantParams { scale: #s, zero_point: #z })
}

/// `[d0, d1, ...]`.
pub fn shape(s: &[usize]) -> TokenStream {
    let d = s.iter().map(|&d| lit(d));
    quote!([#(#d),*])
}

/// `(a, b)`.
pub fn pair(p: (usize, usize)) -> TokenStream {
    let (a, b) = (lit(p.0), lit(p.1));
    quote!((#a, #b))
}

/// The innermost dimension (the channels or features a kernel reduces over).
pub fn depth(s: &[usize]) -> Literal {
    lit(*s.last().unwrap_or(&1))
}

fn act(a: Act) -> TokenStream {
    match a {
        Act::None => quote!(None),
        Act::Relu => quote!(Relu),
        Act::Relu6 => quote!(Relu6),
        Act::ReluN1To1 => quote!(ReluN1To1),
    }
}

/// The int8 range the fused activation `a` leaves of `out`.
pub fn range(a: Act, out: Quant) -> TokenStream {
    let (a, q) = (act(a), quant(out));
    quote!(__k::activation_range_i8(__k::FusedActivation::#a, #q))
}

/// The float32 clamp of the fused activation `a`.
pub fn range_f32(a: Act) -> TokenStream {
    let a = act(a);
    quote!(__k::activation_range_f32(__k::FusedActivation::#a))
}

/// TFLM's requantization of a weighted layer, with its `multiplier` and `shift` views.
pub fn requant(e: &Emit, multiplier: &TokenStream, shift: &TokenStream, a: Act) -> TokenStream {
    let (io, oo) = (
        Literal::i32_unsuffixed(-e.input.zero_point),
        Literal::i32_unsuffixed(e.output.zero_point),
    );
    let r = range(a, e.output);
    quote!(__k::Requant {
        input_offset: #io,
        filter_offset: 0,
        output_offset: #oo,
        multipliers: #multiplier,
        shifts: #shift,
        range: #r,
    })
}

pub fn conv_geometry(w: &Window) -> TokenStream {
    let (s, d, p) = (pair(w.stride), pair(w.dilation), pair(w.pad));
    quote!(__k::ConvGeometry { stride: #s, dilation: #d, padding: #p })
}
