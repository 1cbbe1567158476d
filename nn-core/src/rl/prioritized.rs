//! Prioritized experience replay (Schaul et al. 2016, proportional variant).
//!
//! Transition `i` carries a priority `p_i = |δ_i| + ε`, its last TD error's magnitude (new
//! transitions get the largest priority seen so far, so each is replayed at least once
//! soon). It is drawn with probability and corrected by the importance-sampling weight
//!
//! ```text
//! P(i) = p_i^α / Σ_k p_k^α          w_i = (N · P(i))^(-β) / max_j w_j
//! ```
//!
//! `α = 0` is uniform replay; `β` anneals towards 1, where the weights fully undo the bias
//! that non-uniform sampling puts on the expected gradient. The weights are normalized by
//! their largest value in the drawn batch, so they only ever scale an update down. A
//! [`SumTree`] of the `p_i^α` gives draws and updates in `O(log N)`; a batch of `n` is drawn
//! stratified: one draw from each of `n` equal slices of `[0, Σ p^α)`.
//!
//! ```
//! use nn_core::rl::{PrioritizedReplay, Transition};
//! use rand::{rngs::StdRng, SeedableRng};
//! let t = |a| Transition { state: [0.0; 4], action: a, reward: 0.0, next_state: [0.0; 4], terminal: false };
//! let mut buf = PrioritizedReplay::<4>::new(8, 1.0).unwrap();
//! buf.push(t(0));
//! buf.push(t(1));
//! buf.update_priorities(&[0, 1], &[0.0, 9.0]).unwrap(); // slot 1 has 9e6 times the priority
//! let (mut idx, mut w) = (Vec::new(), Vec::new());
//! buf.sample(4, 1.0, &mut StdRng::seed_from_u64(0), &mut idx, &mut w).unwrap();
//! assert!(idx.iter().all(|&i| i == 1) && w.iter().all(|&w| w == 1.0));
//! ```

use super::{ReplayBuffer, SumTree, Transition};
use crate::Error;
use alloc::vec::Vec;
use rand::Rng;

/// `ε` added to `|δ|`, so that no transition's priority is 0.
pub const PRIORITY_EPS: f64 = 1e-6;

/// See the [module documentation](self).
#[derive(Clone, Debug)]
pub struct PrioritizedReplay<const S: usize> {
    buffer: ReplayBuffer<S>,
    tree: SumTree,
    alpha: f64,
    max_priority: f64,
}

impl<const S: usize> PrioritizedReplay<S> {
    /// An empty buffer of `capacity` transitions with priority exponent `alpha` (in
    /// `[0, 1]`; the paper uses 0.6).
    ///
    /// ```
    /// assert!(nn_core::rl::PrioritizedReplay::<4>::new(10, 1.5).is_err());
    /// ```
    pub fn new(capacity: usize, alpha: f64) -> Result<Self, Error> {
        if !(0.0..=1.0).contains(&alpha) {
            return Err(Error::InvalidConfig {
                what: "prioritized replay alpha",
                expected: "a value in [0, 1]",
                found: alpha,
            });
        }
        Ok(Self {
            buffer: ReplayBuffer::new(capacity)?,
            tree: SumTree::new(capacity),
            alpha,
            max_priority: 1.0,
        })
    }

    /// Stores `t` with the largest priority seen so far; returns its slot.
    pub fn push(&mut self, t: Transition<S>) -> usize {
        let slot = self.buffer.push(t);
        self.tree
            .set(slot, libm_powf(self.max_priority, self.alpha));
        slot
    }

    /// How many transitions are stored.
    pub fn len(&self) -> usize {
        self.buffer.len()
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.buffer.is_empty()
    }

    /// The transition in `slot`.
    pub fn get(&self, slot: usize) -> Option<&Transition<S>> {
        self.buffer.get(slot)
    }

    /// The probability `P(i)` of drawing `slot` in one draw.
    pub fn probability(&self, slot: usize) -> f64 {
        let total = self.tree.total();
        if total > 0.0 {
            self.tree.get(slot) / total
        } else {
            0.0
        }
    }

    /// Replaces `slots` with `n` stratified draws and `weights` with their normalized
    /// importance-sampling weights for exponent `beta` (in `[0, 1]`). Fails when empty.
    pub fn sample<R: Rng + ?Sized>(
        &self,
        n: usize,
        beta: f64,
        rng: &mut R,
        slots: &mut Vec<usize>,
        weights: &mut Vec<f64>,
    ) -> Result<(), Error> {
        if !(0.0..=1.0).contains(&beta) {
            return Err(Error::InvalidConfig {
                what: "prioritized replay beta",
                expected: "a value in [0, 1]",
                found: beta,
            });
        }
        let total = self.tree.total();
        if self.is_empty() || total <= 0.0 {
            return Err(Error::OutOfOrder {
                call: "PrioritizedReplay::sample",
                expected: "at least one stored transition",
            });
        }
        slots.clear();
        weights.clear();
        let segment = total / n.max(1) as f64;
        let count = self.len() as f64;
        let mut largest: f64 = 0.0;
        for j in 0..n {
            let u = segment * (j as f64 + rng.random::<f64>());
            let slot = self.tree.find(u).min(self.len() - 1);
            let w = libm_powf(count * self.probability(slot), -beta);
            largest = largest.max(w);
            slots.push(slot);
            weights.push(w);
        }
        if largest > 0.0 && largest.is_finite() {
            weights.iter_mut().for_each(|w| *w /= largest);
        }
        Ok(())
    }

    /// Sets the priority of each slot in `slots` to `|δ| + ε` from the matching TD error.
    /// Fails, changing nothing, when the lengths differ or a slot is not stored.
    pub fn update_priorities(&mut self, slots: &[usize], td_errors: &[f64]) -> Result<(), Error> {
        if slots.len() != td_errors.len() {
            return Err(Error::LengthMismatch {
                what: "TD errors",
                expected: slots.len(),
                found: td_errors.len(),
            });
        }
        if let Some(&bad) = slots.iter().find(|&&s| s >= self.len()) {
            return Err(Error::IndexOutOfRange {
                index: bad,
                len: self.len(),
            });
        }
        for (&slot, &delta) in slots.iter().zip(td_errors) {
            let p = if delta.is_finite() {
                delta.abs() + PRIORITY_EPS
            } else {
                self.max_priority
            };
            self.max_priority = self.max_priority.max(p);
            self.tree.set(slot, libm_powf(p, self.alpha));
        }
        Ok(())
    }
}

/// `x^y` in `f64`, with or without `std`.
fn libm_powf(x: f64, y: f64) -> f64 {
    nalgebra::ComplexField::powf(x, y)
}
