//! [`Parts`]: threads an optimizer may share an element-wise update with
//! ([`Optimizer::step_parts`](super::Optimizer::step_parts)).
//!
//! An element-wise update (Adam's, Nadam's) of a tensor of `len` values is cut into
//! `count()` contiguous ranges, [`range`]`(len, count, part)`, and part `p` updates range `p`
//! of every tensor. Each value is computed exactly as one thread computes it, so the result
//! is the same bit for bit whatever the count. `Trainer` hands its worker threads in as
//! the parts.

use core::ops::Range;

/// Runs the parts of a job, possibly on several threads.
///
/// ```
/// use nn_core::optim::{parts::range, Parts};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// /// Every part on the calling thread, one after the other.
/// struct InTurn(usize);
/// impl Parts for InTurn {
///     fn count(&self) -> usize { self.0 }
///     fn run(&mut self, job: &(dyn Fn(usize) + Sync)) { (0..self.0).for_each(job) }
/// }
/// let sum = AtomicUsize::new(0);
/// InTurn(3).run(&|p| { sum.fetch_add(range(10, 3, p).len(), Ordering::Relaxed); });
/// assert_eq!(sum.into_inner(), 10);
/// ```
pub trait Parts {
    /// How many parts a job is cut into (at least 1).
    fn count(&self) -> usize;
    /// Calls `job(p)` for every part `p < count()`, in parallel or not, and returns when
    /// every call has returned.
    fn run(&mut self, job: &(dyn Fn(usize) + Sync));
}

/// One part, on the calling thread.
///
/// ```
/// use nn_core::optim::{parts::Serial, Parts};
/// assert_eq!(Serial.count(), 1);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Serial;

impl Parts for Serial {
    fn count(&self) -> usize {
        1
    }
    fn run(&mut self, job: &(dyn Fn(usize) + Sync)) {
        job(0)
    }
}

/// Values `part` of `len` cut into `count` contiguous ranges, the first `len % count` one
/// larger.
///
/// ```
/// use nn_core::optim::parts::range;
/// assert_eq!([range(5, 2, 0), range(5, 2, 1)], [0..3, 3..5]);
/// ```
pub fn range(len: usize, count: usize, part: usize) -> Range<usize> {
    let count = count.max(1);
    let (q, r) = (len / count, len % count);
    let start = part * q + part.min(r);
    start..start + q + usize::from(part < r)
}
