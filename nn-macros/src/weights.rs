//! `#[weights = "file.safetensors"]`: the weights file a network is embedded from.
//!
//! The path is relative to the crate's `CARGO_MANIFEST_DIR`. While expanding, the macro reads
//! only the file's header (an 8-byte little-endian length, then JSON mapping each tensor's
//! name to its `dtype`, `shape` and `data_offsets` relative to the end of the header); the
//! data is embedded by the generated `include_bytes!`, which also makes Cargo rebuild the
//! crate, and so re-run the checks, when the file changes.

use proc_macro2::Span;
use std::collections::BTreeMap;
use std::io::Read;
use syn::{Attribute, Expr, ExprLit, Lit, Meta};

/// The attribute, as written.
#[derive(Debug)]
pub struct WeightsAttr {
    /// The path as the user wrote it.
    pub path: String,
    /// The span of the string literal.
    pub span: Span,
}

/// Removes `#[weights = "..."]` from `attrs`, returning it.
pub fn take(attrs: &mut Vec<Attribute>) -> syn::Result<Option<WeightsAttr>> {
    let Some(i) = attrs.iter().position(|a| a.path().is_ident("weights")) else {
        return Ok(None);
    };
    let attr = attrs.remove(i);
    if let Some(dup) = attrs.iter().find(|a| a.path().is_ident("weights")) {
        return Err(syn::Error::new_spanned(
            dup,
            "`weights` is given twice; a network is embedded from one file",
        ));
    }
    match &attr.meta {
        Meta::NameValue(nv) => match &nv.value {
            Expr::Lit(ExprLit {
                lit: Lit::Str(s), ..
            }) => Ok(Some(WeightsAttr {
                path: s.value(),
                span: s.span(),
            })),
            other => Err(syn::Error::new_spanned(
                other,
                "expected a path in quotes: `#[weights = \"weights/mlp.safetensors\"]`",
            )),
        },
        _ => Err(syn::Error::new_spanned(
            &attr,
            "expected `#[weights = \"path/to/file.safetensors\"]`, with the path relative to the crate's `Cargo.toml`",
        )),
    }
}

/// One tensor of the header.
#[derive(Debug)]
pub struct Tensor {
    pub dtype: String,
    pub shape: Vec<usize>,
    /// Byte range inside the data section.
    pub begin: usize,
    pub end: usize,
}

/// What the macro needs from a weights file.
#[derive(Debug)]
pub struct Header {
    /// The file's length in bytes.
    pub file_len: usize,
    /// Where the data section starts: 8 + the header's length.
    pub data_start: usize,
    pub tensors: BTreeMap<String, Tensor>,
}

/// Reads and checks the header of `attr`'s file; the error says what is wrong with the file.
pub fn read(attr: &WeightsAttr) -> Result<Header, String> {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let full = std::path::Path::new(&dir).join(&attr.path);
    let path = &attr.path;
    let mut f = std::fs::File::open(&full).map_err(|e| {
        format!("cannot read the weights file `{path}`: {e} (the path is relative to the crate's `Cargo.toml`)")
    })?;
    let file_len = f
        .metadata()
        .map_err(|e| format!("cannot read the weights file `{path}`: {e}"))?
        .len() as usize;
    let mut n = [0u8; 8];
    f.read_exact(&mut n).map_err(|_| {
        format!("`{path}` is not a safetensors file: it has {file_len} bytes, fewer than the 8 of the header length")
    })?;
    let n = u64::from_le_bytes(n) as usize;
    if n > file_len.saturating_sub(8) {
        return Err(format!(
            "`{path}` is not a safetensors file: its header length is {n} bytes, but only {} follow",
            file_len.saturating_sub(8)
        ));
    }
    let mut json = vec![0u8; n];
    f.read_exact(&mut json)
        .map_err(|e| format!("cannot read the header of `{path}`: {e}"))?;
    let value: serde_json::Value = serde_json::from_slice(&json)
        .map_err(|e| format!("`{path}` is not a safetensors file: its header is not JSON ({e})"))?;
    let serde_json::Value::Object(map) = value else {
        return Err(format!(
            "`{path}` is not a safetensors file: its header is not a JSON object"
        ));
    };
    let data_start = 8 + n;
    let mut tensors = BTreeMap::new();
    for (name, v) in map {
        if name == "__metadata__" {
            continue;
        }
        let bad = || {
            format!("`{path}` is not a valid safetensors file: the entry of `{name}` lacks `dtype`, `shape` or `data_offsets`")
        };
        let dtype = v.get("dtype").and_then(|d| d.as_str()).ok_or_else(bad)?;
        let list = |key: &str| -> Option<Vec<usize>> {
            v.get(key)?
                .as_array()?
                .iter()
                .map(|x| x.as_u64().map(|x| x as usize))
                .collect()
        };
        let shape = list("shape").ok_or_else(bad)?;
        let offsets = list("data_offsets").ok_or_else(bad)?;
        let [begin, end] = offsets[..] else {
            return Err(bad());
        };
        if begin > end || data_start + end > file_len {
            return Err(format!(
                "`{path}` is truncated or corrupt: `{name}` lies at bytes {begin}..{end} of the data, but the data has {} bytes",
                file_len - data_start
            ));
        }
        tensors.insert(
            name,
            Tensor {
                dtype: dtype.to_string(),
                shape,
                begin,
                end,
            },
        );
    }
    Ok(Header {
        file_len,
        data_start,
        tensors,
    })
}

/// The size in bytes of one element of a safetensors dtype, for the dtypes we can embed.
pub fn dtype_size(dtype: &str) -> Option<usize> {
    match dtype {
        "I8" => Some(1),
        "F32" => Some(4),
        "F64" => Some(8),
        _ => None,
    }
}

/// `(128, 784)`, the way PyTorch prints a shape.
pub fn shape_text<S: std::fmt::Display>(shape: &[S]) -> String {
    match shape {
        [one] => format!("({one},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `bytes` to a temporary file and reads its header.
    fn read_bytes(what: &str, bytes: &[u8]) -> Result<Header, String> {
        let path = std::env::temp_dir().join(format!(
            "nn-macros-{what}-{}.safetensors",
            std::process::id()
        ));
        std::fs::write(&path, bytes).unwrap();
        let attr = WeightsAttr {
            path: path.display().to_string(),
            span: Span::call_site(),
        };
        let r = read(&attr);
        std::fs::remove_file(&path).unwrap();
        r
    }

    fn file(header: &str, data: usize) -> Vec<u8> {
        let mut b = (header.len() as u64).to_le_bytes().to_vec();
        b.extend_from_slice(header.as_bytes());
        b.extend(std::iter::repeat_n(0u8, data));
        b
    }

    #[test]
    fn reads_names_dtypes_shapes_and_offsets() {
        let h = read_bytes(
            "ok",
            &file(r#"{"__metadata__":{"format":"pt"},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"w":{"dtype":"I8","shape":[2,3],"data_offsets":[8,14]}}"#, 14),
        )
        .unwrap();
        let n = h.data_start - 8;
        assert_eq!((h.file_len, h.tensors.len()), (8 + n + 14, 2));
        let w = &h.tensors["w"];
        assert_eq!(
            (w.dtype.as_str(), &w.shape[..], w.begin, w.end),
            ("I8", &[2, 3][..], 8, 14)
        );
    }

    #[test]
    fn says_what_is_wrong_with_a_bad_file() {
        let e = read_bytes("short", &[1, 2, 3]).unwrap_err();
        assert!(e.contains("fewer than the 8 of the header length"), "{e}");
        let mut b = file("{}", 0);
        b[0] = 200;
        let e = read_bytes("long", &b).unwrap_err();
        assert!(
            e.contains("its header length is 200 bytes, but only 2 follow"),
            "{e}"
        );
        let e = read_bytes("json", &file("{nope", 0)).unwrap_err();
        assert!(e.contains("its header is not JSON"), "{e}");
        let e = read_bytes("fields", &file(r#"{"w":{"dtype":"F32"}}"#, 0)).unwrap_err();
        assert!(e.contains("the entry of `w` lacks"), "{e}");
        let e = read_bytes(
            "truncated",
            &file(
                r#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#,
                8,
            ),
        )
        .unwrap_err();
        assert!(
            e.contains("`w` lies at bytes 0..16 of the data, but the data has 8 bytes"),
            "{e}"
        );
        let missing = WeightsAttr {
            path: "no/such/file.safetensors".into(),
            span: Span::call_site(),
        };
        assert!(read(&missing)
            .unwrap_err()
            .starts_with("cannot read the weights file `no/such/file.safetensors`"));
    }

    #[test]
    fn the_attribute_is_taken_out_and_checked() {
        let mut attrs: Vec<Attribute> = vec![
            syn::parse_quote!(#[doc = "x"]),
            syn::parse_quote!(#[weights = "a.safetensors"]),
        ];
        let w = take(&mut attrs).unwrap().unwrap();
        assert_eq!((w.path.as_str(), attrs.len()), ("a.safetensors", 1));
        let mut bad: Vec<Attribute> = vec![syn::parse_quote!(#[weights(a)])];
        assert!(take(&mut bad).is_err());
        let mut twice: Vec<Attribute> = vec![
            syn::parse_quote!(#[weights = "a"]),
            syn::parse_quote!(#[weights = "b"]),
        ];
        assert!(take(&mut twice)
            .unwrap_err()
            .to_string()
            .contains("given twice"));
    }
}
