//! GRU cell (gated recurrent unit), exactly as PyTorch's `nn.GRU` computes it.
//!
//! With `x̂ = W_ih x + b_ih` and `ĥ = W_hh h_{t-1} + b_hh` split into row blocks r, z, n:
//!
//! ```text
//! r = σ(x̂_r + ĥ_r)            reset gate
//! z = σ(x̂_z + ĥ_z)            update gate
//! n = tanh(x̂_n + r ∘ ĥ_n)     candidate
//! h_t = (1 - z) ∘ n + z ∘ h_{t-1}
//! ```
//!
//! Reset-gate placement: the reset gate multiplies the hidden projection *after* the matrix
//! product, `r ∘ (W_hn h + b_hn)` (PyTorch, and cuDNN), not the hidden state before it,
//! `W_hn (r ∘ h)` (the original paper). So PyTorch-trained weights load and give the same
//! outputs. `z ≈ 1` keeps the state, so the state copies gradients back, like an LSTM's
//! memory.
//!
//! Backward, given `dh_t`: `dn = dh_t ∘ (1 - z)`, `dz = dh_t ∘ (h_{t-1} - n)`,
//! `dh_{t-1} = dh_t ∘ z + W_hhᵀ dĥ`, `dn̂ = dn ∘ (1 - n²)`, `dx̂_n = dn̂`,
//! `dĥ_n = dn̂ ∘ r`, `dr = dn̂ ∘ ĥ_n`, then `σ' = σ(1 - σ)` for r and z.
//!
//! ```
//! use nn_core::cell::{GruCell, RecurrentCell};
//! type C = GruCell<f64, 1, 1, 3>;
//! let mut cell = C::zeros();
//! cell.bias_ih[1] = -20.0; // z ≈ 0: take the candidate
//! cell.weight_ih[(2, 0)] = 1.0; // n = tanh(x)
//! let (mut s, mut cache) = (C::zero_state(), C::empty_step_cache());
//! let prev = s;
//! cell.step(&[0.5], &prev, &mut s, &mut cache);
//! assert!((s[0] - 0.5f64.tanh()).abs() < 1e-8);
//! ```

use super::{cell_type, fast, RecurrentCell};
use crate::Scalar;
use nalgebra::SVector;

cell_type!(
    /// Gated recurrent unit, `I` inputs, `H` units, `G = 3H` gate rows (r, z, n).
    GruCell,
    "gru",
    3
);

impl<T: Scalar, const I: usize, const H: usize, const G: usize> RecurrentCell<T, I, H, G>
    for GruCell<T, I, H, G>
{
    type State = SVector<T, H>;
    /// `r, z, n` after their non-linearities, then `ĥ_n` (the hidden projection of n).
    type StepCache = (SVector<T, G>, SVector<T, H>);
    const GATES_PER_UNIT: usize = 3;

    fn empty_step_cache() -> Self::StepCache {
        (SVector::zeros(), SVector::zeros())
    }

    #[inline]
    fn gates(
        xp: &SVector<T, G>,
        hp: &SVector<T, G>,
        prev: &Self::State,
        next: &mut Self::State,
        cache: &mut Self::StepCache,
    ) {
        let (a, hn) = (cache.0.as_mut_slice(), cache.1.as_mut_slice());
        let (xp, hp) = (&xp.as_slice()[..3 * H], &hp.as_slice()[..3 * H]);
        for r in 0..2 * H {
            a[r] = xp[r] + hp[r];
        }
        fast::sigmoid_in_place(&mut a[..2 * H]);
        for k in 0..H {
            hn[k] = hp[2 * H + k];
            a[2 * H + k] = xp[2 * H + k] + a[k] * hn[k];
        }
        fast::tanh_in_place(&mut a[2 * H..]);
        for k in 0..H {
            let (z, n) = (a[H + k], a[2 * H + k]);
            next[k] = n + z * (prev[k] - n);
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
        let (a, hn) = (cache.0.as_slice(), cache.1.as_slice());
        let one = T::one();
        for k in 0..H {
            let (r, z, n) = (a[k], a[H + k], a[2 * H + k]);
            let dh = dnext[k];
            let dn = dh * (one - z) * (one - n * n);
            let dz = dh * (prev[k] - n) * z * (one - z);
            let dr = dn * hn[k] * r * (one - r);
            dxp[k] = dr;
            dhp[k] = dr;
            dxp[H + k] = dz;
            dhp[H + k] = dz;
            dxp[2 * H + k] = dn;
            dhp[2 * H + k] = dn * r;
            dprev[k] = dh * z;
        }
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
        let (a, hn) = (cache.0.as_slice(), cache.1.as_slice());
        let one = T::one();
        for k in 0..H {
            let (r, z, n) = (a[k], a[H + k], a[2 * H + k]);
            let dr = r * (one - r) * (dxp[k] + dhp[k]);
            let dz = z * (one - z) * (dxp[H + k] + dhp[H + k]);
            let dn = (one - n * n) * (dxp[2 * H + k] + dr * hn[k] + r * dhp[2 * H + k]);
            dnext[k] = dn * (one - z) + dz * (prev[k] - n) + z * dprev[k];
        }
    }
}
