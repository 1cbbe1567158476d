//! Dropout (Srivastava et al. 2014): during training each value is kept with probability
//! `1 - p` and scaled by `1/(1 - p)` ("inverted" dropout), or set to 0; at inference the layer
//! is the identity, so the expected activation is the same in both.
//!
//! Forward in training: `x = m ∘ z` with `m_i = [u_i ≥ p] / (1 - p)`, `u_i ~ U[0, 1)`.
//! Backward: `dℓ/dz = m ∘ dℓ/dx`, the same mask. Shapes: any `N x n` batch, unchanged.
//!
//! In `network!`, `drop: dropout(0.5)` (the rate defaults to the lecture's 0.5). The masks are
//! drawn from a small seeded generator kept in the batch trace, so a run is reproducible;
//! the generated single-sample path is inference and passes values through.
//!
//! ```
//! use nn_core::{__private::{dropout_backward, dropout_forward}, layer::DropoutRng, Batch};
//! let z = Batch::<f64, 4>::from_element(1000, 1.0);
//! let (mut x, mut mask) = (Batch::zeros(0), Batch::zeros(0));
//! dropout_forward(0.5, &z, &mut x, &mut mask, &mut DropoutRng::new(7));
//! let kept = x.iter().filter(|&&v| v != 0.0).count() as f64 / 4000.0;
//! assert!((kept - 0.5).abs() < 0.03);
//! assert!(x.iter().all(|&v| v == 0.0 || v == 2.0)); // kept values scaled by 1/(1-p)
//! let mut dz = Batch::zeros(0);
//! dropout_backward(&mask, &Batch::from_element(1000, 1.0), &mut dz);
//! assert_eq!(dz, x);
//! ```

use crate::Error;
#[cfg(feature = "alloc")]
use crate::Scalar;

/// Checks a dropout rate: `0 ≤ p < 1`.
///
/// ```
/// assert!(nn_core::layer::dropout_rate(0.5).is_ok());
/// assert!(nn_core::layer::dropout_rate(1.0).is_err());
/// ```
pub fn dropout_rate(p: f64) -> Result<f64, Error> {
    if (0.0..1.0).contains(&p) {
        Ok(p)
    } else {
        Err(Error::InvalidConfig {
            what: "dropout rate",
            expected: "a value in [0, 1)",
            found: p,
        })
    }
}

/// The generator of dropout masks: SplitMix64, small, fast and seedable, also without `std`.
///
/// ```
/// let mut a = nn_core::layer::DropoutRng::new(1);
/// let mut b = nn_core::layer::DropoutRng::new(1);
/// assert_eq!(a.uniform(), b.uniform());
/// assert!((0.0..1.0).contains(&a.uniform()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DropoutRng {
    state: u64,
    frozen: bool,
}

impl DropoutRng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Self {
            state: seed,
            frozen: false,
        }
    }

    /// Restarts from `seed`.
    pub fn reseed(&mut self, seed: u64) {
        self.state = seed;
    }

    /// While frozen, forward passes reuse the last masks (for gradient checks).
    pub fn freeze(&mut self, frozen: bool) {
        self.frozen = frozen;
    }

    /// True while the masks are frozen.
    pub fn is_frozen(&self) -> bool {
        self.frozen
    }

    /// A uniform draw from `[0, 1)` with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

impl Default for DropoutRng {
    fn default() -> Self {
        Self::new(0x5EED)
    }
}

/// Training forward: draws a mask (unless `rng` is frozen and the mask fits) and writes
/// `x = mask ∘ z`; `x` and `mask` are resized to `z`'s shape.
#[cfg(feature = "alloc")]
pub fn dropout_forward<T: Scalar, const N: usize>(
    p: f64,
    z: &crate::Batch<T, N>,
    x: &mut crate::Batch<T, N>,
    mask: &mut crate::Batch<T, N>,
    rng: &mut DropoutRng,
) {
    let n = z.ncols();
    let redraw = !rng.is_frozen() || mask.ncols() != n;
    crate::__private::resize(mask, n);
    crate::__private::resize(x, n);
    if redraw {
        let keep = T::of(1.0 / (1.0 - p));
        for m in mask.iter_mut() {
            *m = if rng.uniform() >= p { keep } else { T::zero() };
        }
    }
    for ((x, &z), &m) in x.iter_mut().zip(z.iter()).zip(mask.iter()) {
        *x = z * m;
    }
}

/// Backward: `dz = mask ∘ dx` (resized to `dx`'s shape).
#[cfg(feature = "alloc")]
pub fn dropout_backward<T: Scalar, const N: usize>(
    mask: &crate::Batch<T, N>,
    dx: &crate::Batch<T, N>,
    dz: &mut crate::Batch<T, N>,
) {
    crate::__private::resize(dz, dx.ncols());
    for ((d, &g), &m) in dz.iter_mut().zip(dx.iter()).zip(mask.iter()) {
        *d = g * m;
    }
}
