//! [`BatchNetwork`]: the batch (training) path of a network, for generic training code.
//!
//! Every `network!` implements it with its input and output sizes as const parameters, so a
//! training loop written once (`fn fit<N: BatchNetwork<f32, 784, 10>>`) drives any network
//! whose sizes fit its data, and a network of the wrong size does not compile.
//!
//! Shapes: inputs are [`Batch<T, IN>`](crate::Batch) (`IN x n`, one sample per column),
//! outputs `Batch<T, OUT>`.
//!
//! ```
//! use nn_core::{network, BatchNetwork, Batch, loss::{CrossEntropy, LossExt, Reduction}};
//! network! { struct Net { input: 4, h: dense(8, relu), out: dense(3) } }
//!
//! /// One gradient computation, written once for any 4-input, 3-class network.
//! fn loss_and_grads<N: BatchNetwork<f64, 4, 3>>(net: &N, x: &Batch<f64, 4>, y: &[usize]) -> (f64, N) {
//!     let mut trace = N::new_trace(x.ncols());
//!     net.forward_train(x, &mut trace);
//!     let (loss, dl_df) = CrossEntropy.batch_value_and_grad(N::trace_output(&trace), y, Reduction::Mean).unwrap();
//!     let mut grads = N::zeros();
//!     net.backward_params(x, &mut trace, &dl_df, &mut grads).unwrap();
//!     (loss, grads)
//! }
//! let net: Net<f64> = Net::new(&mut rand::rngs::StdRng::seed_from_u64(0));
//! # use rand::SeedableRng;
//! let (loss, _grads) = loss_and_grads(&net, &Batch::zeros(2), &[0, 2]);
//! assert!((loss - 3f64.ln()).abs() < 0.5);
//! ```

use crate::{Batch, Error, Parameters, Scalar};

/// A network's batch path: forward with intermediates, and backward to parameter gradients.
pub trait BatchNetwork<T: Scalar, const IN: usize, const OUT: usize>:
    Parameters<T> + Clone + Send + Sync
{
    /// The intermediates of a batch's forward pass (the generated `NameBatchTrace<T>`).
    type Trace: Send;
    /// True when each sample's output and gradient depend on that sample alone, so a batch
    /// may be split across threads and the parts' gradients summed. False for networks
    /// with batch norm (it normalizes with the whole batch's statistics), which
    /// [`Fit`](crate::train::Fit) therefore trains on one thread.
    const PER_SAMPLE: bool;
    /// A network with every parameter zero (the shape of gradients and optimizer state).
    fn zeros() -> Self;
    /// Buffers for a batch of `n` samples.
    fn new_trace(n: usize) -> Self::Trace;
    /// Restarts the trace's dropout masks from `seed` (no effect without dropout layers).
    fn seed_trace(trace: &mut Self::Trace, seed: u64);
    /// Inference on a batch.
    fn forward_batch(&self, x: &Batch<T, IN>) -> Batch<T, OUT>;
    /// Inference on a batch into the buffers of `trace` (no allocation once they fit the
    /// batch size); returns the outputs.
    fn forward_eval<'t>(&self, x: &Batch<T, IN>, trace: &'t mut Self::Trace) -> &'t Batch<T, OUT>;
    /// The training forward pass, into `trace`.
    fn forward_train(&self, x: &Batch<T, IN>, trace: &mut Self::Trace);
    /// After a training forward pass: updates the state that gradients do not train (a batch
    /// norm's running statistics) from the batch in `trace`. Nothing by default.
    fn update_state(&mut self, trace: &Self::Trace) {
        let _ = trace;
    }
    /// The outputs stored in a trace.
    fn trace_output(trace: &Self::Trace) -> &Batch<T, OUT>;
    /// Parameter gradients summed over the batch, written into `grads`.
    fn backward_params(
        &self,
        x: &Batch<T, IN>,
        trace: &mut Self::Trace,
        dl_df: &Batch<T, OUT>,
        grads: &mut Self,
    ) -> Result<(), Error>;
    /// [`backward_params`](Self::backward_params) that also returns `dℓ/dX`, the loss
    /// gradient at the inputs (one column per sample): what a network that feeds this one
    /// in a [`Chain`](crate::Chain) backpropagates.
    fn backward_with_inputs<'t>(
        &self,
        x: &Batch<T, IN>,
        trace: &'t mut Self::Trace,
        dl_df: &Batch<T, OUT>,
        grads: &mut Self,
    ) -> Result<&'t Batch<T, IN>, Error>;
}
