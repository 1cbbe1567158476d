//! `tfl_conv2d(FILTERS, kernel = (H, W), stride, dilation, padding, act)` and
//! `tfl_depthwise_conv2d(kernel = (H, W), multiplier = M, ...)`: TFLite's int8 CONV_2D and
//! DEPTHWISE_CONV_2D over NHWC input `[N, H, W, C]`,
//! `y[n, i, j, o] = requant(Σ w[o, di, dj, c] (x[n, s·i + d·di - p, s·j + d·dj - p, c] - z_in) + b[o])`.
//! Convolution filters are `[FILTERS, KH, KW, C]`, depthwise filters `[1, KH, KW, C·M]`
//! (output channel `c·M + m` reads input channel `c` only). Over a float32 input, TFLite's
//! float kernels: the same sums of `w x` without offsets, `y = clamp(Σ + b)`.

use super::args::{window, Act, Window};
use super::emit::{conv_geometry, lit, range_f32, requant, shape};
use super::{weighted_as, Ctx, Dtype, Emit, Lowered, Tensor, TflKind, WeightViews};
use crate::ir::TflLayer;
use proc_macro2::TokenStream;
use quote::quote;

/// `tfl_conv2d`: `nn_core::quant::tflite::conv_2d`.
pub struct Conv2d {
    pub filters: usize,
    /// The input's channels.
    pub channels: usize,
    pub win: Window,
    pub act: Act,
}

impl Conv2d {
    fn filter_shape(&self) -> Vec<usize> {
        let (kh, kw) = self.win.kernel;
        vec![self.filters, kh, kw, self.channels]
    }
}

impl TflKind for Conv2d {
    fn name(&self) -> &'static str {
        "tfl_conv2d"
    }

    fn tensors(&self, l: &TflLayer) -> Vec<Tensor> {
        weighted_as(l.dtype, self.filter_shape(), self.filters)
    }

    fn emit(&self, l: &TflLayer, e: &Emit) -> TokenStream {
        if l.dtype == Dtype::F32 {
            return conv_f32(l, e, &self.win, self.act, &self.filter_shape(), None);
        }
        let v = WeightViews::of(e);
        let rq = requant(e, &v.multiplier, &v.shift, self.act);
        let (w, b, g) = (v.weight, v.bias, conv_geometry(&self.win));
        let (fs, is, os) = (shape(&self.filter_shape()), shape(&l.input), shape(&l.out));
        quote!(__k::conv_2d(&#rq, &#g, x, #is, #w, #fs, Some(#b), y, #os)?;)
    }
}

/// `tfl_depthwise_conv2d`: `nn_core::quant::tflite::depthwise_conv_2d`.
pub struct DepthwiseConv2d {
    pub multiplier: usize,
    /// The output's channels, the input's times `multiplier`.
    pub channels: usize,
    pub win: Window,
    pub act: Act,
}

impl DepthwiseConv2d {
    fn filter_shape(&self) -> Vec<usize> {
        let (kh, kw) = self.win.kernel;
        vec![1, kh, kw, self.channels]
    }
}

impl TflKind for DepthwiseConv2d {
    fn name(&self) -> &'static str {
        "tfl_depthwise_conv2d"
    }

    fn tensors(&self, l: &TflLayer) -> Vec<Tensor> {
        weighted_as(l.dtype, self.filter_shape(), self.channels)
    }

    fn emit(&self, l: &TflLayer, e: &Emit) -> TokenStream {
        if l.dtype == Dtype::F32 {
            let m = Some(self.multiplier);
            return conv_f32(l, e, &self.win, self.act, &self.filter_shape(), m);
        }
        let v = WeightViews::of(e);
        let rq = requant(e, &v.multiplier, &v.shift, self.act);
        let (w, b, g) = (v.weight, v.bias, conv_geometry(&self.win));
        let (fs, is, os, mult) = (
            shape(&self.filter_shape()),
            shape(&l.input),
            shape(&l.out),
            lit(self.multiplier),
        );
        quote!(__k::depthwise_conv_2d(&#rq, &#g, #mult, x, #is, #w, #fs, Some(#b), y, #os)?;)
    }
}

/// The float32 kernel call of either kind (`conv_2d_f32`, depthwise with a multiplier).
fn conv_f32(
    l: &TflLayer,
    e: &Emit,
    win: &Window,
    act: Act,
    filter: &[usize],
    multiplier: Option<usize>,
) -> TokenStream {
    let (w, b, g, r) = (e.view(0), e.view(1), conv_geometry(win), range_f32(act));
    let (fs, is, os) = (shape(filter), shape(&l.input), shape(&l.out));
    let m = match multiplier {
        Some(m) => {
            let m = lit(m);
            quote!(Some(#m))
        }
        None => quote!(None),
    };
    quote!(__k::conv_2d_f32(&#g, #m, x, #is, #w, #fs, Some(#b), #r, y, #os)?;)
}

/// What both kinds' arguments give: the filters or multiplier, window, output size, act.
fn lower_window(cx: &mut Ctx, n: Option<usize>) -> Option<(usize, Window, [usize; 4], Act)> {
    let ok = cx.rank4();
    let win = if ok {
        window(&mut cx.args, cx.errs, cx.input, true)
    } else {
        None
    };
    let act = cx.args.act(cx.errs);
    let (n, (win, oh, ow), act) = (n?, win?, act?);
    cx.args.finish(cx.errs, "the filters (tfl_conv2d), `kernel`, `stride`, `dilation`, `padding`, `multiplier` (tfl_depthwise_conv2d) and `act`");
    let i = cx.input;
    Some((n, win, [i[0], oh, ow, i[3]], act))
}

pub fn lower_conv(cx: &mut Ctx) -> Option<Lowered> {
    let filters = cx.args.count(
        cx.errs,
        "",
        "the number of filters (`tfl_conv2d(FILTERS, kernel = (H, W), ...)`)",
    );
    let (filters, win, [n, oh, ow, channels], act) = lower_window(cx, filters)?;
    let kind = Conv2d {
        filters,
        channels,
        win,
        act,
    };
    Some((Box::new(kind), vec![n, oh, ow, filters]))
}

pub fn lower_depthwise(cx: &mut Ctx) -> Option<Lowered> {
    let given = cx
        .args
        .layer
        .args
        .iter()
        .any(|x| x.key.as_ref().is_some_and(|k| k == "multiplier"));
    let multiplier = if given {
        cx.args.count(cx.errs, "multiplier", "the depth multiplier")
    } else {
        Some(1)
    };
    let (multiplier, win, [n, oh, ow, c], act) = lower_window(cx, multiplier)?;
    let kind = DepthwiseConv2d {
        multiplier,
        channels: c * multiplier,
        win,
        act,
    };
    Some((Box::new(kind), vec![n, oh, ow, c * multiplier]))
}
