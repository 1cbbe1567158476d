//! Plain (Elman) recurrent cell with `tanh`, as PyTorch's `nn.RNN`:
//! `h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)`.
//!
//! Backward, given `dh_t`: `dẑ = dh_t ∘ (1 - h_t²)`, the same for both products, so
//! `dh_{t-1} = W_hhᵀ dẑ`. Over many steps that product shrinks or grows geometrically,
//! which is why this cell cannot carry information across long gaps (the LSTM's and GRU's
//! gated memories can).
//!
//! ```
//! use nn_core::cell::{RnnCell, RecurrentCell};
//! type C = RnnCell<f64, 1, 1, 1>;
//! let mut cell = C::zeros();
//! cell.weight_ih[(0, 0)] = 1.0;
//! cell.weight_hh[(0, 0)] = 0.5;
//! let (mut s, mut cache) = (C::zero_state(), C::empty_step_cache());
//! s[0] = 1.0;
//! let prev = s;
//! cell.step(&[0.25], &prev, &mut s, &mut cache);
//! assert_eq!(s[0], 0.75f64.tanh());
//! ```

use super::{cell_type, fast, RecurrentCell};
use crate::Scalar;
use nalgebra::SVector;

cell_type!(
    /// Plain `tanh` recurrent cell, `I` inputs, `H` units, `G = H` rows.
    RnnCell,
    "rnn",
    1
);

impl<T: Scalar, const I: usize, const H: usize, const G: usize> RecurrentCell<T, I, H, G>
    for RnnCell<T, I, H, G>
{
    type State = SVector<T, H>;
    /// Nothing: `h_t` is the next state.
    type StepCache = ();
    const GATES_PER_UNIT: usize = 1;
    const SUMMED: bool = true;

    fn empty_step_cache() {}

    #[inline]
    fn gates(
        xp: &SVector<T, G>,
        hp: &SVector<T, G>,
        _prev: &Self::State,
        next: &mut Self::State,
        _cache: &mut (),
    ) {
        let (xp, hp) = (&xp.as_slice()[..H], &hp.as_slice()[..H]);
        for ((n, &x), &h) in next.as_mut_slice().iter_mut().zip(xp).zip(hp) {
            *n = x + h;
        }
        fast::tanh_in_place(next.as_mut_slice());
    }

    fn gates_backward(
        &self,
        _prev: &Self::State,
        next: &Self::State,
        _cache: &(),
        dnext: &Self::State,
        dxp: &mut SVector<T, G>,
        dhp: &mut SVector<T, G>,
        dprev: &mut Self::State,
    ) {
        for k in 0..H {
            dxp[k] = dnext[k] * (T::one() - next[k] * next[k]);
            dprev[k] = T::zero();
        }
        *dhp = *dxp;
    }

    fn gates_tangent(
        &self,
        _prev: &Self::State,
        next: &Self::State,
        _cache: &(),
        dxp: &SVector<T, G>,
        dhp: &SVector<T, G>,
        _dprev: &Self::State,
        dnext: &mut Self::State,
    ) {
        for k in 0..H {
            dnext[k] = (T::one() - next[k] * next[k]) * (dxp[k] + dhp[k]);
        }
    }
}
