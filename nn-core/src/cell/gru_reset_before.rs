//! GRU cell with the reset gate applied to the hidden state *before* the matrix product, as
//! Cho et al. (2014) wrote it (Keras's `reset_after = False`); `network!`'s
//! `gru(H, reset_after = false)`.
//!
//! With `x̂ = W_ih x + b_ih` split into row blocks r, z, n, and `W_hr`, `W_hz`, `W_hn` the
//! row blocks of `W_hh`:
//!
//! ```text
//! r = σ(x̂_r + W_hr h_{t-1} + b_hr)           reset gate
//! z = σ(x̂_z + W_hz h_{t-1} + b_hz)           update gate
//! n = tanh(x̂_n + W_hn (r ∘ h_{t-1}) + b_hn)  candidate: the reset gate before the product
//! h_t = (1 - z) ∘ n + z ∘ h_{t-1}
//! ```
//!
//! The tensors are [`GruCell`](super::GruCell)'s (PyTorch's names and shapes); only the
//! candidate differs (PyTorch's `n = tanh(x̂_n + r ∘ (W_hn h + b_hn))`), so the two cells
//! give different outputs from the same weights. `b_hn` here simply adds to `b_in`.
//!
//! Backward, given `dh_t`: `dn̂ = dh_t ∘ (1 - z) ∘ (1 - n²)` (for `x̂_n` and `b_hn`),
//! `d(r ∘ h) = W_hnᵀ dn̂`, `dW_hn += dn̂ (r ∘ h)ᵀ`, `dr̂ = d(r ∘ h) ∘ h ∘ r(1 - r)`,
//! `dẑ = dh_t ∘ (h_{t-1} - n) ∘ z(1 - z)`, and
//! `dh_{t-1} = dh_t ∘ z + d(r ∘ h) ∘ r + W_hrᵀ dr̂ + W_hzᵀ dẑ`.
//!
//! ```
//! use nn_core::cell::{GruCell, GruResetBeforeCell, RecurrentCell};
//! type C = GruResetBeforeCell<f64, 1, 1, 3>;
//! let mut cell = C::zeros();
//! cell.bias_ih[1] = -30.0; // z ≈ 0: take the candidate
//! cell.weight_hh[(0, 0)] = 1.0; // r = σ(h)
//! cell.weight_hh[(2, 0)] = 2.0; // n = tanh(2 r h)
//! cell.bias_hh[2] = 0.5; // outside the reset: n = tanh(2 r h + 0.5)
//! let (mut next, mut cache) = (C::zero_state(), C::empty_step_cache());
//! let prev = nn_core::nalgebra::SVector::from([1.0]);
//! cell.step(&[0.0], &prev, &mut next, &mut cache);
//! let r = 1.0 / (1.0 + (-1.0f64).exp());
//! assert!((next[0] - (2.0 * r + 0.5f64).tanh()).abs() < 1e-12);
//! // PyTorch's placement, same weights: n = tanh(r (2 h + 0.5)).
//! let mut after = GruCell::<f64, 1, 1, 3>::zeros();
//! *after = (*cell).clone();
//! let mut k = GruCell::<f64, 1, 1, 3>::empty_step_cache();
//! after.step(&[0.0], &prev, &mut next, &mut k);
//! assert!((next[0] - (r * 2.5f64).tanh()).abs() < 1e-12);
//! ```

use super::{cell_type, fast, RecurrentCell};
use crate::Scalar;
use nalgebra::SVector;

cell_type!(
    /// Gated recurrent unit with the reset gate before the product (Cho et al. 2014), `I`
    /// inputs, `H` units, `G = 3H` gate rows (r, z, n).
    GruResetBeforeCell,
    "gru",
    3
);

impl<T: Scalar, const I: usize, const H: usize, const G: usize> GruResetBeforeCell<T, I, H, G> {
    /// `out[k] = b_hn[k] + Σ_j W_hn[k, j] v[j]`: the candidate rows of the hidden product
    /// applied to `v` (`r ∘ h`, or a tangent of it).
    fn candidate_product(&self, v: &[T], with_bias: bool, out: &mut [T]) {
        for (k, o) in out.iter_mut().enumerate().take(H) {
            let row = 2 * H + k;
            let mut s = if with_bias {
                self.bias_hh[row]
            } else {
                T::zero()
            };
            for (j, &vj) in v.iter().enumerate().take(H) {
                s += self.weight_hh[(row, j)] * vj;
            }
            *o = s;
        }
    }
}

impl<T: Scalar, const I: usize, const H: usize, const G: usize> RecurrentCell<T, I, H, G>
    for GruResetBeforeCell<T, I, H, G>
{
    type State = SVector<T, H>;
    /// `r, z, n` after their non-linearities.
    type StepCache = SVector<T, G>;
    const GATES_PER_UNIT: usize = 3;
    const PLAIN_HIDDEN: bool = false;

    fn empty_step_cache() -> Self::StepCache {
        SVector::zeros()
    }

    /// Given `hp` whose r and z rows are `W_h h + b_h` and whose n rows are already
    /// `W_hn (r ∘ h) + b_hn` ([`step_projected`](RecurrentCell::step_projected) computes it).
    #[inline]
    fn gates(
        xp: &SVector<T, G>,
        hp: &SVector<T, G>,
        prev: &Self::State,
        next: &mut Self::State,
        cache: &mut Self::StepCache,
    ) {
        let a = cache.as_mut_slice();
        for r in 0..3 * H {
            a[r] = xp[r] + hp[r];
        }
        fast::sigmoid_in_place(&mut a[..2 * H]);
        fast::tanh_in_place(&mut a[2 * H..3 * H]);
        for k in 0..H {
            let (z, n) = (a[H + k], a[2 * H + k]);
            next[k] = n + z * (prev[k] - n);
        }
    }

    /// `r ∘ h`, read by the candidate rows `2H..3H`.
    fn gated_hidden(
        xp: &SVector<T, G>,
        hp: &SVector<T, G>,
        h: &[T],
        gated: &mut [T],
    ) -> core::ops::Range<usize> {
        for k in 0..H {
            let mut r = [xp[k] + hp[k]];
            fast::sigmoid_in_place(&mut r);
            gated[k] = r[0] * h[k];
        }
        2 * H..3 * H
    }

    fn step_projected(
        &self,
        xp: &SVector<T, G>,
        prev: &Self::State,
        next: &mut Self::State,
        cache: &mut Self::StepCache,
    ) {
        let mut hp = SVector::<T, G>::zeros();
        self.project_hidden(prev.as_slice(), &mut hp);
        let mut rh = SVector::<T, H>::zeros();
        let rows = Self::gated_hidden(xp, &hp, prev.as_slice(), rh.as_mut_slice());
        self.candidate_product(rh.as_slice(), true, &mut hp.as_mut_slice()[rows]);
        Self::gates(xp, &hp, prev, next, cache);
    }

    /// The backward of [`gates`](RecurrentCell::gates) as a function of its arguments, in
    /// which `r` does not enter (the candidate rows of `hp` already hold it). The step's
    /// backward, with the reset gate's path, is
    /// [`step_projected_backward`](RecurrentCell::step_projected_backward).
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
        let a = cache.as_slice();
        let one = T::one();
        for k in 0..H {
            let (z, n) = (a[H + k], a[2 * H + k]);
            let dh = dnext[k];
            let dn = dh * (one - z) * (one - n * n);
            let dz = dh * (prev[k] - n) * z * (one - z);
            dxp[k] = T::zero();
            dhp[k] = T::zero();
            dxp[H + k] = dz;
            dhp[H + k] = dz;
            dxp[2 * H + k] = dn;
            dhp[2 * H + k] = dn;
            dprev[k] = dh * z;
        }
    }

    fn step_projected_backward(
        &self,
        prev: &Self::State,
        _next: &Self::State,
        cache: &Self::StepCache,
        dnext: &Self::State,
        grad: &mut Self,
        dxp: &mut SVector<T, G>,
        dprev: &mut Self::State,
    ) {
        let a = cache.as_slice();
        let one = T::one();
        // The candidate: dn̂, and d(r ∘ h) = W_hnᵀ dn̂.
        let (mut dn, mut rh) = (SVector::<T, H>::zeros(), SVector::<T, H>::zeros());
        for k in 0..H {
            let (r, z, n) = (a[k], a[H + k], a[2 * H + k]);
            dn[k] = dnext[k] * (one - z) * (one - n * n);
            rh[k] = r * prev[k];
        }
        let mut drh = SVector::<T, H>::zeros();
        for k in 0..H {
            let row = 2 * H + k;
            grad.bias_hh[row] += dn[k];
            for j in 0..H {
                grad.weight_hh[(row, j)] += dn[k] * rh[j];
                drh[j] += self.weight_hh[(row, j)] * dn[k];
            }
        }
        // The gates r and z read h through the plain product.
        let mut dhp = SVector::<T, G>::zeros();
        for k in 0..H {
            let (r, z, n) = (a[k], a[H + k], a[2 * H + k]);
            let dr = drh[k] * prev[k] * r * (one - r);
            let dz = dnext[k] * (prev[k] - n) * z * (one - z);
            dxp[k] = dr;
            dhp[k] = dr;
            dxp[H + k] = dz;
            dhp[H + k] = dz;
            dxp[2 * H + k] = dn[k];
            dprev[k] = dnext[k] * z + drh[k] * r;
        }
        grad.weight_hh.ger(one, &dhp, prev, one);
        *grad.bias_hh += dhp;
        let dh = self.weight_hh.tr_mul(&dhp);
        *dprev += dh;
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
        // `dhp` holds `W_hh dh_{t-1}` (all rows); the candidate rows are recomputed from
        // `d(r ∘ h) = dr ∘ h + r ∘ dh_{t-1}`.
        let a = cache.as_slice();
        let one = T::one();
        let mut drh = SVector::<T, H>::zeros();
        for k in 0..H {
            let r = a[k];
            let dr = r * (one - r) * (dxp[k] + dhp[k]);
            drh[k] = dr * prev[k] + r * dprev[k];
        }
        let mut dcand = SVector::<T, H>::zeros();
        self.candidate_product(drh.as_slice(), false, dcand.as_mut_slice());
        for k in 0..H {
            let (z, n) = (a[H + k], a[2 * H + k]);
            let dz = z * (one - z) * (dxp[H + k] + dhp[H + k]);
            let dn = (one - n * n) * (dxp[2 * H + k] + dcand[k]);
            dnext[k] = dn * (one - z) + dz * (prev[k] - n) + z * dprev[k];
        }
    }
}
