//! LSTM cell, as the lecture writes it, with PyTorch's parameter layout.
//!
//! With `[a, x]` the previous hidden state beside the input and `W_* [a, x]` split as
//! `W_ih x + W_hh a` (both biases added), the four row blocks of the `4H` gate rows, in
//! PyTorch's order i, f, g, o, are the lecture's update gate, forget gate, candidate and
//! output gate:
//!
//! ```text
//! Γ_u = i = σ(W_i [a, x] + b_i)         Γ_f = f = σ(W_f [a, x] + b_f)
//! c̃   = g = tanh(W_c [a, x] + b_c)      Γ_o = o = σ(W_o [a, x] + b_o)
//! c_t = Γ_f ∘ c_{t-1} + Γ_u ∘ c̃_t        a_t = Γ_o ∘ tanh(c_t)
//! ```
//!
//! Backward, given `da_t` and `dc_t` (from the output and the next step):
//! `do = da ∘ tanh c_t`, `dc = dc_t + da ∘ o ∘ (1 - tanh² c_t)`, `di = dc ∘ g`,
//! `df = dc ∘ c_{t-1}`, `dg = dc ∘ i`, `dc_{t-1} = dc ∘ f`; then through the non-linearities,
//! `σ' = σ(1 - σ)` and `tanh' = 1 - tanh²`. The state is an `H x 2` matrix: column 0 is
//! `a = h`, column 1 is `c`. While `f ≈ 1`, `dc_{t-1} ≈ dc`: the memory copies gradients back.
//!
//! ```
//! use nn_core::cell::{LstmCell, RecurrentCell};
//! use nn_core::Parameters;
//! type C = LstmCell<f64, 1, 1, 4>;
//! let mut cell = C::zeros();
//! cell.bias_ih[1] = 10.0; // f ≈ 1: keep the memory
//! cell.bias_ih[0] = 10.0; // i ≈ 1: write the candidate
//! cell.weight_ih[(2, 0)] = 1.0; // c̃ = tanh(x)
//! let (mut s, mut cache) = (C::zero_state(), C::empty_step_cache());
//! for x in [0.5, 0.0, 0.0] {
//!     let prev = s;
//!     cell.step(&[x], &prev, &mut s, &mut cache);
//! }
//! assert!((s[(0, 1)] - 0.5f64.tanh()).abs() < 1e-3); // c still holds tanh(0.5)
//! assert_eq!(cell.tensor_info(0).unwrap().shape.dims(), &[4, 1]);
//! ```

use super::{cell_type, fast, RecurrentCell};
use crate::Scalar;
use nalgebra::{SMatrix, SVector};

cell_type!(
    /// Long short-term memory cell, `I` inputs, `H` units, `G = 4H` gate rows (i, f, g, o).
    LstmCell,
    "lstm",
    4
);

/// What an LSTM step keeps for its backward: the gates `(i, f, g, o)` and `tanh c_t`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LstmStep<T: Scalar, const H: usize, const G: usize> {
    /// `i, f, g, o` after their non-linearities, `G = 4H` values.
    pub gates: SVector<T, G>,
    /// `tanh c_t`.
    pub tanh_c: SVector<T, H>,
}

impl<T: Scalar, const I: usize, const H: usize, const G: usize> RecurrentCell<T, I, H, G>
    for LstmCell<T, I, H, G>
{
    type State = SMatrix<T, H, 2>;
    type StepCache = LstmStep<T, H, G>;
    const GATES_PER_UNIT: usize = 4;
    const SUMMED: bool = true;

    fn empty_step_cache() -> Self::StepCache {
        LstmStep {
            gates: SVector::zeros(),
            tanh_c: SVector::zeros(),
        }
    }

    #[inline]
    fn gates(
        xp: &SVector<T, G>,
        hp: &SVector<T, G>,
        prev: &Self::State,
        next: &mut Self::State,
        cache: &mut Self::StepCache,
    ) {
        let a = cache.gates.as_mut_slice();
        let (xs, hs) = (xp.as_slice(), hp.as_slice());
        a.iter_mut()
            .zip(xs.iter().zip(hs))
            .for_each(|(a, (&x, &h))| *a = x + h);
        fast::sigmoid_in_place(&mut a[..2 * H]);
        fast::tanh_in_place(&mut a[2 * H..3 * H]);
        fast::sigmoid_in_place(&mut a[3 * H..]);
        let (i, rest) = a.split_at(H);
        let (f, rest) = rest.split_at(H);
        let (g, o) = rest.split_at(H);
        let o = &o[..H];
        let c_prev = &prev.as_slice()[H..];
        let tc = cache.tanh_c.as_mut_slice();
        let (h_next, c_next) = next.as_mut_slice().split_at_mut(H);
        for k in 0..H {
            c_next[k] = f[k] * c_prev[k] + i[k] * g[k];
            tc[k] = c_next[k];
        }
        fast::tanh_in_place(tc);
        for k in 0..H {
            h_next[k] = o[k] * tc[k];
        }
    }

    fn gates_backward(
        &self,
        prev: &Self::State,
        _next: &Self::State,
        cache: &Self::StepCache,
        dnext: &Self::State,
        dxp: &mut SVector<T, G>,
        dhp: &mut SVector<T, G>,
        dprev: &mut Self::State,
    ) {
        let a = cache.gates.as_slice();
        let (c_prev, tc) = (&prev.as_slice()[H..], cache.tanh_c.as_slice());
        let (dh, dc_next) = dnext.as_slice().split_at(H);
        let d = dxp.as_mut_slice();
        let (dh_prev, dc_prev) = dprev.as_mut_slice().split_at_mut(H);
        let one = T::one();
        for k in 0..H {
            let (i, f, g, o) = (a[k], a[H + k], a[2 * H + k], a[3 * H + k]);
            let dc = dc_next[k] + dh[k] * o * (one - tc[k] * tc[k]);
            d[k] = dc * g * i * (one - i);
            d[H + k] = dc * c_prev[k] * f * (one - f);
            d[2 * H + k] = dc * i * (one - g * g);
            d[3 * H + k] = dh[k] * tc[k] * o * (one - o);
            dc_prev[k] = dc * f;
            dh_prev[k] = T::zero();
        }
        *dhp = *dxp;
    }

    fn gates_tangent(
        &self,
        prev: &Self::State,
        _next: &Self::State,
        cache: &Self::StepCache,
        dxp: &SVector<T, G>,
        dhp: &SVector<T, G>,
        dprev: &Self::State,
        dnext: &mut Self::State,
    ) {
        let a = cache.gates.as_slice();
        let (c_prev, tc) = (&prev.as_slice()[H..], cache.tanh_c.as_slice());
        let dc_prev = &dprev.as_slice()[H..];
        let (dh, dc) = dnext.as_mut_slice().split_at_mut(H);
        let one = T::one();
        let dz = |r: usize| dxp[r] + dhp[r];
        for k in 0..H {
            let (i, f, g, o) = (a[k], a[H + k], a[2 * H + k], a[3 * H + k]);
            let di = i * (one - i) * dz(k);
            let df = f * (one - f) * dz(H + k);
            let dg = (one - g * g) * dz(2 * H + k);
            let d_o = o * (one - o) * dz(3 * H + k);
            dc[k] = df * c_prev[k] + f * dc_prev[k] + di * g + i * dg;
            dh[k] = d_o * tc[k] + o * (one - tc[k] * tc[k]) * dc[k];
        }
    }
}
