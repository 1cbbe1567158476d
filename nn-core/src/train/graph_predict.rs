//! [`GraphPredict`]: every output of a network with several inputs or outputs, for every
//! sample, as raw outputs, as per-output class probabilities, or as per-output classes;
//! [`PerOutput`]: the softmax and argmax applied to each output of such a prediction.
//!
//! A graph network's inputs and outputs are tuples of batches ([`Columns`]), one sample per
//! column and all with the same number of samples `n`. Each output `k` is treated on its own,
//! as [`Predict`](super::Predict) treats a network's one output: its probabilities are
//! `softmax(z_k)` over each column, its class `argmax_i z_{k,i}`. That is what a
//! classification head trained with [`CrossEntropy`](crate::loss::CrossEntropy) on its logits
//! means; for a regression head (trained with [`SquaredError`](crate::loss::SquaredError),
//! say) the "probabilities" and "classes" of its values mean nothing (a head of one value
//! always gives probability 1 and class 0): read that head from
//! [`predict_graph`](GraphPredict::predict_graph) instead.

use super::fit::argmax_columns;
use crate::activation::softmax_in_place;
use crate::graph::Columns;
use crate::{Batch, Error, GraphNetwork, Scalar};
use std::vec::Vec;

/// Prediction for every [`GraphNetwork`] (a network with several inputs or outputs;
/// implemented for all of them): each output for every sample of the inputs, computed as
/// [`Predict::predict_outputs`](super::Predict::predict_outputs) computes one output
/// (inference, in parts of at most `batch_size` samples reusing one trace), and from them
/// each output's softmax probabilities or classes ([`PerOutput`]).
///
/// ```
/// use nn_core::{network, Batch, train::GraphPredict};
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
/// let (logits, sizes) = net.predict_graph(&x, 2).unwrap(); // in parts of 2, 2 and 1
/// assert_eq!(logits.column(0).as_slice(), &[0.0, 2.0, 1.0]);
/// assert_eq!(sizes.as_slice(), &[2.0, 3.0, 4.0, 5.0, 6.0]);
/// // Each output's softmax over each sample's values, and each output's classes.
/// let (p, _) = net.predict_graph_probabilities(&x, 2).unwrap();
/// assert!((p.column(0).sum() - 1.0).abs() < 1e-12 && p[(1, 0)] > p[(2, 0)]);
/// let (classes, _) = net.predict_graph_classes(&x, 2).unwrap();
/// assert_eq!(classes, vec![1; 5]);
/// // Inputs with different numbers of samples are an error.
/// assert!(net.predict_graph(&(Batch::zeros(5), Batch::zeros(4)), 2).is_err());
/// ```
///
/// `size` is a regression head: its "probabilities" (always 1 for one value) and "classes"
/// (always 0) mean nothing; read it from `predict_graph`.
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

    /// `softmax` of every sample's values in every output of
    /// [`predict_graph`](Self::predict_graph), each output on its own (meaningless for a
    /// regression head). Fails as `predict_graph` does.
    fn predict_graph_probabilities(
        &self,
        x: &Self::Inputs,
        batch_size: usize,
    ) -> Result<Self::Outputs, Error>
    where
        Self::Outputs: PerOutput<T>,
    {
        let mut out = self.predict_graph(x, batch_size)?;
        out.softmax_each();
        Ok(out)
    }

    /// The index of every sample's largest value in every output of
    /// [`predict_graph`](Self::predict_graph): one `Vec<usize>` per output (a tuple of them
    /// for several outputs, in `output` order; meaningless for a regression head). Fails as
    /// `predict_graph` does.
    fn predict_graph_classes(
        &self,
        x: &Self::Inputs,
        batch_size: usize,
    ) -> Result<<Self::Outputs as PerOutput<T>>::Classes, Error>
    where
        Self::Outputs: PerOutput<T>,
    {
        Ok(self.predict_graph(x, batch_size)?.classes())
    }
}

impl<T: Scalar, N: GraphNetwork<T>> GraphPredict<T> for N {}

/// Softmax and argmax over each sample of each output: one [`Batch`] (`O x n`) or a tuple
/// of them, as a graph network's outputs are. Implemented for every such type.
///
/// ```
/// use nn_core::{Batch, train::PerOutput};
/// let logits = Batch::<f64, 2>::from_column_slice(&[0.0, 1.0, 3.0, 3.0]);
/// let angle = Batch::<f64, 1>::from_column_slice(&[0.3, -0.2]);
/// let mut out = (logits, angle);
/// assert_eq!(out.classes(), (vec![1, 0], vec![0, 0])); // a tie goes to the first
/// out.softmax_each();
/// assert_eq!(out.0.column(1).as_slice(), &[0.5, 0.5]);
/// assert_eq!(out.1.as_slice(), &[1.0, 1.0]); // one value: softmax says nothing
/// ```
pub trait PerOutput<T: Scalar>: Columns<T> {
    /// One `Vec<usize>` (a class per sample) per output: a tuple of them for a tuple.
    type Classes;
    /// Replaces every sample's values in every output by their softmax.
    fn softmax_each(&mut self);
    /// Every sample's index of its largest value in every output (the first on a tie).
    fn classes(&self) -> Self::Classes;
}

impl<T: Scalar, const N: usize> PerOutput<T> for Batch<T, N> {
    type Classes = Vec<usize>;
    fn softmax_each(&mut self) {
        self.as_mut_slice()
            .chunks_exact_mut(N.max(1))
            .for_each(softmax_in_place);
    }
    fn classes(&self) -> Vec<usize> {
        argmax_columns(self).collect()
    }
}

macro_rules! tuple_per_output {
    ($($name:ident $i:tt),+) => {
        impl<T: Scalar, $($name: PerOutput<T>),+> PerOutput<T> for ($($name,)+) {
            type Classes = ($($name::Classes,)+);
            fn softmax_each(&mut self) {
                $(self.$i.softmax_each();)+
            }
            fn classes(&self) -> Self::Classes {
                ($(self.$i.classes(),)+)
            }
        }
    };
}

tuple_per_output!(A 0, B 1);
tuple_per_output!(A 0, B 1, C 2);
tuple_per_output!(A 0, B 1, C 2, D 3);
tuple_per_output!(A 0, B 1, C 2, D 3, E 4);
tuple_per_output!(A 0, B 1, C 2, D 3, E 4, F 5);
