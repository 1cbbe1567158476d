//! A sum tree: `n` non-negative weights with `O(log n)` update and `O(log n)` draws of an
//! index with probability proportional to its weight.
//!
//! Stored as an implicit complete binary tree in one array of `2m - 1` sums, `m` the
//! smallest power of two `≥ n` (the extra leaves stay 0): node `k` has children `2k + 1`
//! and `2k + 2`, leaf `i` is node `m - 1 + i`, and every inner node holds the sum of its
//! children, so the root holds the total. [`find`](SumTree::find)`(u)` for `u` in
//! `[0, total)` walks down from the root, going left when `u` is below the left sum and
//! otherwise subtracting it and going right; it ends at the leaf whose cumulative range
//! contains `u`. Setting a weight recomputes the sums on its path from their children, so
//! rounding errors do not accumulate over many updates.
//!
//! ```
//! use nn_core::rl::SumTree;
//! let mut t = SumTree::new(3);
//! t.set(0, 1.0);
//! t.set(1, 0.0);
//! t.set(2, 3.0);
//! assert_eq!(t.total(), 4.0);
//! assert_eq!((t.find(0.5), t.find(1.0), t.find(3.9)), (0, 2, 2));
//! ```

use alloc::vec;
use alloc::vec::Vec;

/// See the [module documentation](self).
#[derive(Clone, Debug)]
pub struct SumTree {
    nodes: Vec<f64>,
    /// `m`, a power of two.
    leaves: usize,
    /// `n`, the weights in use.
    len: usize,
}

impl SumTree {
    /// `n` weights, all zero (`n` at least 1; 0 is taken as 1).
    pub fn new(n: usize) -> Self {
        let len = n.max(1);
        let leaves = len.next_power_of_two();
        Self {
            nodes: vec![0.0; 2 * leaves - 1],
            leaves,
            len,
        }
    }

    /// The number of weights.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: a tree has at least one weight.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The sum of all weights.
    pub fn total(&self) -> f64 {
        self.nodes[0]
    }

    /// Weight `i` (0 past the end).
    pub fn get(&self, i: usize) -> f64 {
        if i < self.len {
            self.nodes[self.leaves - 1 + i]
        } else {
            0.0
        }
    }

    /// Sets weight `i` (ignored past the end; a negative or NaN weight counts as 0).
    pub fn set(&mut self, i: usize, weight: f64) {
        if i >= self.len {
            return;
        }
        let mut k = self.leaves - 1 + i;
        self.nodes[k] = if weight > 0.0 { weight } else { 0.0 };
        while k > 0 {
            k = (k - 1) / 2;
            self.nodes[k] = self.nodes[2 * k + 1] + self.nodes[2 * k + 2];
        }
    }

    /// The index whose cumulative range `[w_0 + … + w_{i-1}, w_0 + … + w_i)` contains `u`;
    /// `u` outside `[0, total)` is taken as the nearest end. Never returns a zero-weight
    /// index while the total is positive.
    pub fn find(&self, mut u: f64) -> usize {
        let mut k = 0;
        while k < self.leaves - 1 {
            let (left, right) = (2 * k + 1, 2 * k + 2);
            // Rounding can leave `u` at or past the total: then take the last non-empty side.
            if (u < self.nodes[left] || self.nodes[right] <= 0.0) && self.nodes[left] > 0.0 {
                k = left;
            } else {
                u -= self.nodes[left];
                k = right;
            }
        }
        k - (self.leaves - 1)
    }
}
