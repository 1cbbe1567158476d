//! One tensor's entry of the header, `{"dtype": "F32", "shape": [2, 3], "data_offsets":
//! [b, e]}`, checked against the data section: `b ≤ e ≤ data_len` and
//! `e − b = bits(dtype) · ∏ shape / 8`, all in checked arithmetic.

use crate::dtype::{byte_len, dtype_bits, Bytes, NAMES};
use crate::{Error, Tensor};
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use serde_json::{Map, Value};

/// The longest JSON text an error quotes; longer values are cut with `...`.
const QUOTE: usize = 48;

/// A JSON value as an error quotes it: its text, cut to [`QUOTE`] bytes.
pub(crate) fn quote(v: &Value) -> String {
    let mut s = v.to_string();
    if s.len() > QUOTE {
        let mut cut = QUOTE;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push_str("...");
    }
    s
}

/// A field of `entry`, or the error saying it is missing.
fn field<'a>(
    tensor: &str,
    entry: &'a Map<String, Value>,
    field: &'static str,
    expected: &'static str,
) -> Result<&'a Value, Error> {
    entry.get(field).ok_or_else(|| Error::Field {
        tensor: tensor.to_string(),
        field,
        expected,
        found: "missing".to_string(),
    })
}

/// A JSON array of non-negative integers that fit `usize`, or `None`.
fn sizes(v: &Value) -> Option<Vec<usize>> {
    v.as_array()?
        .iter()
        .map(|x| usize::try_from(x.as_u64()?).ok())
        .collect()
}

/// Checks `value`, the entry of `tensor`, against a data section of `data_len` bytes that
/// starts at byte `data_start` of the file.
pub(crate) fn tensor(
    tensor: &str,
    value: &Value,
    data_start: usize,
    data_len: usize,
) -> Result<Tensor, Error> {
    let Value::Object(entry) = value else {
        return Err(Error::Entry {
            tensor: tensor.to_string(),
            found: quote(value),
        });
    };
    let bad = |field: &'static str, expected: &'static str, v: &Value| Error::Field {
        tensor: tensor.to_string(),
        field,
        expected,
        found: quote(v),
    };

    const DTYPE: &str = "a dtype name in quotes";
    let d = field(tensor, entry, "dtype", DTYPE)?;
    let dtype = d.as_str().ok_or_else(|| bad("dtype", DTYPE, d))?;
    let bits = dtype_bits(dtype).ok_or_else(|| bad("dtype", NAMES, d))?;

    const SHAPE: &str = "a list of sizes such as [2, 3]";
    let s = field(tensor, entry, "shape", SHAPE)?;
    let shape = sizes(s).ok_or_else(|| bad("shape", SHAPE, s))?;

    const OFFSETS: &str = "two byte offsets [begin, end]";
    let o = field(tensor, entry, "data_offsets", OFFSETS)?;
    let offsets = sizes(o).ok_or_else(|| bad("data_offsets", OFFSETS, o))?;
    let [begin, end] = offsets[..] else {
        return Err(bad("data_offsets", OFFSETS, o));
    };
    if begin > end || end > data_len {
        return Err(Error::Offsets {
            tensor: tensor.to_string(),
            begin,
            end,
            data_len,
        });
    }
    // `begin <= data_len`, and `data_start + data_len` is the file's length: no overflow.
    let start = data_start.checked_add(begin).ok_or(Error::Offsets {
        tensor: tensor.to_string(),
        begin,
        end,
        data_len,
    })?;

    let found = end - begin;
    let elements = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
    let bytes = elements.map_or(Bytes::Overflow, |n| byte_len(n, bits));
    let (Some(elements), Bytes::Whole(expected)) = (elements, &bytes) else {
        return Err(match bytes {
            Bytes::Partial(bits) => Error::PartialByte {
                tensor: tensor.to_string(),
                dtype: dtype.to_string(),
                shape,
                bits,
            },
            _ => Error::ByteLength {
                tensor: tensor.to_string(),
                dtype: dtype.to_string(),
                shape,
                expected: None,
                found,
            },
        });
    };
    if *expected != found {
        return Err(Error::ByteLength {
            tensor: tensor.to_string(),
            dtype: dtype.to_string(),
            shape,
            expected: Some(*expected),
            found,
        });
    }
    Ok(Tensor {
        dtype: dtype.to_string(),
        shape,
        elements,
        begin,
        end,
        start,
    })
}
