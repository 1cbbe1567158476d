//! ε-greedy exploration: with probability `ε_t` a uniformly random action, otherwise the
//! greedy one `argmax_a Q(s, a)`; `ε_t` follows an [`Anneal`] schedule (typically from 1 down
//! to a few percent over the first steps).
//!
//! ```
//! use nn_core::rl::{Anneal, EpsilonGreedy};
//! use rand::{rngs::StdRng, SeedableRng};
//! let policy = EpsilonGreedy::new(Anneal::new(1.0, 0.0, 100));
//! let mut rng = StdRng::seed_from_u64(0);
//! assert_eq!(policy.select(&[0.1f32, 0.9, 0.3], 100, &mut rng), 1); // ε = 0: greedy
//! ```

use super::Anneal;
use crate::Scalar;
use rand::Rng;

/// See the [module documentation](self).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpsilonGreedy {
    /// `ε_t` as a function of the step.
    pub epsilon: Anneal,
}

impl EpsilonGreedy {
    /// ε-greedy with the schedule `epsilon`.
    pub fn new(epsilon: Anneal) -> Self {
        Self { epsilon }
    }

    /// The action at step `t` given the action values `q` (one per action; at least one).
    pub fn select<T: Scalar, R: Rng + ?Sized>(&self, q: &[T], t: u64, rng: &mut R) -> usize {
        if q.len() > 1 && rng.random::<f64>() < self.epsilon.at(t) {
            rng.random_range(0..q.len())
        } else {
            argmax(q)
        }
    }
}

/// The index of the largest value (the first one on ties; 0 for an empty slice; NaN is
/// never chosen over a number).
///
/// ```
/// assert_eq!(nn_core::rl::argmax(&[1.0f64, 3.0, 3.0, f64::NAN]), 1);
/// ```
pub fn argmax<T: Scalar>(q: &[T]) -> usize {
    let mut best = 0;
    for (i, &v) in q.iter().enumerate() {
        if v > q[best] || q[best].to_f64().is_nan() {
            best = i;
        }
    }
    best
}
