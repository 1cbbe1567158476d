//! The header of a safetensors weights file, read and checked on its own: the reader behind
//! `network!`'s `#[weights = "..."]`, callable from tests and fuzzers.
//!
//! A safetensors file is an 8-byte little-endian length `n`, `n` bytes of JSON, then the
//! data section, which starts at byte `8 + n`. The JSON maps each tensor's name to its
//! `dtype`, `shape` and `data_offsets` `[begin, end]` (bytes relative to the data section);
//! an optional `"__metadata__"` entry maps strings to strings. For a file of `L` bytes,
//! [`parse_header`] accepts the header only if
//!
//! - `n ≤ min(L − 8, MAX_HEADER_LEN)`, checked before the header is read or allocated;
//! - for every tensor, `begin ≤ end ≤ L − (8 + n)`;
//! - for every tensor, `end − begin = bits(dtype) · ∏ shape / 8` (`∏` of no dimension is 1),
//!   a whole number of bytes.
//!
//! Every sum and product is checked, so a release build (overflow checks off) accepts and
//! refuses exactly what a debug build does; nothing panics on any input. Memory is the
//! header's own `n` bytes plus its parsed JSON: the data section is never read. Each refusal
//! is an [`Error`] naming the tensor or field, what was expected and what was found.
//!
//! ```
//! use nn_weights_header::parse;
//! let json = br#"{"fc.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}"#;
//! let mut file = (json.len() as u64).to_le_bytes().to_vec();
//! file.extend_from_slice(json);
//! file.extend_from_slice(&[0; 24]);
//! let header = parse(&file)?;
//! let w = &header.tensors["fc.weight"];
//! assert_eq!((w.dtype.as_str(), &w.shape[..], w.elements), ("F32", &[2, 3][..], 6));
//! assert_eq!((w.start, header.data_start, header.file_len), (8 + json.len(), 8 + json.len(), file.len()));
//!
//! file[8 + 60] = b'9'; // "data_offsets":[0,94]: past the data's 24 bytes
//! assert_eq!(
//!     parse(&file).unwrap_err().to_string(),
//!     "`fc.weight` lies at bytes 0..94 of the data, expected an end of at most 24, the data's length"
//! );
//! # Ok::<(), nn_weights_header::Error>(())
//! ```
//!
//! ## Features
//!
//! - `std` (default): [`read`], which reads a header from a path, refusing directories,
//!   devices and FIFOs. Without it the crate is `#![no_std]` (it needs `alloc`) and parses
//!   bytes already in memory with [`parse`] and [`parse_header`].
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

mod dtype;
mod entry;
mod error;
#[cfg(feature = "std")]
mod read;

pub use dtype::dtype_bits;
pub use error::Error;
#[cfg(feature = "std")]
pub use read::read;

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use serde_json::Value;

/// The largest header accepted, in bytes: the limit of the `safetensors` crate, so a file
/// PyTorch's tools can load is never refused for its header's size.
pub const MAX_HEADER_LEN: u64 = 100_000_000;

/// One tensor of the header, checked against the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tensor {
    /// The dtype's name (`F32`, `I8`, ...), one the format defines.
    pub dtype: String,
    /// The dimensions, outermost first (PyTorch's order).
    pub shape: Vec<usize>,
    /// `∏ shape`: the number of values.
    pub elements: usize,
    /// `data_offsets[0]`: where the values start, relative to the data section.
    pub begin: usize,
    /// `data_offsets[1]`: where they end, relative to the data section.
    pub end: usize,
    /// Where the values start in the file: `data_start + begin`.
    pub start: usize,
}

/// A checked header: everything but the data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The file's length in bytes.
    pub file_len: usize,
    /// Where the data section starts: 8 + the header's length.
    pub data_start: usize,
    /// The tensors by name (`__metadata__` excluded).
    pub tensors: BTreeMap<String, Tensor>,
    /// The `__metadata__` entry (empty when absent).
    pub metadata: BTreeMap<String, String>,
}

/// The header length `n` from the file's first bytes (at least 8 of them), checked against
/// the file's length before anything is allocated: `n ≤ min(file_len − 8, MAX_HEADER_LEN)`.
///
/// ```
/// use nn_weights_header::{header_len, Error};
/// assert_eq!(header_len(&[2, 0, 0, 0, 0, 0, 0, 0], 12), Ok(2));
/// assert_eq!(
///     header_len(&u64::MAX.to_le_bytes(), 12),
///     Err(Error::HeaderPastEnd { found: u64::MAX, available: 4 })
/// );
/// ```
pub fn header_len(first: &[u8], file_len: u64) -> Result<usize, Error> {
    let Some(len) = first.get(..8) else {
        return Err(Error::TooShort {
            found: file_len.min(first.len() as u64),
        });
    };
    let Some(available) = file_len.checked_sub(8) else {
        return Err(Error::TooShort { found: file_len });
    };
    let mut n = [0; 8];
    n.copy_from_slice(len);
    let n = u64::from_le_bytes(n);
    if n > available {
        return Err(Error::HeaderPastEnd {
            found: n,
            available,
        });
    }
    if n > MAX_HEADER_LEN {
        return Err(Error::HeaderTooLarge {
            found: n,
            max: MAX_HEADER_LEN,
        });
    }
    usize::try_from(n).map_err(|_| Error::FileTooLarge { found: file_len })
}

/// Checks `json`, the header of a file of `file_len` bytes (so its data section starts at
/// byte `8 + json.len()`), and returns its tensors.
///
/// ```
/// use nn_weights_header::parse_header;
/// let json = br#"{"__metadata__":{"format":"pt"},"b":{"dtype":"F64","shape":[],"data_offsets":[0,8]}}"#;
/// let h = parse_header(json, 8 + json.len() as u64 + 8)?;
/// assert_eq!((h.tensors["b"].elements, h.metadata["format"].as_str()), (1, "pt"));
/// # Ok::<(), nn_weights_header::Error>(())
/// ```
pub fn parse_header(json: &[u8], file_len: u64) -> Result<Header, Error> {
    let file_len =
        usize::try_from(file_len).map_err(|_| Error::FileTooLarge { found: file_len })?;
    let available = file_len.checked_sub(8);
    let data_start = json.len().checked_add(8);
    let (Some(available), Some(data_start)) = (available, data_start) else {
        return Err(Error::TooShort {
            found: file_len as u64,
        });
    };
    let Some(data_len) = file_len.checked_sub(data_start) else {
        return Err(Error::HeaderPastEnd {
            found: json.len() as u64,
            available: available as u64,
        });
    };
    let value: Value = serde_json::from_slice(json).map_err(|e| Error::NotJson {
        message: e.to_string(),
    })?;
    let Value::Object(map) = value else {
        return Err(Error::NotAnObject {
            found: entry::quote(&value),
        });
    };
    let mut tensors = BTreeMap::new();
    let mut metadata = BTreeMap::new();
    for (name, v) in map {
        if name == "__metadata__" {
            metadata = strings(&v).ok_or_else(|| Error::Metadata {
                found: entry::quote(&v),
            })?;
            continue;
        }
        let t = entry::tensor(&name, &v, data_start, data_len)?;
        tensors.insert(name, t);
    }
    Ok(Header {
        file_len,
        data_start,
        tensors,
        metadata,
    })
}

/// A JSON object of strings as a map, or `None`.
fn strings(v: &Value) -> Option<BTreeMap<String, String>> {
    v.as_object()?
        .iter()
        .map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .collect()
}

/// Checks the header of `file`, a whole safetensors file in memory (its data is not read).
///
/// ```
/// use nn_weights_header::parse;
/// let mut file = 2u64.to_le_bytes().to_vec();
/// file.extend_from_slice(b"{}");
/// assert!(parse(&file)?.tensors.is_empty());
/// assert_eq!(
///     parse(&file[..9]).unwrap_err().to_string(),
///     "the header length is 2 bytes, expected at most 1, the bytes that follow it"
/// );
/// # Ok::<(), nn_weights_header::Error>(())
/// ```
pub fn parse(file: &[u8]) -> Result<Header, Error> {
    let len = file.len() as u64;
    let n = header_len(file, len)?;
    // `header_len` checked `8 + n <= file.len()`.
    let json = file.get(8..8 + n).ok_or(Error::HeaderPastEnd {
        found: n as u64,
        available: len.saturating_sub(8),
    })?;
    parse_header(json, len)
}
