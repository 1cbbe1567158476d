//! Weight initialization: the lecture's heuristics, plus He and Xavier/Glorot.
//!
//! For a layer `z = W x + b` with `W ∈ R^{h_l x h_{l-1}}` (fan-in `h_{l-1}`, fan-out `h_l`):
//!
//! | [`Init`] | `network!` | weights | biases |
//! |---|---|---|---|
//! | `LeCun` (default) | `lecun` | `N(0, 1/h_{l-1})`: the lecture's "each entry with sdv 1/√h_{l-1}", so each row has norm ≈ 1 | 0 |
//! | `Direction` | `direction` | each row `W_{l,i}` a uniformly random unit vector | 0 |
//! | `Hinges { low, high }` | `hinges(low, high)` | as `LeCun` | `b_i = -W_{l,i} c_i`, `c_i ~ U[low, high]^{h_{l-1}}`: unit `i`'s ReLU hinge passes through a random point of the input box |
//! | `He` | `he` | `N(0, 2/h_{l-1})` (He et al. 2015, for ReLU) | 0 |
//! | `Xavier` | `xavier` | `U(-a, a)`, `a = √(6/(h_{l-1} + h_l))` (Glorot & Bengio 2010) | 0 |
//! | `Zeros` | `zeros` | 0 | 0 |
//!
//! Every scheme draws from the caller's RNG, so a seeded RNG makes every run reproducible.
//!
//! ```
//! use nn_core::{init::Init, layer::{Dense, Layer}};
//! use rand::{rngs::StdRng, SeedableRng};
//! let mut a = Dense::<f32, 784, 128>::zeros();
//! let mut b = Dense::<f32, 784, 128>::zeros();
//! a.init(Init::LeCun, &mut StdRng::seed_from_u64(7));
//! b.init(Init::LeCun, &mut StdRng::seed_from_u64(7));
//! assert_eq!(a.weight, b.weight);
//! let sd = (a.weight.iter().map(|w| w * w).sum::<f32>() / (784.0 * 128.0)).sqrt();
//! assert!((sd * 28.0 - 1.0).abs() < 0.02); // 1/√784 = 1/28
//! ```

use crate::Scalar;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// How a layer's weights and biases are drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[non_exhaustive]
pub enum Init {
    /// `N(0, 1/fan_in)`: the lecture's heuristic.
    #[default]
    LeCun,
    /// Rows are uniformly random unit vectors.
    Direction,
    /// `LeCun` weights, biases placing each ReLU hinge at a random point of `[low, high]^fan_in`.
    Hinges {
        /// Lower end of the input range.
        low: f64,
        /// Upper end of the input range.
        high: f64,
    },
    /// `N(0, 2/fan_in)`.
    He,
    /// `U(-a, a)` with `a = √(6/(fan_in + fan_out))`.
    Xavier,
    /// All zeros.
    Zeros,
    /// PyTorch's default for `nn.Linear` and `nn.Conv2d`: weights by kaiming-uniform with
    /// `a = √5`, which is `U(-1/√fan_in, 1/√fan_in)`, and biases `U(-1/√fan_in, 1/√fan_in)`
    /// too (`fan_in` = inputs of a dense layer, `C·KH·KW` of a convolution).
    ///
    /// ```
    /// use nn_core::init::Init;
    /// use rand::{rngs::StdRng, SeedableRng};
    /// let (mut w, mut b) = ([0.0f64; 400], [0.0f64; 100]);
    /// Init::Torch.fill(100, 4, &mut w, &mut b, &mut StdRng::seed_from_u64(1));
    /// assert!(w.iter().chain(&b).all(|v| v.abs() <= 0.5)); // 1/√4
    /// assert!(b.iter().any(|&v| v != 0.0));
    /// ```
    Torch,
}

/// `√x` in `f64`, also without `std`.
fn sqrt(x: f64) -> f64 {
    nalgebra::ComplexField::sqrt(x)
}

/// A standard normal draw.
pub(crate) fn normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    StandardNormal.sample(rng)
}

impl Init {
    /// Fills a column-major `rows x cols` weight matrix (`rows = fan_out`, `cols = fan_in`)
    /// and a bias of `rows` values.
    ///
    /// ```
    /// use nn_core::init::Init;
    /// use rand::{rngs::StdRng, SeedableRng};
    /// let (mut w, mut b) = ([0.0f64; 6], [0.0f64; 2]);
    /// Init::Direction.fill(2, 3, &mut w, &mut b, &mut StdRng::seed_from_u64(1));
    /// let norm0: f64 = (0..3).map(|j| w[j * 2] * w[j * 2]).sum::<f64>().sqrt();
    /// assert!((norm0 - 1.0).abs() < 1e-12);
    /// ```
    pub fn fill<T: Scalar, R: Rng + ?Sized>(
        self,
        rows: usize,
        cols: usize,
        weight: &mut [T],
        bias: &mut [T],
        rng: &mut R,
    ) {
        let fan_in = cols.max(1) as f64;
        let fan_out = rows as f64;
        bias.iter_mut().for_each(|b| *b = T::zero());
        match self {
            Init::LeCun | Init::Hinges { .. } => {
                let sd = 1.0 / sqrt(fan_in);
                weight.iter_mut().for_each(|w| *w = T::of(sd * normal(rng)));
            }
            Init::He => {
                let sd = sqrt(2.0 / fan_in);
                weight.iter_mut().for_each(|w| *w = T::of(sd * normal(rng)));
            }
            Init::Xavier => {
                let a = sqrt(6.0 / (fan_in + fan_out).max(1.0));
                weight
                    .iter_mut()
                    .for_each(|w| *w = T::of(rng.random_range(-a..=a)));
            }
            Init::Direction => {
                weight.iter_mut().for_each(|w| *w = T::of(normal(rng)));
                for i in 0..rows {
                    let norm = (0..cols)
                        .map(|j| weight[j * rows + i].to_f64())
                        .map(|w| w * w)
                        .sum::<f64>();
                    let norm = sqrt(norm);
                    if norm > 0.0 {
                        (0..cols).for_each(|j| weight[j * rows + i] /= T::of(norm));
                    }
                }
            }
            Init::Zeros => weight.iter_mut().for_each(|w| *w = T::zero()),
            Init::Torch => {
                let a = 1.0 / sqrt(fan_in);
                for v in weight.iter_mut().chain(bias.iter_mut()) {
                    *v = T::of(rng.random_range(-a..=a));
                }
            }
        }
        if let Init::Hinges { low, high } = self {
            let (lo, hi) = if low <= high {
                (low, high)
            } else {
                (high, low)
            };
            for (i, b) in bias.iter_mut().enumerate().take(rows) {
                let dot: f64 = (0..cols)
                    .map(|j| weight[j * rows + i].to_f64() * (lo + (hi - lo) * rng.random::<f64>()))
                    .sum();
                *b = T::of(-dot);
            }
        }
    }
}
