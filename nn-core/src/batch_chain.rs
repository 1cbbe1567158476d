//! [`Chain`] as a [`BatchNetwork`]: two networks trained together, end to end.
//!
//! For `f = g ∘ h` with `h: IN → MID` and `g: MID → OUT`, the forward pass runs `h` then `g`
//! on `h`'s outputs; the backward pass runs `g`'s backward, which returns `dℓ/dh` (an
//! `MID x n` batch), then `h`'s backward from it: the lecture's chain rule
//! `dℓ/dθ_h = dℓ/dg · dg/dh · dh/dθ_h`. The trace is the pair of the two traces; the
//! parameters are `h`'s followed by `g`'s, so [`Fit`](crate::train::Fit) and every
//! optimizer train the chain as one network (data-parallel like any other).
//!
//! ```
//! use nn_core::{chain, network, Batch, loss::CrossEntropy, optim::Adam};
//! use nn_core::train::{Data, Fit};
//! network! { struct Encoder { input: 2, h: dense(16, tanh), code: dense(4, tanh) } }
//! network! { struct Head { input: 4, out: dense(2) } }
//! let mut rng = rand::rngs::StdRng::seed_from_u64(1);
//! # use rand::SeedableRng;
//! let mut both = chain(Encoder::<f32>::new(&mut rng), Head::new(&mut rng));
//! let x = Batch::<f32, 2>::from_fn(200, |r, c| ((c * 7 + r * 13) % 17) as f32 / 17.0 - 0.5);
//! let y: Vec<usize> = (0..200).map(|c| usize::from(x[(0, c)] > x[(1, c)])).collect();
//! let history = Fit::new(60).batch_size(20)
//!     .run(&mut both, &mut Adam::new(0.01), &CrossEntropy, Data::classes(&x, &y), None, &mut [])
//!     .unwrap();
//! assert!(history.last().unwrap().train.accuracy.unwrap() > 0.9);
//! ```

use crate::{Batch, BatchNetwork, Chain, Error, Network, Scalar};
use nalgebra::SVector;

impl<T, A, B, const IN: usize, const MID: usize, const OUT: usize> BatchNetwork<T, IN, OUT>
    for Chain<A, B>
where
    T: Scalar,
    A: BatchNetwork<T, IN, MID> + Network<T, Output = SVector<T, MID>>,
    B: BatchNetwork<T, MID, OUT>,
{
    type Trace = (A::Trace, B::Trace);
    const PER_SAMPLE: bool = A::PER_SAMPLE && B::PER_SAMPLE;

    fn zeros() -> Self {
        Chain {
            first: <A as BatchNetwork<T, IN, MID>>::zeros(),
            second: <B as BatchNetwork<T, MID, OUT>>::zeros(),
        }
    }
    fn new_trace(n: usize) -> Self::Trace {
        (A::new_trace(n), B::new_trace(n))
    }
    fn seed_trace(trace: &mut Self::Trace, seed: u64) {
        A::seed_trace(&mut trace.0, seed);
        B::seed_trace(&mut trace.1, seed ^ 0x9E37_79B9_7F4A_7C15);
    }
    fn forward_batch(&self, x: &Batch<T, IN>) -> Batch<T, OUT> {
        self.second.forward_batch(&self.first.forward_batch(x))
    }
    fn forward_eval<'t>(&self, x: &Batch<T, IN>, trace: &'t mut Self::Trace) -> &'t Batch<T, OUT> {
        let mid = self.first.forward_eval(x, &mut trace.0);
        self.second.forward_eval(mid, &mut trace.1)
    }
    fn forward_train(&self, x: &Batch<T, IN>, trace: &mut Self::Trace) {
        self.first.forward_train(x, &mut trace.0);
        self.second
            .forward_train(A::trace_output(&trace.0), &mut trace.1);
    }
    fn update_state(&mut self, trace: &Self::Trace) {
        self.first.update_state(&trace.0);
        self.second.update_state(&trace.1);
    }
    fn trace_output(trace: &Self::Trace) -> &Batch<T, OUT> {
        B::trace_output(&trace.1)
    }
    fn backward_params(
        &self,
        x: &Batch<T, IN>,
        trace: &mut Self::Trace,
        dl_df: &Batch<T, OUT>,
        grads: &mut Self,
    ) -> Result<(), Error> {
        let (ta, tb) = (&mut trace.0, &mut trace.1);
        let dl_dmid =
            self.second
                .backward_with_inputs(A::trace_output(ta), tb, dl_df, &mut grads.second)?;
        self.first.backward_params(x, ta, dl_dmid, &mut grads.first)
    }
    fn backward_with_inputs<'t>(
        &self,
        x: &Batch<T, IN>,
        trace: &'t mut Self::Trace,
        dl_df: &Batch<T, OUT>,
        grads: &mut Self,
    ) -> Result<&'t Batch<T, IN>, Error> {
        let (ta, tb) = (&mut trace.0, &mut trace.1);
        let dl_dmid =
            self.second
                .backward_with_inputs(A::trace_output(ta), tb, dl_df, &mut grads.second)?;
        self.first
            .backward_with_inputs(x, ta, dl_dmid, &mut grads.first)
    }
}
