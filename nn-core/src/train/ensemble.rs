//! Ensembles and bagging: `k` networks trained on bootstrap samples of the data, predicting
//! by the average of their class probabilities.
//!
//! A bootstrap sample draws `n` of the `n` training samples with replacement (about 63% of
//! them distinct), so the members see different data and make partly independent errors;
//! averaging `p(y|x) = (1/k) Σ_j softmax(f_j(x))` cancels some of them (Breiman 1996).
//!
//! ```
//! use nn_core::{network, Batch, loss::CrossEntropy, optim::Adam, train::{bagging, Data, Fit}};
//! network! { struct Net { input: 2, h: dense(8, tanh), out: dense(2) } }
//! let x = Batch::<f64, 2>::from_fn(100, |r, c| if (c % 2 == 0) == (r == 0) { 1.0 } else { -1.0 });
//! let y: Vec<usize> = (0..100).map(|c| c % 2).collect();
//! let ensemble = bagging(3, &Fit::new(20).batch_size(10), Data::classes(&x, &y), 7, &CrossEntropy,
//!     |seed| Net::<f64>::new(&mut rand::rngs::StdRng::seed_from_u64(seed)), |_| Adam::new(0.01)).unwrap();
//! # use rand::SeedableRng;
//! assert_eq!(ensemble.members.len(), 3);
//! assert_eq!(ensemble.accuracy(&x, &y).unwrap(), 1.0);
//! ```

use super::data::Gathered;
use super::{Data, Fit, Targets, TrainError};
use crate::activation::softmax_in_place;
use crate::loss::Loss;
use crate::optim::Optimizer;
use crate::{Batch, BatchNetwork, Error, Scalar};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::vec::Vec;

/// `n` indices drawn from `0..n` with replacement.
///
/// ```
/// use rand::SeedableRng;
/// let idx = nn_core::train::bootstrap(1000, &mut rand::rngs::StdRng::seed_from_u64(1));
/// let mut distinct = idx.clone();
/// distinct.sort();
/// distinct.dedup();
/// assert!((distinct.len() as f64 / 1000.0 - 0.632).abs() < 0.05);
/// ```
pub fn bootstrap<R: Rng + ?Sized>(n: usize, rng: &mut R) -> Vec<usize> {
    (0..n).map(|_| rng.random_range(0..n.max(1))).collect()
}

/// Networks whose averaged class probabilities make the prediction.
#[derive(Clone, Debug)]
pub struct Ensemble<N> {
    /// The trained members.
    pub members: Vec<N>,
}

impl<N> Ensemble<N> {
    /// `(1/k) Σ_j softmax(f_j(x))` for each column of `x`.
    pub fn predict_proba<T: Scalar, const IN: usize, const OUT: usize>(
        &self,
        x: &Batch<T, IN>,
    ) -> Batch<T, OUT>
    where
        N: BatchNetwork<T, IN, OUT>,
    {
        let mut avg = Batch::<T, OUT>::zeros(x.ncols());
        let k = T::of(self.members.len().max(1) as f64);
        for net in &self.members {
            let mut p = net.forward_batch(x);
            if OUT > 0 {
                p.as_mut_slice()
                    .chunks_exact_mut(OUT)
                    .for_each(softmax_in_place);
            }
            avg += p / k;
        }
        avg
    }

    /// The fraction of columns whose most probable class is the label.
    pub fn accuracy<T: Scalar, const IN: usize, const OUT: usize>(
        &self,
        x: &Batch<T, IN>,
        labels: &[usize],
    ) -> Result<f64, Error>
    where
        N: BatchNetwork<T, IN, OUT>,
    {
        if labels.len() != x.ncols() {
            return Err(Error::LengthMismatch {
                what: "labels",
                expected: x.ncols(),
                found: labels.len(),
            });
        }
        let p = self.predict_proba(x);
        let hits = super::argmax_columns(&p)
            .zip(labels)
            .filter(|(a, b)| a == *b)
            .count();
        Ok(hits as f64 / labels.len().max(1) as f64)
    }
}

/// Trains `k` members, member `j` from `new_net(seed + j)` with `new_opt(j)` on its own
/// bootstrap sample of `data` (drawn from `seed`), each with the settings of `fit`.
#[allow(clippy::too_many_arguments)]
pub fn bagging<T, const IN: usize, const OUT: usize, N, O, L>(
    k: usize,
    fit: &Fit,
    data: Data<'_, T, IN, OUT>,
    seed: u64,
    loss: &L,
    mut new_net: impl FnMut(u64) -> N,
    mut new_opt: impl FnMut(usize) -> O,
) -> Result<Ensemble<N>, TrainError>
where
    T: Scalar,
    N: BatchNetwork<T, IN, OUT>,
    O: Optimizer<T, N>,
    L: Loss<T> + Sync,
{
    data.check()?;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut members = Vec::with_capacity(k);
    let (mut x, mut y) = (Batch::<T, IN>::zeros(0), Gathered::<T, OUT>::new());
    for j in 0..k {
        let idx = bootstrap(data.len(), &mut rng);
        data.gather(&idx, &mut x, &mut y);
        let sample = match data.y {
            Targets::Classes(_) => Data::classes(&x, &y.labels),
            Targets::Values(_) => Data::values(&x, &y.values),
        };
        let mut net = new_net(seed.wrapping_add(j as u64));
        fit.clone().seed(seed ^ (j as u64) << 32).run(
            &mut net,
            &mut new_opt(j),
            loss,
            sample,
            None,
            &mut [],
        )?;
        members.push(net);
    }
    Ok(Ensemble { members })
}
