//! [`Error`]: what can go wrong at run time, with what was expected and what was found.
//!
//! ```
//! use nn_core::Error;
//! let e = Error::ClassOutOfRange { class: 12, classes: 10 };
//! assert_eq!(e.to_string(), "class index 12 is out of range: expected a class below 10");
//! ```

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
    /// A loss or gradient is NaN or infinite where a finite value is needed.
    NotFinite {
        /// What was not finite (`"loss at the starting point"`).
        what: &'static str,
    },
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
            Error::NotFinite { what } => write!(f, "the {what} is not finite"),
        }
    }
}

impl core::error::Error for Error {}
