//! [`Error`]: what can go wrong at run time, with what was expected and what was found.
//!
//! ```
//! use nn_core::Error;
//! let e = Error::ClassOutOfRange { class: 12, classes: 10 };
//! assert_eq!(e.to_string(), "class index 12 is out of range: expected a class below 10");
//! ```
//!
//! Reading files adds variants that name the file (or the tensor) and carry their text as
//! `String`s, so they exist only with the `alloc` feature. An I/O failure keeps the
//! [`std::io::Error`]'s message, not the error itself, so that `Error` stays `Clone` and
//! `PartialEq`.
//!
//! ```
//! # #[cfg(feature = "alloc")] {
//! use nn_core::Error;
//! let e = Error::BadMagic { path: "labels.idx".into(), expected: 2049, found: 2051 };
//! assert_eq!(e.to_string(), "bad magic number in labels.idx: expected 2049, found 2051");
//! # }
//! ```

#[cfg(feature = "alloc")]
use alloc::{string::String, vec::Vec};
use core::fmt;

/// A runtime failure. Library code returns these instead of panicking on user data.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// A class label is not below the number of outputs.
    ClassOutOfRange {
        /// The label found.
        class: usize,
        /// The number of classes (network outputs).
        classes: usize,
    },
    /// A slice or batch has the wrong length.
    LengthMismatch {
        /// What was being read (`"labels"`, `"batch columns"`).
        what: &'static str,
        /// The length needed.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// A loss was given a kind of target it does not define.
    UnsupportedTarget {
        /// The loss (`"one-vs-all hinge"`).
        loss: &'static str,
        /// What it needs (`"a class index"`).
        expected: &'static str,
    },
    /// A configuration value is outside its valid range.
    InvalidConfig {
        /// The setting (`"leaky_relu slope"`).
        what: &'static str,
        /// The valid range, in words.
        expected: &'static str,
        /// The value given.
        found: f64,
    },
    /// A method was called out of order (e.g. Nesterov's `step` without a `lookahead` first).
    OutOfOrder {
        /// The call made (`"Nesterov::step"`).
        call: &'static str,
        /// What must come first, in words.
        expected: &'static str,
    },
    /// An optimizer was asked for something it does not have (e.g. a learning rate of
    /// Rprop, which steps by signs).
    Unsupported {
        /// What was asked (`"a learning rate"`).
        what: &'static str,
        /// Who was asked (`"Rprop"`).
        by: &'static str,
        /// What would work, in words.
        expected: &'static str,
    },
    /// A loss or gradient is NaN or infinite where a finite value is needed.
    NotFinite {
        /// What was not finite (`"loss at the starting point"`).
        what: &'static str,
    },
    /// A sample index is not below the number of samples.
    IndexOutOfRange {
        /// The index given.
        index: usize,
        /// The number of samples.
        len: usize,
    },
    /// An environment was given an action it does not have.
    ActionOutOfRange {
        /// The action given.
        action: usize,
        /// The number of actions.
        actions: usize,
    },
    /// A data set that must have samples has none (evaluating on nothing has no mean).
    EmptyData {
        /// Which data (`"data to evaluate"`).
        what: &'static str,
    },
    /// A file could not be opened, read or written.
    #[cfg(feature = "alloc")]
    Io {
        /// The file.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// A file (or an in-memory copy of one) is shorter than its header says.
    #[cfg(feature = "alloc")]
    Truncated {
        /// The file; empty for bytes from memory.
        path: String,
        /// The size its header implies, in bytes.
        expected: u64,
        /// Its actual size, in bytes.
        found: u64,
    },
    /// A file is longer than its header says.
    #[cfg(feature = "alloc")]
    TrailingBytes {
        /// The file; empty for bytes from memory.
        path: String,
        /// The size its header implies, in bytes.
        expected: u64,
        /// Its actual size, in bytes.
        found: u64,
    },
    /// A file starts with the wrong magic number (an IDX images file read as labels, say).
    #[cfg(feature = "alloc")]
    BadMagic {
        /// The file.
        path: String,
        /// The magic number needed (2051 for IDX images, 2049 for IDX labels).
        expected: u32,
        /// The number found.
        found: u32,
    },
    /// A file's content cannot be decoded (a broken gzip stream, an unparsable safetensors
    /// header): names the field or tensor at fault, what it should hold and what it holds.
    #[cfg(feature = "alloc")]
    Corrupt {
        /// What was being decoded (`"gzip stream"`, `"safetensors header"`).
        what: &'static str,
        /// The file; empty for bytes from memory.
        path: String,
        /// The field or tensor at fault (``tensor `fc1.weight` data_offsets``, `CRC-32`).
        field: String,
        /// What it should hold.
        expected: String,
        /// What it holds.
        found: String,
    },
    /// An images file and its labels file hold different numbers of samples.
    #[cfg(feature = "alloc")]
    CountMismatch {
        /// The labels file.
        path: String,
        /// The number of images.
        expected: usize,
        /// The number of labels.
        found: usize,
    },
    /// Images have other dimensions than needed (MNIST's are 28x28).
    #[cfg(feature = "alloc")]
    ImageSize {
        /// The images file.
        path: String,
        /// Rows and columns needed.
        expected: (usize, usize),
        /// Rows and columns found.
        found: (usize, usize),
    },
    /// A weight file lacks one of the network's tensors.
    #[cfg(feature = "alloc")]
    MissingTensor {
        /// The tensor's name (`fc1.weight`).
        name: String,
        /// Its shape in the network.
        expected: crate::Shape,
    },
    /// A weight file holds a tensor the network does not have.
    #[cfg(feature = "alloc")]
    UnexpectedTensor {
        /// The tensor's name in the file.
        name: String,
        /// Its shape in the file.
        found: Vec<usize>,
    },
    /// A tensor's shape in a weight file differs from the network's.
    #[cfg(feature = "alloc")]
    TensorShape {
        /// The tensor's name.
        name: String,
        /// Its shape in the network (PyTorch's convention).
        expected: crate::Shape,
        /// Its shape in the file.
        found: Vec<usize>,
    },
    /// A tensor's element type in a weight file differs from the network's scalar.
    #[cfg(feature = "alloc")]
    TensorDtype {
        /// The tensor's name.
        name: String,
        /// The dtype needed (`"F32"` for `f32`, `"F64"` for `f64`).
        expected: &'static str,
        /// The dtype in the file.
        found: String,
    },
    /// Two tensors of a network share one name, so a weight file cannot tell them apart.
    #[cfg(feature = "alloc")]
    DuplicateTensor {
        /// The name.
        name: String,
    },
    /// A path to read is not a regular file: a directory, a device such as `/dev/zero`, a
    /// FIFO or a socket. Checked before anything is read, so nothing blocks or runs forever.
    #[cfg(feature = "alloc")]
    NotAFile {
        /// The path.
        path: String,
        /// What it is (`"a directory"`, `"a character device"`, `"a FIFO"`).
        found: &'static str,
    },
    /// An input is larger than a reading limit allows (see `nn_core::io::ReadLimits`).
    #[cfg(feature = "alloc")]
    TooLarge {
        /// What is too large (`"file"`, `"safetensors header"`, `"IDX data"`).
        what: &'static str,
        /// The file; empty for bytes from memory.
        path: String,
        /// The limit's name (`"ReadLimits::max_bytes"`).
        limit_name: &'static str,
        /// The limit, in bytes.
        limit: u64,
        /// The size found (or claimed by a header), in bytes.
        found: u64,
    },
}

/// `" in PATH"`, or nothing for data that came from memory.
#[cfg(feature = "alloc")]
struct In<'a>(&'a str);

#[cfg(feature = "alloc")]
impl fmt::Display for In<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            Ok(())
        } else {
            write!(f, " in {}", self.0)
        }
    }
}

/// A shape as `(2, 3)`, like [`Shape`](crate::Shape)'s `Display`.
#[cfg(feature = "alloc")]
struct Dims<'a>(&'a [usize]);

#[cfg(feature = "alloc")]
impl fmt::Display for Dims<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(")?;
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{d}")?;
        }
        f.write_str(")")
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::ClassOutOfRange { class, classes } => write!(
                f,
                "class index {class} is out of range: expected a class below {classes}"
            ),
            Error::LengthMismatch {
                what,
                expected,
                found,
            } => {
                write!(
                    f,
                    "wrong number of {what}: expected {expected}, found {found}"
                )
            }
            Error::UnsupportedTarget { loss, expected } => {
                write!(f, "the {loss} loss needs {expected} as its target")
            }
            Error::InvalidConfig {
                what,
                expected,
                found,
            } => {
                write!(f, "invalid {what}: expected {expected}, found {found}")
            }
            Error::OutOfOrder { call, expected } => {
                write!(f, "{call} was called out of order: expected {expected}")
            }
            Error::Unsupported { what, by, expected } => {
                write!(f, "{by} does not support {what}: expected {expected}")
            }
            Error::NotFinite { what } => write!(f, "the {what} is not finite"),
            Error::IndexOutOfRange { index, len } => write!(
                f,
                "sample index {index} is out of range: expected an index below {len}"
            ),
            Error::ActionOutOfRange { action, actions } => write!(
                f,
                "action {action} is out of range: expected an action below {actions}"
            ),
            Error::EmptyData { what } => write!(
                f,
                "the {what} is empty: expected at least 1 sample, found 0"
            ),
            #[cfg(feature = "alloc")]
            Error::Io { path, message } => write!(f, "i/o error on {path}: {message}"),
            #[cfg(feature = "alloc")]
            Error::Truncated {
                path,
                expected,
                found,
            } => write!(
                f,
                "truncated data{}: expected {expected} bytes, found {found}",
                In(path)
            ),
            #[cfg(feature = "alloc")]
            Error::TrailingBytes {
                path,
                expected,
                found,
            } => write!(
                f,
                "trailing bytes{}: expected {expected} bytes, found {found}",
                In(path)
            ),
            #[cfg(feature = "alloc")]
            Error::BadMagic {
                path,
                expected,
                found,
            } => write!(
                f,
                "bad magic number{}: expected {expected}, found {found}",
                In(path)
            ),
            #[cfg(feature = "alloc")]
            Error::Corrupt {
                what,
                path,
                field,
                expected,
                found,
            } => write!(
                f,
                "corrupt {what}{}: {field}: expected {expected}, found {found}",
                In(path)
            ),
            #[cfg(feature = "alloc")]
            Error::CountMismatch {
                path,
                expected,
                found,
            } => write!(
                f,
                "labels and images disagree in count{}: expected {expected} labels, found {found}",
                In(path)
            ),
            #[cfg(feature = "alloc")]
            Error::ImageSize {
                path,
                expected: (er, ec),
                found: (fr, fc),
            } => write!(
                f,
                "wrong image dimensions{}: expected {er}x{ec}, found {fr}x{fc}",
                In(path)
            ),
            #[cfg(feature = "alloc")]
            Error::MissingTensor { name, expected } => write!(
                f,
                "missing tensor {name}: expected shape {expected}, found no tensor of that name"
            ),
            #[cfg(feature = "alloc")]
            Error::UnexpectedTensor { name, found } => write!(
                f,
                "unexpected tensor {name}: expected no tensor of that name, found one of shape {}",
                Dims(found)
            ),
            #[cfg(feature = "alloc")]
            Error::TensorShape {
                name,
                expected,
                found,
            } => write!(
                f,
                "wrong shape for tensor {name}: expected {expected}, found {}",
                Dims(found)
            ),
            #[cfg(feature = "alloc")]
            Error::TensorDtype {
                name,
                expected,
                found,
            } => write!(
                f,
                "wrong dtype for tensor {name}: expected {expected}, found {found}"
            ),
            #[cfg(feature = "alloc")]
            Error::DuplicateTensor { name } => write!(
                f,
                "duplicate tensor name {name}: expected every name once, found it twice"
            ),
            #[cfg(feature = "alloc")]
            Error::NotAFile { path, found } => {
                write!(
                    f,
                    "cannot read {path}: expected a regular file, found {found}"
                )
            }
            #[cfg(feature = "alloc")]
            Error::TooLarge {
                what,
                path,
                limit_name,
                limit,
                found,
            } => write!(
                f,
                "{what}{} too large: expected at most {limit} bytes ({limit_name}), found {found}",
                In(path)
            ),
        }
    }
}

impl core::error::Error for Error {}

/// `Ok` when a file of `found` bytes has exactly the `expected` length its header implies;
/// [`Error::Truncated`] or [`Error::TrailingBytes`] otherwise.
#[cfg(feature = "std")]
pub(crate) fn check_file_length(path: &str, expected: u64, found: u64) -> Result<(), Error> {
    use alloc::string::ToString;
    if found < expected {
        Err(Error::Truncated {
            path: path.to_string(),
            expected,
            found,
        })
    } else if found > expected {
        Err(Error::TrailingBytes {
            path: path.to_string(),
            expected,
            found,
        })
    } else {
        Ok(())
    }
}
