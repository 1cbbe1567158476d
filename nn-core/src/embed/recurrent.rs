//! [`StaticRecurrent`]: a recurrent cell unrolled over `SEQ` steps, its four tensors viewed in
//! static bytes ([`StaticLstm`], [`StaticGru`], [`StaticRnn`]).
//!
//! Every step computes the cell's two products, then its gate arithmetic:
//!
//! ```text
//! x̂_t = W_ih x_t + b_ih        ĥ_t = W_hh h_{t-1} + b_hh        (G rows each)
//! s_t = gates(x̂_t, ĥ_t, s_{t-1}),  s_0 = 0
//! ```
//!
//! where `gates` is the cell's own [`RecurrentCell::gates`] (LSTM: `G = 4H`, state `(h, c)`;
//! GRU: `G = 3H`; plain RNN: `G = H`; formulas in [`crate::cell`]), so the embedded and the
//! trainable layers share one copy of the arithmetic. The GRU with the reset gate before the
//! product ([`GruResetBeforeCell`](crate::cell::GruResetBeforeCell)) computes its candidate
//! rows a second time from `r ∘ h` ([`RecurrentCell::gated_hidden`]). A safetensors file holds PyTorch's
//! `weight_ih_l0` `(G, I)` and `weight_hh_l0` `(G, H)` row-major: those bytes are the
//! column-major `SMatrix<T, I, G>` and `SMatrix<T, H, G>`, one contiguous column per gate row,
//! which each product reads as a [`StaticDense`] (dot products in a fixed order, the same bits
//! on every target). The trainable [`Recurrent`](crate::cell::Recurrent) sums its products in
//! another order, so the two agree to rounding, not bit for bit.
//!
//! Shapes: one sample is `IN = SEQ·I` values in, step after step; out, every hidden state
//! (`OUT = SEQ·H`, `seq = full`) or the last one (`OUT = H`, `seq = last`), as for
//! [`Recurrent`](crate::cell::Recurrent). The states, the two projections and one step's cache
//! live on the stack: no heap.

use super::{Infer, StaticDense};
use crate::cell::{GruCell, LstmCell, RecurrentCell, RnnCell};
use crate::Scalar;
use core::marker::PhantomData;
use nalgebra::{SMatrix, SVector};

/// A recurrent layer whose parameters are `'static` (embedded) data: cell `C` (which gives the
/// gate arithmetic), `I` inputs per step, `H` units, `G` gate rows, `SEQ` steps.
///
/// ```
/// use nn_core::embed::{Infer, StaticRnn};
/// use nn_core::nalgebra::{ArrayStorage, SMatrix, SVector};
/// // One unit over one input, 3 steps: h_t = tanh(x_t + 0.5 h_{t-1}).
/// static W_IH: SMatrix<f64, 1, 1> = SMatrix::from_array_storage(ArrayStorage([[1.0]]));
/// static W_HH: SMatrix<f64, 1, 1> = SMatrix::from_array_storage(ArrayStorage([[0.5]]));
/// static ZERO: SVector<f64, 1> = SVector::from_array_storage(ArrayStorage([[0.0]]));
/// const RNN: StaticRnn<f64, 1, 1, 1, 3> = StaticRnn::new(&W_IH, &W_HH, &ZERO, &ZERO);
/// let x = SVector::from([0.5, -0.25, 1.0]);
/// let mut last = SVector::<f64, 1>::zeros();
/// RNN.infer(&x, &mut last); // seq = last: OUT = H
/// let h1 = 0.5f64.tanh();
/// let h2 = (-0.25 + 0.5 * h1).tanh();
/// assert_eq!(last[0], (1.0 + 0.5 * h2).tanh());
/// let mut all = SVector::<f64, 3>::zeros();
/// RNN.infer(&x, &mut all); // seq = full: OUT = SEQ·H
/// assert_eq!((all[0], all[1], all[2]), (h1, h2, last[0]));
/// ```
pub struct StaticRecurrent<
    C,
    T: Scalar,
    const I: usize,
    const H: usize,
    const G: usize,
    const SEQ: usize,
> {
    /// `x̂ = W_ih x + b_ih`: `W_ihᵀ` (`I x G`, PyTorch's `weight_ih_l0` bytes) and `b_ih`.
    pub input: StaticDense<T, I, G>,
    /// `ĥ = W_hh h + b_hh`: `W_hhᵀ` (`H x G`, PyTorch's `weight_hh_l0` bytes) and `b_hh`.
    pub hidden: StaticDense<T, H, G>,
    cell: PhantomData<fn() -> C>,
}

/// An embedded LSTM layer (`G = 4H`, gates i, f, g, o).
///
/// ```
/// use nn_core::embed::{Infer, StaticLstm};
/// use nn_core::nalgebra::{ArrayStorage, SMatrix, SVector};
/// // One unit: i, f, o ≈ 1 (biases 30) and g = tanh(x), so c_t = c_{t-1} + tanh(x_t).
/// static W_IH: SMatrix<f64, 1, 4> = SMatrix::from_array_storage(ArrayStorage([[0.0], [0.0], [1.0], [0.0]]));
/// static W_HH: SMatrix<f64, 1, 4> = SMatrix::from_array_storage(ArrayStorage([[0.0]; 4]));
/// static B_IH: SVector<f64, 4> = SVector::from_array_storage(ArrayStorage([[30.0, 30.0, 0.0, 30.0]]));
/// static B_HH: SVector<f64, 4> = SVector::from_array_storage(ArrayStorage([[0.0; 4]]));
/// const LSTM: StaticLstm<f64, 1, 1, 4, 2> = StaticLstm::new(&W_IH, &W_HH, &B_IH, &B_HH);
/// let mut h = SVector::<f64, 1>::zeros();
/// LSTM.infer(&SVector::from([0.5, 0.25]), &mut h);
/// assert!((h[0] - (0.5f64.tanh() + 0.25f64.tanh()).tanh()).abs() < 1e-12);
/// ```
pub type StaticLstm<T, const I: usize, const H: usize, const G: usize, const SEQ: usize> =
    StaticRecurrent<LstmCell<T, I, H, G>, T, I, H, G, SEQ>;
/// An embedded GRU layer (`G = 3H`, gates r, z, n).
///
/// ```
/// use nn_core::embed::{Infer, StaticGru};
/// use nn_core::nalgebra::{ArrayStorage, SMatrix, SVector};
/// // One unit: z ≈ 0 (bias -30) takes the candidate n = tanh(x_t): h_t = tanh(x_t).
/// static W_IH: SMatrix<f64, 1, 3> = SMatrix::from_array_storage(ArrayStorage([[0.0], [0.0], [1.0]]));
/// static W_HH: SMatrix<f64, 1, 3> = SMatrix::from_array_storage(ArrayStorage([[1.0]; 3]));
/// static B_IH: SVector<f64, 3> = SVector::from_array_storage(ArrayStorage([[0.0, -30.0, 0.0]]));
/// static B_HH: SVector<f64, 3> = SVector::from_array_storage(ArrayStorage([[0.0; 3]]));
/// const GRU: StaticGru<f64, 1, 1, 3, 2> = StaticGru::new(&W_IH, &W_HH, &B_IH, &B_HH);
/// let mut h = SVector::<f64, 2>::zeros();
/// GRU.infer(&SVector::from([0.5, 0.0]), &mut h); // seq = full
/// assert!((h[0] - 0.5f64.tanh()).abs() < 1e-12);
/// let r = 1.0 / (1.0 + (-h[0]).exp()); // the reset gate sees ĥ_r = h_1
/// assert!((h[1] - (r * h[0]).tanh()).abs() < 1e-12);
/// ```
pub type StaticGru<T, const I: usize, const H: usize, const G: usize, const SEQ: usize> =
    StaticRecurrent<GruCell<T, I, H, G>, T, I, H, G, SEQ>;
/// An embedded plain tanh RNN layer (`G = H`): `h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)`.
///
/// ```
/// use nn_core::embed::StaticRnn;
/// // Four references to the parameters, nothing else (they stay in static data).
/// assert_eq!(std::mem::size_of::<StaticRnn<f32, 3, 8, 8, 10>>(), 4 * std::mem::size_of::<usize>());
/// ```
pub type StaticRnn<T, const I: usize, const H: usize, const G: usize, const SEQ: usize> =
    StaticRecurrent<RnnCell<T, I, H, G>, T, I, H, G, SEQ>;

impl<C, T: Scalar, const I: usize, const H: usize, const G: usize, const SEQ: usize>
    StaticRecurrent<C, T, I, H, G, SEQ>
{
    /// A layer over PyTorch's four tensors, in the file's order: `weight_ih_l0` `(G, I)` and
    /// `weight_hh_l0` `(G, H)` as their column-major transposes, then `bias_ih_l0`, `bias_hh_l0`.
    pub const fn new(
        weight_ih_t: &'static SMatrix<T, I, G>,
        weight_hh_t: &'static SMatrix<T, H, G>,
        bias_ih: &'static SVector<T, G>,
        bias_hh: &'static SVector<T, G>,
    ) -> Self {
        Self {
            input: StaticDense::new(weight_ih_t, bias_ih),
            hidden: StaticDense::new(weight_hh_t, bias_hh),
            cell: PhantomData,
        }
    }
}

impl<C, T: Scalar, const I: usize, const H: usize, const G: usize, const SEQ: usize> Clone
    for StaticRecurrent<C, T, I, H, G, SEQ>
{
    fn clone(&self) -> Self {
        *self
    }
}

impl<C, T: Scalar, const I: usize, const H: usize, const G: usize, const SEQ: usize> Copy
    for StaticRecurrent<C, T, I, H, G, SEQ>
{
}

impl<C, T: Scalar, const I: usize, const H: usize, const G: usize, const SEQ: usize>
    core::fmt::Debug for StaticRecurrent<C, T, I, H, G, SEQ>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StaticRecurrent")
            .field("cell", &core::any::type_name::<C>())
            .field("steps", &SEQ)
            .field("input", &self.input)
            .field("hidden", &self.hidden)
            .finish()
    }
}

/// `N` values of a slice as a vector, with no copy (`s.len() == N`).
fn as_vector<T: Scalar, const N: usize>(s: &[T]) -> &SVector<T, N> {
    bytemuck::from_bytes(bytemuck::cast_slice(s))
}

impl<
        C: RecurrentCell<T, I, H, G>,
        T: Scalar,
        const I: usize,
        const H: usize,
        const G: usize,
        const SEQ: usize,
        const IN: usize,
        const OUT: usize,
    > Infer<T, IN, OUT> for StaticRecurrent<C, T, I, H, G, SEQ>
{
    fn infer(&self, x: &SVector<T, IN>, y: &mut SVector<T, OUT>) {
        let () = crate::cell::Fits::<I, H, SEQ, IN, OUT>::OK;
        const {
            assert!(
                G == C::GATES_PER_UNIT * H,
                "a recurrent cell's G must be its gates per unit times H"
            )
        };

        let (mut s, mut next, mut cache) =
            (C::zero_state(), C::zero_state(), C::empty_step_cache());
        let (mut xp, mut hp) = (SVector::<T, G>::zeros(), SVector::<T, G>::zeros());
        for (t, xt) in x.as_slice().chunks_exact(I).enumerate() {
            self.input.infer(as_vector(xt), &mut xp);
            self.hidden.infer(as_vector(C::hidden(&s)), &mut hp);
            if !C::PLAIN_HIDDEN {
                // The candidate rows read the gated state (the GRU's `W_hn (r ∘ h) + b_hn`).
                let (mut gated, mut again) = (SVector::<T, H>::zeros(), SVector::<T, G>::zeros());
                let rows = C::gated_hidden(&xp, &hp, C::hidden(&s), gated.as_mut_slice());
                self.hidden.infer(&gated, &mut again);
                hp.as_mut_slice()[rows.clone()].copy_from_slice(&again.as_slice()[rows]);
            }
            C::gates(&xp, &hp, &s, &mut next, &mut cache);
            s = next;
            if OUT == SEQ * H {
                y.as_mut_slice()[t * H..(t + 1) * H].copy_from_slice(C::hidden(&s));
            }
        }
        if OUT != SEQ * H {
            y.as_mut_slice().copy_from_slice(C::hidden(&s));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cell::{Gru, Lstm, Rnn};
    use crate::init::Init;
    use crate::layer::Op;
    use alloc::boxed::Box;
    use rand::{rngs::StdRng, Rng, SeedableRng};

    fn leak<M>(m: M) -> &'static M {
        Box::leak(Box::new(m))
    }

    /// The static layer over the trainable layer's tensors, transposed into PyTorch's layout.
    fn embed<C: RecurrentCell<f64, I, H, G>, const I: usize, const H: usize, const G: usize>(
        cell: &C,
    ) -> StaticRecurrent<C, f64, I, H, G, 6> {
        StaticRecurrent::new(
            leak(cell.weight_ih.transpose()),
            leak(cell.weight_hh.transpose()),
            leak(*cell.bias_ih),
            leak(*cell.bias_hh),
        )
    }

    fn random_biases<
        C: RecurrentCell<f64, I, H, G>,
        const I: usize,
        const H: usize,
        const G: usize,
    >(
        cell: &mut C,
        rng: &mut StdRng,
    ) {
        let w: &mut crate::cell::CellWeights<f64, I, H, G> = cell;
        for b in w.bias_ih.iter_mut().chain(w.bias_hh.iter_mut()) {
            *b = rng.random_range(-0.5..0.5);
        }
    }

    /// Both outputs (every state and the last one) of the trainable layer and of the static
    /// one over the same tensors, on one random sequence; the largest difference.
    macro_rules! compare {
        ($layer:ident, $g:literal) => {{
            type Full = $layer<f64, 3, 5, $g, 6, 18, 30>;
            type Last = $layer<f64, 3, 5, $g, 6, 18, 5>;
            let mut rng = StdRng::seed_from_u64(11);
            let mut full = Full::new(Init::Xavier, &mut rng);
            random_biases(&mut full.cell, &mut rng);
            let last = Last::from_cell(full.cell.clone());
            let s = embed(&full.cell);
            let x = SVector::<f64, 18>::from_fn(|_, _| rng.random_range(-2.0..2.0));
            let (mut y, mut ys) = (SVector::<f64, 30>::zeros(), SVector::<f64, 30>::zeros());
            full.op_forward(&x, &mut y, &mut Full::empty_cache());
            s.infer(&x, &mut ys);
            let (mut l, mut ls) = (SVector::<f64, 5>::zeros(), SVector::<f64, 5>::zeros());
            last.op_forward(&x, &mut l, &mut Last::empty_cache());
            s.infer(&x, &mut ls);
            assert!(y.amax() > 0.1, "a trivial output: {y}");
            assert_eq!(l.as_slice(), &y.as_slice()[25..]);
            (y - ys).amax().max((l - ls).amax())
        }};
    }

    #[test]
    fn computes_what_the_trainable_layers_compute() {
        for (kind, diff) in [
            ("lstm", compare!(Lstm, 20)),
            ("gru", compare!(Gru, 15)),
            ("rnn", compare!(Rnn, 5)),
        ] {
            assert!(diff < 1e-13, "{kind}: {diff}");
        }
    }
}
