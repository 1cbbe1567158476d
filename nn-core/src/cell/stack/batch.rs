//! The batch (training) path of [`RecurrentStack`]: each direction of each layer runs its own
//! batch path ([`Recurrent`]'s one product per step over the batch); in training, dropout is
//! applied to every layer's output but the last's, as PyTorch does.

use super::steps::{add_steps, gather, pick_out, reverse_steps, scatter, spread_out};
use super::RecurrentStack;
use crate::cell::Recurrent;
use crate::layer::{dropout_backward, dropout_forward, BatchOp, DropoutRng, Layer};
use crate::{Batch, Scalar};
use alloc::vec::Vec;

/// What a stack's batch forward keeps for its backward.
pub struct StackBatchCache<B0, BU, T: Scalar, const IN: usize, const SH: usize, const MID: usize> {
    /// Layer 0's batch caches, one per direction.
    first: Vec<B0>,
    /// The upper layers' batch caches, direction after direction.
    upper: Vec<BU>,
    /// Each direction's hidden states, layer after layer, direction after direction.
    ys: Vec<Batch<T, SH>>,
    /// Each layer's concatenated output.
    outs: Vec<Batch<T, MID>>,
    /// The inputs of the upper layers: the outputs below them after dropout.
    ins: Vec<Batch<T, MID>>,
    /// The dropout masks, one per upper layer.
    masks: Vec<Batch<T, MID>>,
    /// Whether the last forward applied dropout.
    dropped: bool,
    /// The input reversed in time, for the reverse directions.
    x_rev: Batch<T, IN>,
    mid_rev: Batch<T, MID>,
    /// The generator of the dropout masks.
    rng: DropoutRng,
}

impl<B0, BU, T: Scalar, const IN: usize, const SH: usize, const MID: usize> core::fmt::Debug
    for StackBatchCache<B0, BU, T, IN, SH, MID>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StackBatchCache")
            .field("samples", &self.x_rev.ncols())
            .field("dropped", &self.dropped)
            .finish()
    }
}

/// Applies `f(src column, dst column)` to every sample.
fn per_sample<T: Scalar, const A: usize, const B: usize>(
    src: &Batch<T, A>,
    dst: &mut Batch<T, B>,
    f: impl Fn(&[T], &mut [T]),
) {
    let n = src.ncols();
    crate::__private::resize(dst, n);
    for (s, d) in src
        .as_slice()
        .chunks_exact(A.max(1))
        .zip(dst.as_mut_slice().chunks_exact_mut(B.max(1)))
    {
        f(s, d);
    }
}

fn resize<T: Scalar, const R: usize>(b: &mut Batch<T, R>, n: usize) {
    crate::__private::resize(b, n);
}

impl<
        T: Scalar,
        C0,
        CU,
        const DIRS: usize,
        const UP: usize,
        const SEQ: usize,
        const IN: usize,
        const SH: usize,
        const MID: usize,
        const OUT: usize,
        const DROP: u64,
    > BatchOp<T, IN, OUT> for RecurrentStack<C0, CU, DIRS, UP, SEQ, IN, SH, MID, OUT, DROP>
where
    C0: Layer<T>,
    CU: Layer<T>,
    Recurrent<C0, SEQ, IN, SH>: BatchOp<T, IN, SH>,
    Recurrent<CU, SEQ, MID, SH>: BatchOp<T, MID, SH>,
{
    type BatchCache = StackBatchCache<
        <Recurrent<C0, SEQ, IN, SH> as BatchOp<T, IN, SH>>::BatchCache,
        <Recurrent<CU, SEQ, MID, SH> as BatchOp<T, MID, SH>>::BatchCache,
        T,
        IN,
        SH,
        MID,
    >;

    fn empty_batch_cache() -> Self::BatchCache {
        let layers = UP + 1;
        StackBatchCache {
            first: (0..DIRS)
                .map(|_| <Recurrent<C0, SEQ, IN, SH> as BatchOp<T, IN, SH>>::empty_batch_cache())
                .collect(),
            upper: (0..UP * DIRS)
                .map(|_| <Recurrent<CU, SEQ, MID, SH> as BatchOp<T, MID, SH>>::empty_batch_cache())
                .collect(),
            ys: (0..layers * DIRS).map(|_| Batch::zeros(0)).collect(),
            outs: (0..layers).map(|_| Batch::zeros(0)).collect(),
            ins: (0..UP).map(|_| Batch::zeros(0)).collect(),
            masks: (0..UP).map(|_| Batch::zeros(0)).collect(),
            dropped: false,
            x_rev: Batch::zeros(0),
            mid_rev: Batch::zeros(0),
            rng: DropoutRng::default(),
        }
    }

    fn op_forward_batch(
        &self,
        x: &Batch<T, IN>,
        y: &mut Batch<T, OUT>,
        c: &mut Self::BatchCache,
        train: bool,
    ) {
        let () = super::StackFits::<DIRS, UP, SEQ, IN, SH, MID, OUT>::OK;
        let (h, n, p) = (SH / SEQ, x.ncols(), f64::from_bits(DROP));
        c.dropped = train && p > 0.0;
        resize(&mut c.outs[0], n);
        for (d, l) in self.first.iter().enumerate() {
            let input = if d == 1 {
                per_sample(x, &mut c.x_rev, |s, t| reverse_steps(s, t, IN / SEQ));
                &c.x_rev
            } else {
                x
            };
            l.op_forward_batch(input, &mut c.ys[d], &mut c.first[d], train);
            let out = &mut c.outs[0];
            for (yb, ob) in c.ys[d]
                .as_slice()
                .chunks_exact(SH)
                .zip(out.as_mut_slice().chunks_exact_mut(MID))
            {
                scatter(yb, ob, h, DIRS, d, d == 1);
            }
        }
        for k in 0..UP {
            let (below, above) = c.outs.split_at_mut(k + 1);
            if c.dropped {
                dropout_forward(p, &below[k], &mut c.ins[k], &mut c.masks[k], &mut c.rng);
            } else {
                crate::__private::assign(&mut c.ins[k], &below[k]);
            }
            let out = &mut above[0];
            resize(out, n);
            for (d, l) in self.upper[k].iter().enumerate() {
                let input = if d == 1 {
                    per_sample(&c.ins[k], &mut c.mid_rev, |s, t| {
                        reverse_steps(s, t, MID / SEQ)
                    });
                    &c.mid_rev
                } else {
                    &c.ins[k]
                };
                let j = (k + 1) * DIRS + d;
                l.op_forward_batch(input, &mut c.ys[j], &mut c.upper[k * DIRS + d], train);
                for (yb, ob) in c.ys[j]
                    .as_slice()
                    .chunks_exact(SH)
                    .zip(out.as_mut_slice().chunks_exact_mut(MID))
                {
                    scatter(yb, ob, h, DIRS, d, d == 1);
                }
            }
        }
        per_sample(&c.outs[UP], y, |s, t| pick_out(s, t, h, DIRS));
    }

    fn op_backward_batch(
        &self,
        x: &Batch<T, IN>,
        _y: &Batch<T, OUT>,
        c: &Self::BatchCache,
        dy: &Batch<T, OUT>,
        grad: &mut Self,
        dx: Option<&mut Batch<T, IN>>,
    ) {
        let (h, n) = (SH / SEQ, x.ncols());
        // Scratch: the cache is read-only here.
        let (mut dys, mut dx_dir, mut dx_mid) = (
            Batch::<T, SH>::zeros(n),
            Batch::<T, MID>::zeros(n),
            Batch::<T, MID>::zeros(n),
        );
        let mut dcur = Batch::<T, MID>::zeros(n);
        per_sample(dy, &mut dcur, |s, t| spread_out(s, t, h, DIRS));
        for k in (0..UP).rev() {
            dx_mid.fill(T::zero());
            for (d, l) in self.upper[k].iter().enumerate() {
                per_sample(&dcur, &mut dys, |s, t| gather(s, t, h, DIRS, d, d == 1));
                let mut rev = Batch::<T, MID>::zeros(0);
                let input = if d == 1 {
                    per_sample(&c.ins[k], &mut rev, |s, t| reverse_steps(s, t, MID / SEQ));
                    &rev
                } else {
                    &c.ins[k]
                };
                let j = (k + 1) * DIRS + d;
                l.op_backward_batch(
                    input,
                    &c.ys[j],
                    &c.upper[k * DIRS + d],
                    &dys,
                    &mut grad.upper[k][d],
                    Some(&mut dx_dir),
                );
                for (s, t) in dx_dir
                    .as_slice()
                    .chunks_exact(MID)
                    .zip(dx_mid.as_mut_slice().chunks_exact_mut(MID))
                {
                    add_steps(s, t, MID / SEQ, d == 1);
                }
            }
            if c.dropped {
                dropout_backward(&c.masks[k], &dx_mid, &mut dcur);
            } else {
                dcur.copy_from(&dx_mid);
            }
        }
        let mut dx = dx;
        if let Some(dx) = dx.as_deref_mut() {
            resize(dx, n);
            dx.fill(T::zero());
        }
        let mut dx_first = Batch::<T, IN>::zeros(0);
        for (d, l) in self.first.iter().enumerate() {
            per_sample(&dcur, &mut dys, |s, t| gather(s, t, h, DIRS, d, d == 1));
            let mut rev = Batch::<T, IN>::zeros(0);
            let input = if d == 1 {
                per_sample(x, &mut rev, |s, t| reverse_steps(s, t, IN / SEQ));
                &rev
            } else {
                x
            };
            let want = dx.is_some().then_some(&mut dx_first);
            l.op_backward_batch(input, &c.ys[d], &c.first[d], &dys, &mut grad.first[d], want);
            if let Some(dx) = dx.as_deref_mut() {
                for (s, t) in dx_first
                    .as_slice()
                    .chunks_exact(IN)
                    .zip(dx.as_mut_slice().chunks_exact_mut(IN))
                {
                    add_steps(s, t, IN / SEQ, d == 1);
                }
            }
        }
    }

    fn op_seed(cache: &mut Self::BatchCache, seed: u64) {
        cache.rng.reseed(seed);
    }

    fn op_freeze(cache: &mut Self::BatchCache, frozen: bool) {
        cache.rng.freeze(frozen);
    }
}
