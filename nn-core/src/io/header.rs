//! Reading a safetensors file: its header parsed and checked, every error naming the tensor.
//!
//! A file is `n` (8 bytes, little-endian), `n` bytes of JSON, then the data section:
//!
//! ```text
//! {"__metadata__": {"format": "pt"},            optional, strings only
//!  "fc1.weight": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}, ...}
//! ```
//!
//! The tensors, ordered by `data_offsets`, must tile the data section without gap or
//! overlap, and each must take `product(shape) · size(dtype)` bytes; the file must end
//! where the last one does. The header is parsed once, streaming, into typed entries (no
//! JSON tree), so its heap stays within a small multiple of `n`, which [`ReadLimits`]
//! bounds; the data is never copied here.

use super::read::{io_error, open_file, read_exact_into, ReadLimits};
use crate::Error;
use ::safetensors::tensor::TensorInfo;
use ::safetensors::Dtype;
use core::cell::RefCell;
use core::fmt;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};
use std::collections::BTreeMap;
use std::format;
use std::io::Read;
use std::path::Path;
use std::string::{String, ToString};
use std::vec::Vec;

/// A checked safetensors file held in memory: each tensor's dtype, shape and bytes.
pub(crate) struct Parsed<'a> {
    /// By name: dtype, shape and the tensor's bytes.
    tensors: BTreeMap<String, (Dtype, Vec<usize>, &'a [u8])>,
}

impl<'a> Parsed<'a> {
    /// The tensor `name`: dtype, shape and little-endian row-major bytes.
    pub(crate) fn tensor(&self, name: &str) -> Option<(Dtype, &[usize], &'a [u8])> {
        self.tensors
            .get(name)
            .map(|(d, s, b)| (*d, s.as_slice(), *b))
    }

    /// Every tensor, by name in increasing order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, Dtype, &[usize], &'a [u8])> {
        self.tensors
            .iter()
            .map(|(n, (d, s, b))| (n.as_str(), *d, s.as_slice(), *b))
    }
}

/// [`Error::Corrupt`] in a safetensors header.
fn corrupt(path: &str, field: String, expected: String, found: String) -> Error {
    Error::Corrupt {
        what: "safetensors header",
        path: path.into(),
        field,
        expected,
        found,
    }
}

/// The header length `n` from the first 8 bytes, checked against the limit and against the
/// `len` bytes of the whole file.
fn header_len(first: &[u8], len: u64, path: &str, limits: &ReadLimits) -> Result<u64, Error> {
    let Some(first) = first.get(..8) else {
        return Err(Error::Truncated {
            path: path.into(),
            expected: 8,
            found: len,
        });
    };
    let mut n = [0; 8];
    n.copy_from_slice(first);
    let n = u64::from_le_bytes(n);
    limits.check_header("safetensors header", path, n)?;
    if len < 8 + n {
        return Err(Error::Truncated {
            path: path.into(),
            expected: 8 + n,
            found: len,
        });
    }
    Ok(n)
}

/// Parses a file held in memory (`bytes`, the whole file) and checks it: header length and
/// JSON, every tensor's dtype, shape and offsets, and the file's length.
pub(crate) fn parse<'a>(
    bytes: &'a [u8],
    path: &str,
    limits: &ReadLimits,
) -> Result<Parsed<'a>, Error> {
    let found = bytes.len() as u64;
    let n = header_len(bytes, found, path, limits)?;
    // `n` fits: it is at most `bytes.len() - 8`.
    let start = 8 + n as usize;
    let (entries, data_len) = parse_header(&bytes[8..start], path)?;
    crate::error::check_file_length(path, start as u64 + data_len, found)?;
    let data = &bytes[start..];
    let tensors = entries
        .into_iter()
        .map(|(name, info)| {
            let (b, e) = info.data_offsets;
            // Checked by `parse_header`: b <= e <= data_len = data.len().
            let bytes = data.get(b..e).unwrap_or_default();
            (name, (info.dtype, info.shape, bytes))
        })
        .collect();
    Ok(Parsed { tensors })
}

/// Reads a safetensors file: only a regular file, its header first (bounded by
/// `limits.max_header_bytes`), then exactly the data its header accounts for, when that
/// is the file's length and within `limits.max_bytes`. Returns the whole file's bytes.
pub(crate) fn read_file(path: &Path, limits: &ReadLimits) -> Result<Vec<u8>, Error> {
    let name = path.display().to_string();
    let (mut file, len) = open_file(path, limits)?;
    let mut bytes = Vec::new();
    let io = |e| io_error(&name, &e);
    read_exact_into(&mut file, &mut bytes, len.min(8), &name, 8, io)?;
    let n = header_len(&bytes, len, &name, limits)?;
    read_exact_into(&mut file, &mut bytes, n, &name, 8 + n, io)?;
    let (_, data_len) = parse_header(&bytes[8..], &name)?;
    let total = (8 + n).saturating_add(data_len);
    crate::error::check_file_length(&name, total, len)?;
    read_exact_into(&mut file, &mut bytes, data_len, &name, total, io)?;
    // Nothing more: the file may have grown since its length was read.
    let mut one = [0u8; 1];
    match file.read(&mut one) {
        Ok(0) => Ok(bytes),
        Ok(_) => Err(Error::TrailingBytes {
            path: name,
            expected: total,
            found: total + 1,
        }),
        Err(e) => Err(io_error(&name, &e)),
    }
}

/// One entry of the header, as the map visitor reads it.
type Entries = Vec<(String, TensorInfo)>;

/// Visits the header's top-level map: `__metadata__` (string to string) and tensors.
/// `current` keeps the key being read, so that an error names its tensor.
struct HeaderVisitor<'c> {
    current: &'c RefCell<Option<String>>,
}

impl<'de> Visitor<'de> for HeaderVisitor<'_> {
    type Value = Entries;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map from tensor names to their dtype, shape and data_offsets")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
        let mut entries = Vec::new();
        let mut metadata = false;
        while let Some(key) = map.next_key::<String>()? {
            *self.current.borrow_mut() = Some(key.clone());
            if key == "__metadata__" {
                if metadata {
                    return Err(serde::de::Error::custom(
                        "duplicate key, expected each key once",
                    ));
                }
                metadata = true;
                map.next_value::<BTreeMap<String, String>>()?;
            } else {
                entries.push((key, map.next_value::<TensorInfo>()?));
            }
            *self.current.borrow_mut() = None;
        }
        Ok(entries)
    }
}

impl<'de> DeserializeSeed<'de> for HeaderVisitor<'_> {
    type Value = Entries;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Entries, D::Error> {
        d.deserialize_map(self)
    }
}

/// A JSON error as expected and found: serde's "invalid type: X, expected Y" and
/// serde_json's "expected `:`" (found: the text at that place) and "EOF while parsing".
fn json_parts(e: &serde_json::Error, json: &[u8]) -> (String, String) {
    let full = e.to_string();
    let msg = match full.rfind(" at line ") {
        Some(at) => &full[..at],
        None => &full,
    };
    // The text from the error's place onwards, at most 20 bytes of it.
    let here = || {
        let line_start: usize = json
            .split(|&b| b == b'\n')
            .take(e.line().saturating_sub(1))
            .map(|l| l.len() + 1)
            .sum();
        let at = (line_start + e.column().saturating_sub(1)).min(json.len());
        let rest = &json[at..];
        let shown = String::from_utf8_lossy(&rest[..rest.len().min(20)]).into_owned();
        if shown.is_empty() {
            "the end of the header".to_string()
        } else {
            format!("`{}`", shown.escape_debug())
        }
    };
    if let Some((found, expected)) = msg.split_once(", expected ") {
        let found = found
            .strip_prefix("invalid type: ")
            .or_else(|| found.strip_prefix("invalid value: "))
            .unwrap_or(found);
        return (expected.to_string(), found.to_string());
    }
    if msg == "trailing characters" {
        return ("nothing but spaces after the JSON object".into(), here());
    }
    if let Some(expected) = msg.strip_prefix("expected ") {
        return (expected.to_string(), here());
    }
    if let Some(field) = msg.strip_prefix("missing field ") {
        return (format!("a {field} field"), "none".to_string());
    }
    if let Some(what) = msg.strip_prefix("EOF while parsing ") {
        return (
            format!("the rest of {what}"),
            "the end of the header".to_string(),
        );
    }
    ("valid JSON".to_string(), format!("{msg}: {}", here()))
}

/// Parses and checks a header's JSON. Returns the tensors (ordered by offset) and the
/// length of the data section they tile.
pub(crate) fn parse_header(json: &[u8], path: &str) -> Result<(Entries, u64), Error> {
    let current = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(json);
    let parsed = HeaderVisitor { current: &current }
        .deserialize(&mut de)
        .and_then(|entries| de.end().map(|()| entries));
    let mut entries = parsed.map_err(|e| {
        let place = format!("line {}, column {}", e.line(), e.column());
        let field = match current.borrow().as_deref() {
            Some("__metadata__") => format!("`__metadata__` ({place})"),
            Some(name) => format!("tensor `{name}` ({place})"),
            None => format!("JSON ({place})"),
        };
        let (expected, found) = json_parts(&e, json);
        corrupt(path, field, expected, found)
    })?;
    entries.sort_by(|a, b| (a.1.data_offsets, &a.0).cmp(&(b.1.data_offsets, &b.0)));
    if let Some(w) = entries.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(corrupt(
            path,
            format!("tensor `{}`", w[0].0),
            "each tensor name once".into(),
            "it twice".into(),
        ));
    }
    let mut end = 0usize;
    let mut previous: Option<&str> = None;
    for (name, info) in &entries {
        let field = |what: &str| format!("tensor `{name}` {what}");
        let bytes = tensor_bytes(info).map_err(|why| {
            corrupt(
                path,
                field("shape"),
                why,
                format!("{:?} of {:?}", info.shape, info.dtype),
            )
        })?;
        let (b, e) = info.data_offsets;
        let after = previous.map_or(String::new(), |p| format!(", right after `{p}`"));
        if b != end || e.checked_sub(b) != Some(bytes) {
            return Err(corrupt(
                path,
                field("data_offsets"),
                format!(
                    "[{end}, {}] ({} bytes of {:?} {:?}{after})",
                    end.saturating_add(bytes),
                    bytes,
                    info.dtype,
                    info.shape
                ),
                format!("[{b}, {e}]"),
            ));
        }
        end = e;
        previous = Some(name);
    }
    Ok((entries, end as u64))
}

/// The bytes a tensor of `info`'s dtype and shape takes, or why it has none.
fn tensor_bytes(info: &TensorInfo) -> Result<usize, String> {
    let bits = info
        .shape
        .iter()
        .try_fold(info.dtype.bitsize(), |n, &d| n.checked_mul(d))
        .ok_or_else(|| "a shape whose size in bytes fits in a usize".to_string())?;
    if bits % 8 != 0 {
        return Err(format!(
            "a whole number of bytes ({} bits per value)",
            info.dtype.bitsize()
        ));
    }
    Ok(bits / 8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(json: &str) -> String {
        parse_header(json.as_bytes(), "w").unwrap_err().to_string()
    }

    #[test]
    fn every_error_names_the_tensor_expected_and_found() {
        let cases = [
            (
                r#"{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}"#,
                "corrupt safetensors header in w: tensor `a` data_offsets: expected [0, 24] (24 bytes of F32 [2, 3]), found [0, 20]",
            ),
            (
                r#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
                "corrupt safetensors header in w: tensor `b` data_offsets: expected [8, 12] (4 bytes of F32 [1], right after `a`), found [4, 8]",
            ),
            (
                r#"{"a":{"dtype":"F31","shape":[2],"data_offsets":[0,8]}}"#,
                "corrupt safetensors header in w: tensor `a` (line 1, column 19): expected one of `BOOL`, `F4`,",
            ),
            (
                r#"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#,
                "corrupt safetensors header in w: tensor `a` (line 1, column 31): expected usize, found integer `-2`",
            ),
            (
                r#"{"a":{"dtype":"F32","shape":[2]}}"#,
                "corrupt safetensors header in w: tensor `a` (line 1, column 32): expected a `data_offsets` field, found none",
            ),
            (
                r#"{"a" {}}"#,
                "corrupt safetensors header in w: tensor `a` (line 1, column 6): expected `:`, found `{}}`",
            ),
            (
                r#"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#,
                "corrupt safetensors header in w: tensor `a` shape: expected a shape whose size in bytes fits in a usize, found [4294967296, 4294967296] of F32",
            ),
            (
                r#"{"__metadata__":{"format":1}}"#,
                "corrupt safetensors header in w: `__metadata__` (line 1, column 27): expected a string, found integer `1`",
            ),
            (
                r#"{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}} x"#,
                "corrupt safetensors header in w: JSON (line 1, column 55): expected nothing but spaces after the JSON object, found `x`",
            ),
            (
                r#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
                "corrupt safetensors header in w: tensor `a`: expected each tensor name once, found it twice",
            ),
            (
                r#"{"a":{"dtype":"F32","#,
                "corrupt safetensors header in w: tensor `a` (line 1, column 20): expected the rest of a value, found the end of the header",
            ),
        ];
        let wrong: Vec<String> = cases
            .iter()
            .map(|(json, expected)| (json, expected, err(json)))
            .filter(|(_, expected, e)| !e.starts_with(*expected))
            .map(|(json, expected, e)| format!("{json}\n  gives  {e}\n  wanted {expected}"))
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn a_valid_header_gives_its_tensors_in_offset_order() {
        let json = br#"{"__metadata__":{"format":"pt"},"b":{"dtype":"I8","shape":[3],"data_offsets":[4,7]},"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}"#;
        let (entries, len) = parse_header(json, "").unwrap();
        let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!((names, len), (std::vec!["a", "b"], 7));
    }
}
