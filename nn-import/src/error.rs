//! [`ImportError`]: what can go wrong reading or running a `.tflite` model, naming the
//! operator (its index and type) and the tensor concerned.

use std::fmt;

/// A failure to read, prepare or run a TFLite model. Never a panic: every unsupported
/// operator, data type or inconsistent shape in the file ends up here.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ImportError {
    /// The bytes are not a TFLite flatbuffer (or a table in it is out of bounds).
    Flatbuffer {
        /// The flatbuffer reader's message.
        message: String,
    },
    /// The model as a whole is not what the importer handles (no subgraph, several inputs).
    Model {
        /// What was expected.
        expected: String,
        /// What the file holds.
        found: String,
    },
    /// An operator, or one of its tensors, is not supported or is inconsistent.
    Operator {
        /// The operator's index in the subgraph.
        index: usize,
        /// Its type, as TFLite names it (`CONV_2D`).
        operator: String,
        /// The tensor concerned, if one is.
        tensor: Option<String>,
        /// What was expected.
        expected: String,
        /// What the file holds.
        found: String,
    },
    /// [`Model::run`](crate::Model::run) was given the wrong number of input values.
    Input {
        /// The input tensor's size.
        expected: usize,
        /// The values given.
        found: usize,
    },
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Flatbuffer { message } => {
                write!(f, "not a readable TFLite flatbuffer: {message}")
            }
            ImportError::Model { expected, found } => {
                write!(f, "unsupported model: expected {expected}, found {found}")
            }
            ImportError::Operator {
                index,
                operator,
                tensor,
                expected,
                found,
            } => {
                write!(f, "operator {index} (`{operator}`)")?;
                if let Some(t) = tensor {
                    write!(f, ", tensor `{t}`")?;
                }
                write!(f, ": expected {expected}, found {found}")
            }
            ImportError::Input { expected, found } => write!(
                f,
                "wrong number of input values: expected {expected}, found {found}"
            ),
        }
    }
}

impl std::error::Error for ImportError {}

impl From<planus::Error> for ImportError {
    fn from(e: planus::Error) -> Self {
        ImportError::Flatbuffer {
            message: e.to_string(),
        }
    }
}
