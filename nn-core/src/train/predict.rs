//! [`Predict`]: a trained network's outputs, class probabilities and classes, for one sample
//! or a batch ([`GraphPredict`](super::GraphPredict) does the same for every output of a
//! network with several inputs or outputs).
//!
//! For a network whose outputs are logits `z` (as [`CrossEntropy`](crate::loss::CrossEntropy)
//! trains them), the probabilities are `softmax(z)_i = e^{z_i} / Σ_j e^{z_j}` and the class
//! is `argmax_i z_i` (the same as the most probable class). Batches are `IN x n` (one sample
//! per column); the outputs are `OUT x n`.

use super::fit::argmax_columns;
use crate::activation::softmax_in_place;
use crate::{Batch, BatchNetwork, Scalar};
use nalgebra::SVector;
use std::vec::Vec;

/// Prediction for every [`BatchNetwork`] (implemented for all of them).
///
/// ```
/// use nn_core::{network, Batch, nalgebra::SVector, train::Predict};
/// network! { struct Net { input: 2, out: dense(3, identity, init = zeros) } }
/// let mut net = Net::<f64>::zeros();
/// net.out.bias.copy_from_slice(&[0.0, 2.0, 1.0]);
/// let x = SVector::from([0.5, -1.0]);
/// assert_eq!(net.predict_class(&x), 1);
/// let p = net.predict_probabilities(&x);
/// assert!((p.sum() - 1.0).abs() < 1e-12 && p[1] > p[2] && p[2] > p[0]);
/// let batch = Batch::<f64, 2>::zeros(4);
/// assert_eq!(net.predict_classes(&batch, 256), vec![1; 4]);
/// assert_eq!(net.predict_outputs(&batch, 3).ncols(), 4); // in batches of 3
/// ```
pub trait Predict<T: Scalar, const IN: usize, const OUT: usize>: BatchNetwork<T, IN, OUT> {
    /// The outputs for one sample (inference: dropout off, batch norm's running statistics).
    fn predict_output(&self, x: &SVector<T, IN>) -> SVector<T, OUT> {
        let out = self.forward_batch(&Batch::from_column_slice(x.as_slice()));
        SVector::from_column_slice(out.as_slice())
    }

    /// `softmax` of one sample's outputs.
    fn predict_probabilities(&self, x: &SVector<T, IN>) -> SVector<T, OUT> {
        let mut p = self.predict_output(x);
        softmax_in_place(p.as_mut_slice());
        p
    }

    /// The index of one sample's largest output.
    fn predict_class(&self, x: &SVector<T, IN>) -> usize {
        self.predict_output(x).argmax().0
    }

    /// The outputs for a batch, computed in batches of at most `batch_size` samples (0
    /// counts as 1) so memory stays bounded for a large data set.
    fn predict_outputs(&self, x: &Batch<T, IN>, batch_size: usize) -> Batch<T, OUT> {
        let n = x.ncols();
        let batch_size = batch_size.max(1).min(n.max(1));
        let mut out = Batch::<T, OUT>::zeros(n);
        let mut trace = Self::new_trace(batch_size);
        let mut part = Batch::<T, IN>::zeros(0);
        for start in (0..n).step_by(batch_size) {
            let end = (start + batch_size).min(n);
            crate::__private::resize(&mut part, end - start);
            part.as_mut_slice()
                .copy_from_slice(&x.as_slice()[start * IN..end * IN]);
            let y = self.forward_eval(&part, &mut trace);
            out.as_mut_slice()[start * OUT..end * OUT].copy_from_slice(y.as_slice());
        }
        out
    }

    /// `softmax` of every column of [`predict_outputs`](Self::predict_outputs).
    fn predict_probabilities_batch(&self, x: &Batch<T, IN>, batch_size: usize) -> Batch<T, OUT> {
        let mut p = self.predict_outputs(x, batch_size);
        p.as_mut_slice()
            .chunks_exact_mut(OUT.max(1))
            .for_each(softmax_in_place);
        p
    }

    /// The index of each sample's largest output.
    fn predict_classes(&self, x: &Batch<T, IN>, batch_size: usize) -> Vec<usize> {
        argmax_columns(&self.predict_outputs(x, batch_size)).collect()
    }
}

impl<T: Scalar, const IN: usize, const OUT: usize, N: BatchNetwork<T, IN, OUT>> Predict<T, IN, OUT>
    for N
{
}
