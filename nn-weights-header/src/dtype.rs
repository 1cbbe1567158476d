//! The dtypes of the safetensors format and the bits of one element of each.

/// The safetensors dtypes with their bits per element: the byte-sized ones, and the 4- and
/// 6-bit floats, whose tensors must fill whole bytes.
const DTYPES: &[(&str, usize)] = &[
    ("BOOL", 8),
    ("U8", 8),
    ("I8", 8),
    ("F8_E5M2", 8),
    ("F8_E4M3", 8),
    ("F8_E8M0", 8),
    ("I16", 16),
    ("U16", 16),
    ("F16", 16),
    ("BF16", 16),
    ("I32", 32),
    ("U32", 32),
    ("F32", 32),
    ("I64", 64),
    ("U64", 64),
    ("F64", 64),
    ("C64", 64),
    ("F4", 4),
    ("F6_E2M3", 6),
    ("F6_E3M2", 6),
];

/// Every dtype name, for an error message.
pub(crate) const NAMES: &str = "one of BOOL, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0, I16, U16, F16, BF16, I32, U32, F32, I64, U64, F64, C64, F4, F6_E2M3, F6_E3M2";

/// Bits per element of `dtype`, `None` for a name the format does not define.
///
/// ```
/// use nn_weights_header::dtype_bits;
/// assert_eq!((dtype_bits("F32"), dtype_bits("F4"), dtype_bits("f32")), (Some(32), Some(4), None));
/// ```
pub fn dtype_bits(dtype: &str) -> Option<usize> {
    DTYPES.iter().find(|(n, _)| *n == dtype).map(|&(_, b)| b)
}

/// The size of a tensor's data.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Bytes {
    /// A whole number of bytes.
    Whole(usize),
    /// More than `usize::MAX` bytes.
    Overflow,
    /// This many bits, not a multiple of 8 (4- and 6-bit dtypes).
    Partial(usize),
}

/// The bytes of `elements` values of `bits` bits each, computed without overflow.
pub(crate) fn byte_len(elements: usize, bits: usize) -> Bytes {
    let whole = if bits.is_multiple_of(8) {
        elements.checked_mul(bits / 8)
    } else {
        match elements.checked_mul(bits) {
            Some(total) if !total.is_multiple_of(8) => return Bytes::Partial(total),
            total => total.map(|t| t / 8),
        }
    };
    whole.map_or(Bytes::Overflow, Bytes::Whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_in_the_message_is_a_dtype() {
        let listed: alloc::vec::Vec<&str> = NAMES["one of ".len()..].split(", ").collect();
        let table: alloc::vec::Vec<&str> = DTYPES.iter().map(|(n, _)| *n).collect();
        assert_eq!(listed, table);
    }

    #[test]
    fn byte_lengths_are_checked() {
        assert_eq!(byte_len(6, 32), Bytes::Whole(24));
        assert_eq!(byte_len(3, 4), Bytes::Partial(12));
        assert_eq!(byte_len(4, 6), Bytes::Whole(3));
        assert_eq!(byte_len(usize::MAX / 4 + 1, 32), Bytes::Overflow);
        assert_eq!(
            byte_len(usize::MAX / 4, 32),
            Bytes::Whole(usize::MAX / 4 * 4)
        );
        assert_eq!(byte_len(usize::MAX / 4 + 1, 4), Bytes::Overflow);
    }
}
