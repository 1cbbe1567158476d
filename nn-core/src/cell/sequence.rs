//! [`Recurrent`]: a cell unrolled over `SEQ` steps, as a layer ([`Op`], [`BatchOp`]).
//!
//! Shapes: the input is `IN = SEQ·I` values per sample, step after step (`x_1`, then `x_2`,
//! ...). The output is the whole sequence of hidden states, `OUT = SEQ·H` (`h_1, ..., h_SEQ`),
//! or only the last one, `OUT = H`; which one follows from `OUT`. Sizes that fit neither are
//! a compile-time error when the layer is used.
//!
//! One sample runs step by step with no heap: the states after every step and each step's
//! [`RecurrentCell::StepCache`] live in the fixed-size [`SeqCache`]. The backward is
//! backpropagation through time: from the last step to the first, each step's state gradient
//! is the output's gradient at that step plus what the step after it sent back, optionally
//! clipped element-wise to `[-clip, clip]` ([`Recurrent::clip`]) before the step's backward
//! uses it. The initial state is an input like any other ([`Recurrent::forward_from`],
//! [`Recurrent::backward_to`] give its gradient); through [`Op`] it is zero.
//!
//! ```
//! use nn_core::cell::Lstm;
//! use nn_core::layer::Op;
//! use nn_core::nalgebra::SVector;
//! use rand::{rngs::StdRng, SeedableRng};
//! // 5 steps of 3 inputs, 4 hidden units, the last state out: IN = 15, OUT = 4.
//! type L = Lstm<f64, 3, 4, 16, 5, 15, 4>;
//! let layer = L::new(Default::default(), &mut StdRng::seed_from_u64(0));
//! let x = SVector::<f64, 15>::from_fn(|i, _| (i as f64 * 0.3).sin());
//! let (mut y, mut cache) = (SVector::zeros(), L::empty_cache());
//! layer.op_forward(&x, &mut y, &mut cache);
//! assert_eq!(y.as_slice(), &cache.states[4].as_slice()[..4]); // h_5
//! ```
//!
//! [`BatchOp`]: crate::layer::BatchOp

use super::{GruCell, GruResetBeforeCell, LstmCell, RecurrentCell, RnnCell};
use crate::layer::{Layer, Op};
use crate::{init::Init, ParamInfo, Parameters, Scalar};
use nalgebra::{SMatrix, SVector};

/// A recurrent cell `C` over `SEQ` steps: `IN = SEQ·I` inputs, `OUT = SEQ·H` (every hidden
/// state) or `OUT = H` (the last) outputs.
pub struct Recurrent<C, const SEQ: usize, const IN: usize, const OUT: usize> {
    /// The cell, shared by every step (its weights are the layer's parameters).
    pub cell: C,
    /// Gradient clipping for backpropagation through time: when set, the gradient with
    /// respect to the state is clipped element-wise to `[-clip, clip]` at every step.
    pub clip: Option<f64>,
}

/// What one sample's forward keeps: the initial state, the state after every step, and every
/// step's cache.
#[derive(Clone, Copy, Debug)]
pub struct SeqCache<S, K, P, const SEQ: usize> {
    /// The input projections `x̂_t = W_ih x_t + b_ih` of every step, one column per step.
    pub proj: P,
    /// `s_0`.
    pub init: S,
    /// `s_1, ..., s_SEQ`.
    pub states: [S; SEQ],
    /// Each step's cache.
    pub steps: [K; SEQ],
}

/// The compile-time shape check of a recurrent layer.
pub(crate) struct Fits<
    const I: usize,
    const H: usize,
    const SEQ: usize,
    const IN: usize,
    const OUT: usize,
>;
impl<const I: usize, const H: usize, const SEQ: usize, const IN: usize, const OUT: usize>
    Fits<I, H, SEQ, IN, OUT>
{
    pub(crate) const OK: () = assert!(
        SEQ > 0 && IN == SEQ * I && (OUT == H || OUT == SEQ * H),
        "a recurrent layer takes IN = SEQ * I inputs and gives OUT = SEQ * H (the whole \
         sequence) or OUT = H (the last state)"
    );
}

impl<C: Clone, const SEQ: usize, const IN: usize, const OUT: usize> Recurrent<C, SEQ, IN, OUT> {
    /// The layer around `cell`, without clipping.
    pub fn from_cell(cell: C) -> Self {
        Self { cell, clip: None }
    }

    /// A layer drawn with `init`.
    pub fn new<T: Scalar, R: rand::Rng + ?Sized>(init: Init, rng: &mut R) -> Self
    where
        C: Layer<T>,
    {
        let mut l = Self::from_cell(C::zeros());
        l.cell.init(init, rng);
        l
    }
}

/// Elementwise clip to `[-c, c]`.
fn clip_slice<T: Scalar>(v: &mut [T], clip: Option<f64>) {
    if let Some(c) = clip {
        let c = T::of(c);
        v.iter_mut().for_each(|x| *x = x.clamp(-c, c));
    }
}

/// `proj = W_ih X + b_ih 1ᵀ` (`X`: the steps as an `inputs x SEQ` matrix) as one product,
/// when the product kernel needs no heap; returns whether it ran.
#[cfg(feature = "alloc")]
fn project_all<T: Scalar>(w: &[T], b: &[T], x: &[T], inputs: usize, proj: &mut [T]) -> bool {
    use crate::kernels::{gemm_heap_free, Operand};
    if b.is_empty() || inputs == 0 {
        return false;
    }
    let (a, xs) = (Operand::n(w, b.len()), Operand::n(x, inputs));
    // The bias first (the kernel accumulates); overwritten again if no kernel runs.
    proj.chunks_exact_mut(b.len())
        .for_each(|c| c.copy_from_slice(b));
    gemm_heap_free(T::one(), a, xs, T::one(), proj, b.len())
}

/// Without `alloc` every product is a per-step `gemv`.
#[cfg(not(feature = "alloc"))]
fn project_all<T: Scalar>(_: &[T], _: &[T], _: &[T], _: usize, _: &mut [T]) -> bool {
    false
}

pub(crate) fn forward<
    T,
    C,
    const I: usize,
    const H: usize,
    const G: usize,
    const SEQ: usize,
    const IN: usize,
    const OUT: usize,
>(
    cell: &C,
    x: &SVector<T, IN>,
    s0: &C::State,
    y: &mut SVector<T, OUT>,
    cache: &mut SeqCache<C::State, C::StepCache, SMatrix<T, G, SEQ>, SEQ>,
) where
    T: Scalar,
    C: RecurrentCell<T, I, H, G>,
{
    let () = Fits::<I, H, SEQ, IN, OUT>::OK;
    // All input projections at once when the product kernel needs no heap; else step by step.
    let proj = cache.proj.as_mut_slice();
    if !project_all(
        cell.weight_ih.as_slice(),
        cell.bias_ih.as_slice(),
        x.as_slice(),
        I,
        proj,
    ) {
        for (p, xt) in proj.chunks_exact_mut(G).zip(x.as_slice().chunks_exact(I)) {
            p.copy_from_slice(cell.bias_ih.as_slice());
            T::gemv_acc(p, cell.weight_ih.as_slice(), xt);
        }
    }
    cache.init = *s0;
    for t in 0..SEQ {
        let xp = &bytemuck::cast_slice::<T, SVector<T, G>>(cache.proj.as_slice())[t];
        let (done, rest) = cache.states.split_at_mut(t);
        let prev = if t == 0 { &cache.init } else { &done[t - 1] };
        cell.step_projected(xp, prev, &mut rest[0], &mut cache.steps[t]);
        if OUT == SEQ * H {
            y.as_mut_slice()[t * H..(t + 1) * H].copy_from_slice(C::hidden(&rest[0]));
        }
    }
    if OUT != SEQ * H {
        y.as_mut_slice()
            .copy_from_slice(C::hidden(&cache.states[SEQ - 1]));
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn backward<
    T,
    C,
    const I: usize,
    const H: usize,
    const G: usize,
    const SEQ: usize,
    const IN: usize,
    const OUT: usize,
>(
    cell: &C,
    clip: Option<f64>,
    x: &SVector<T, IN>,
    cache: &SeqCache<C::State, C::StepCache, SMatrix<T, G, SEQ>, SEQ>,
    dy: &SVector<T, OUT>,
    grad: &mut C,
    dx: &mut SVector<T, IN>,
    ds_last: Option<&C::State>,
    ds0: &mut C::State,
) where
    T: Scalar,
    C: RecurrentCell<T, I, H, G>,
{
    let () = Fits::<I, H, SEQ, IN, OUT>::OK;
    grad.fill(T::zero());
    // What reaches the last state from beyond the sequence (a loss on `c_T`), if anything.
    let mut carry = ds_last.copied().unwrap_or_else(C::zero_state);
    for t in (0..SEQ).rev() {
        let mut dnext = carry;
        let dh = C::hidden_mut(&mut dnext);
        if OUT == SEQ * H {
            let dyt = &dy.as_slice()[t * H..(t + 1) * H];
            dh.iter_mut().zip(dyt).for_each(|(a, &b)| *a += b);
        } else if t == SEQ - 1 {
            dh.iter_mut().zip(dy.as_slice()).for_each(|(a, &b)| *a += b);
        }
        clip_slice(
            bytemuck::cast_slice_mut::<_, T>(core::slice::from_mut(&mut dnext)),
            clip,
        );
        let prev = if t == 0 {
            &cache.init
        } else {
            &cache.states[t - 1]
        };
        let (xt, dxt) = (
            &x.as_slice()[t * I..(t + 1) * I],
            &mut dx.as_mut_slice()[t * I..(t + 1) * I],
        );
        let next = &cache.states[t];
        cell.step_backward(
            xt,
            prev,
            next,
            &cache.steps[t],
            &dnext,
            grad,
            dxt,
            &mut carry,
        );
    }
    *ds0 = carry;
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn tangent<
    T,
    C,
    const I: usize,
    const H: usize,
    const G: usize,
    const SEQ: usize,
    const IN: usize,
    const OUT: usize,
>(
    cell: &C,
    cache: &SeqCache<C::State, C::StepCache, SMatrix<T, G, SEQ>, SEQ>,
    dx: &SVector<T, IN>,
    ds0: &C::State,
    dy: &mut SVector<T, OUT>,
) where
    T: Scalar,
    C: RecurrentCell<T, I, H, G>,
{
    let () = Fits::<I, H, SEQ, IN, OUT>::OK;
    let mut dprev = *ds0;
    for (t, dxt) in dx.as_slice().chunks_exact(I).enumerate() {
        let prev = if t == 0 {
            &cache.init
        } else {
            &cache.states[t - 1]
        };
        let mut dnext = C::zero_state();
        cell.step_tangent(
            dxt,
            prev,
            &cache.states[t],
            &cache.steps[t],
            &dprev,
            &mut dnext,
        );
        dprev = dnext;
        if OUT == SEQ * H {
            dy.as_mut_slice()[t * H..(t + 1) * H].copy_from_slice(C::hidden(&dprev));
        }
    }
    if OUT != SEQ * H {
        dy.as_mut_slice().copy_from_slice(C::hidden(&dprev));
    }
}

/// `Op`, `BatchOp` and the initial-state API for `Recurrent<$cell<..>, ..>`.
macro_rules! recurrent_ops {
    ($cell:ident) => {
        impl<
                T: Scalar,
                const I: usize,
                const H: usize,
                const G: usize,
                const SEQ: usize,
                const IN: usize,
                const OUT: usize,
            > Recurrent<$cell<T, I, H, G>, SEQ, IN, OUT>
        {
            /// The forward pass from the initial state `s0` (`h_0`, and an LSTM's `c_0`).
            pub fn forward_from(
                &self,
                x: &SVector<T, IN>,
                s0: &<$cell<T, I, H, G> as RecurrentCell<T, I, H, G>>::State,
                y: &mut SVector<T, OUT>,
                cache: &mut <Self as Op<T, IN, OUT>>::Cache,
            ) {
                forward::<T, $cell<T, I, H, G>, I, H, G, SEQ, IN, OUT>(&self.cell, x, s0, y, cache)
            }

            /// The backward pass of [`forward_from`](Self::forward_from): weight gradients
            /// into `grad` (overwritten), `dℓ/dx` into `dx` and `dℓ/ds_0` into `ds0`.
            pub fn backward_to(
                &self,
                x: &SVector<T, IN>,
                cache: &<Self as Op<T, IN, OUT>>::Cache,
                dy: &SVector<T, OUT>,
                grad: &mut Self,
                dx: &mut SVector<T, IN>,
                ds0: &mut <$cell<T, I, H, G> as RecurrentCell<T, I, H, G>>::State,
            ) {
                backward::<T, $cell<T, I, H, G>, I, H, G, SEQ, IN, OUT>(
                    &self.cell,
                    self.clip,
                    x,
                    cache,
                    dy,
                    &mut grad.cell,
                    dx,
                    None,
                    ds0,
                )
            }

            /// [`backward_to`](Self::backward_to) with a gradient on the final state as well:
            /// `ds_last = dℓ/ds_SEQ` (`dℓ/dh_SEQ` in its first `H` values, then an LSTM's
            /// `dℓ/dc_SEQ`), for a loss that reads the last state directly (a memory `c_T`
            /// passed on to another network, a penalty on it). It adds to what `dy` gives
            /// `h_SEQ`; the final state itself is `cache.states[SEQ - 1]`.
            ///
            /// ```
            /// use nn_core::cell::{Lstm, LstmCell, RecurrentCell};
            /// use nn_core::layer::{Layer, Op};
            /// use nn_core::nalgebra::SVector;
            /// type L = Lstm<f64, 1, 2, 8, 3, 3, 2>; // 3 steps, the last h out
            /// let layer = L::new(Default::default(), &mut rand::rngs::StdRng::seed_from_u64(0));
            /// # use rand::SeedableRng;
            /// let x = SVector::from([0.5, -1.0, 0.25]);
            /// let (mut y, mut cache) = (SVector::zeros(), L::empty_cache());
            /// layer.op_forward(&x, &mut y, &mut cache);
            /// // ℓ = c_T[0]: no gradient on the outputs, one on the final memory.
            /// let mut ds = LstmCell::<f64, 1, 2, 8>::zero_state();
            /// ds[(0, 1)] = 1.0;
            /// let (mut grad, mut dx, mut ds0) = (L::zeros(), SVector::zeros(), ds);
            /// layer.backward_through(&x, &cache, &SVector::zeros(), &ds, &mut grad, &mut dx, &mut ds0);
            /// // Check dℓ/dx_1 against a central difference.
            /// let c_t = |x: &SVector<f64, 3>| {
            ///     let (mut y, mut k) = (SVector::zeros(), L::empty_cache());
            ///     layer.op_forward(x, &mut y, &mut k);
            ///     k.states[2][(0, 1)]
            /// };
            /// let e = SVector::from([1e-6, 0.0, 0.0]);
            /// let fd = (c_t(&(x + e)) - c_t(&(x - e))) / 2e-6;
            /// assert!((dx[0] - fd).abs() < 1e-8);
            /// ```
            #[allow(clippy::too_many_arguments)]
            pub fn backward_through(
                &self,
                x: &SVector<T, IN>,
                cache: &<Self as Op<T, IN, OUT>>::Cache,
                dy: &SVector<T, OUT>,
                ds_last: &<$cell<T, I, H, G> as RecurrentCell<T, I, H, G>>::State,
                grad: &mut Self,
                dx: &mut SVector<T, IN>,
                ds0: &mut <$cell<T, I, H, G> as RecurrentCell<T, I, H, G>>::State,
            ) {
                backward::<T, $cell<T, I, H, G>, I, H, G, SEQ, IN, OUT>(
                    &self.cell,
                    self.clip,
                    x,
                    cache,
                    dy,
                    &mut grad.cell,
                    dx,
                    Some(ds_last),
                    ds0,
                )
            }

            /// Forward-mode derivative with respect to the input and the initial state.
            pub fn tangent_from(
                &self,
                cache: &<Self as Op<T, IN, OUT>>::Cache,
                dx: &SVector<T, IN>,
                ds0: &<$cell<T, I, H, G> as RecurrentCell<T, I, H, G>>::State,
                dy: &mut SVector<T, OUT>,
            ) {
                tangent::<T, $cell<T, I, H, G>, I, H, G, SEQ, IN, OUT>(
                    &self.cell, cache, dx, ds0, dy,
                )
            }
        }

        impl<
                T: Scalar,
                const I: usize,
                const H: usize,
                const G: usize,
                const SEQ: usize,
                const IN: usize,
                const OUT: usize,
            > Op<T, IN, OUT> for Recurrent<$cell<T, I, H, G>, SEQ, IN, OUT>
        {
            type Cache = SeqCache<
                <$cell<T, I, H, G> as RecurrentCell<T, I, H, G>>::State,
                <$cell<T, I, H, G> as RecurrentCell<T, I, H, G>>::StepCache,
                SMatrix<T, G, SEQ>,
                SEQ,
            >;

            fn empty_cache() -> Self::Cache {
                let s = <$cell<T, I, H, G> as RecurrentCell<T, I, H, G>>::zero_state();
                let k = <$cell<T, I, H, G> as RecurrentCell<T, I, H, G>>::empty_step_cache();
                SeqCache {
                    proj: SMatrix::zeros(),
                    init: s,
                    states: [s; SEQ],
                    steps: [k; SEQ],
                }
            }

            fn op_forward(
                &self,
                x: &SVector<T, IN>,
                y: &mut SVector<T, OUT>,
                cache: &mut Self::Cache,
            ) {
                let s0 = <$cell<T, I, H, G> as RecurrentCell<T, I, H, G>>::zero_state();
                self.forward_from(x, &s0, y, cache)
            }

            fn op_backward(
                &self,
                x: &SVector<T, IN>,
                _y: &SVector<T, OUT>,
                cache: &Self::Cache,
                dy: &SVector<T, OUT>,
                grad: &mut Self,
                dx: &mut SVector<T, IN>,
            ) {
                let mut ds0 = <$cell<T, I, H, G> as RecurrentCell<T, I, H, G>>::zero_state();
                self.backward_to(x, cache, dy, grad, dx, &mut ds0)
            }

            fn op_tangent(
                &self,
                _x: &SVector<T, IN>,
                _y: &SVector<T, OUT>,
                cache: &Self::Cache,
                dx: &SVector<T, IN>,
                dy: &mut SVector<T, OUT>,
            ) {
                let ds0 = <$cell<T, I, H, G> as RecurrentCell<T, I, H, G>>::zero_state();
                self.tangent_from(cache, dx, &ds0, dy)
            }
        }

        #[cfg(feature = "alloc")]
        super::batch::batch_ops!($cell);
    };
}

recurrent_ops!(LstmCell);
recurrent_ops!(GruCell);
recurrent_ops!(GruResetBeforeCell);
recurrent_ops!(RnnCell);

impl<T: Scalar, C: Layer<T>, const SEQ: usize, const IN: usize, const OUT: usize> Layer<T>
    for Recurrent<C, SEQ, IN, OUT>
{
    const KIND: &'static str = C::KIND;
    const TENSORS: usize = C::TENSORS;
    const PARAMETERS: usize = C::PARAMETERS;
    fn zeros() -> Self {
        Self::from_cell(C::zeros())
    }
    fn init<R: rand::Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
        self.cell.init(init, rng)
    }
}

impl<T, C: Parameters<T>, const SEQ: usize, const IN: usize, const OUT: usize> Parameters<T>
    for Recurrent<C, SEQ, IN, OUT>
{
    fn tensor_count(&self) -> usize {
        self.cell.tensor_count()
    }
    fn tensor_info(&self, i: usize) -> Option<ParamInfo> {
        self.cell.tensor_info(i)
    }
    fn tensor(&self, i: usize) -> Option<&[T]> {
        self.cell.tensor(i)
    }
    fn tensor_mut(&mut self, i: usize) -> Option<&mut [T]> {
        self.cell.tensor_mut(i)
    }
}

impl<C: Clone, const SEQ: usize, const IN: usize, const OUT: usize> Clone
    for Recurrent<C, SEQ, IN, OUT>
{
    fn clone(&self) -> Self {
        Self {
            cell: self.cell.clone(),
            clip: self.clip,
        }
    }
}

impl<C: PartialEq, const SEQ: usize, const IN: usize, const OUT: usize> PartialEq
    for Recurrent<C, SEQ, IN, OUT>
{
    fn eq(&self, o: &Self) -> bool {
        self.cell == o.cell && self.clip == o.clip
    }
}

impl<C: core::fmt::Debug, const SEQ: usize, const IN: usize, const OUT: usize> core::fmt::Debug
    for Recurrent<C, SEQ, IN, OUT>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Recurrent")
            .field("steps", &SEQ)
            .field("out", &OUT)
            .field("clip", &self.clip)
            .field("cell", &self.cell)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cell::Lstm;
    use rand::{rngs::StdRng, Rng, SeedableRng};

    /// The `f32` forward (all input projections as one product where that product needs no
    /// heap) gives the states of the cell stepped one step at a time.
    #[test]
    fn f32_forward_equals_stepping_the_cell() {
        type L = Lstm<f32, 5, 8, 32, 7, 35, 56>;
        let mut rng = StdRng::seed_from_u64(3);
        let layer = L::new(Init::LeCun, &mut rng);
        let x = SVector::<f32, 35>::from_fn(|_, _| rng.random_range(-1.0..1.0));
        let (mut y, mut cache) = (SVector::zeros(), L::empty_cache());
        layer.op_forward(&x, &mut y, &mut cache);
        let mut s = LstmCell::<f32, 5, 8, 32>::zero_state();
        let mut k = LstmCell::<f32, 5, 8, 32>::empty_step_cache();
        for t in 0..7 {
            let prev = s;
            layer
                .cell
                .step(&x.as_slice()[t * 5..(t + 1) * 5], &prev, &mut s, &mut k);
            for j in 0..8 {
                let (a, b) = (y[t * 8 + j], s[(j, 0)]);
                assert!((a - b).abs() <= 1e-6, "step {t} unit {j}: {a} vs {b}");
            }
        }
        assert!(y.iter().any(|&v| v.abs() > 1e-3));
    }
}
