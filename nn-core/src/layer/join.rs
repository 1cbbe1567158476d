//! Joins: the nodes of a `network!` graph that read several parents. The generated code calls
//! these (through `nn_core::__private`); they are not part of the documented API.
//!
//! Every function works on column-major slices of `rows` values per sample, so the same
//! code serves one sample (`SVector`, one column) and a batch (`Batch`, one column per
//! sample). Outputs are overwritten.
//!
//! | join | forward | backward (`δ = dℓ/dz`) |
//! |---|---|---|
//! | `add(a, b, ...)` | `z = a + b + ...` | `dℓ/da = δ` for each parent |
//! | `mul(a, b)` | `z = a ∘ b` | `dℓ/da = δ ∘ b`, `dℓ/db = δ ∘ a` |
//! | `concat(a, b, ...)` | `z = [a; b; ...]` per sample | each parent gets its rows of `δ` |
//! | `dueling(v, a)` | `z_k = v + a_k - mean(a)` | `dℓ/dv = Σ_k δ_k`, `dℓ/da_k = δ_k - mean(δ)` |
//!
//! ```
//! use nn_core::__private::join;
//! let (v, a) = ([1.0f64], [1.0, 2.0, 3.0]);
//! let mut q = [0.0; 3];
//! join::dueling_forward(&v, &a, &mut q);
//! assert_eq!(q, [0.0, 1.0, 2.0]);
//! ```

use crate::Scalar;

/// `z = a` (the first parent of a sum).
#[inline]
pub fn copy<T: Scalar>(a: &[T], z: &mut [T]) {
    z.copy_from_slice(a);
}

/// `z += a`: a further parent of a sum, or a further child's gradient contribution.
#[inline]
pub fn add_assign<T: Scalar>(z: &mut [T], a: &[T]) {
    z.iter_mut().zip(a).for_each(|(z, &a)| *z += a);
}

/// `z = a ∘ b` (element-wise product; also `mul`'s backward, `δ ∘ other`).
#[inline]
pub fn mul<T: Scalar>(a: &[T], b: &[T], z: &mut [T]) {
    z.iter_mut()
        .zip(a.iter().zip(b))
        .for_each(|(z, (&a, &b))| *z = a * b);
}

/// Writes the `rows` values per sample of a parent at row `offset` of each column of `z`
/// (`out_rows` values per sample).
#[inline]
pub fn concat_part<T: Scalar>(
    part: &[T],
    rows: usize,
    z: &mut [T],
    out_rows: usize,
    offset: usize,
) {
    if rows == 0 {
        return;
    }
    for (col, src) in z.chunks_exact_mut(out_rows).zip(part.chunks_exact(rows)) {
        col[offset..offset + rows].copy_from_slice(src);
    }
}

/// A parent's rows of a concatenation's gradient: the inverse of [`concat_part`].
#[inline]
pub fn split_part<T: Scalar>(dz: &[T], out_rows: usize, offset: usize, rows: usize, d: &mut [T]) {
    if rows == 0 {
        return;
    }
    for (src, dst) in dz.chunks_exact(out_rows).zip(d.chunks_exact_mut(rows)) {
        dst.copy_from_slice(&src[offset..offset + rows]);
    }
}

/// `z_k = v + a_k - mean(a)` per sample: the dueling head `Q = V + A - mean A`, with `v`
/// one value per sample and `a` as many per sample as `z`.
pub fn dueling_forward<T: Scalar>(v: &[T], a: &[T], z: &mut [T]) {
    let Some(k) = a.len().checked_div(v.len()).filter(|&k| k > 0) else {
        return;
    };
    let inv = T::one() / T::of(k as f64);
    for ((zc, ac), &vv) in z.chunks_exact_mut(k).zip(a.chunks_exact(k)).zip(v) {
        let mean = ac.iter().fold(T::zero(), |s, &x| s + x) * inv;
        zc.iter_mut().zip(ac).for_each(|(z, &a)| *z = vv + a - mean);
    }
}

/// The dueling head's gradient with respect to `v`: `Σ_k δ_k` per sample.
pub fn dueling_backward_v<T: Scalar>(dz: &[T], dv: &mut [T]) {
    let Some(k) = dz.len().checked_div(dv.len()).filter(|&k| k > 0) else {
        return;
    };
    for (d, col) in dv.iter_mut().zip(dz.chunks_exact(k)) {
        *d = col.iter().fold(T::zero(), |s, &x| s + x);
    }
}

/// The dueling head's gradient with respect to `a`: `δ_k - mean(δ)` per sample (`k` values
/// per sample).
pub fn dueling_backward_a<T: Scalar>(dz: &[T], k: usize, da: &mut [T]) {
    if k == 0 {
        return;
    }
    let inv = T::one() / T::of(k as f64);
    for (dc, zc) in da.chunks_exact_mut(k).zip(dz.chunks_exact(k)) {
        let mean = zc.iter().fold(T::zero(), |s, &x| s + x) * inv;
        dc.iter_mut().zip(zc).for_each(|(d, &z)| *d = z - mean);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concat_and_split_are_inverse_per_column() {
        // Two samples: a has 1 row, b has 2.
        let (a, b) = ([1.0f64, 2.0], [3.0, 4.0, 5.0, 6.0]);
        let mut z = [0.0; 6];
        concat_part(&a, 1, &mut z, 3, 0);
        concat_part(&b, 2, &mut z, 3, 1);
        assert_eq!(z, [1.0, 3.0, 4.0, 2.0, 5.0, 6.0]);
        let mut db = [0.0; 4];
        split_part(&z, 3, 1, 2, &mut db);
        assert_eq!(db, b);
    }

    #[test]
    fn dueling_gradients_match_finite_differences() {
        let (v, a) = ([0.3f64], [0.5, -1.0, 2.0]);
        let w = [0.7, -0.2, 1.1]; // ℓ = w · z
        let loss = |v: &[f64], a: &[f64]| {
            let mut z = [0.0; 3];
            dueling_forward(v, a, &mut z);
            z.iter().zip(&w).map(|(z, w)| z * w).sum::<f64>()
        };
        let (mut dv, mut da) = ([0.0], [0.0; 3]);
        dueling_backward_v(&w, &mut dv);
        dueling_backward_a(&w, 3, &mut da);
        let h = 1e-6;
        let num_v = (loss(&[v[0] + h], &a) - loss(&[v[0] - h], &a)) / (2.0 * h);
        assert!((num_v - dv[0]).abs() < 1e-8);
        for k in 0..3 {
            let (mut p, mut m) = (a, a);
            p[k] += h;
            m[k] -= h;
            let num = (loss(&v, &p) - loss(&v, &m)) / (2.0 * h);
            assert!((num - da[k]).abs() < 1e-8, "{k}: {num} vs {}", da[k]);
        }
    }
}
