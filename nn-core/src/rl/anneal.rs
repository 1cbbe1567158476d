//! [`Anneal`]: a value moved linearly from `start` to `end` over a number of steps, then
//! held. Exploration rates (`ε` of ε-greedy) and prioritized replay's importance-sampling
//! exponent `β` follow such schedules:
//!
//! ```text
//! v(t) = start + (end - start) · min(t / steps, 1)
//! ```
//!
//! ```
//! use nn_core::rl::Anneal;
//! let eps = Anneal::new(1.0, 0.1, 100);
//! assert_eq!((eps.at(0), eps.at(50), eps.at(100), eps.at(10_000)), (1.0, 0.55, 0.1, 0.1));
//! ```

/// See the [module documentation](self).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Anneal {
    /// The value at step 0.
    pub start: f64,
    /// The value from step `steps` on.
    pub end: f64,
    /// How many steps the change takes (0: `end` from the start).
    pub steps: u64,
}

impl Anneal {
    /// From `start` to `end` over `steps` steps.
    pub fn new(start: f64, end: f64, steps: u64) -> Self {
        Self { start, end, steps }
    }

    /// A value that does not change.
    ///
    /// ```
    /// assert_eq!(nn_core::rl::Anneal::constant(0.3).at(7), 0.3);
    /// ```
    pub fn constant(v: f64) -> Self {
        Self::new(v, v, 0)
    }

    /// The value at step `t`.
    pub fn at(&self, t: u64) -> f64 {
        if t >= self.steps {
            return self.end;
        }
        self.start + (self.end - self.start) * (t as f64 / self.steps as f64)
    }

    /// Whether both ends lie in `[lo, hi]` (and are not NaN).
    pub(crate) fn within(&self, lo: f64, hi: f64) -> bool {
        (lo..=hi).contains(&self.start) && (lo..=hi).contains(&self.end)
    }
}
