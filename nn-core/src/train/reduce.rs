//! The shards' gradient sum `Σ_j (n_j/n) g_j` on every thread of a pool, shared by
//! [`Trainer`](super::Trainer) and [`GraphTrainer`](super::GraphTrainer).
//!
//! Every tensor is cut into `k` contiguous ranges and the pool's threads sum one range each
//! (and check it finite). Every value is summed in shard order whichever thread sums it,
//! `g ← w_0 g_0 + w_1 g_1`, then `g ← g + w_j g_j`, so the result is the same as one
//! thread's bit for bit.

use super::pool::Pool;
use super::trainer::shard_range;
use crate::{Parameters, Scalar};
use core::ops::Range;
use std::vec::Vec;

/// The scratch of the sum: every shard's gradient tensors and the shards' weights (kept, so
/// a step allocates nothing after the first).
pub(super) struct Reducer<T> {
    tensors: Vec<Tensor<T>>,
    weights: Vec<T>,
}

impl<T: Scalar> Reducer<T> {
    /// Empty scratch.
    pub(super) fn new() -> Self {
        Self {
            tensors: Vec::new(),
            weights: Vec::new(),
        }
    }

    /// The first of the `k` gradients `grads` (shard order, of a batch of `n` samples cut by
    /// [`shard_range`]) becomes `Σ_j (n_j/n) g_j`, on the pool's threads when there is one;
    /// returns whether the sum is finite.
    pub(super) fn sum<'a, P: Parameters<T> + 'a>(
        &mut self,
        grads: impl Iterator<Item = &'a mut P>,
        n: usize,
        k: usize,
        pool: Option<&mut Pool>,
    ) -> bool {
        self.weights.clear();
        self.weights
            .extend((0..k).map(|j| T::of(shard_range(n, k, j).len() as f64 / n as f64)));
        self.tensors.clear();
        let mut tensors = 0;
        for g in grads.take(k) {
            tensors = g.tensor_count();
            for i in 0..tensors {
                let t = g.tensor_mut(i).unwrap_or(&mut []);
                self.tensors.push(Tensor(t.as_mut_ptr(), t.len()));
            }
        }
        let finite = core::sync::atomic::AtomicBool::new(true);
        let (views, weights) = (&self.tensors[..], &self.weights[..]);
        let job = |part: usize| {
            for i in 0..tensors {
                let r = shard_range(views[i].1, k, part);
                // SAFETY: `views` holds every shard's tensors, alive and untouched by
                // anything else while the caller's `&mut` borrows of them last (`'a`);
                // each part writes only its own range of the first shard's tensors and
                // reads the same range of the others'.
                let g = unsafe { views[i].slice_mut(r.clone()) };
                let rest = (1..k).map(|j| unsafe { &*views[j * tensors + i].slice_mut(r.clone()) });
                sum_weighted(g, rest, weights);
                if !super::finite::all_finite(g) {
                    finite.store(false, core::sync::atomic::Ordering::Relaxed);
                }
            }
        };
        match pool {
            Some(pool) => pool.run(k, &job),
            None => (0..k).for_each(job),
        }
        finite.into_inner()
    }
}

/// One tensor of a shard's gradient, as its address and length, for the threads that sum
/// ranges of it.
#[derive(Clone, Copy)]
struct Tensor<T>(*mut T, usize);

// SAFETY: only the pointee's ranges are shared, each written by one thread (see `sum`).
unsafe impl<T: Send> Send for Tensor<T> {}
unsafe impl<T: Send> Sync for Tensor<T> {}

impl<T> Tensor<T> {
    /// The values `r`.
    ///
    /// # Safety
    /// The tensor must be alive, `r` inside it, and no other reference to these values live.
    #[allow(clippy::mut_from_ref)]
    unsafe fn slice_mut(&self, r: Range<usize>) -> &mut [T] {
        // SAFETY: the caller's contract.
        unsafe { core::slice::from_raw_parts_mut(self.0.add(r.start), r.len()) }
    }
}

/// `g ← w_0 g + w_1 g_1`, then `g ← g + w_j g_j` for the later shards, value by value (the
/// first two in one pass).
fn sum_weighted<'a, T: Scalar>(g: &mut [T], mut rest: impl Iterator<Item = &'a [T]>, w: &[T]) {
    let Some(g1) = rest.next() else {
        g.iter_mut().for_each(|g| *g *= w[0]);
        return;
    };
    let (w0, w1) = (w[0], w[1]);
    g.iter_mut()
        .zip(g1)
        .for_each(|(g, &g1)| *g = w0 * *g + w1 * g1);
    for (gj, &wj) in rest.zip(&w[2..]) {
        g.iter_mut().zip(gj).for_each(|(g, &gj)| *g += wj * gj);
    }
}
