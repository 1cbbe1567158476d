//! Inference networks whose parameters are `static` data: weights embedded at compile time.
//!
//! `network!` with `#[weights = "file.safetensors"]` on the struct checks the file's tensors
//! against the declaration while expanding and embeds the file with `include_bytes!` in a
//! `static` aligned to 16 bytes. Each layer then *views* its tensors in those bytes, with no
//! copy: a safetensors weight of shape `(out, in)` is stored row-major, which is exactly the
//! column-major `SMatrix<T, IN, OUT>` `Wᵀ`, so a [`StaticDense`] computes
//! `z_i = b_i + Σ_j (Wᵀ)_{j,i} x_j`, one contiguous column of `Wᵀ` per output. On a
//! microcontroller the parameters stay in flash; nothing is copied to RAM. A convolution
//! weight `(F, C/G, kh, kw)` is likewise viewed in place as `SMatrix<T, K, F>`, one filter
//! per column ([`StaticConv2d`]). int8 layers from [`crate::quant`] are embedded the same way
//! ([`StaticQDense`], [`StaticQConv2d`]). A recurrent layer's `weight_ih_l0` `(G, I)` and
//! `weight_hh_l0` `(G, H)` are viewed as `SMatrix<T, I, G>` and `SMatrix<T, H, G>`, the two
//! products of every step, and the cell's own gate arithmetic runs between them
//! ([`StaticLstm`], [`StaticGru`], [`StaticRnn`]). Batch norm's four `(C,)` tensors are viewed
//! as vectors and applied as its running affine ([`StaticBatchNorm2d`]).
//!
//! These are the types of an embedded network's fields. Every static layer implements
//! [`Infer`] (one sample, no heap), which generated code drives and which runs one layer on
//! its own. Shapes: one sample is `SVector<T, IN> -> SVector<T, OUT>`.
//!
//! ```
//! use nn_core::{embed::{Infer, StaticDense}, nalgebra::SVector, network};
//! network! {
//!     #[weights = "../tests/fixtures/sine_1_16_16_1.safetensors"]
//!     struct Sine { input: 1, fc1: dense(16, relu), fc2: dense(16, relu), fc3: dense(1) }
//! }
//! static NET: Sine = Sine::new();
//! let fc1: &StaticDense<f32, 1, 16> = &NET.fc1; // `W` (16 x 1) and `b` in the file's bytes
//! let x = SVector::from([0.5]);
//! let mut z = SVector::zeros();
//! fc1.infer(&x, &mut z); // z = W x + b, before fc1's relu
//! assert!((z - (fc1.weight() * x + fc1.bias)).amax() < 1e-6);
//! ```

mod batch_norm2d;
pub(crate) mod buffers;
mod conv2d;
pub(crate) mod custom;
mod dense;
mod qconv2d;
mod qdense;
mod recurrent;
mod recurrent_stack;
mod slice;

pub use batch_norm2d::StaticBatchNorm2d;
pub use conv2d::StaticConv2d;
pub use custom::StaticCustom;
pub use dense::StaticDense;
pub use qconv2d::StaticQConv2d;
pub use qdense::StaticQDense;
pub use recurrent::{StaticGru, StaticLstm, StaticRecurrent, StaticRnn};
pub use recurrent_stack::StaticRecurrentStack;
#[doc(hidden)]
pub use slice::view_slice;

use crate::Scalar;
use nalgebra::SVector;

/// Bytes aligned to 16, so that tensors at aligned offsets inside can be viewed in place.
/// Code-generation plumbing of `#[weights]` networks, like [`view`] and `view_slice`.
#[doc(hidden)]
#[repr(C, align(16))]
pub struct Aligned<B: ?Sized>(pub B);

/// A `&'static M` over `size_of::<M>()` bytes of `file` starting at `offset`, with no copy.
///
/// Checked when evaluated (at compile time when used in a `const` or `static`): the range
/// lies inside `file`, `offset` is a multiple of `M`'s alignment (at most 16, the alignment
/// of [`Aligned`]), and the target is little-endian, the byte order of safetensors files.
///
/// ```
/// use nn_core::embed::{view, Aligned};
/// static B: Aligned<[u8; 8]> = Aligned([0, 0, 128, 63, 0, 0, 0, 64]);
/// let v: &[f32; 2] = view(&B, 0);
/// assert_eq!(v, &[1.0, 2.0]);
/// ```
#[doc(hidden)]
pub const fn view<M: bytemuck::Pod, const N: usize>(
    file: &'static Aligned<[u8; N]>,
    offset: usize,
) -> &'static M {
    const {
        assert!(
            cfg!(target_endian = "little"),
            "embedded weights are little-endian; this target is not"
        )
    };
    let (size, align) = (core::mem::size_of::<M>(), core::mem::align_of::<M>());
    assert!(
        offset <= N && size <= N - offset,
        "tensor lies outside the file"
    );
    assert!(
        align <= 16 && offset.is_multiple_of(align),
        "tensor is not aligned in the file"
    );
    let bytes: &'static [u8; N] = &file.0;
    // SAFETY: the range `offset..offset + size` is inside `bytes` (checked above); the
    // address is aligned for `M`, since `Aligned` puts `bytes` at a multiple of 16 and
    // `offset` is a multiple of `align <= 16`; `M: Pod` accepts any bit pattern; the bytes
    // are immutable and live for `'static`, like the returned reference.
    unsafe { &*(bytes.as_ptr().add(offset) as *const M) }
}

/// One sample through a static (inference-only) layer; allocates nothing.
pub trait Infer<T: Scalar, const IN: usize, const OUT: usize> {
    /// `y = f(x)`, overwriting `y`.
    fn infer(&self, x: &SVector<T, IN>, y: &mut SVector<T, OUT>);
}
