//! Training data: inputs as columns of a batch, targets as class labels or vectors.

use crate::{Batch, Error, Scalar};
use std::vec::Vec;

/// The targets of a data set.
#[derive(Clone, Copy, Debug)]
pub enum Targets<'a, T: Scalar, const OUT: usize> {
    /// One class index per sample.
    Classes(&'a [usize]),
    /// One target vector per sample (a column each).
    Values(&'a Batch<T, OUT>),
}

/// Inputs (one sample per column) with their targets.
///
/// ```
/// use nn_core::{Batch, train::Data};
/// let x = Batch::<f32, 3>::zeros(4);
/// let labels = [0usize, 1, 1, 0];
/// let d = Data::<f32, 3, 2>::classes(&x, &labels);
/// assert_eq!(d.len(), 4);
/// assert!(d.check().is_ok());
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Data<'a, T: Scalar, const IN: usize, const OUT: usize> {
    /// The inputs, `IN x n`.
    pub x: &'a Batch<T, IN>,
    /// The targets.
    pub y: Targets<'a, T, OUT>,
}

impl<'a, T: Scalar, const IN: usize, const OUT: usize> Data<'a, T, IN, OUT> {
    /// Inputs with class labels.
    pub fn classes(x: &'a Batch<T, IN>, labels: &'a [usize]) -> Self {
        Self {
            x,
            y: Targets::Classes(labels),
        }
    }

    /// Inputs with target vectors.
    pub fn values(x: &'a Batch<T, IN>, y: &'a Batch<T, OUT>) -> Self {
        Self {
            x,
            y: Targets::Values(y),
        }
    }

    /// The number of samples.
    pub fn len(&self) -> usize {
        self.x.ncols()
    }

    /// True when there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Checks that there is one target per input and every label is below `OUT`.
    pub fn check(&self) -> Result<(), Error> {
        let found = match self.y {
            Targets::Classes(l) => l.len(),
            Targets::Values(v) => v.ncols(),
        };
        if found != self.len() {
            return Err(Error::LengthMismatch {
                what: "targets",
                expected: self.len(),
                found,
            });
        }
        if let Targets::Classes(l) = self.y {
            if let Some(&class) = l.iter().find(|&&c| c >= OUT) {
                return Err(Error::ClassOutOfRange {
                    class,
                    classes: OUT,
                });
            }
        }
        Ok(())
    }

    /// Copies the samples at `idx` into `x` and `y` (resized as needed).
    pub(crate) fn gather(&self, idx: &[usize], x: &mut Batch<T, IN>, y: &mut Gathered<T, OUT>) {
        crate::__private::resize(x, idx.len());
        for (dst, &i) in x.as_mut_slice().chunks_exact_mut(IN.max(1)).zip(idx) {
            dst.copy_from_slice(&self.x.as_slice()[i * IN..(i + 1) * IN]);
        }
        match self.y {
            Targets::Classes(l) => {
                y.labels.clear();
                y.labels.extend(idx.iter().map(|&i| l[i]));
            }
            Targets::Values(v) => {
                crate::__private::resize(&mut y.values, idx.len());
                for (dst, &i) in y
                    .values
                    .as_mut_slice()
                    .chunks_exact_mut(OUT.max(1))
                    .zip(idx)
                {
                    dst.copy_from_slice(&v.as_slice()[i * OUT..(i + 1) * OUT]);
                }
            }
        }
    }
}

impl<T: Scalar, const IN: usize, const OUT: usize> Data<'_, T, IN, OUT> {
    /// Asks the processor to start loading, ahead of the next [`gather`](Self::gather), the
    /// inputs of the samples at `idx`. A shuffled epoch reads its samples from all over the
    /// data set, so each starts on a memory page the processor's address cache (TLB) does
    /// not hold, and finding a page costs several memory reads (many more under a virtual
    /// machine) before the first byte arrives. A sample of up to `WHOLE` (16) cache lines
    /// is prefetched whole; a larger one gets one prefetch per page it touches, which
    /// does the page's look-up and loads its first line, and the copy then streams the rest
    /// (the processor's own prefetcher follows a sequential read). Fetching every line of
    /// large samples ahead would fill the caches with the next batch while the step needs
    /// them, and issuing thousands of prefetches stalls on the few loads a core keeps in
    /// flight. A hint only: no effect off x86-64.
    pub(crate) fn prefetch(&self, idx: &[usize]) {
        #[cfg(target_arch = "x86_64")]
        {
            use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T1};
            const LINE: usize = 64;
            const PAGE: usize = 4096;
            const WHOLE: usize = 16;
            let bytes = IN * core::mem::size_of::<T>();
            let base = self.x.as_slice().as_ptr().cast::<i8>();
            let fetch = |offset: usize| {
                // SAFETY: every `offset` passed lies inside the inputs (see the callers
                // below); a prefetch reads nothing architecturally and never faults.
                unsafe { _mm_prefetch::<_MM_HINT_T1>(base.add(offset)) }
            };
            for &i in idx {
                if i >= self.len() || bytes == 0 {
                    continue;
                }
                // Sample `i` is the bytes `start..start + bytes` of the inputs.
                let start = i * bytes;
                if bytes <= WHOLE * LINE {
                    (start..start + bytes).step_by(LINE).for_each(fetch);
                    continue;
                }
                // Its first byte, then the first byte of every later page it reaches (by
                // address, so the allocation's alignment does not matter).
                fetch(start);
                let addr = base as usize + start;
                let mut page = (addr / PAGE + 1) * PAGE;
                while page < addr + bytes {
                    fetch(page - base as usize);
                    page += PAGE;
                }
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = idx;
    }

    /// Copies the samples `r` (contiguous) into `x` and `y` (resized as needed, keeping
    /// their allocations).
    pub(crate) fn gather_range(
        &self,
        r: core::ops::Range<usize>,
        x: &mut Batch<T, IN>,
        y: &mut Gathered<T, OUT>,
    ) {
        crate::__private::resize(x, r.len());
        x.as_mut_slice()
            .copy_from_slice(&self.x.as_slice()[r.start * IN..r.end * IN]);
        match self.y {
            Targets::Classes(l) => {
                y.labels.clear();
                y.labels.extend_from_slice(&l[r]);
            }
            Targets::Values(v) => {
                crate::__private::resize(&mut y.values, r.len());
                y.values
                    .as_mut_slice()
                    .copy_from_slice(&v.as_slice()[r.start * OUT..r.end * OUT]);
            }
        }
    }
}

/// A mini-batch's targets, reused across steps: what an augmentation of
/// [`Fit::run_graph_augmented`](super::Fit::run_graph_augmented) may change.
#[derive(Clone, Debug)]
pub struct Gathered<T: Scalar, const OUT: usize> {
    /// The class labels, for class targets (empty otherwise).
    pub labels: Vec<usize>,
    /// The target vectors, one column per sample, for vector targets (no columns otherwise).
    pub values: Batch<T, OUT>,
}

impl<T: Scalar, const OUT: usize> Default for Gathered<T, OUT> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Scalar, const OUT: usize> Gathered<T, OUT> {
    /// Empty buffers.
    pub fn new() -> Self {
        Self {
            labels: Vec::new(),
            values: Batch::zeros(0),
        }
    }
}
