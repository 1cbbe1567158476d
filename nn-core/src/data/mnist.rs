//! The MNIST digits: 60,000 training and 10,000 test images of 28x28 pixels, labels 0..9.
//!
//! [`Mnist::load`] reads the four IDX files of the original distribution from a folder
//! (`data/mnist` in this repository), scales the pixels to `[0, 1]` as `f32` and checks
//! everything: magic numbers, file lengths, 28x28 images, equal image and label counts,
//! labels below 10. [`MnistSet::batch`] gathers samples into a [`Batch`] (one image per
//! column, its 784 pixels row-major) and their labels as `usize` class indices, which the
//! losses take as targets.

use super::idx::{IdxImages, IdxLabels};
use crate::io::ReadLimits;
use crate::{Batch, Error};
use std::format;
use std::path::{Path, PathBuf};
use std::string::ToString;
use std::vec::Vec;

/// Rows of an MNIST image.
///
/// ```
/// assert_eq!(nn_core::data::ROWS * nn_core::data::COLS, nn_core::data::PIXELS);
/// ```
pub const ROWS: usize = 28;
/// Columns of an MNIST image.
///
/// ```
/// assert_eq!(nn_core::data::COLS, 28);
/// ```
pub const COLS: usize = 28;
/// Pixels of an MNIST image, the input size of a network for it.
///
/// ```
/// let x = nn_core::Batch::<f32, { nn_core::data::PIXELS }>::zeros(1);
/// assert_eq!(x.nrows(), 784);
/// ```
pub const PIXELS: usize = ROWS * COLS;
/// The number of classes (digits).
///
/// ```
/// assert_eq!(nn_core::data::CLASSES, 10);
/// ```
pub const CLASSES: usize = 10;
/// The mean pixel of the training images on the `[0, 1]` scale.
///
/// ```
/// assert_eq!(nn_core::data::MEAN, 0.1307);
/// ```
pub const MEAN: f32 = 0.1307;
/// The standard deviation of the training images' pixels on the `[0, 1]` scale.
///
/// ```
/// assert_eq!(nn_core::data::STD, 0.3081);
/// ```
pub const STD: f32 = 0.3081;

/// The file names [`Mnist::load`] looks for (each also without `.gz`).
const TRAIN_IMAGES: &str = "train-images-idx3-ubyte";
const TRAIN_LABELS: &str = "train-labels-idx1-ubyte";
const TEST_IMAGES: &str = "t10k-images-idx3-ubyte";
const TEST_LABELS: &str = "t10k-labels-idx1-ubyte";

/// The MNIST training and test sets.
#[derive(Clone, Debug, PartialEq)]
pub struct Mnist {
    /// 60,000 training samples.
    pub train: MnistSet,
    /// 10,000 test samples.
    pub test: MnistSet,
}

impl Mnist {
    /// Reads `train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`,
    /// `t10k-images-idx3-ubyte.gz` and `t10k-labels-idx1-ubyte.gz` from `dir` (each may
    /// also be there without `.gz`, uncompressed), pixels scaled to `[0, 1]`.
    ///
    /// ```
    /// use nn_core::data::Mnist;
    /// let mnist = Mnist::load(concat!(env!("CARGO_MANIFEST_DIR"), "/../data/mnist").as_ref())?;
    /// assert_eq!((mnist.train.len(), mnist.test.len()), (60_000, 10_000));
    /// assert_eq!(mnist.train.labels()[..4], [5, 0, 4, 1]);
    /// assert!(mnist.train.pixels().iter().all(|&p| (0.0..=1.0).contains(&p)));
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn load(dir: &Path) -> Result<Self, Error> {
        Self::load_with(dir, &ReadLimits::default())
    }

    /// [`load`](Self::load) within `limits` (see [`MnistSet::load_with`]).
    ///
    /// ```
    /// use nn_core::{data::Mnist, io::ReadLimits};
    /// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/mnist");
    /// let small = ReadLimits { max_bytes: 10 << 20, ..ReadLimits::default() };
    /// // The training images decompress to 47 MB.
    /// assert!(Mnist::load_with(dir.as_ref(), &small).is_err());
    /// ```
    pub fn load_with(dir: &Path, limits: &ReadLimits) -> Result<Self, Error> {
        let set =
            |images, labels| MnistSet::load_with(&find(dir, images)?, &find(dir, labels)?, limits);
        Ok(Self {
            train: set(TRAIN_IMAGES, TRAIN_LABELS)?,
            test: set(TEST_IMAGES, TEST_LABELS)?,
        })
    }

    /// [`load`](Self::load), then [`normalize`](Self::normalize).
    ///
    /// ```no_run
    /// let mnist = nn_core::data::Mnist::load_normalized("data/mnist".as_ref())?;
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn load_normalized(dir: &Path) -> Result<Self, Error> {
        let mut m = Self::load(dir)?;
        m.normalize();
        Ok(m)
    }

    /// Standardizes both sets with the training statistics: `x ← (x - MEAN) / STD`.
    /// Calling it twice standardizes twice.
    ///
    /// ```
    /// use nn_core::data::{Mnist, MnistSet, MEAN, PIXELS, STD};
    /// let set = MnistSet::new(vec![MEAN; PIXELS], vec![3])?;
    /// let mut m = Mnist { train: set.clone(), test: set };
    /// m.normalize();
    /// assert_eq!(m.test.pixels()[0], 0.0);
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn normalize(&mut self) {
        self.train.normalize(MEAN, STD);
        self.test.normalize(MEAN, STD);
    }
}

/// `dir/NAME.gz`, else `dir/NAME`, else an [`Error::Io`] naming both.
fn find(dir: &Path, name: &str) -> Result<PathBuf, Error> {
    let gz = dir.join(format!("{name}.gz"));
    let plain = dir.join(name);
    if gz.is_file() {
        Ok(gz)
    } else if plain.is_file() {
        Ok(plain)
    } else {
        Err(Error::Io {
            path: gz.display().to_string(),
            message: format!("no such file (nor {name} without .gz)"),
        })
    }
}

/// Samples of MNIST (or any 28x28 digit set): pixels as `f32`, labels 0..9.
#[derive(Clone, PartialEq)]
pub struct MnistSet {
    pixels: Vec<f32>,
    labels: Vec<u8>,
}

impl MnistSet {
    /// A set from its pixels (`PIXELS` per sample, image after image, each row-major) and
    /// labels. Fails unless there are `PIXELS` pixels per label and every label is below
    /// [`CLASSES`].
    ///
    /// ```
    /// use nn_core::{data::{MnistSet, PIXELS}, Error};
    /// let set = MnistSet::new(vec![0.5; 2 * PIXELS], vec![1, 7])?;
    /// assert_eq!(set.len(), 2);
    /// assert_eq!(
    ///     MnistSet::new(vec![0.5; PIXELS], vec![10]).unwrap_err(),
    ///     Error::ClassOutOfRange { class: 10, classes: 10 }
    /// );
    /// # Ok::<(), Error>(())
    /// ```
    pub fn new(pixels: Vec<f32>, labels: Vec<u8>) -> Result<Self, Error> {
        let expected = labels.len().saturating_mul(PIXELS);
        if pixels.len() != expected {
            return Err(Error::LengthMismatch {
                what: "pixels",
                expected,
                found: pixels.len(),
            });
        }
        check_labels(&labels)?;
        Ok(Self { pixels, labels })
    }

    /// Reads an images file and its labels file (each gzipped or not) and checks that they
    /// hold 28x28 images and as many labels as images. Pixels are scaled to `[0, 1]`.
    ///
    /// ```
    /// use nn_core::data::MnistSet;
    /// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/mnist");
    /// let test = MnistSet::load(
    ///     format!("{dir}/t10k-images-idx3-ubyte.gz").as_ref(),
    ///     format!("{dir}/t10k-labels-idx1-ubyte.gz").as_ref(),
    /// )?;
    /// assert_eq!(test.len(), 10_000);
    /// // Swapped files: the labels file does not start with the images' magic number.
    /// let swapped = MnistSet::load(
    ///     format!("{dir}/t10k-labels-idx1-ubyte.gz").as_ref(),
    ///     format!("{dir}/t10k-images-idx3-ubyte.gz").as_ref(),
    /// );
    /// assert!(swapped.unwrap_err().to_string().contains("expected 2051, found 2049"));
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn load(images: &Path, labels: &Path) -> Result<Self, Error> {
        Self::load_with(images, labels, &ReadLimits::default())
    }

    /// [`load`](Self::load) within `limits` (each file, and what it decompresses to).
    ///
    /// ```
    /// use nn_core::{data::MnistSet, io::ReadLimits};
    /// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/mnist");
    /// let small = ReadLimits { max_bytes: 1 << 20, ..ReadLimits::default() };
    /// let e = MnistSet::load_with(
    ///     format!("{dir}/t10k-images-idx3-ubyte.gz").as_ref(),
    ///     format!("{dir}/t10k-labels-idx1-ubyte.gz").as_ref(),
    ///     &small,
    /// );
    /// assert!(e.unwrap_err().to_string().ends_with("(ReadLimits::max_bytes), found 1648877"));
    /// ```
    pub fn load_with(images: &Path, labels: &Path, limits: &ReadLimits) -> Result<Self, Error> {
        let img = IdxImages::read_with(images, limits)?;
        if (img.rows, img.cols) != (ROWS, COLS) {
            return Err(Error::ImageSize {
                path: images.display().to_string(),
                expected: (ROWS, COLS),
                found: (img.rows, img.cols),
            });
        }
        let lab = IdxLabels::read_with(labels, limits)?;
        if lab.labels.len() != img.count {
            return Err(Error::CountMismatch {
                path: labels.display().to_string(),
                expected: img.count,
                found: lab.labels.len(),
            });
        }
        check_labels(&lab.labels)?;
        let pixels = img.pixels.iter().map(|&p| f32::from(p) / 255.0).collect();
        Ok(Self {
            pixels,
            labels: lab.labels,
        })
    }

    /// The number of samples.
    ///
    /// ```
    /// let set = nn_core::data::MnistSet::new(vec![], vec![])?;
    /// assert_eq!(set.len(), 0);
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when the set holds no samples.
    ///
    /// ```
    /// assert!(nn_core::data::MnistSet::new(vec![], vec![])?.is_empty());
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// All pixels: [`PIXELS`] per sample, image after image, each row-major.
    ///
    /// ```
    /// use nn_core::data::{MnistSet, PIXELS};
    /// let set = MnistSet::new(vec![0.25; PIXELS], vec![0])?;
    /// assert_eq!(set.pixels().len(), PIXELS);
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn pixels(&self) -> &[f32] {
        &self.pixels
    }

    /// All labels, 0..9.
    ///
    /// ```
    /// use nn_core::data::{MnistSet, PIXELS};
    /// assert_eq!(MnistSet::new(vec![0.0; 2 * PIXELS], vec![4, 2])?.labels(), [4, 2]);
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// Sample `i`'s [`PIXELS`] pixels (row-major), `None` past the end.
    ///
    /// ```
    /// use nn_core::data::{MnistSet, PIXELS, COLS};
    /// let mut px = vec![0.0; PIXELS];
    /// px[2 * COLS + 5] = 1.0; // row 2, column 5
    /// let set = MnistSet::new(px, vec![8])?;
    /// assert_eq!(set.image(0).unwrap()[2 * COLS + 5], 1.0);
    /// assert!(set.image(1).is_none());
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn image(&self, i: usize) -> Option<&[f32]> {
        self.pixels
            .get(i.checked_mul(PIXELS)?..(i + 1).checked_mul(PIXELS)?)
    }

    /// Sample `i`'s label, `None` past the end.
    ///
    /// ```
    /// use nn_core::data::{MnistSet, PIXELS};
    /// assert_eq!(MnistSet::new(vec![0.0; PIXELS], vec![6])?.label(0), Some(6));
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn label(&self, i: usize) -> Option<u8> {
        self.labels.get(i).copied()
    }

    /// Standardizes every pixel: `x ← (x - mean) / std`.
    ///
    /// ```
    /// use nn_core::data::{MnistSet, PIXELS};
    /// let mut set = MnistSet::new(vec![1.0; PIXELS], vec![0])?;
    /// set.normalize(0.5, 0.25);
    /// assert_eq!(set.pixels()[0], 2.0);
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn normalize(&mut self, mean: f32, std: f32) {
        let inv = 1.0 / std;
        self.pixels.iter_mut().for_each(|p| *p = (*p - mean) * inv);
    }

    /// The samples at `indices` as a batch (column `j` holds sample `indices[j]`) and their
    /// labels as class indices. An index past the end is an [`Error::IndexOutOfRange`].
    ///
    /// ```
    /// use nn_core::data::{MnistSet, PIXELS};
    /// let set = MnistSet::new((0..3 * PIXELS).map(|i| i as f32).collect(), vec![3, 1, 4])?;
    /// let (x, y) = set.batch(&[2, 0])?;
    /// assert_eq!(x.shape(), (PIXELS, 2));
    /// assert_eq!(x[(0, 0)], (2 * PIXELS) as f32);
    /// assert_eq!(y, [4, 3]);
    /// assert!(set.batch(&[3]).is_err());
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn batch(&self, indices: &[usize]) -> Result<(Batch<f32, PIXELS>, Vec<usize>), Error> {
        let mut x = Batch::<f32, PIXELS>::zeros(0);
        let mut y = Vec::new();
        self.batch_into(indices, &mut x, &mut y)?;
        Ok((x, y))
    }

    /// [`batch`](Self::batch) into buffers, reusing their memory when the batch size is
    /// unchanged, so a training loop allocates once. On an error `x` and `y` are unchanged.
    ///
    /// ```
    /// use nn_core::{data::{MnistSet, PIXELS}, Batch};
    /// let set = MnistSet::new(vec![0.5; 4 * PIXELS], vec![0, 1, 2, 3])?;
    /// let (mut x, mut y) = (Batch::<f32, PIXELS>::zeros(2), Vec::new());
    /// for chunk in [[0, 1], [2, 3]] {
    ///     set.batch_into(&chunk, &mut x, &mut y)?;
    ///     assert_eq!(y, [chunk[0], chunk[1]]);
    /// }
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn batch_into(
        &self,
        indices: &[usize],
        x: &mut Batch<f32, PIXELS>,
        y: &mut Vec<usize>,
    ) -> Result<(), Error> {
        if let Some(&index) = indices.iter().find(|&&i| i >= self.len()) {
            return Err(Error::IndexOutOfRange {
                index,
                len: self.len(),
            });
        }
        if x.ncols() != indices.len() {
            *x = Batch::<f32, PIXELS>::zeros(indices.len());
        }
        y.clear();
        for (col, &i) in x.as_mut_slice().chunks_exact_mut(PIXELS).zip(indices) {
            col.copy_from_slice(&self.pixels[i * PIXELS..(i + 1) * PIXELS]);
            y.push(usize::from(self.labels[i]));
        }
        Ok(())
    }
}

/// Shows the size and the first labels, not 47 million pixels.
impl core::fmt::Debug for MnistSet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MnistSet")
            .field("len", &self.len())
            .field("labels", &crate::fmt::Preview(&self.labels))
            .field("pixels", &crate::fmt::Preview(&self.pixels))
            .finish()
    }
}

fn check_labels(labels: &[u8]) -> Result<(), Error> {
    match labels.iter().find(|&&l| usize::from(l) >= CLASSES) {
        Some(&l) => Err(Error::ClassOutOfRange {
            class: usize::from(l),
            classes: CLASSES,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
#[path = "mnist_tests.rs"]
mod tests;
