//! Saving and loading parameters in PyTorch's conventions.
//!
//! - [`layout`]: converts a tensor between our column-major flat slices and the row-major
//!   order PyTorch, NumPy and weight files use, for any rank (always available).
//! - [`save_safetensors`] / [`load_safetensors`] and [`to_safetensors_bytes`] /
//!   [`from_safetensors_bytes`] (with `std`): any [`Parameters`](crate::Parameters) value
//!   (a layer, a `network!`, a [`Chain`](crate::Chain)) as a safetensors file whose keys are
//!   PyTorch `state_dict` names (`fc1.weight`, shape `(out, in)`) and whose dtype is `F32`
//!   for `f32`, `F64` for `f64`. Their `_with` forms take [`ReadLimits`].
//! - [`ReadLimits`] (with `std`): the bounds every loader of this crate reads within.
//!
//! ```
//! use nn_core::{io::{from_safetensors_bytes, to_safetensors_bytes}, network, Parameters};
//! use rand::{rngs::StdRng, SeedableRng};
//! network! { struct Mlp { input: 784, fc1: dense(32, relu), fc2: dense(10) } }
//! let net: Mlp<f32> = Mlp::new(&mut StdRng::seed_from_u64(0));
//! let bytes = to_safetensors_bytes(&net)?;
//! let mut copy = Mlp::<f32>::zeros();
//! from_safetensors_bytes(&mut copy, &bytes)?;
//! assert_eq!(copy.tensor(0), net.tensor(0));
//! // A file for another scalar type (or architecture) is refused, leaving `other` as it was:
//! let mut other = Mlp::<f64>::zeros();
//! assert!(from_safetensors_bytes(&mut other, &bytes).is_err());
//! # Ok::<(), nn_core::Error>(())
//! ```

#[cfg(feature = "std")]
pub(crate) mod header;
pub mod layout;
#[cfg(feature = "std")]
pub(crate) mod read;
#[cfg(feature = "std")]
pub(crate) mod safetensors;

#[cfg(feature = "std")]
pub use self::read::ReadLimits;
#[cfg(feature = "std")]
pub use self::safetensors::{
    from_safetensors_bytes, from_safetensors_bytes_with, load_safetensors, load_safetensors_with,
    save_safetensors, to_safetensors_bytes,
};
