//! Recurrent cells and the layers that unroll them over a sequence.
//!
//! A cell maps an input `x_t` (`I` values) and a state `s_{t-1}` to the next state `s_t`,
//! whose first `H` values are the hidden state `h_t` it outputs (an LSTM's state also holds
//! its memory `c_t`). Every cell here has the same two products,
//! `x̂_t = W_ih x_t + b_ih` and `ĥ_t = W_hh h_{t-1} + b_hh` (`G` rows, see [`CellWeights`]),
//! followed by element-wise gate arithmetic, which is all a cell writes
//! ([`RecurrentCell::gates`] and its backward and tangent). The products, their gradients,
//! the unrolling over `SEQ` steps and backpropagation through time are written once, in
//! [`RecurrentCell::step`] / [`RecurrentCell::step_backward`] and [`Recurrent`].
//!
//! | cell | `G` | state | step |
//! |---|---|---|---|
//! | [`LstmCell`] | `4H` (i, f, g, o) | `(h, c)` | `c_t = f ∘ c_{t-1} + i ∘ g`, `h_t = o ∘ tanh c_t` |
//! | [`GruCell`] | `3H` (r, z, n) | `h` | `n = tanh(x̂_n + r ∘ ĥ_n)`, `h_t = (1 - z) ∘ n + z ∘ h_{t-1}` |
//! | [`GruResetBeforeCell`] | `3H` (r, z, n) | `h` | `n = tanh(x̂_n + W_hn (r ∘ h_{t-1}) + b_hn)`, `h_t` as above |
//! | [`RnnCell`] | `H` | `h` | `h_t = tanh(x̂ + ĥ)` |
//!
//! Backpropagation through time: with `ds_t = dℓ/ds_t` (the gradient arriving from the
//! output at step `t` plus the one carried back from step `t + 1`), each step's backward
//! gives `dℓ/dx_t`, `dℓ/ds_{t-1}` and adds its share to the weight gradients, which are sums
//! over the steps. The gradient with respect to the initial state `s_0` is what is left at
//! the end; a loss on the final state (an LSTM's `c_T`) enters as the gradient carried back
//! from beyond the last step ([`Recurrent::backward_through`]).
//!
//! Several layers stacked, each direction of a bidirectional layer and dropout between them
//! are one layer, [`RecurrentStack`], with PyTorch's names (`weight_ih_l1_reverse`).
//!
//! ```
//! use nn_core::cell::{LstmCell, RecurrentCell};
//! use nn_core::nalgebra::SVector;
//! type C = LstmCell<f64, 2, 3, 12>;
//! let cell = C::zeros();
//! let (mut s, mut next, mut cache) = (C::zero_state(), C::zero_state(), C::empty_step_cache());
//! cell.step(&[1.0, -1.0], &s, &mut next, &mut cache);
//! // zero weights: every gate is σ(0) = 1/2 and the candidate tanh(0) = 0, so c and h stay 0
//! assert_eq!(next, s);
//! s[(0, 1)] = 1.0; // c_0 = 1 in the first unit
//! cell.step(&[1.0, -1.0], &s, &mut next, &mut cache);
//! assert_eq!(next[(0, 1)], 0.5); // c_1 = f c_0 = 1/2
//! assert!((C::hidden(&next)[0] - 0.5 * 0.5f64.tanh()).abs() < 1e-15);
//! ```

mod aliases;
#[cfg(feature = "alloc")]
mod batch;
// The gates' vectorized `σ` and `tanh` kernels over slices.
#[doc(hidden)]
pub mod fast;
mod gru;
mod gru_reset_before;
mod lstm;
mod rnn;
mod sequence;
pub mod stack;
mod weights;

pub use aliases::{Gru, GruResetBefore, Lstm, Rnn};
#[cfg(feature = "alloc")]
pub use batch::{BatchSeqCache, SeqGrads, SeqRun};
pub use gru::GruCell;
pub use gru_reset_before::GruResetBeforeCell;
pub use lstm::{LstmCell, LstmStep};
pub use rnn::RnnCell;
pub(crate) use sequence::Fits;
pub use sequence::{Recurrent, SeqCache};
#[cfg(feature = "alloc")]
pub use stack::StackBatchCache;
pub use stack::{RecurrentStack, StackCache, MAX_LAYERS};
pub use weights::CellWeights;

use crate::Scalar;
use core::ops::{Deref, DerefMut};
use nalgebra::SVector;

/// One step of a recurrent cell with `I` inputs, `H` hidden units and `G` gate rows.
///
/// A cell implements the element-wise part of its step ([`gates`](Self::gates)) given the
/// two products `x̂ = W_ih x + b_ih` and `ĥ = W_hh h + b_hh`, and the backward and tangent
/// of that part; the products and their gradients are the provided methods.
pub trait RecurrentCell<T: Scalar, const I: usize, const H: usize, const G: usize>:
    crate::layer::Layer<T> + Deref<Target = CellWeights<T, I, H, G>> + DerefMut
{
    /// The state carried from step to step: `H` values of `h` first, then anything else
    /// (an LSTM's `c`). Plain values, so sequences of states are flat arrays.
    type State: bytemuck::Pod + PartialEq + core::fmt::Debug;
    /// What a step keeps for its backward beyond the states before and after it.
    type StepCache: Copy;

    /// A step cache to pass to the first step.
    fn empty_step_cache() -> Self::StepCache;

    /// Gate rows per hidden unit: `G = GATES_PER_UNIT · H` (4 for an LSTM, 3 for a GRU).
    const GATES_PER_UNIT: usize;

    /// The element-wise part of a step: the next state from `x̂`, `ĥ` and the previous state.
    /// It reads no weights, so it takes no cell: a static (embedded) layer over weights in
    /// `static` bytes ([`StaticRecurrent`](crate::embed::StaticRecurrent)) runs the same
    /// arithmetic.
    fn gates(
        xp: &SVector<T, G>,
        hp: &SVector<T, G>,
        prev: &Self::State,
        next: &mut Self::State,
        cache: &mut Self::StepCache,
    );

    /// Backward of [`gates`](Self::gates): given `dnext = dℓ/ds_t`, writes `dℓ/dx̂` into
    /// `dxp`, `dℓ/dĥ` into `dhp`, and into `dprev` the part of `dℓ/ds_{t-1}` that does not
    /// pass through `W_hh` (an LSTM's `f ∘ dc`, a GRU's `z ∘ dh`).
    #[allow(clippy::too_many_arguments)]
    fn gates_backward(
        &self,
        prev: &Self::State,
        next: &Self::State,
        cache: &Self::StepCache,
        dnext: &Self::State,
        dxp: &mut SVector<T, G>,
        dhp: &mut SVector<T, G>,
        dprev: &mut Self::State,
    );

    /// Forward-mode derivative of [`gates`](Self::gates): `dnext` from the tangents of `x̂`,
    /// `ĥ` and the previous state.
    #[allow(clippy::too_many_arguments)]
    fn gates_tangent(
        &self,
        prev: &Self::State,
        next: &Self::State,
        cache: &Self::StepCache,
        dxp: &SVector<T, G>,
        dhp: &SVector<T, G>,
        dprev: &Self::State,
        dnext: &mut Self::State,
    );

    /// The all-zero state (the default initial state).
    fn zero_state() -> Self::State {
        bytemuck::Zeroable::zeroed()
    }

    /// The hidden state `h`: the first `H` values of a state.
    fn hidden(s: &Self::State) -> &[T] {
        &bytemuck::cast_slice(core::slice::from_ref(s))[..H]
    }

    /// The hidden state `h`, mutably.
    fn hidden_mut(s: &mut Self::State) -> &mut [T] {
        &mut bytemuck::cast_slice_mut(core::slice::from_mut(s))[..H]
    }

    /// Whether the gates read the hidden state only through the one product
    /// `ĥ = W_hh h + b_hh` (every cell but the GRU with its reset gate before the product,
    /// [`GruResetBeforeCell`], whose candidate rows read `W_hn (r ∘ h)`). When false, the
    /// batch path runs [`step_projected`](Self::step_projected) and
    /// [`step_projected_backward`](Self::step_projected_backward) per sample instead of one
    /// hidden product over the batch, and static (embedded) layers compute the rows that
    /// [`gated_hidden`](Self::gated_hidden) names a second time.
    const PLAIN_HIDDEN: bool = true;

    /// Whether [`gates`](Self::gates) reads `x̂` and `ĥ` only through their sum `x̂ + ĥ`
    /// (an LSTM and a plain RNN; not a GRU, whose candidate reads `ĥ_n` alone), so that
    /// [`gates_backward`](Self::gates_backward) writes the same values into `dxp` and `dhp`.
    /// The batch path then adds each step's hidden product onto the input projection in
    /// place and keeps one gradient for both products. Only read when
    /// [`PLAIN_HIDDEN`](Self::PLAIN_HIDDEN) is true.
    const SUMMED: bool = false;

    /// For a cell whose candidate rows read a gated hidden state (`PLAIN_HIDDEN = false`):
    /// given `x̂`, `ĥ = W_hh h + b_hh` (every row) and `h`, writes the vector those rows'
    /// product reads (the GRU's `r ∘ h`) into `gated` (`H` values) and returns the rows whose
    /// `ĥ` is to be recomputed from it. None for the other cells (the default).
    fn gated_hidden(
        xp: &SVector<T, G>,
        hp: &SVector<T, G>,
        h: &[T],
        gated: &mut [T],
    ) -> core::ops::Range<usize> {
        let _ = (xp, hp, h, gated);
        0..0
    }

    /// One step given the input projection `x̂ = W_ih x + b_ih`: the hidden product and
    /// [`gates`](Self::gates).
    fn step_projected(
        &self,
        xp: &SVector<T, G>,
        prev: &Self::State,
        next: &mut Self::State,
        cache: &mut Self::StepCache,
    ) {
        let mut hp = SVector::zeros();
        self.project_hidden(Self::hidden(prev), &mut hp);
        Self::gates(xp, &hp, prev, next, cache);
    }

    /// Backward of [`step_projected`](Self::step_projected): writes `dℓ/dx̂` into `dxp` and
    /// the whole `dℓ/ds_{t-1}` into `dprev`, and adds the step's `dℓ/dW_hh`, `dℓ/db_hh` to
    /// `grad` (the input-side gradients follow from `dxp`).
    #[allow(clippy::too_many_arguments)]
    fn step_projected_backward(
        &self,
        prev: &Self::State,
        next: &Self::State,
        cache: &Self::StepCache,
        dnext: &Self::State,
        grad: &mut Self,
        dxp: &mut SVector<T, G>,
        dprev: &mut Self::State,
    ) {
        let mut dhp = SVector::<T, G>::zeros();
        self.gates_backward(prev, next, cache, dnext, dxp, &mut dhp, dprev);
        let h = SVector::<T, H>::from_column_slice(Self::hidden(prev));
        grad.weight_hh.ger(T::one(), &dhp, &h, T::one());
        *grad.bias_hh += dhp;
        let dh = self.weight_hh.tr_mul(&dhp);
        Self::hidden_mut(dprev)
            .iter_mut()
            .zip(dh.as_slice())
            .for_each(|(a, &b)| *a += b);
    }

    /// One whole step: `x̂`, `ĥ` and [`gates`](Self::gates). `x` holds `I` values.
    fn step(
        &self,
        x: &[T],
        prev: &Self::State,
        next: &mut Self::State,
        cache: &mut Self::StepCache,
    ) {
        let mut xp = SVector::zeros();
        self.project_input(x, &mut xp);
        self.step_projected(&xp, prev, next, cache);
    }

    /// Backward of one whole step: adds the step's weight gradients to `grad` (accumulates:
    /// the weight gradient of a sequence is the sum over its steps), writes `dℓ/dx_t` into
    /// `dx` (`I` values) and `dℓ/ds_{t-1}` into `dprev`.
    #[allow(clippy::too_many_arguments)]
    fn step_backward(
        &self,
        x: &[T],
        prev: &Self::State,
        next: &Self::State,
        cache: &Self::StepCache,
        dnext: &Self::State,
        grad: &mut Self,
        dx: &mut [T],
        dprev: &mut Self::State,
    ) {
        let mut dxp = SVector::<T, G>::zeros();
        self.step_projected_backward(prev, next, cache, dnext, grad, &mut dxp, dprev);
        let x = SVector::<T, I>::from_column_slice(x);
        grad.weight_ih.ger(T::one(), &dxp, &x, T::one());
        *grad.bias_ih += dxp;
        dx.copy_from_slice(self.weight_ih.tr_mul(&dxp).as_slice());
    }

    /// Forward-mode derivative of one whole step (weights held fixed): `dnext` from the
    /// tangent `dx` of the input and `dprev` of the previous state.
    #[allow(clippy::too_many_arguments)]
    fn step_tangent(
        &self,
        dx: &[T],
        prev: &Self::State,
        next: &Self::State,
        cache: &Self::StepCache,
        dprev: &Self::State,
        dnext: &mut Self::State,
    ) {
        let (mut dxp, mut dhp) = (SVector::<T, G>::zeros(), SVector::<T, G>::zeros());
        T::gemv_acc(dxp.as_mut_slice(), self.weight_ih.as_slice(), dx);
        T::gemv_acc(
            dhp.as_mut_slice(),
            self.weight_hh.as_slice(),
            Self::hidden(dprev),
        );
        self.gates_tangent(prev, next, cache, &dxp, &dhp, dprev, dnext);
    }
}

/// Defines a cell type holding [`CellWeights`], with `Layer`, `Parameters`, `Clone`,
/// `PartialEq`, `Debug` and `Deref` to the weights, and checks `G = gates·H` at compile time.
macro_rules! cell_type {
    ($(#[$m:meta])* $name:ident, $kind:literal, $gates:literal) => {
        $(#[$m])*
        pub struct $name<T, const I: usize, const H: usize, const G: usize> {
            weights: $crate::cell::CellWeights<T, I, H, G>,
        }

        impl<T: Scalar, const I: usize, const H: usize, const G: usize> $name<T, I, H, G> {
            const GATE_ROWS_FIT: () = assert!(
                G == $gates * H,
                concat!("a `", $kind, "` cell has ", $gates, " gate rows per hidden unit: G = ",
                    $gates, " * H")
            );

            /// A cell with every weight and bias zero.
            pub fn zeros() -> Self {
                let () = Self::GATE_ROWS_FIT;
                Self { weights: $crate::cell::CellWeights::zeros() }
            }

            /// A cell drawn with `init` (both matrices; biases zero).
            pub fn new<R: rand::Rng + ?Sized>(init: $crate::init::Init, rng: &mut R) -> Self {
                let mut c = Self::zeros();
                c.weights.init(init, rng);
                c
            }
        }

        impl<T: Scalar, const I: usize, const H: usize, const G: usize> core::ops::Deref
            for $name<T, I, H, G>
        {
            type Target = $crate::cell::CellWeights<T, I, H, G>;
            fn deref(&self) -> &Self::Target {
                &self.weights
            }
        }

        impl<T: Scalar, const I: usize, const H: usize, const G: usize> core::ops::DerefMut
            for $name<T, I, H, G>
        {
            fn deref_mut(&mut self) -> &mut Self::Target {
                &mut self.weights
            }
        }

        impl<T: Scalar, const I: usize, const H: usize, const G: usize> $crate::layer::Layer<T>
            for $name<T, I, H, G>
        {
            const KIND: &'static str = $kind;
            const TENSORS: usize = 4;
            const PARAMETERS: usize = G * (I + H + 2);
            fn zeros() -> Self {
                $name::zeros()
            }
            fn init<R: rand::Rng + ?Sized>(&mut self, init: $crate::init::Init, rng: &mut R) {
                self.weights.init(init, rng)
            }
        }

        impl<T: Scalar, const I: usize, const H: usize, const G: usize> $crate::Parameters<T>
            for $name<T, I, H, G>
        {
            fn tensor_count(&self) -> usize {
                4
            }
            fn tensor_info(&self, i: usize) -> Option<$crate::ParamInfo> {
                self.weights.tensor_info(i)
            }
            fn tensor(&self, i: usize) -> Option<&[T]> {
                self.weights.tensor(i)
            }
            fn tensor_mut(&mut self, i: usize) -> Option<&mut [T]> {
                self.weights.tensor_mut(i)
            }
        }

        impl<T: Scalar, const I: usize, const H: usize, const G: usize> Clone
            for $name<T, I, H, G>
        {
            fn clone(&self) -> Self {
                Self { weights: self.weights.clone() }
            }
        }

        impl<T: Scalar, const I: usize, const H: usize, const G: usize> PartialEq
            for $name<T, I, H, G>
        {
            fn eq(&self, o: &Self) -> bool {
                self.weights == o.weights
            }
        }

        impl<T: Scalar, const I: usize, const H: usize, const G: usize> core::fmt::Debug
            for $name<T, I, H, G>
        {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.weights).finish()
            }
        }
    };
}
pub(crate) use cell_type;
