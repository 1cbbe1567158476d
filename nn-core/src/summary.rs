//! [`Summary`]: a network's layers, their shapes and parameter counts, as a table.
//!
//! ```
//! use nn_core::network;
//! network! { struct Mlp { input: 784, fc1: dense(128, relu), fc2: dense(10) } }
//! let s = Mlp::<f32>::summary();
//! assert_eq!(s.parameters(), 784 * 128 + 128 + 128 * 10 + 10);
//! let table = s.to_string();
//! assert!(table.contains("fc1") && table.contains("784") && table.contains("relu"));
//! ```

use crate::Shape;
use core::fmt;

/// One layer's row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SummaryRow {
    /// The layer's name in the declaration.
    pub name: &'static str,
    /// Its kind (`"dense"`).
    pub kind: &'static str,
    /// Its activation (`"relu"`).
    pub activation: &'static str,
    /// The shape it reads.
    pub input: Shape,
    /// The shape it produces.
    pub output: Shape,
    /// Its number of scalar parameters.
    pub parameters: usize,
}

/// A network's structure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    /// The struct's name.
    pub name: &'static str,
    /// One row per layer, in order.
    pub rows: &'static [SummaryRow],
}

impl Summary {
    /// Total number of scalar parameters.
    pub fn parameters(&self) -> usize {
        self.rows.iter().map(|r| r.parameters).sum()
    }
}

struct Dims(Shape);

impl fmt::Display for Dims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 64];
        let mut w = Buf {
            buf: &mut buf,
            len: 0,
        };
        for (i, d) in self.0.dims().iter().enumerate() {
            if i > 0 {
                fmt::Write::write_str(&mut w, "x")?;
            }
            fmt::Write::write_fmt(&mut w, format_args!("{d}"))?;
        }
        let len = w.len;
        f.pad(core::str::from_utf8(&buf[..len]).unwrap_or("?"))
    }
}

/// A fixed buffer for padding short strings without `alloc`.
struct Buf<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl fmt::Write for Buf<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        let dst = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.name)?;
        writeln!(
            f,
            "  {:<12} {:<15} {:<11} {:>12} {:>12} {:>12}",
            "layer", "kind", "activation", "input", "output", "parameters"
        )?;
        for r in self.rows {
            writeln!(
                f,
                "  {:<12} {:<15} {:<11} {:>12} {:>12} {:>12}",
                r.name,
                r.kind,
                r.activation,
                Dims(r.input),
                Dims(r.output),
                r.parameters
            )?;
        }
        write!(f, "  total parameters: {}", self.parameters())
    }
}
