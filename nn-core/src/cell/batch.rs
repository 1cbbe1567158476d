//! The batch path of a recurrent layer, and sequences whose length is known only at run time.
//!
//! For `n` sequences of `seq` steps, the input projections of every step of every sample are
//! one product, `X̂ = W_ih X + b_ih 1ᵀ` (`G x seq·n`; a [`Batch<T, IN>`](crate::Batch) is
//! already the `I x seq·n` matrix of all steps). Each step then needs one product over the
//! batch, `Ĥ_t = W_hh H_{t-1} + b_hh 1ᵀ` (`G x n`), before the cell's element-wise gates.
//! The backward is the same in reverse: per step, `dH_{t-1} += W_hhᵀ dĤ_t`; after the loop,
//! the weight gradients of all steps at once, `dW_hh = dĤ H_prevᵀ`, `dW_ih = dX̂ Xᵀ`, and
//! the input gradient `dX = W_ihᵀ dX̂`.
//!
//! [`Recurrent::forward_seq`] and [`Recurrent::backward_seq`] run the same code on
//! sequences of any length (a slice of `steps·I` values, one sample), from a given initial
//! state, returning every hidden state and the gradient with respect to the initial state.
//!
//! ```
//! use nn_core::cell::Gru;
//! type L = Gru<f64, 2, 3, 9, 4, 8, 3>; // the fixed length (4) does not bind forward_seq
//! let layer = L::new(Default::default(), &mut rand::rngs::StdRng::seed_from_u64(1));
//! # use rand::SeedableRng;
//! let xs = [0.5; 2 * 7]; // 7 steps
//! let run = layer.forward_seq(&xs, None).unwrap();
//! assert_eq!(run.hidden().len(), 7 * 3);
//! let back = layer.backward_seq(&xs, &run, &[1.0; 7 * 3]).unwrap();
//! assert_eq!((back.dx.len(), back.ds0.len()), (14, 3));
//! ```

use super::RecurrentCell;
use crate::kernels::{gemm, Operand};
use crate::Scalar;
use alloc::vec::Vec;
use core::cell::RefCell;
use nalgebra::SVector;

/// What a batch forward keeps for the backward.
#[derive(Clone, Debug)]
pub struct BatchSeqCache<T, S, K> {
    /// Sequences and steps.
    pub(crate) n: usize,
    pub(crate) seq: usize,
    /// Hidden states `h_0 .. h_seq`, `H x (seq + 1)·n`, step-major (column `t·n + b`).
    pub(crate) hs: Vec<T>,
    /// Full states, step-major, `(seq + 1)·n`.
    pub(crate) states: Vec<S>,
    /// Step caches, step-major, `seq·n`.
    pub(crate) steps: Vec<K>,
    /// The forward's projections `X̂` (`G x seq·n`) and `Ĥ_t` (`G x n`), kept for the next
    /// batch. For a cell whose gates read their sum ([`RecurrentCell::SUMMED`]), `X̂` is
    /// step-major and each step's `W_hh H_{t-1}` is added onto it in place, and `hp` holds
    /// `b_ih + b_hh`.
    xp: Vec<T>,
    hp: Vec<T>,
    /// For such a cell, the inputs in step-major order (column `t·n + b`), when that differs
    /// from the batch's order; the backward reads them for `dW_ih`.
    xs: Vec<T>,
    /// The backward's buffers, kept for the next batch (the backward reads the cache).
    back: RefCell<Back<T, S>>,
}

/// The backward's buffers: `dX̂`, `dĤ` (`G x seq·n` each), the state gradients carried to
/// the previous step (`n`), `dH_{t-1}` (`H x n`) and `W_hhᵀ` (`H x G`, column-major).
#[derive(Clone, Debug)]
struct Back<T, S> {
    dxp: Vec<T>,
    dhp: Vec<T>,
    carry: Vec<S>,
    dh_prev: Vec<T>,
    w_hh_t: Vec<T>,
    /// `dX` in step-major order, for a cell whose gates read `x̂ + ĥ`.
    dxs: Vec<T>,
}

/// `v` as `len` copies of `value`, reusing its memory.
fn refill<V: Clone>(v: &mut Vec<V>, len: usize, value: V) {
    v.clear();
    v.resize(len, value);
}

/// `v` with `len` values, reusing its memory; the values it already had stay as they were
/// (for buffers that are overwritten before they are read).
fn size<V: Clone>(v: &mut Vec<V>, len: usize, value: V) {
    v.resize(len, value);
}

impl<T, S, K> Default for BatchSeqCache<T, S, K> {
    fn default() -> Self {
        Self {
            n: 0,
            seq: 0,
            hs: Vec::new(),
            states: Vec::new(),
            steps: Vec::new(),
            xp: Vec::new(),
            hp: Vec::new(),
            xs: Vec::new(),
            back: RefCell::new(Back {
                dxp: Vec::new(),
                dhp: Vec::new(),
                carry: Vec::new(),
                dh_prev: Vec::new(),
                w_hh_t: Vec::new(),
                dxs: Vec::new(),
            }),
        }
    }
}

/// A column of `G` values as a vector, without copying.
fn col<T: Scalar, const G: usize>(v: &[T], j: usize) -> &SVector<T, G> {
    &bytemuck::cast_slice::<T, SVector<T, G>>(&v[j * G..(j + 1) * G])[0]
}

/// A column of `G` values as a mutable vector, without copying.
fn col_mut<T: Scalar, const G: usize>(v: &mut [T], j: usize) -> &mut SVector<T, G> {
    &mut bytemuck::cast_slice_mut::<T, SVector<T, G>>(&mut v[j * G..(j + 1) * G])[0]
}

fn fill_columns<T: Scalar>(m: &mut [T], v: &[T]) {
    m.chunks_exact_mut(v.len())
        .for_each(|c| c.copy_from_slice(v));
}

fn row_sums<T: Scalar>(m: &[T], out: &mut [T]) {
    out.fill(T::zero());
    for c in m.chunks_exact(out.len()) {
        out.iter_mut().zip(c).for_each(|(o, &v)| *o += v);
    }
}

/// Forward over `n` samples of `seq` steps; `x` is `I x seq·n`, sample-major (a `Batch`).
///
/// The element-wise work (the gates of every step of every sample) runs compiled for the
/// widest vector instructions the CPU has (see [`wide`]).
pub(crate) fn forward<
    T: Scalar,
    C: RecurrentCell<T, I, H, G>,
    const I: usize,
    const H: usize,
    const G: usize,
>(
    cell: &C,
    x: &[T],
    seq: usize,
    n: usize,
    s0: Option<&[C::State]>,
    cache: &mut BatchSeqCache<T, C::State, C::StepCache>,
) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    {
        use crate::kernels::x86::{level, Level};
        match level() {
            // SAFETY: the level is only reported when the CPU has those features.
            Level::Avx512 => return unsafe { wide::forward_avx512(cell, x, seq, n, s0, cache) },
            Level::Avx2 => return unsafe { wide::forward_avx2(cell, x, seq, n, s0, cache) },
            Level::Baseline => {}
        }
    }
    forward_body(cell, x, seq, n, s0, cache)
}

mod summed;
#[cfg(all(feature = "std", target_arch = "x86_64"))]
mod wide;
use summed::{forward_summed, reorder, reordered};

#[inline(always)]
fn forward_body<
    T: Scalar,
    C: RecurrentCell<T, I, H, G>,
    const I: usize,
    const H: usize,
    const G: usize,
>(
    cell: &C,
    x: &[T],
    seq: usize,
    n: usize,
    s0: Option<&[C::State]>,
    cache: &mut BatchSeqCache<T, C::State, C::StepCache>,
) {
    cache.n = n;
    cache.seq = seq;
    // Every state, step cache and hidden state after the initial ones is written by its step
    // (the cells' `gates` write all of `next` and of the step cache) before it is read.
    size(&mut cache.states, (seq + 1) * n, C::zero_state());
    cache.states[..n].fill(C::zero_state());
    size(&mut cache.steps, seq * n, C::empty_step_cache());
    size(&mut cache.hs, H * (seq + 1) * n, T::zero());
    cache.hs[..H * n].fill(T::zero());
    if let Some(s0) = s0 {
        for (b, s) in s0.iter().enumerate().take(n) {
            cache.states[b] = *s;
            cache.hs[b * H..(b + 1) * H].copy_from_slice(C::hidden(s));
        }
    }
    if C::PLAIN_HIDDEN && C::SUMMED {
        return forward_summed(cell, x, seq, n, cache);
    }
    let xp = &mut cache.xp;
    size(xp, G * seq * n, T::zero());
    fill_columns(xp, cell.bias_ih.as_slice());
    gemm(
        T::one(),
        Operand::n(cell.weight_ih.as_slice(), G),
        Operand::n(x, I),
        T::one(),
        xp,
        G,
    );
    if !C::PLAIN_HIDDEN {
        // The hidden product depends on the gates: one sample at a time.
        for t in 0..seq {
            let rest = &mut cache.hs[(t + 1) * n * H..];
            let (before, after) = cache.states.split_at_mut((t + 1) * n);
            for b in 0..n {
                let next = &mut after[b];
                cell.step_projected(
                    col(xp, b * seq + t),
                    &before[t * n + b],
                    next,
                    &mut cache.steps[t * n + b],
                );
                rest[b * H..(b + 1) * H].copy_from_slice(C::hidden(next));
            }
        }
        return;
    }
    let hp = &mut cache.hp;
    size(hp, G * n, T::zero());
    for t in 0..seq {
        fill_columns(hp, cell.bias_hh.as_slice());
        let (done, rest) = cache.hs.split_at_mut((t + 1) * n * H);
        let h_prev = &done[t * n * H..];
        gemm(
            T::one(),
            Operand::n(cell.weight_hh.as_slice(), G),
            Operand::n(h_prev, H),
            T::one(),
            hp,
            G,
        );
        let (before, after) = cache.states.split_at_mut((t + 1) * n);
        for b in 0..n {
            let next = &mut after[b];
            C::gates(
                col(xp, b * seq + t),
                col(hp, b),
                &before[t * n + b],
                next,
                &mut cache.steps[t * n + b],
            );
            rest[b * H..(b + 1) * H].copy_from_slice(C::hidden(next));
        }
    }
}

/// Backward of [`forward`]: `dh(t, b)` gives the output gradient for `h_t` of sample `b`
/// (`t` from 1), if any, and `ds_last` the gradient on each sample's final state, if any.
/// Weight gradients into `grad` (overwritten); `dx` (`I x seq·n`) and `ds0` (`n` states) when
/// given. Compiled for the widest vector instructions the CPU has, as [`forward`].
#[allow(clippy::too_many_arguments)]
pub(crate) fn backward<
    'a,
    T: Scalar,
    C: RecurrentCell<T, I, H, G>,
    const I: usize,
    const H: usize,
    const G: usize,
>(
    cell: &C,
    clip: Option<f64>,
    x: &[T],
    cache: &BatchSeqCache<T, C::State, C::StepCache>,
    dh: impl Fn(usize, usize) -> Option<&'a [T]>,
    grad: &mut C,
    dx: Option<&mut [T]>,
    ds_last: Option<&[C::State]>,
    ds0: Option<&mut [C::State]>,
) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    {
        use crate::kernels::x86::{level, Level};
        match level() {
            // SAFETY: the level is only reported when the CPU has those features.
            Level::Avx512 => {
                return unsafe {
                    wide::backward_avx512(cell, clip, x, cache, dh, grad, dx, ds_last, ds0)
                }
            }
            Level::Avx2 => {
                return unsafe {
                    wide::backward_avx2(cell, clip, x, cache, dh, grad, dx, ds_last, ds0)
                }
            }
            Level::Baseline => {}
        }
    }
    backward_body(cell, clip, x, cache, dh, grad, dx, ds_last, ds0)
}

#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn backward_body<
    'a,
    T: Scalar,
    C: RecurrentCell<T, I, H, G>,
    const I: usize,
    const H: usize,
    const G: usize,
>(
    cell: &C,
    clip: Option<f64>,
    x: &[T],
    cache: &BatchSeqCache<T, C::State, C::StepCache>,
    dh: impl Fn(usize, usize) -> Option<&'a [T]>,
    grad: &mut C,
    dx: Option<&mut [T]>,
    ds_last: Option<&[C::State]>,
    ds0: Option<&mut [C::State]>,
) {
    let (n, seq) = (cache.n, cache.seq);
    if seq * n == 0 {
        // No step ran: nothing reaches the loss.
        grad.fill(T::zero());
        if let Some(ds0) = ds0 {
            ds0.fill(C::zero_state());
        }
        return;
    }
    let mut back = cache.back.borrow_mut();
    let Back {
        dxp,
        dhp,
        carry,
        dh_prev,
        w_hh_t,
        dxs,
    } = &mut *back;
    let plain = C::PLAIN_HIDDEN;
    // The gates read `x̂ + ĥ`: `dX̂ = dĤ`, and `dĤ` stands for both.
    let summed = plain && C::SUMMED;
    // Every column of `dX̂` and `dĤ` is written below before it is read (the cells'
    // `gates_backward` write all of both).
    if !summed {
        size(dxp, G * seq * n, T::zero());
    }
    size(dhp, G * seq * n, T::zero());
    // Where a summed cell's `gates_backward` writes its second, equal, copy.
    let mut twin = SVector::<T, G>::zeros();
    refill(carry, n, C::zero_state());
    if let Some(ds) = ds_last {
        carry.iter_mut().zip(ds).for_each(|(c, d)| *c = *d);
    }
    if !plain {
        grad.fill(T::zero());
    }
    size(dh_prev, H * n, T::zero());
    if plain {
        // `W_hhᵀ` once, for the product of every step (a transposed operand would be copied
        // by every product).
        size(w_hh_t, H * G, T::zero());
        let w = cell.weight_hh.as_slice();
        for (g, row) in w_hh_t.chunks_exact_mut(H).enumerate() {
            row.iter_mut()
                .enumerate()
                .for_each(|(h, v)| *v = w[g + h * G]);
        }
    }
    for t in (0..seq).rev() {
        for (b, carry) in carry.iter_mut().enumerate() {
            let mut dnext = *carry;
            if let Some(d) = dh(t + 1, b) {
                C::hidden_mut(&mut dnext)
                    .iter_mut()
                    .zip(d)
                    .for_each(|(a, &v)| *a += v);
            }
            if let Some(c) = clip {
                let c = T::of(c);
                let v: &mut [T] = bytemuck::cast_slice_mut(core::slice::from_mut(&mut dnext));
                v.iter_mut().for_each(|x| *x = x.clamp(-c, c));
            }
            let (prev, next) = (&cache.states[t * n + b], &cache.states[(t + 1) * n + b]);
            let step = &cache.steps[t * n + b];
            if summed {
                let gh = col_mut::<T, G>(dhp, t * n + b);
                cell.gates_backward(prev, next, step, &dnext, gh, &mut twin, carry);
            } else if plain {
                let gx = col_mut::<T, G>(dxp, b * seq + t);
                let gh = col_mut::<T, G>(dhp, t * n + b);
                cell.gates_backward(prev, next, step, &dnext, gx, gh, carry);
            } else {
                let gx = col_mut::<T, G>(dxp, b * seq + t);
                cell.step_projected_backward(prev, next, step, &dnext, grad, gx, carry);
            }
        }
        if !plain {
            continue;
        }
        let dhp_t = &dhp[t * n * G..(t + 1) * n * G];
        gemm(
            T::one(),
            Operand::n(w_hh_t, H),
            Operand::n(dhp_t, G),
            T::zero(),
            dh_prev,
            H,
        );
        for (b, carry) in carry.iter_mut().enumerate() {
            let d = &dh_prev[b * H..(b + 1) * H];
            C::hidden_mut(carry)
                .iter_mut()
                .zip(d)
                .for_each(|(a, &v)| *a += v);
        }
    }
    if plain {
        let h_prev = &cache.hs[..H * seq * n];
        gemm(
            T::one(),
            Operand::n(dhp, G),
            Operand::t(h_prev, H),
            T::zero(),
            grad.weight_hh.as_mut_slice(),
            G,
        );
        row_sums(dhp, grad.bias_hh.as_mut_slice());
    }
    // A summed cell's `dX̂` is `dĤ`, step-major, as are the inputs the forward kept.
    let (dxp, x): (&[T], &[T]) = match (summed, reordered(seq, n)) {
        (false, _) => (dxp, x),
        (true, false) => (dhp, x),
        (true, true) => (dhp, &cache.xs),
    };
    gemm(
        T::one(),
        Operand::n(dxp, G),
        Operand::t(x, I),
        T::zero(),
        grad.weight_ih.as_mut_slice(),
        G,
    );
    if summed {
        *grad.bias_ih = *grad.bias_hh;
    } else {
        row_sums(dxp, grad.bias_ih.as_mut_slice());
    }
    if let Some(dx) = dx {
        let step_major = summed && reordered(seq, n);
        if step_major {
            size(dxs, I * seq * n, T::zero());
        }
        gemm(
            T::one(),
            Operand::t(cell.weight_ih.as_slice(), G),
            Operand::n(dxp, G),
            T::zero(),
            if step_major {
                &mut dxs[..]
            } else {
                &mut dx[..]
            },
            I,
        );
        if step_major {
            reorder(I, seq, n, dxs, dx, true);
        }
    }
    if let Some(ds0) = ds0 {
        ds0.copy_from_slice(carry);
    }
}

/// A variable-length run's forward: every hidden state and what the backward needs.
#[derive(Clone, Debug)]
pub struct SeqRun<T, S, K> {
    pub(crate) cache: BatchSeqCache<T, S, K>,
    pub(crate) hidden: Vec<T>,
}

impl<T, S: Copy, K> SeqRun<T, S, K> {
    /// `h_1, ..., h_steps`, `H` values each, one after another.
    pub fn hidden(&self) -> &[T] {
        &self.hidden
    }
    /// The final state (`h` and, for an LSTM, `c`), to continue from.
    pub fn final_state(&self) -> S {
        self.cache.states[self.cache.states.len() - 1]
    }
}

/// Gradients of a variable-length run.
#[derive(Clone, Debug)]
pub struct SeqGrads<T, S, C> {
    /// `dℓ/dx`, `steps·I` values.
    pub dx: Vec<T>,
    /// `dℓ/ds_0`.
    pub ds0: S,
    /// Weight gradients.
    pub grad: C,
}

mod ops;
pub(crate) use ops::batch_ops;

/// Copies the outputs out of the hidden states: every step (`OUT = SEQ·H`) or the last.
pub(crate) fn outputs<T: Scalar, const H: usize, const SEQ: usize, const OUT: usize>(
    hs: &[T],
    n: usize,
    y: &mut [T],
) {
    for b in 0..n {
        let yb = &mut y[b * OUT..(b + 1) * OUT];
        if OUT == SEQ * H {
            for t in 0..SEQ {
                let j = (t + 1) * n + b;
                yb[t * H..(t + 1) * H].copy_from_slice(&hs[j * H..(j + 1) * H]);
            }
        } else {
            let j = SEQ * n + b;
            yb.copy_from_slice(&hs[j * H..(j + 1) * H]);
        }
    }
}
