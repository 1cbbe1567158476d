//! Exact k-nearest neighbours under the Euclidean distance, for the MNIST examples that
//! compare with or build on nearest neighbours (`nn_vs_knn`, `semi_supervised`).
//!
//! `‖q - r‖² = ‖q‖² - 2 q·r + ‖r‖²`; ranking the references of one query needs only
//! `‖r‖² - 2 q·r`, and the dot products of a block of references with a block of queries are
//! one matrix product (`f32`, nalgebra's `gemm` on matrix views of the slices, which hands
//! products of this size to the `matrixmultiply` crate). The references are stored in blocks
//! of [`BLOCK`] images, each block as a `BLOCK x 784` column-major matrix (one column per
//! pixel), so a block (784 kB) stays in cache while the queries stream past it, and the
//! product reads it with unit row stride.

use nn_core::nalgebra::{DMatrixView, DMatrixViewMut};

/// Reference images per block.
pub const BLOCK: usize = 256;
/// Queries per matrix product.
const QUERIES: usize = 512;

/// A set of reference vectors of `dim` values each, ready for distance queries.
pub struct Knn {
    dim: usize,
    len: usize,
    /// Block after block, each `BLOCK x dim` column-major (the last one zero-padded).
    blocks: Vec<f32>,
    /// `‖r‖²` of every reference, `f32::INFINITY` for the padding.
    norms: Vec<f32>,
}

/// The `k` nearest references of one query: indices, nearest first, with their squared
/// distances minus the query's own squared norm (`‖r‖² - 2 q·r`).
pub type Neighbours = Vec<(f32, u32)>;

impl Knn {
    /// The references: `data` holds `data.len() / dim` vectors, one after the other.
    pub fn new(data: &[f32], dim: usize) -> Self {
        let len = data.len() / dim;
        let nblocks = len.div_ceil(BLOCK);
        let mut blocks = vec![0.0f32; nblocks * BLOCK * dim];
        let mut norms = vec![f32::INFINITY; nblocks * BLOCK];
        for (i, v) in data.chunks_exact(dim).enumerate() {
            let (b, row) = (i / BLOCK, i % BLOCK);
            let block = &mut blocks[b * BLOCK * dim..(b + 1) * BLOCK * dim];
            for (p, &x) in v.iter().enumerate() {
                block[p * BLOCK + row] = x;
            }
            norms[i] = v.iter().map(|x| x * x).sum();
        }
        Self {
            dim,
            len,
            blocks,
            norms,
        }
    }

    /// Bytes the distance computation keeps (the `f32` copy of the references and their
    /// norms).
    #[allow(dead_code)] // used by nn_vs_knn only
    pub fn bytes(&self) -> usize {
        (self.blocks.len() + self.norms.len()) * 4
    }

    /// The `k` nearest references of every query (`queries` holds vectors of `dim` values one
    /// after the other), nearest first; fewer than `k` when there are fewer references.
    /// `skip(q, r)` excludes reference `r` for query `q` (the query itself, when the
    /// references include the queries).
    pub fn nearest(
        &self,
        queries: &[f32],
        k: usize,
        skip: impl Fn(usize, usize) -> bool,
    ) -> Vec<Neighbours> {
        let dim = self.dim;
        let nq = queries.len() / dim;
        let mut best: Vec<Neighbours> = (0..nq).map(|_| Vec::with_capacity(k + 1)).collect();
        if k == 0 {
            return best;
        }
        let mut dots = vec![0.0f32; BLOCK * QUERIES];
        for q0 in (0..nq).step_by(QUERIES) {
            let qn = (nq - q0).min(QUERIES);
            let qs = &queries[q0 * dim..(q0 + qn) * dim];
            let dots = &mut dots[..BLOCK * qn];
            let qs = DMatrixView::from_slice(qs, dim, qn);
            for (b, block) in self.blocks.chunks_exact(BLOCK * dim).enumerate() {
                // dots (BLOCK x qn) = block (BLOCK x dim) · queries (dim x qn)
                let block = DMatrixView::from_slice(block, BLOCK, dim);
                DMatrixViewMut::from_slice(dots, BLOCK, qn).gemm(1.0, &block, &qs, 0.0);
                let norms = &self.norms[b * BLOCK..(b + 1) * BLOCK];
                for (j, col) in dots.chunks_exact(BLOCK).enumerate() {
                    let list = &mut best[q0 + j];
                    for (row, (&dot, &norm)) in col.iter().zip(norms).enumerate() {
                        let d = norm - 2.0 * dot;
                        let r = b * BLOCK + row;
                        if (list.len() < k || d < list[k - 1].0) && r < self.len && !skip(q0 + j, r)
                        {
                            insert(list, k, (d, r as u32));
                        }
                    }
                }
            }
        }
        best
    }
}

/// Inserts `item` into `list` (sorted by distance, at most `k` long), dropping the farthest.
fn insert(list: &mut Neighbours, k: usize, item: (f32, u32)) {
    let at = list.partition_point(|e| e.0 <= item.0);
    list.insert(at, item);
    list.truncate(k);
}

/// The majority label among the first `k` neighbours; a tie goes to the tied class whose
/// nearest member comes first.
#[allow(dead_code)] // used by nn_vs_knn only
pub fn vote(neighbours: &[(f32, u32)], labels: &[u8], k: usize) -> usize {
    let mut count = [0usize; 10];
    for &(_, r) in &neighbours[..k.min(neighbours.len())] {
        count[labels[r as usize] as usize] += 1;
    }
    let top = count.iter().copied().max().unwrap_or(0);
    neighbours
        .iter()
        .map(|&(_, r)| labels[r as usize] as usize)
        .find(|&c| count[c] == top)
        .unwrap_or(0)
}
