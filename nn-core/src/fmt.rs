//! Short `Debug` output for large tensors.

use core::fmt;

/// Formats a slice as its first values and its length: `[0.1, -0.2, … 100352 values]`.
pub(crate) struct Preview<'a, T>(pub &'a [T]);

impl<T: fmt::Debug> fmt::Debug for Preview<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 6;
        f.write_str("[")?;
        for (i, v) in self.0.iter().take(SHOWN).enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{v:?}")?;
        }
        if self.0.len() > SHOWN {
            write!(f, ", … {} values", self.0.len())?;
        }
        f.write_str("]")
    }
}
