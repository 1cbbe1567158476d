//! The batch forward of a cell whose gates read `x̂ + ĥ` ([`RecurrentCell::SUMMED`]: an
//! LSTM, a plain RNN), and the step-major order of the inputs it works in.

use super::{col, size, BatchSeqCache, RecurrentCell};
use crate::kernels::{gemm, Operand};
use crate::Scalar;

/// Whether the step-major order of `n` sequences of `seq` steps (column `t·n + b`) differs
/// from the batch's sample-major order (column `b·seq + t`).
pub(super) fn reordered(seq: usize, n: usize) -> bool {
    seq > 1 && n > 1
}

/// Copies the columns of `from` (`rows x seq·n`, sample-major) into `to` in step-major order,
/// or back when `back` is true.
pub(super) fn reorder<T: Scalar>(
    rows: usize,
    seq: usize,
    n: usize,
    from: &[T],
    to: &mut [T],
    back: bool,
) {
    for b in 0..n {
        for t in 0..seq {
            let (s, d) = ((b * seq + t) * rows, (t * n + b) * rows);
            let (s, d) = if back { (d, s) } else { (s, d) };
            to[d..d + rows].copy_from_slice(&from[s..s + rows]);
        }
    }
}

/// [`forward_body`] for a cell whose gates read `x̂ + ĥ` ([`RecurrentCell::SUMMED`]), after
/// the initial states are set: `Z = W_ih X` once for every step (step-major), then per step
/// `Z_t += W_hh H_{t-1}` in place and the gates from `Z_t` and `b_ih + b_hh`. No bias is
/// written into `Z` and no separate `Ĥ_t` is kept.
#[inline(always)]
pub(super) fn forward_summed<
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
    cache: &mut BatchSeqCache<T, C::State, C::StepCache>,
) {
    let BatchSeqCache {
        hs,
        states,
        steps,
        xp,
        hp,
        xs,
        ..
    } = cache;
    let x = if reordered(seq, n) {
        size(xs, I * seq * n, T::zero());
        reorder(I, seq, n, x, xs, false);
        &xs[..]
    } else {
        x
    };
    size(xp, G * seq * n, T::zero());
    gemm(
        T::one(),
        Operand::n(cell.weight_ih.as_slice(), G),
        Operand::n(x, I),
        T::zero(),
        xp,
        G,
    );
    size(hp, G, T::zero());
    hp.iter_mut()
        .zip(cell.bias_ih.iter().zip(cell.bias_hh.iter()))
        .for_each(|(o, (&a, &b))| *o = a + b);
    let bias = col::<T, G>(hp, 0);
    for t in 0..seq {
        let (done, rest) = hs.split_at_mut((t + 1) * n * H);
        let z = &mut xp[t * n * G..(t + 1) * n * G];
        gemm(
            T::one(),
            Operand::n(cell.weight_hh.as_slice(), G),
            Operand::n(&done[t * n * H..], H),
            T::one(),
            z,
            G,
        );
        let (before, after) = states.split_at_mut((t + 1) * n);
        for b in 0..n {
            let next = &mut after[b];
            C::gates(
                col(z, b),
                bias,
                &before[t * n + b],
                next,
                &mut steps[t * n + b],
            );
            rest[b * H..(b + 1) * H].copy_from_slice(C::hidden(next));
        }
    }
}
