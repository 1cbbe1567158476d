//! Data sets from files: the IDX format ([`idx`]) and the MNIST digits ([`Mnist`]).
//!
//! Files are decompressed when gzipped (a name ending in `.gz`, or content starting with the
//! gzip magic bytes `1f 8b`), with the pure-Rust DEFLATE of `flate2` (miniz_oxide). Reading
//! is bounded: an IDX header is read first, and only the data its dimensions give, within
//! [`ReadLimits`](crate::io::ReadLimits), is decompressed. Every malformed input is a typed
//! [`Error`](crate::Error) naming the file and what was expected and found: never a panic.
//!
//! ```
//! use nn_core::data::{Mnist, PIXELS};
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/mnist");
//! let mnist = Mnist::load(dir.as_ref())?;
//! let (x, y) = mnist.test.batch(&[0, 1, 2])?;
//! assert_eq!(x.shape(), (PIXELS, 3));
//! assert_eq!(y, [7, 2, 1]);
//! # Ok::<(), nn_core::Error>(())
//! ```
//!
//! Only `std` builds have this module.

pub mod idx;
mod mnist;
mod source;

pub use mnist::{Mnist, MnistSet, CLASSES, COLS, MEAN, PIXELS, ROWS, STD};
