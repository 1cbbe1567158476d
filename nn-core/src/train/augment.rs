//! Data augmentation for images: random shifts, small rotations and scalings, per sample.
//!
//! Each image (one column of `width x height` pixels, row-major as MNIST stores them) is
//! resampled through a random affine map about its centre: rotation by `θ ~ U(-r, r)`,
//! scaling by `s ~ U(1 - k, 1 + k)`, shift by `(dx, dy) ~ U(-d, d)²` pixels. Each output
//! pixel reads the input by bilinear interpolation at the inverse-mapped point; points
//! outside the image read the image's background (its smallest value), so normalized data
//! stays normalized. The random numbers come from the training loop's seeded RNG, so a run is
//! reproducible. This encodes the expert knowledge that a digit moved by a pixel or turned by
//! a few degrees is the same digit, the lecture's regularization by invariances.
//!
//! ```
//! use nn_core::{Batch, train::Augment};
//! use rand::{rngs::StdRng, SeedableRng};
//! let mut img = Batch::<f32, 16>::zeros(1); // one 4x4 image, a bright pixel at (1, 1)
//! img[(5, 0)] = 1.0;
//! let shift = Augment { width: 4, height: 4, max_shift: 0.0, max_rotation_degrees: 0.0, max_scale: 0.0 };
//! shift.apply(&mut img, &mut StdRng::seed_from_u64(0)).unwrap();
//! assert_eq!(img[(5, 0)], 1.0); // no jitter: unchanged
//! ```

use crate::{Batch, Error, Scalar};
use rand::Rng;
use std::vec::Vec;

/// Random affine jitter of square or rectangular images.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Augment {
    /// Image width in pixels.
    pub width: usize,
    /// Image height in pixels.
    pub height: usize,
    /// Largest shift, in pixels, along each axis.
    pub max_shift: f64,
    /// Largest rotation, in degrees, either way.
    pub max_rotation_degrees: f64,
    /// Largest relative change of scale (0.1: between 0.9 and 1.1).
    pub max_scale: f64,
}

impl Augment {
    /// The usual MNIST setting: 28x28, shifts up to 2 pixels, rotations up to 10 degrees,
    /// scaling by up to 10%.
    pub fn mnist() -> Self {
        Self {
            width: 28,
            height: 28,
            max_shift: 2.0,
            max_rotation_degrees: 10.0,
            max_scale: 0.1,
        }
    }

    /// Jitters every column of `batch` in place. Fails, changing nothing, when a column does
    /// not hold `width x height` pixels.
    pub fn apply<T: Scalar, const N: usize, R: Rng + ?Sized>(
        &self,
        batch: &mut Batch<T, N>,
        rng: &mut R,
    ) -> Result<(), Error> {
        if self.width * self.height != N {
            return Err(Error::LengthMismatch {
                what: "pixels per image (width x height)",
                expected: N,
                found: self.width * self.height,
            });
        }
        let mut src: Vec<T> = std::vec![T::zero(); N];
        let (w, h) = (self.width as f64, self.height as f64);
        let (cx, cy) = ((w - 1.0) / 2.0, (h - 1.0) / 2.0);
        for col in batch.as_mut_slice().chunks_exact_mut(N.max(1)) {
            let angle = uniform(rng, self.max_rotation_degrees).to_radians();
            let scale = 1.0 + uniform(rng, self.max_scale);
            let (dx, dy) = (uniform(rng, self.max_shift), uniform(rng, self.max_shift));
            if angle == 0.0 && scale == 1.0 && dx == 0.0 && dy == 0.0 {
                continue;
            }
            src.copy_from_slice(col);
            let background = src
                .iter()
                .copied()
                .fold(src[0], |a, b| if b < a { b } else { a });
            // Inverse map: output pixel p reads the input at R(-θ)(p - c - d)/s + c.
            let (sin, cos) = (-angle).sin_cos();
            for y in 0..self.height {
                for x in 0..self.width {
                    let (px, py) = (x as f64 - cx - dx, y as f64 - cy - dy);
                    let sx = (cos * px - sin * py) / scale + cx;
                    let sy = (sin * px + cos * py) / scale + cy;
                    col[y * self.width + x] = self.sample(&src, sx, sy, background);
                }
            }
        }
        Ok(())
    }

    /// Bilinear interpolation at (`x`, `y`), the background outside the image.
    fn sample<T: Scalar>(&self, img: &[T], x: f64, y: f64, background: T) -> T {
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (x - x0, y - y0);
        let at = |xi: f64, yi: f64| -> f64 {
            if xi < 0.0 || yi < 0.0 || xi >= self.width as f64 || yi >= self.height as f64 {
                background.to_f64()
            } else {
                img[yi as usize * self.width + xi as usize].to_f64()
            }
        };
        let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1.0, y0) * fx;
        let bottom = at(x0, y0 + 1.0) * (1.0 - fx) + at(x0 + 1.0, y0 + 1.0) * fx;
        T::of(top * (1.0 - fy) + bottom * fy)
    }
}

fn uniform<R: Rng + ?Sized>(rng: &mut R, max: f64) -> f64 {
    if max > 0.0 {
        rng.random_range(-max..max)
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{rngs::StdRng, SeedableRng};

    #[test]
    fn a_pure_shift_moves_the_image_by_whole_pixels() {
        // 5x5 with a single bright pixel at (2, 2); shift exactly 1 pixel right and down by
        // reading the map through `sample` directly.
        let a = Augment {
            width: 5,
            height: 5,
            max_shift: 0.0,
            max_rotation_degrees: 0.0,
            max_scale: 0.0,
        };
        let mut img = [0.0f64; 25];
        img[2 * 5 + 2] = 1.0;
        // The output pixel (3, 3) reads the input at (2, 2) when shifted by (1, 1).
        assert_eq!(a.sample(&img, 3.0 - 1.0, 3.0 - 1.0, 0.0), 1.0);
        assert_eq!(a.sample(&img, 2.5, 2.0, 0.0), 0.5);
        assert_eq!(a.sample(&img, -1.0, 2.0, -0.5), -0.5);
    }

    #[test]
    fn jitter_keeps_the_ink_and_the_background() {
        let mut batch = Batch::<f64, 784>::from_element(8, -0.42);
        for c in 0..8 {
            for y in 10..18 {
                for x in 12..16 {
                    batch[(y * 28 + x, c)] = 2.8;
                }
            }
        }
        let before = batch.clone();
        Augment::mnist()
            .apply(&mut batch, &mut StdRng::seed_from_u64(1))
            .unwrap();
        assert_ne!(batch, before);
        for c in 0..8 {
            let col = batch.column(c);
            assert!(col
                .iter()
                .all(|&v| (-0.42 - 1e-12..=2.8 + 1e-12).contains(&v)));
            // The ink's total is about the same (scaling by up to 10% changes the area).
            let ink = |v: f64| v + 0.42;
            let (a, b): (f64, f64) = (
                col.iter().map(|&v| ink(v)).sum(),
                before.column(c).iter().map(|&v| ink(v)).sum(),
            );
            assert!((a / b - 1.0).abs() < 0.25, "column {c}: {a} vs {b}");
        }
        let mut wrong = Batch::<f64, 10>::zeros(1);
        assert!(Augment::mnist()
            .apply(&mut wrong, &mut StdRng::seed_from_u64(1))
            .is_err());
    }
}
