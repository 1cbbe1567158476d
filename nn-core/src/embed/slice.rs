//! [`view_slice`]: a run of `len` values of an embedded file, viewed in place as a slice (for
//! layers whose kernels take slices, such as the TFLite int8 layers of `network!`).

use super::Aligned;

/// A `&'static [T]` over `len` values of `file` starting at byte `offset`, with no copy.
///
/// Checked when evaluated (at compile time in a `const`): the range lies inside `file`,
/// `offset` is a multiple of `T`'s alignment (at most 16), and the target is little-endian.
///
/// ```
/// use nn_core::embed::{view_slice, Aligned};
/// static B: Aligned<[u8; 8]> = Aligned([1, 0, 0, 0, 254, 255, 255, 255]);
/// const V: &[i32] = view_slice(&B, 0, 2);
/// assert_eq!(V, [1, -2]);
/// ```
pub const fn view_slice<T: bytemuck::Pod, const N: usize>(
    file: &'static Aligned<[u8; N]>,
    offset: usize,
    len: usize,
) -> &'static [T] {
    const {
        assert!(
            cfg!(target_endian = "little"),
            "embedded weights are little-endian; this target is not"
        )
    };
    let (size, align) = (core::mem::size_of::<T>(), core::mem::align_of::<T>());
    let Some(bytes) = size.checked_mul(len) else {
        panic!("tensor size overflows")
    };
    assert!(
        offset <= N && bytes <= N - offset,
        "tensor lies outside the file"
    );
    assert!(
        align <= 16 && offset.is_multiple_of(align),
        "tensor is not aligned in the file"
    );
    let file: &'static [u8; N] = &file.0;
    // SAFETY: `offset..offset + len · size_of::<T>()` is inside `file` (checked above); the
    // address is aligned for `T`, since `Aligned` puts the bytes at a multiple of 16 and
    // `offset` is a multiple of `align <= 16`; `T: Pod` accepts any bit pattern; the bytes
    // are immutable and live for `'static`, like the returned slice.
    unsafe { core::slice::from_raw_parts(file.as_ptr().add(offset) as *const T, len) }
}
