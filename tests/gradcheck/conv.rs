//! Convolution: the forward against the formula written out as plain loops, and the
//! backward against central differences, for stride, padding, a non-square kernel,
//! dilation, groups (grouped and depthwise), no bias, and sizes that span several of the
//! kernel's blocks (more than 32 output pixels, 128 im2col columns or 64 filters). Every
//! case also checks the batch path on its own, at batch 3: the loss `r · Y(X)` over the
//! whole batch, its `dℓ/dX` and parameter gradients (summed over the samples) against
//! central differences of the batch forward.

use crate::layers::{check_op, output, randomize};
use crate::{random_vector, rng};
use nn_core::__private::kernels::ConvGeometry;
use nn_core::gradcheck::{numeric_gradient, numeric_gradient_of, relative_error};
use nn_core::layer::{BatchOp, Conv2d};
use nn_core::nalgebra::SVector;
use nn_core::{Batch, Parameters};
use rand::Rng;

/// The batch path at batch 3 against central differences of the batch forward:
/// `ℓ = Σ r ∘ Y(X)`, so `dℓ/dY = r`.
fn check_batch<L: BatchOp<f64, I, O>, const I: usize, const O: usize>(
    name: &str,
    conv: &mut L,
    rng: &mut rand::rngs::StdRng,
) {
    let n = 3;
    let x = Batch::<f64, I>::from_fn(n, |_, _| rng.random_range(-1.0..=1.0));
    let r = Batch::<f64, O>::from_fn(n, |_, _| rng.random_range(-1.0..=1.0));
    let loss = |conv: &L, x: &Batch<f64, I>| {
        let (mut y, mut ws) = (Batch::<f64, O>::zeros(0), L::empty_batch_cache());
        conv.op_forward_batch(x, &mut y, &mut ws, true);
        r.dot(&y)
    };
    let (mut y, mut ws) = (Batch::<f64, O>::zeros(0), L::empty_batch_cache());
    conv.op_forward_batch(&x, &mut y, &mut ws, true);
    let mut grad = L::zeros();
    grad.fill(f64::NAN);
    let mut dx = Batch::<f64, I>::from_element(n, f64::NAN);
    conv.op_backward_batch(&x, &y, &ws, &r, &mut grad, Some(&mut dx));
    let num_dx = numeric_gradient_of(x.as_slice(), crate::EPS, |v| {
        loss(conv, &Batch::from_column_slice(v))
    });
    let e = relative_error(dx.as_slice(), &num_dx);
    assert!(e < crate::TOL, "{name}, batch: dℓ/dX relative error {e:e}");
    let num = numeric_gradient(conv, crate::EPS, |c| loss(c, &x));
    for t in 0..conv.tensor_count() {
        let e = relative_error(grad.tensor(t).unwrap(), num.tensor(t).unwrap());
        assert!(
            e < crate::TOL,
            "{name}, batch: tensor {t} relative error {e:e}"
        );
    }
    // Without `dx` (a first layer): the same parameter gradients.
    let mut grad2 = L::zeros();
    conv.op_backward_batch(&x, &y, &ws, &r, &mut grad2, None);
    for t in 0..conv.tensor_count() {
        assert_eq!(
            grad.tensor(t),
            grad2.tensor(t),
            "{name}: tensor {t} without dx"
        );
    }
}

/// `y[f, oh, ow] = b[f] + Σ W[f, c, i, j] x[g·C/G + c, oh·S + i·D - P, ow·S + j·D - P]`,
/// reading `W` by its PyTorch index through the documented layout.
fn reference(g: &ConvGeometry, w: &[f64], b: Option<&[f64]>, x: &[f64]) -> Vec<f64> {
    let (oh, ow, cg, fg) = (g.oh(), g.ow(), g.c / g.groups, g.f / g.groups);
    let mut y = vec![0.0; g.f * oh * ow];
    for f in 0..g.f {
        for r in 0..oh {
            for q in 0..ow {
                let mut s = b.map_or(0.0, |b| b[f]);
                for c in 0..cg {
                    for i in 0..g.kh {
                        for j in 0..g.kw {
                            let ih = (r * g.stride + i * g.dilation) as isize - g.pad as isize;
                            let iw = (q * g.stride + j * g.dilation) as isize - g.pad as isize;
                            if ih < 0 || iw < 0 || ih >= g.h as isize || iw >= g.w as isize {
                                continue;
                            }
                            let ch = f / fg * cg + c;
                            let xv = x[(ch * g.h + ih as usize) * g.w + iw as usize];
                            // (f, c, i, j) at f + F(c + C/G (i + kh j))
                            s += w[f + g.f * (c + cg * (i + g.kh * j))] * xv;
                        }
                    }
                }
                y[(f * oh + r) * ow + q] = s;
            }
        }
    }
    y
}

macro_rules! conv_case {
    ($test:ident, $seed:expr, [$c:literal, $h:literal, $w:literal, $f:literal, $kh:literal, $kw:literal,
      $s:literal, $p:literal, $d:literal, $g:literal, $k:literal, $bias:literal], $in:literal -> $out:literal) => {
        #[test]
        fn $test() {
            type L = Conv2d<f64, $c, $h, $w, $f, $kh, $kw, $s, $p, $d, $g, $k, $bias>;
            let mut rng = rng($seed);
            let mut conv = L::zeros();
            randomize(&mut conv, &mut rng);
            let x = random_vector::<$in>(&mut rng);
            let want = reference(
                &L::GEOMETRY,
                conv.weight.as_slice(),
                $bias.then(|| conv.bias.as_slice()),
                x.as_slice(),
            );
            let got = output::<L, $in, $out>(&conv, &x);
            let e = nn_core::gradcheck::relative_error(got.as_slice(), &want);
            assert!(e < 1e-14, "forward differs from the formula by {e:e}");
            assert_eq!(conv.tensor_count(), 1 + $bias as usize);
            check_op::<L, $in, $out>(stringify!($test), &mut conv, &mut rng, random_vector);
            check_batch::<L, $in, $out>(stringify!($test), &mut conv, &mut rng);
        }
    };
}

conv_case!(padded_3x3, 1, [2, 5, 6, 3, 3, 3, 1, 1, 1, 1, 18, true], 60 -> 90);
conv_case!(stride_2, 2, [2, 7, 7, 2, 3, 3, 2, 0, 1, 1, 18, true], 98 -> 18);
conv_case!(non_square_kernel_padding_2, 3, [1, 4, 5, 2, 2, 3, 1, 2, 1, 1, 6, true], 20 -> 98);
conv_case!(dilation_2, 4, [2, 7, 6, 2, 3, 3, 1, 2, 2, 1, 18, true], 84 -> 84);
conv_case!(two_groups_no_bias, 5, [4, 5, 5, 6, 3, 3, 1, 1, 1, 2, 18, false], 100 -> 150);
conv_case!(depthwise_stride_2, 6, [3, 6, 6, 3, 3, 3, 2, 1, 1, 3, 9, true], 108 -> 27);
conv_case!(more_than_128_columns_and_32_pixels, 7, [16, 6, 6, 2, 3, 3, 1, 1, 1, 1, 144, true], 576 -> 72);
conv_case!(more_than_64_filters, 8, [1, 3, 3, 70, 1, 1, 1, 0, 1, 1, 1, true], 9 -> 630);
conv_case!(groups_stride_padding_dilation_non_square, 11, [4, 9, 9, 4, 3, 2, 2, 1, 2, 2, 12, true], 324 -> 80);
conv_case!(stride_3_dilation_2_padding, 9, [2, 9, 8, 2, 2, 2, 3, 1, 2, 1, 8, true], 144 -> 18);

#[test]
fn a_bias_free_convolution_ignores_its_bias_storage() {
    type L = Conv2d<f64, 1, 4, 4, 2, 3, 3, 1, 1, 1, 1, 9, false>;
    let mut rng = rng(10);
    let mut conv = L::zeros();
    randomize(&mut conv, &mut rng);
    let x = random_vector::<16>(&mut rng);
    let y = output::<L, 16, 32>(&conv, &x);
    conv.bias.fill(100.0);
    assert_eq!(output::<L, 16, 32>(&conv, &x), y);
    let xb = nn_core::Batch::<f64, 16>::from_columns(&[x, x]);
    let mut ws = <L as BatchOp<f64, 16, 32>>::empty_batch_cache();
    let batch = |conv: &L, ws: &mut _| {
        let mut yb = nn_core::Batch::zeros(0);
        BatchOp::<f64, 16, 32>::op_forward_batch(conv, &xb, &mut yb, ws, true);
        yb
    };
    let yb = batch(&conv, &mut ws);
    conv.bias.fill(0.0);
    assert_eq!(batch(&conv, &mut ws), yb);
    for s in 0..2 {
        let e = nn_core::gradcheck::relative_error(yb.column(s).as_slice(), y.as_slice());
        assert!(
            e < 1e-14,
            "batch sample {s} differs from one sample by {e:e}"
        );
    }
    let _: SVector<f64, 32> = y;
}
