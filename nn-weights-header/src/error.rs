//! What can be wrong with a weights file's header: one variant per check, each naming the
//! tensor or field, what was expected and what was found.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// Why a header was refused. The text (from [`Display`](fmt::Display)) is lowercase and
/// does not name the file: the caller prefixes it with the path.
///
/// ```
/// use nn_weights_header::{parse, Error};
/// let e = parse(&[1, 2, 3]).unwrap_err();
/// assert_eq!(e, Error::TooShort { found: 3 });
/// assert_eq!(
///     e.to_string(),
///     "the file has 3 bytes, expected at least 8 (the header length)"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The path is not a regular file (`found`: "a directory", "a FIFO", ...).
    NotAFile { found: &'static str },
    /// The file could not be opened or read (the operating system's message).
    Io { message: String },
    /// The file is larger than this machine's address space.
    FileTooLarge { found: u64 },
    /// Fewer than the 8 bytes of the header length.
    TooShort { found: u64 },
    /// The header length points past the end of the file.
    HeaderPastEnd { found: u64, available: u64 },
    /// The header length is above [`MAX_HEADER_LEN`](crate::MAX_HEADER_LEN).
    HeaderTooLarge { found: u64, max: u64 },
    /// The file ended while the header was read (it shrank after its length was taken).
    Truncated { expected: u64, found: u64 },
    /// The header is not JSON (serde_json's message, with line and column).
    NotJson { message: String },
    /// The header is JSON, but not an object.
    NotAnObject { found: String },
    /// `__metadata__` is not an object mapping strings to strings.
    Metadata { found: String },
    /// A tensor's entry is not an object.
    Entry { tensor: String, found: String },
    /// A field of a tensor's entry is missing or has the wrong type or value.
    Field {
        tensor: String,
        field: &'static str,
        expected: &'static str,
        found: String,
    },
    /// A tensor's `data_offsets` are reversed or reach past the data.
    Offsets {
        tensor: String,
        begin: usize,
        end: usize,
        data_len: usize,
    },
    /// A tensor's byte range does not hold `dtype × shape` (`expected`: `None` when that
    /// size overflows `usize`).
    ByteLength {
        tensor: String,
        dtype: String,
        shape: Vec<usize>,
        expected: Option<usize>,
        found: usize,
    },
    /// A 4- or 6-bit tensor whose values do not fill whole bytes.
    PartialByte {
        tensor: String,
        dtype: String,
        shape: Vec<usize>,
        bits: usize,
    },
}

/// `(2, 3)`, `(2,)`, `()`: a shape the way PyTorch prints it.
pub(crate) struct ShapeText<'a>(pub &'a [usize]);

impl fmt::Display for ShapeText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            [one] => write!(f, "({one},)"),
            dims => {
                f.write_str("(")?;
                for (i, d) in dims.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{d}")?;
                }
                f.write_str(")")
            }
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotAFile { found } => {
                write!(f, "expected a regular file, found {found}")
            }
            Error::Io { message } => f.write_str(message),
            Error::FileTooLarge { found } => write!(
                f,
                "the file has {found} bytes, expected at most {} on this machine",
                usize::MAX
            ),
            Error::TooShort { found } => write!(
                f,
                "the file has {found} bytes, expected at least 8 (the header length)"
            ),
            Error::HeaderPastEnd { found, available } => write!(
                f,
                "the header length is {found} bytes, expected at most {available}, the bytes that follow it"
            ),
            Error::HeaderTooLarge { found, max } => write!(
                f,
                "the header length is {found} bytes, expected at most {max}"
            ),
            Error::Truncated { expected, found } => write!(
                f,
                "the file ended after {found} bytes, expected {expected} (its header)"
            ),
            Error::NotJson { message } => {
                write!(f, "expected the header to be JSON, found an error: {message}")
            }
            Error::NotAnObject { found } => {
                write!(f, "expected the header to be a JSON object, found {found}")
            }
            Error::Metadata { found } => write!(
                f,
                "`__metadata__` is {found}, expected an object mapping strings to strings"
            ),
            Error::Entry { tensor, found } => write!(
                f,
                "the entry of `{tensor}` is {found}, expected an object with `dtype`, `shape` and `data_offsets`"
            ),
            Error::Field {
                tensor,
                field,
                expected,
                found,
            } => write!(
                f,
                "`{tensor}` has `{field}` {found}, expected {expected}"
            ),
            Error::Offsets {
                tensor,
                begin,
                end,
                data_len,
            } => {
                if begin > end {
                    write!(
                        f,
                        "`{tensor}` has `data_offsets` [{begin}, {end}], expected the first no greater than the second"
                    )
                } else {
                    write!(
                        f,
                        "`{tensor}` lies at bytes {begin}..{end} of the data, expected an end of at most {data_len}, the data's length"
                    )
                }
            }
            Error::ByteLength {
                tensor,
                dtype,
                shape,
                expected,
                found,
            } => {
                let shape = ShapeText(shape);
                match expected {
                    Some(n) => write!(
                        f,
                        "`{tensor}` of dtype {dtype} and shape {shape} needs {n} bytes, found {found}"
                    ),
                    None => write!(
                        f,
                        "`{tensor}` of dtype {dtype} and shape {shape} needs more than {} bytes, found {found}",
                        usize::MAX
                    ),
                }
            }
            Error::PartialByte {
                tensor,
                dtype,
                shape,
                bits,
            } => write!(
                f,
                "`{tensor}` of dtype {dtype} and shape {} has {bits} bits, expected a whole number of bytes",
                ShapeText(shape)
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}
