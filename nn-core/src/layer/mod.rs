//! Layers: the parameterized maps a `network!` is built from.
//!
//! Each layer owns its parameters (in [`Param`](crate::Param) storage), implements
//! [`Parameters`] so generic code can visit them, and provides a forward
//! map and its backward (vector-Jacobian) map for one sample and for a batch.
//!
//! ```
//! use nn_core::layer::{Dense, Layer};
//! assert_eq!(<Dense<f32, 784, 128> as Layer<f32>>::TENSORS, 2);
//! assert_eq!(<Dense<f32, 784, 128> as Layer<f32>>::KIND, "dense");
//! ```

pub mod adaptive_avg_pool2d;
pub mod avg_pool2d;
pub mod batch_norm2d;
pub mod conv2d;
// The convolution's batch buffers: a cache type of `BatchOp`, plumbing.
#[cfg(feature = "alloc")]
#[doc(hidden)]
pub mod conv_batch;
pub mod custom;
mod dense;
pub(crate) mod dropout;
mod flatten;
pub mod global_avg_pool;
pub(crate) mod join;
pub mod max_pool2d;
mod no_params;
mod op;
mod pool_window;

pub use adaptive_avg_pool2d::AdaptiveAvgPool2d;
pub use avg_pool2d::AvgPool2d;
pub use batch_norm2d::BatchNorm2d;
#[cfg(feature = "alloc")]
#[doc(hidden)]
pub use batch_norm2d::BatchNormCache;
pub use conv2d::Conv2d;
#[cfg(feature = "alloc")]
#[doc(hidden)]
pub use conv_batch::ConvWorkspace;
pub use custom::{Custom, CustomLayer};
pub use dense::Dense;
#[cfg(feature = "alloc")]
pub(crate) use dropout::{dropout_backward, dropout_forward};
// The dropout masks' generator and rate check, for generated code.
#[doc(hidden)]
pub use dropout::{dropout_rate, DropoutRng};
pub use flatten::Flatten;
pub use global_avg_pool::GlobalAvgPool;
pub use max_pool2d::MaxPool2d;
#[cfg(feature = "alloc")]
pub use op::BatchOp;
pub use op::Op;

use crate::{init::Init, Parameters, Scalar};

/// What every layer is, beside its map ([`Op`]): its kind's name, its parameter counts, zeros
/// and initialization. Generated code builds networks from it; a layer of one's own
/// implements it with [`CustomLayer`] (see [`custom`]).
pub trait Layer<T: Scalar>: Parameters<T> + Clone + Sized {
    /// The layer's name in `network!` (`"dense"`).
    const KIND: &'static str;
    /// How many parameter tensors it has.
    const TENSORS: usize;
    /// How many scalar parameters it has.
    const PARAMETERS: usize;
    /// A layer with every parameter zero.
    fn zeros() -> Self;
    /// Draws the parameters with `init` from `rng`.
    fn init<R: rand::Rng + ?Sized>(&mut self, init: Init, rng: &mut R);
}
