//! [`Predict`]: a trained network's outputs, class probabilities and classes, for one sample
//! or a batch; [`GraphPredict`]: every output of a network with several inputs or outputs.
//!
//! For a network whose outputs are logits `z` (as [`CrossEntropy`](crate::loss::CrossEntropy)
//! trains them), the probabilities are `softmax(z)_i = e^{z_i} / Σ_j e^{z_j}` and the class
//! is `argmax_i z_i` (the same as the most probable class). Batches are `IN x n` (one sample
//! per column); the outputs are `OUT x n`. A graph network's inputs and outputs are tuples
//! of such batches ([`Columns`]), all with the same `n`.

use super::fit::argmax_columns;
use crate::activation::softmax_in_place;
use crate::graph::Columns;
use crate::{Batch, BatchNetwork, Error, GraphNetwork, Scalar};
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

/// Prediction for every [`GraphNetwork`] (a network with several inputs or outputs;
/// implemented for all of them): each output for every sample of the inputs, computed as
/// [`Predict::predict_outputs`] computes one output (inference, in parts of at most
/// `batch_size` samples reusing one trace). Classes and probabilities come from each output
/// as for one: [`argmax_columns`](super::argmax_columns),
/// [`softmax_in_place`](crate::activation::softmax_in_place) per column.
///
/// ```
/// use nn_core::{network, Batch, train::{argmax_columns, GraphPredict}};
/// network! {
///     struct TwoHeads {
///         a: input(2), b: input(1),
///         h: concat(a, b),
///         class: dense(3, identity, init = zeros)(h),
///         size: dense(1, identity, init = zeros)(h),
///         output: (class, size),
///     }
/// }
/// let mut net = TwoHeads::<f64>::zeros();
/// net.class.bias.copy_from_slice(&[0.0, 2.0, 1.0]);
/// net.size.weight.fill(1.0); // size = a₀ + a₁ + b
/// let x = (Batch::<f64, 2>::from_element(5, 1.0), Batch::<f64, 1>::from_fn(5, |_, c| c as f64));
/// let (classes, sizes) = net.predict_graph(&x, 2).unwrap(); // in parts of 2, 2 and 1
/// assert_eq!(argmax_columns(&classes).collect::<Vec<_>>(), vec![1; 5]);
/// assert_eq!(sizes.as_slice(), &[2.0, 3.0, 4.0, 5.0, 6.0]);
/// // Inputs with different numbers of samples are an error.
/// assert!(net.predict_graph(&(Batch::zeros(5), Batch::zeros(4)), 2).is_err());
/// ```
pub trait GraphPredict<T: Scalar>: GraphNetwork<T> {
    /// Every output for every sample of `x`, in parts of at most `batch_size` samples (0
    /// counts as 1). Fails when the inputs hold different numbers of samples.
    fn predict_graph(&self, x: &Self::Inputs, batch_size: usize) -> Result<Self::Outputs, Error> {
        let n = x.samples()?;
        let mut out = Self::Outputs::with_samples(n);
        if n == 0 {
            return Ok(out);
        }
        let batch_size = batch_size.max(1).min(n);
        let mut trace = Self::new_trace(batch_size);
        let mut part = Self::Inputs::with_samples(0);
        let mut part_out = Self::Outputs::with_samples(0);
        for start in (0..n).step_by(batch_size) {
            x.copy_range(start..(start + batch_size).min(n), &mut part);
            self.forward_eval(&part, &mut trace, &mut part_out)?;
            part_out.copy_to(start, &mut out);
        }
        Ok(out)
    }
}

impl<T: Scalar, N: GraphNetwork<T>> GraphPredict<T> for N {}
