//! The arguments of the `tfl_*` kinds (`kernel = (h, w)`, `padding = same`, `act = relu`,
//! ...) and TFLite's window arithmetic: `out = ceil(in / stride)` for SAME,
//! `ceil((in - (k - 1)·d) / stride)` for VALID, the padding split evenly (the extra row or
//! column at the end).

use super::Dtype;
use crate::ast::{Arg, LayerDecl};
use proc_macro2::{Span, TokenStream};

/// A fused activation, TFLite's `ActivationFunctionType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
    None,
    Relu,
    ReluN1To1,
    Relu6,
}

/// TFLite's padding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Padding {
    Same,
    Valid,
}

/// A window's geometry, height first: kernel, stride, dilation and the leading padding.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    pub kernel: (usize, usize),
    pub stride: (usize, usize),
    pub dilation: (usize, usize),
    pub pad: (usize, usize),
}

pub fn err(errs: &mut Vec<syn::Error>, span: Span, msg: impl std::fmt::Display) {
    errs.push(syn::Error::new(span, msg.to_string()));
}

/// Reads `[d, ...]` (or one size) as a shape.
pub fn shape(tokens: &TokenStream) -> Option<Vec<usize>> {
    if let Ok(n) = syn::parse2::<syn::LitInt>(tokens.clone()) {
        return n.base10_parse().ok().map(|n| vec![n]);
    }
    let arr = syn::parse2::<syn::ExprArray>(tokens.clone()).ok()?;
    arr.elems
        .iter()
        .map(|e| match e {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(i),
                ..
            }) => i.base10_parse().ok(),
            _ => None,
        })
        .collect()
}

/// Reads `[d, ...]`, `i8[d, ...]` or `f32[d, ...]` as a shape and its dtype (`i8` when
/// unwritten).
pub fn typed_shape(tokens: &TokenStream) -> Option<(Vec<usize>, Dtype)> {
    let mut it = tokens.clone().into_iter();
    match it.next()? {
        proc_macro2::TokenTree::Ident(i) => {
            let dtype = Dtype::parse(&i.to_string())?;
            Some((shape(&it.collect())?, dtype))
        }
        _ => Some((shape(tokens)?, Dtype::I8)),
    }
}

fn pair(tokens: &TokenStream) -> Option<(usize, usize)> {
    if let Ok(n) = syn::parse2::<syn::LitInt>(tokens.clone()) {
        let n = n.base10_parse().ok()?;
        return Some((n, n));
    }
    let t = syn::parse2::<syn::ExprTuple>(tokens.clone()).ok()?;
    let v: Vec<usize> = t
        .elems
        .iter()
        .map(|e| match e {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(i),
                ..
            }) => i.base10_parse().ok(),
            _ => None,
        })
        .collect::<Option<_>>()?;
    match v[..] {
        [h, w] => Some((h, w)),
        _ => None,
    }
}

/// TFLite's `ComputeOutSize` and `ComputePaddingHeightWidth` for one dimension (as
/// `nn_core::quant::tflite::out_size_and_padding`, which the macro cannot call).
fn out_and_pad(
    p: Padding,
    input: usize,
    k: usize,
    stride: usize,
    dilation: usize,
) -> Option<(usize, usize)> {
    if stride == 0 || dilation == 0 || k == 0 {
        return None;
    }
    let eff = (k - 1).checked_mul(dilation)?.checked_add(1)?;
    let out = match p {
        Padding::Same => input.div_ceil(stride),
        Padding::Valid => (input.checked_sub(eff)? + stride) / stride,
    };
    let total = ((out.max(1) - 1) * stride + eff).saturating_sub(input);
    Some((out, total / 2))
}

/// The arguments of one layer, by key; the first unkeyed one as `""`.
pub struct Args<'a> {
    pub layer: &'a LayerDecl,
    pub kind: String,
    pub used: Vec<bool>,
}

impl<'a> Args<'a> {
    /// The arguments of `layer`, none used yet.
    pub fn new(layer: &'a LayerDecl) -> Args<'a> {
        Args {
            layer,
            kind: layer.kind.to_string(),
            used: vec![false; layer.args.len()],
        }
    }

    pub fn get(&mut self, key: &str) -> Option<&'a Arg> {
        let i = self.layer.args.iter().position(|a| match &a.key {
            Some(k) => k == key,
            None => key.is_empty(),
        })?;
        self.used[i] = true;
        Some(&self.layer.args[i])
    }

    pub fn finish(&self, errs: &mut Vec<syn::Error>, known: &str) {
        for (a, used) in self.layer.args.iter().zip(&self.used) {
            if !used {
                let what = a
                    .key
                    .as_ref()
                    .map_or("this argument".to_string(), |k| format!("`{k}`"));
                err(
                    errs,
                    a.span,
                    format!("`{}` takes no {what}; its arguments are {known}", self.kind),
                );
            }
        }
    }

    pub fn pair(
        &mut self,
        errs: &mut Vec<syn::Error>,
        key: &str,
        default: Option<(usize, usize)>,
    ) -> Option<(usize, usize)> {
        match self.get(key) {
            Some(a) => {
                match pair(&a.value) {
                    Some(p) if p.0 > 0 && p.1 > 0 => Some(p),
                    _ => {
                        err(errs, a.span, format!("expected `{key} = (height, width)` with positive integers, found `{}`", a.value));
                        None
                    }
                }
            }
            None if default.is_some() => default,
            None => {
                err(
                    errs,
                    self.layer.args_span,
                    format!("`{}` needs `{key} = (height, width)`", self.kind),
                );
                None
            }
        }
    }

    /// The keyword argument `key = word`, one of `options` (`default` when absent).
    pub fn keyword<T: Copy>(
        &mut self,
        errs: &mut Vec<syn::Error>,
        key: &str,
        options: &[(&str, T)],
        default: T,
    ) -> Option<T> {
        let Some(a) = self.get(key) else {
            return Some(default);
        };
        let found = a.value.to_string();
        if let Some((_, v)) = options.iter().find(|(w, _)| *w == found) {
            return Some(*v);
        }
        let names: Vec<String> = options.iter().map(|(w, _)| format!("`{w}`")).collect();
        err(
            errs,
            a.span,
            format!(
                "expected `{key}` to be one of {}, found `{found}`",
                names.join(", ")
            ),
        );
        None
    }

    pub fn act(&mut self, errs: &mut Vec<syn::Error>) -> Option<Act> {
        let options = [
            ("none", Act::None),
            ("relu", Act::Relu),
            ("relu6", Act::Relu6),
            ("relu_n1_to_1", Act::ReluN1To1),
        ];
        self.keyword(errs, "act", &options, Act::None)
    }

    pub fn padding(&mut self, errs: &mut Vec<syn::Error>) -> Option<Padding> {
        let options = [("same", Padding::Same), ("valid", Padding::Valid)];
        self.keyword(errs, "padding", &options, Padding::Valid)
    }

    pub fn count(&mut self, errs: &mut Vec<syn::Error>, key: &str, what: &str) -> Option<usize> {
        let Some(a) = self.get(key) else {
            err(
                errs,
                self.layer.args_span,
                format!("`{}` needs {what}", self.kind),
            );
            return None;
        };
        match syn::parse2::<syn::LitInt>(a.value.clone())
            .ok()
            .and_then(|n| n.base10_parse::<usize>().ok())
        {
            Some(n) if n > 0 => Some(n),
            _ => {
                err(
                    errs,
                    a.span,
                    format!("expected {what}, a positive integer, found `{}`", a.value),
                );
                None
            }
        }
    }
}

/// The window of a convolution or pooling over `input` (NHWC), and its output's height and
/// width.
pub fn window(
    a: &mut Args,
    errs: &mut Vec<syn::Error>,
    input: &[usize],
    dilated: bool,
) -> Option<(Window, usize, usize)> {
    let kernel = a.pair(errs, "kernel", None);
    let stride = a.pair(errs, "stride", Some((1, 1)));
    let dilation = if dilated {
        a.pair(errs, "dilation", Some((1, 1)))
    } else {
        Some((1, 1))
    };
    let padding = a.padding(errs);
    let (kernel, stride, dilation, padding) = (kernel?, stride?, dilation?, padding?);
    let h = out_and_pad(padding, input[1], kernel.0, stride.0, dilation.0);
    let w = out_and_pad(padding, input[2], kernel.1, stride.1, dilation.1);
    let (Some((oh, ph)), Some((ow, pw))) = (h, w) else {
        err(
            errs,
            a.layer.kind.span(),
            format!(
                "`{}` has a {}x{} window (dilation {}x{}) larger than its {}x{} input, which `padding = valid` cannot cover\n\nhelp: use `padding = same` or a smaller kernel",
                a.layer.name, kernel.0, kernel.1, dilation.0, dilation.1, input[1], input[2]
            ),
        );
        return None;
    };
    Some((
        Window {
            kernel,
            stride,
            dilation,
            pad: (ph, pw),
        },
        oh,
        ow,
    ))
}
