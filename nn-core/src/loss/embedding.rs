//! The embedding loss of semi-supervised embedding (Weston, Ratle and Collobert, *Deep
//! learning via semi-supervised embedding*, ICML 2008): the lecture's "additional embedding
//! objectives". A hidden layer's outputs `h_i`, `h_j` for a pair of (unlabelled) inputs are
//! pulled together when the pair are neighbours and pushed at least a margin `m` apart when
//! they are not:
//!
//! ```text
//! d = h_i - h_j,  r = ‖d‖₂
//! L(h_i, h_j) = r²                 neighbours (W_ij = 1)
//!               max(0, m - r)²     non-neighbours (W_ij = 0)
//! ∂L/∂h_i = -∂L/∂h_j = 2d                    neighbours
//!                      -2 max(0, m - r) d/r  non-neighbours (0 at r = 0)
//! ```
//!
//! Shapes: `h_i` and `h_j` have the same length `N` (the hidden layer's width); over a batch
//! they are two `N x n` [`Batch`](crate::Batch)es whose column `k` forms pair `k`, with one
//! [`Pair`] per column. It is added to the supervised loss, `Σ ℓ(f(x_i), y_i) + λ Σ L(h_i,
//! h_j)`; a `network!` whose `output:` lists the hidden node beside the logits
//! (`output: (h, out)`) takes `λ ∂L/∂h` as the hidden node's upstream gradient, and the
//! hidden layer receives it summed with the gradient coming back from the logits.
//!
//! A non-neighbour pair with `r = 0` has value `m²` and gradient 0 (`r` has no derivative
//! there; any direction pushes them apart equally).
//!
//! ```
//! use nn_core::loss::{Pair, PairEmbedding};
//! let loss = PairEmbedding::new(2.0);
//! let (a, b) = ([3.0f64, 0.0], [0.0f64, 0.0]);
//! let (mut ga, mut gb) = ([0.0; 2], [0.0; 2]);
//! // Neighbours: ‖d‖² = 9, gradient 2d.
//! let l = loss.eval(&a, &b, Pair::Neighbours, Some((&mut ga, &mut gb))).unwrap();
//! assert_eq!((l, ga, gb), (9.0, [6.0, 0.0], [-6.0, 0.0]));
//! // Non-neighbours already 3 apart, beyond the margin 2: nothing to push.
//! assert_eq!(loss.eval(&a, &b, Pair::NonNeighbours, None).unwrap(), 0.0);
//! // Non-neighbours 1 apart: (2 - 1)², pushed apart along d.
//! let a = [1.0f64, 0.0];
//! let l = loss.eval(&a, &b, Pair::NonNeighbours, Some((&mut ga, &mut gb))).unwrap();
//! assert_eq!((l, ga, gb), (1.0, [-2.0, 0.0], [2.0, 0.0]));
//! ```

#[cfg(feature = "alloc")]
use super::Reduction;
use crate::{Error, Scalar};
use nalgebra::SVector;

/// Whether the two samples of a pair are neighbours (`W_ij = 1`) or not (`W_ij = 0`).
///
/// ```
/// use nn_core::loss::Pair;
/// assert_eq!(Pair::from(true), Pair::Neighbours);
/// assert_eq!(Pair::from(false), Pair::NonNeighbours);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Pair {
    /// Pulled together: `L = ‖h_i - h_j‖²`.
    Neighbours,
    /// Pushed beyond the margin: `L = max(0, m - ‖h_i - h_j‖)²`.
    NonNeighbours,
}

impl From<bool> for Pair {
    /// `true` means neighbours.
    fn from(neighbours: bool) -> Self {
        if neighbours {
            Pair::Neighbours
        } else {
            Pair::NonNeighbours
        }
    }
}

/// Semi-supervised embedding's pair loss with margin `m` (Weston, Ratle and Collobert 2008):
///
/// ```text
/// d = h_i - h_j,  r = ‖d‖₂
/// L(h_i, h_j) = r²                 neighbours
///               max(0, m - r)²     non-neighbours
/// ∂L/∂h_i = -∂L/∂h_j = 2d                    neighbours
///                      -2 max(0, m - r) d/r  non-neighbours (0 at r = 0)
/// ```
///
/// Add `λ L` over pairs of unlabelled inputs to the supervised loss, with `h` a hidden layer
/// listed among the network's outputs (`output: (h, out)`), whose `backward` then takes
/// `λ ∂L/∂h` as `h`'s upstream gradient.
///
/// ```
/// use nn_core::loss::{Pair, PairEmbedding};
/// use nn_core::nalgebra::SVector;
/// let a = SVector::<f32, 3>::new(1.0, 2.0, 2.0);
/// let (l, ga, gb) = PairEmbedding::new(1.0).value_and_grad(&a, &SVector::zeros(), Pair::Neighbours)?;
/// assert_eq!(l, 9.0);
/// assert_eq!(ga, a * 2.0);
/// assert_eq!(gb, -a * 2.0);
/// # Ok::<(), nn_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PairEmbedding {
    /// The margin `m` beyond which non-neighbours cost nothing; positive and finite.
    pub margin: f64,
}

impl PairEmbedding {
    /// The loss with margin `margin` (checked when the loss is evaluated).
    ///
    /// ```
    /// use nn_core::loss::{Pair, PairEmbedding};
    /// assert_eq!(PairEmbedding::new(3.0).margin, 3.0);
    /// let bad = PairEmbedding::new(-1.0).eval(&[0.0f32], &[1.0], Pair::NonNeighbours, None);
    /// assert!(bad.is_err());
    /// ```
    pub fn new(margin: f64) -> Self {
        Self { margin }
    }

    fn check_margin(&self) -> Result<(), Error> {
        if self.margin > 0.0 && self.margin <= f64::MAX {
            Ok(())
        } else {
            Err(Error::InvalidConfig {
                what: "embedding margin",
                expected: "a finite value > 0",
                found: self.margin,
            })
        }
    }

    /// `L(a, b)` for one pair; when `grads` is given, writes `∂L/∂a` and `∂L/∂b` into it
    /// (overwriting). `a` and `b` must have the same length, and so must the gradients.
    ///
    /// ```
    /// use nn_core::loss::{Pair, PairEmbedding};
    /// let err = PairEmbedding::new(1.0).eval(&[0.0f64; 3], &[0.0; 2], Pair::Neighbours, None);
    /// assert_eq!(
    ///     err.unwrap_err().to_string(),
    ///     "wrong number of values in the second embedding: expected 3, found 2"
    /// );
    /// ```
    pub fn eval<T: Scalar>(
        &self,
        a: &[T],
        b: &[T],
        pair: Pair,
        grads: Option<(&mut [T], &mut [T])>,
    ) -> Result<T, Error> {
        self.check_margin()?;
        let len = |what, found: usize| {
            if found == a.len() {
                Ok(())
            } else {
                Err(Error::LengthMismatch {
                    what,
                    expected: a.len(),
                    found,
                })
            }
        };
        len("values in the second embedding", b.len())?;
        if let Some((ga, gb)) = &grads {
            len("values in the first embedding's gradient", ga.len())?;
            len("values in the second embedding's gradient", gb.len())?;
        }
        let r2 = a
            .iter()
            .zip(b)
            .fold(T::zero(), |s, (&x, &y)| s + (x - y) * (x - y));
        let two = T::of(2.0);
        // L and the factor c with ∂L/∂a = c d.
        let (loss, c) = match pair {
            Pair::Neighbours => (r2, two),
            Pair::NonNeighbours => {
                let r = r2.sqrt();
                let gap = T::of(self.margin) - r;
                if gap <= T::zero() {
                    (T::zero(), T::zero())
                } else if r > T::zero() {
                    (gap * gap, -two * gap / r)
                } else {
                    (gap * gap, T::zero())
                }
            }
        };
        if let Some((ga, gb)) = grads {
            for ((ga, gb), (&x, &y)) in ga.iter_mut().zip(gb.iter_mut()).zip(a.iter().zip(b)) {
                *ga = c * (x - y);
                *gb = -*ga;
            }
        }
        Ok(loss)
    }

    /// `L(a, b)` for one pair of statically sized embeddings, with `∂L/∂a` and `∂L/∂b`.
    ///
    /// ```
    /// use nn_core::loss::{Pair, PairEmbedding};
    /// use nn_core::nalgebra::SVector;
    /// let a = SVector::<f64, 2>::new(0.0, 0.5);
    /// let (l, ga, _) = PairEmbedding::new(1.0).value_and_grad(&a, &SVector::zeros(), Pair::NonNeighbours)?;
    /// assert_eq!((l, ga[1]), (0.25, -1.0)); // (1 - 0.5)², -2 (1 - 0.5) · 0.5 / 0.5
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    #[allow(clippy::type_complexity)]
    pub fn value_and_grad<T: Scalar, const N: usize>(
        &self,
        a: &SVector<T, N>,
        b: &SVector<T, N>,
        pair: Pair,
    ) -> Result<(T, SVector<T, N>, SVector<T, N>), Error> {
        let (mut ga, mut gb) = (SVector::<T, N>::zeros(), SVector::<T, N>::zeros());
        let l = self.eval(
            a.as_slice(),
            b.as_slice(),
            pair,
            Some((ga.as_mut_slice(), gb.as_mut_slice())),
        )?;
        Ok((l, ga, gb))
    }

    /// The loss over a batch of pairs, column `k` of `a` with column `k` of `b` as
    /// `pairs[k]`, reduced by `reduction`, with its gradients with respect to `a` and `b`.
    ///
    /// ```
    /// use nn_core::loss::{Pair, PairEmbedding, Reduction};
    /// use nn_core::Batch;
    /// let a = Batch::<f64, 2>::from_column_slice(&[1.0, 0.0, 0.0, 0.0]);
    /// let b = Batch::<f64, 2>::zeros(2);
    /// let pairs = [Pair::Neighbours, Pair::NonNeighbours];
    /// // (1 + (2 - 0)²) / 2; the second pair sits at r = 0, so its gradient is 0.
    /// let (l, ga, gb) = PairEmbedding::new(2.0).batch_value_and_grad(&a, &b, &pairs, Reduction::Mean)?;
    /// assert_eq!(l, 2.5);
    /// assert_eq!(ga.as_slice(), &[1.0, 0.0, 0.0, 0.0]);
    /// assert_eq!(gb, -ga);
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    #[cfg(feature = "alloc")]
    #[allow(clippy::type_complexity)]
    pub fn batch_value_and_grad<T: Scalar, const N: usize>(
        &self,
        a: &crate::Batch<T, N>,
        b: &crate::Batch<T, N>,
        pairs: &[Pair],
        reduction: Reduction,
    ) -> Result<(T, crate::Batch<T, N>, crate::Batch<T, N>), Error> {
        let n = a.ncols();
        for (what, found) in [
            ("second embeddings (columns)", b.ncols()),
            ("pairs", pairs.len()),
        ] {
            if found != n {
                return Err(Error::LengthMismatch {
                    what,
                    expected: n,
                    found,
                });
            }
        }
        self.check_margin()?;
        let scale = match reduction {
            Reduction::Sum => T::one(),
            Reduction::Mean if n > 0 => T::one() / T::of(n as f64),
            Reduction::Mean => T::zero(),
        };
        let (mut ga, mut gb) = (crate::Batch::zeros(n), crate::Batch::zeros(n));
        let mut total = T::zero();
        if N > 0 {
            let columns = a
                .as_slice()
                .chunks_exact(N)
                .zip(b.as_slice().chunks_exact(N));
            let grads = ga
                .as_mut_slice()
                .chunks_exact_mut(N)
                .zip(gb.as_mut_slice().chunks_exact_mut(N));
            for (((ca, cb), (gca, gcb)), &pair) in columns.zip(grads).zip(pairs) {
                total += self.eval(ca, cb, pair, Some((&mut *gca, &mut *gcb)))?;
                gca.iter_mut()
                    .chain(gcb.iter_mut())
                    .for_each(|g| *g *= scale);
            }
        }
        Ok((total * scale, ga, gb))
    }
}
