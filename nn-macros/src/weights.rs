//! `#[weights = "file.safetensors"]`: the weights file a network is embedded from.
//!
//! The path is relative to the crate's `CARGO_MANIFEST_DIR` (absolute paths are taken as
//! they are). `#[weights(out_dir = "file.safetensors")]` names a file relative to `OUT_DIR`
//! instead: one the crate's build script wrote, e.g. weights generated from a seed that are
//! too large to commit. While expanding, the macro reads
//! only the file's header (an 8-byte little-endian length, then JSON mapping each tensor's
//! name to its `dtype`, `shape` and `data_offsets` relative to the end of the header) with
//! `nn_weights_header`, which checks every offset and byte count against the file; the
//! data is embedded by the generated `include_bytes!`, which also makes Cargo rebuild the
//! crate, and so re-run the checks, when the file changes.

pub use nn_weights_header::Header;
use proc_macro2::{Literal, Span, TokenStream};
use quote::quote;
use std::path::PathBuf;
use syn::{Attribute, Expr, ExprLit, Lit, Meta};

/// The attribute, as written.
#[derive(Debug)]
pub struct WeightsAttr {
    /// The path as the user wrote it.
    pub path: String,
    /// The span of the string literal.
    pub span: Span,
    /// The directory a relative path starts from.
    pub base: Base,
}

/// Where a relative weights path starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base {
    /// `#[weights = "..."]`: the crate's `CARGO_MANIFEST_DIR`.
    Manifest,
    /// `#[weights(out_dir = "...")]`: the `OUT_DIR` of the crate's build script.
    OutDir,
}

impl Base {
    /// The environment variable naming the directory.
    fn var(self) -> &'static str {
        match self {
            Base::Manifest => "CARGO_MANIFEST_DIR",
            Base::OutDir => "OUT_DIR",
        }
    }

    /// How an error names the directory a path is relative to.
    fn described(self) -> &'static str {
        match self {
            Base::Manifest => "the path is relative to the crate's `Cargo.toml`",
            Base::OutDir => {
                "the path is relative to `OUT_DIR`, where the crate's build script writes"
            }
        }
    }
}

impl WeightsAttr {
    /// The file's full path while expanding. `OUT_DIR` unset (the crate has no build
    /// script) is an error; an unset `CARGO_MANIFEST_DIR` (outside Cargo) means `.`.
    pub fn full_path(&self) -> Result<PathBuf, String> {
        let path = std::path::Path::new(&self.path);
        if path.is_absolute() {
            return Ok(path.to_path_buf());
        }
        let dir = match (std::env::var(self.base.var()), self.base) {
            (Ok(dir), _) => dir,
            (Err(_), Base::Manifest) => ".".into(),
            (Err(_), Base::OutDir) => {
                return Err(format!(
                    "`OUT_DIR` is not set, so `#[weights(out_dir = \"{}\")]` names no file; expected a crate with a build script (`build.rs`) that writes the file into `OUT_DIR`",
                    self.path
                ))
            }
        };
        Ok(std::path::Path::new(&dir).join(path))
    }

    /// The argument of the generated `include_bytes!`: the same file the header was read
    /// from, found again by the compiler through `env!` (absolute paths as they are).
    pub fn include(&self) -> TokenStream {
        let file = Literal::string(&self.path);
        if std::path::Path::new(&self.path).is_absolute() {
            return quote!(#file);
        }
        let var = self.base.var();
        quote!(::core::concat!(::core::env!(#var), "/", #file))
    }
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
                base: Base::Manifest,
            })),
            other => Err(syn::Error::new_spanned(
                other,
                "expected a path in quotes: `#[weights = \"weights/mlp.safetensors\"]`",
            )),
        },
        Meta::List(list) => {
            let hint = "expected `#[weights(out_dir = \"file.safetensors\")]`, with the path relative to the `OUT_DIR` of the crate's build script";
            let nv: syn::MetaNameValue = list
                .parse_args()
                .map_err(|e| syn::Error::new(e.span(), hint))?;
            if !nv.path.is_ident("out_dir") {
                return Err(syn::Error::new_spanned(&nv.path, hint));
            }
            match &nv.value {
                Expr::Lit(ExprLit {
                    lit: Lit::Str(s), ..
                }) => Ok(Some(WeightsAttr {
                    path: s.value(),
                    span: s.span(),
                    base: Base::OutDir,
                })),
                other => Err(syn::Error::new_spanned(other, hint)),
            }
        }
        _ => Err(syn::Error::new_spanned(
            &attr,
            "expected `#[weights = \"path/to/file.safetensors\"]`, with the path relative to the crate's `Cargo.toml`",
        )),
    }
}

/// Reads and checks the header of `attr`'s file (see `nn_weights_header`, which also
/// refuses directories, devices and FIFOs and never reads past the header); the error says
/// what is wrong with the file, naming the tensor or field, expected and found.
pub fn read(attr: &WeightsAttr) -> Result<Header, String> {
    let full = attr.full_path()?;
    let (path, base) = (&attr.path, attr.base.described());
    nn_weights_header::read(full).map_err(|e| match e {
        nn_weights_header::Error::Io { message } => {
            format!("cannot read the weights file `{path}`: {message} ({base})")
        }
        e => format!("`{path}` is not a valid safetensors file: {e}"),
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
            base: Base::Manifest,
        };
        let r = read(&attr);
        std::fs::remove_file(&path).unwrap();
        r
    }

    #[test]
    fn reader_errors_name_the_file() {
        let mut ok = 2u64.to_le_bytes().to_vec();
        ok.extend_from_slice(b"{}");
        assert!(read_bytes("ok", &ok).unwrap().tensors.is_empty());
        let e = read_bytes("short", &[1, 2, 3]).unwrap_err();
        assert!(
            e.ends_with(".safetensors` is not a valid safetensors file: the file has 3 bytes, expected at least 8 (the header length)"),
            "{e}"
        );
        let missing = WeightsAttr {
            path: "no/such/file.safetensors".into(),
            span: Span::call_site(),
            base: Base::Manifest,
        };
        let e = read(&missing).unwrap_err();
        assert!(
            e.starts_with("cannot read the weights file `no/such/file.safetensors`")
                && e.ends_with("(the path is relative to the crate's `Cargo.toml`)"),
            "{e}"
        );
        let dir = WeightsAttr {
            path: std::env::temp_dir().display().to_string(),
            span: Span::call_site(),
            base: Base::Manifest,
        };
        let e = read(&dir).unwrap_err();
        assert!(
            e.ends_with(
                "` is not a valid safetensors file: expected a regular file, found a directory"
            ),
            "{e}"
        );
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
