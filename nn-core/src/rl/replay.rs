//! Experience replay: a ring buffer of the last `capacity` transitions, sampled uniformly.
//!
//! A transition is `(s, a, r, s', terminal)`. Training on mini-batches drawn uniformly from
//! many past transitions breaks the correlation between consecutive steps, which plain
//! online Q-learning with a neural network suffers from. When the buffer is full, each new
//! transition overwrites the oldest one (slot `k mod capacity` for the `k`-th push).
//!
//! ```
//! use nn_core::rl::{ReplayBuffer, Transition};
//! use rand::{rngs::StdRng, SeedableRng};
//! let mut buf = ReplayBuffer::<4>::new(2).unwrap();
//! for a in 0..3 {
//!     buf.push(Transition { state: [0.0; 4], action: a, reward: 1.0, next_state: [0.0; 4], terminal: false });
//! }
//! assert_eq!(buf.len(), 2); // the first transition was overwritten
//! assert_eq!(buf.get(0).map(|t| t.action), Some(2));
//! let mut idx = Vec::new();
//! buf.sample(8, &mut StdRng::seed_from_u64(0), &mut idx).unwrap();
//! assert!(idx.len() == 8 && idx.iter().all(|&i| i < 2));
//! ```

use crate::Error;
use alloc::vec::Vec;
use rand::Rng;

/// One step of experience.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Transition<const S: usize> {
    /// The state `s` the action was taken in.
    pub state: [f64; S],
    /// The action `a`.
    pub action: usize,
    /// The reward `r`.
    pub reward: f64,
    /// The state `s'` after the action.
    pub next_state: [f64; S],
    /// Whether `s'` is terminal (not merely the end of a time limit): the TD target then
    /// does not bootstrap from `s'`.
    pub terminal: bool,
}

/// A ring buffer of transitions; see the [module documentation](self).
#[derive(Clone, Debug)]
pub struct ReplayBuffer<const S: usize> {
    items: Vec<Transition<S>>,
    capacity: usize,
    next: usize,
}

impl<const S: usize> ReplayBuffer<S> {
    /// An empty buffer holding at most `capacity` transitions (at least 1).
    ///
    /// ```
    /// assert!(nn_core::rl::ReplayBuffer::<4>::new(0).is_err());
    /// ```
    pub fn new(capacity: usize) -> Result<Self, Error> {
        if capacity == 0 {
            return Err(Error::InvalidConfig {
                what: "replay capacity",
                expected: "at least 1 transition",
                found: 0.0,
            });
        }
        Ok(Self {
            items: Vec::with_capacity(capacity),
            capacity,
            next: 0,
        })
    }

    /// Stores `t`, overwriting the oldest transition when full; returns its slot.
    pub fn push(&mut self, t: Transition<S>) -> usize {
        let slot = self.next;
        if self.items.len() < self.capacity {
            self.items.push(t);
        } else {
            self.items[slot] = t;
        }
        self.next = (slot + 1) % self.capacity;
        slot
    }

    /// How many transitions are stored.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The most transitions it holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The transition in `slot`, if one is stored there.
    pub fn get(&self, slot: usize) -> Option<&Transition<S>> {
        self.items.get(slot)
    }

    /// Replaces `out` with `n` slots drawn uniformly with replacement. Fails when empty.
    pub fn sample<R: Rng + ?Sized>(
        &self,
        n: usize,
        rng: &mut R,
        out: &mut Vec<usize>,
    ) -> Result<(), Error> {
        if self.is_empty() {
            return Err(Error::OutOfOrder {
                call: "ReplayBuffer::sample",
                expected: "at least one stored transition",
            });
        }
        out.clear();
        out.extend((0..n).map(|_| rng.random_range(0..self.items.len())));
        Ok(())
    }
}
