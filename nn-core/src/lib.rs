//! # nn-core: statically shaped neural networks over nalgebra
//!
//! Declare a network in source code with [`network!`]; it becomes a struct with one field per
//! layer, a constructor, `forward` for one sample (no heap) and for a batch, a training
//! forward that keeps the lecture's intermediates `z_l` and `x_l`, and `backward`, the
//! lecture's delta recursion. A size that does not fit is a compile error naming the layer.
//!
//! ```
//! use nn_core::{network, loss::{CrossEntropy, LossExt}};
//! use nn_core::nalgebra::SVector;
//! use rand::{rngs::StdRng, SeedableRng};
//!
//! network! {
//!     /// A tiny classifier.
//!     pub struct Tiny {
//!         input: 4,
//!         hidden: dense(8, relu, init = he),
//!         out: dense(3),
//!     }
//! }
//!
//! let net: Tiny = Tiny::new(&mut StdRng::seed_from_u64(1));
//! let x = SVector::<f32, 4>::from([0.5, -1.0, 0.25, 2.0]);
//! let trace = net.forward_trace(&x);
//! let (loss, dl_df) = CrossEntropy.value_and_grad(trace.output(), &2usize).unwrap();
//! let mut grads = Tiny::zeros();
//! let dl_dx = net.backward(&x, &trace, &dl_df, &mut grads);
//! assert!(loss > 0.0 && dl_dx.len() == 4);
//! assert_eq!(Tiny::<f32>::PARAMETERS, 4 * 8 + 8 + 8 * 3 + 3);
//! ```
//!
//! The formulas and shapes of every piece are in its module's header: [`activation`],
//! [`loss`], [`init`], [`layer`], [`gradcheck`], [`embed`] (networks whose
//! parameters are embedded `static` data), [`quant`] (int8 post-training quantization) and
//! [`rl`] (reinforcement learning).
//!
//! ## Features
//!
//! - `std` (default): implies `alloc`; matrix kernels detect AVX/FMA at run time; reading
//!   data sets ([`data`]: IDX files, MNIST), saving and loading weights ([`io`]:
//!   safetensors files with PyTorch's `state_dict` names), the training loop
//!   ([`train`]: `Fit`, on every core) and reinforcement learning ([`rl`]).
//! - `alloc`: parameters on the heap, the batch (training) path ([`BatchNetwork`], `Batch`).
//! - `libm`: float math without `std` (for `#![no_std]` targets). A build needs `std` or
//!   `libm`: nalgebra's float math (`RealField` for `f32`/`f64`) comes from one of them.
//! - `arm-dsp`: int8 dot products ([`quant::dot_i8`], the int8 layers of [`quant`] and
//!   [`embed`]) through the DSP instructions `SXTB16` and `SMLAD` on 32-bit ARM cores that
//!   have them (Cortex-M4, M7, M33, M55); ignored on other architectures. The results are
//!   the same integers either way.
//!
//! Without `alloc` the crate is `#![no_std]` and allocation-free: parameters live inline (or
//! in `static`s) and the single-sample forward and backward still work. A microcontroller
//! build is `default-features = false, features = ["libm"]` (plus `arm-dsp` on a
//! Cortex-M4F).

#![no_std]
#![warn(missing_docs)]

#[cfg(not(any(feature = "std", feature = "libm")))]
compile_error!(
    "nn-core needs float math: turn on its feature `libm` (for `#![no_std]` targets: `default-features = false, features = [\"libm\"]`) or `std` (the default)"
);

#[cfg(feature = "alloc")]
extern crate alloc;
// Lets unit tests and doctests inside this crate use the macro's `::nn_core` paths.
extern crate self as nn_core;
#[cfg(feature = "std")]
extern crate std;

pub mod activation;
#[cfg(feature = "alloc")]
mod batch;
#[cfg(feature = "alloc")]
mod batch_chain;
pub mod cell;
#[cfg(feature = "std")]
pub mod data;
pub mod embed;
pub mod error;
mod fmt;
pub mod gradcheck;
#[cfg(feature = "alloc")]
pub mod graph;
pub mod init;
pub mod io;
#[cfg(feature = "std")]
pub mod kernels;
#[cfg(not(feature = "std"))]
mod kernels;
pub mod layer;
pub mod loss;
pub mod network;
pub mod optim;
mod param;
mod params;
pub mod quant;
#[cfg(feature = "std")]
pub mod rl;
mod scalar;
mod sizes;
pub mod summary;
#[cfg(feature = "std")]
pub mod train;
// The generated one-sample forward's workspace plan and buffer helpers: code-generation
// plumbing, reached by path from generated code (`nn_core::workspace`) but not documented.
#[doc(hidden)]
pub mod workspace;

#[cfg(feature = "alloc")]
pub use batch::BatchNetwork;
pub use error::Error;
#[cfg(feature = "alloc")]
pub use graph::GraphNetwork;
pub use network::{chain, Chain, Network};
pub use param::Param;
pub use params::{ParamInfo, ParamKind, Parameters, Shape};
pub use scalar::Scalar;
pub use summary::{Summary, SummaryRow};

pub use nalgebra;
/// Declares a statically shaped neural network.
///
/// # Grammar
///
/// ```text
/// network! {
///     /// doc comments and #[attributes] pass through to the struct
///     VIS struct NAME {
///         input: SHAPE,                              // or several `NAME: input(SHAPE)`
///         LAYER_NAME: dense(SIZE, ACTIVATION?, init = INIT)?,
///         LAYER_NAME: dense(SIZE -> SIZE, ...),
///         LAYER_NAME: dropout(RATE) | flatten,
///         LAYER_NAME: custom(TYPE),                  // a layer type of yours, see `layer::custom`
///         LAYER_NAME: KIND(ARGS)(NODE),              // reads NODE, not the node before it
///         NODE_NAME: add(NODE, NODE, ..., ACTIVATION?) | mul(NODE, NODE) | concat(NODE, ...) | dueling(V, A),
///         ...
///         output: NODE | (NODE, ...),                // default: the last node
///     }
/// }
///
/// SHAPE      := SIZE | [SIZE, ...]
/// SIZE       := integer literal | const name (HIDDEN) | { const expression }
/// ACTIVATION := identity (default) | relu | leaky_relu | leaky_relu(SLOPE) | sigmoid | tanh | softmax
/// INIT       := lecun (default) | direction | hinges(LOW, HIGH) | he | xavier | zeros
/// ```
///
/// A layer's input is the previous node's output (or `input`) unless it names another node;
/// joins name their parents. Write an input size out (`dense(128 -> 64)`) to have it
/// checked. A network is a directed acyclic graph: a node can only read nodes declared
/// before it, and every node must be read or be an output. Each layer computes `z = W x + b` then
/// `x = σ(z)`; the last layer's `x` is the network's output `f(x)`, so a classifier's output
/// layer keeps the identity and its loss applies softmax ([`loss::CrossEntropy`]).
///
/// # Blocks and PyTorch's module names
///
/// A layer's name may be dotted as PyTorch nests modules (`features.0`, `layer1.0.conv1`):
/// the field is `features_0`, the `state_dict` key `features.0.weight`. A sub-network used
/// several times is declared once before the struct, `block NAME(PARAM, PARAM = DEFAULT, ...)
/// { layers }`, and used as a layer, `layer2.0: NAME(ARGS)`: each use becomes the block's
/// layers (named `layer2.0.conv1`, ...) with the parameters replaced by the use's values,
/// checked at that use (a size that does not fit is an error spanned there, naming the
/// layer). In a block, `input` is what the use reads, its output is its last layer, and a
/// layer ending in `if FLAG` is left out where the flag is `false` (what reads it then reads
/// its input). `adaptive_avg_pool2d(S)` or `((OH, OW))` is PyTorch's `AdaptiveAvgPool2d`.
///
/// ```
/// use nn_core::{network, Parameters};
/// network! {
///     block Basic(planes, stride = 1, down = false) {
///         conv1: conv2d(planes, 3, stride = stride, pad = 1, bias = false, floor = true),
///         bn1: batch_norm(relu),
///         conv2: conv2d(planes, 3, pad = 1, bias = false),
///         bn2: batch_norm,
///         downsample.0: conv2d(planes, 1, stride = stride, bias = false, floor = true)(input) if down,
///         downsample.1: batch_norm if down,
///         add: add(bn2, downsample.1, relu),
///     }
///     struct Tiny {
///         input: [3, 32, 32],
///         conv1: conv2d(8, 3, pad = 1, bias = false),
///         bn1: batch_norm(relu),
///         layer1.0: Basic(8),
///         layer2.0: Basic(16, stride = 2, down = true),
///         avgpool: adaptive_avg_pool2d(1),
///         flatten: flatten,
///         fc: dense(10),
///     }
/// }
/// let net = Tiny::<f32>::zeros();
/// let names: Vec<String> = (0..net.tensor_count())
///     .map(|i| net.tensor_info(i).unwrap().to_string())
///     .collect();
/// assert!(names.contains(&"layer2.0.downsample.0.weight".to_string()));
/// assert!(names.contains(&"layer1.0.bn2.running_var".to_string()));
/// assert!(!names.iter().any(|n| n.starts_with("layer1.0.downsample")));
/// ```
///
/// `examples/support/torchvision_models.rs` declares torchvision's AlexNet, VGG-11,
/// ResNet-18 and ResNeXt-50 (32x4d) this way.
///
/// # What it generates
///
/// For `struct Net`: `Net<T: Scalar = f32>` with one public field per layer
/// ([`layer::Dense`]), `Net::new(&mut rng)`, `Net::zeros()`, `INPUTS`, `OUTPUTS`,
/// `PARAMETERS`, `summary()`, `Clone`, `Debug`, [`Parameters`] and [`Network`]; the
/// trace types `NetTrace` (one sample) and `NetBatchTrace` (a batch, under `alloc`); and
///
/// | method | computes |
/// |---|---|
/// | `forward(&x)` | `f(x)` for one sample, no heap |
/// | `forward_trace(&x)` | keeps every `z_l`, `x_l`, no heap |
/// | `backward(&x, &trace, &dl_df, &mut grads)` | the backward chain rule (the delta recursion for a chain); writes `dℓ/dθ` into `grads`, returns `dℓ/dx`, no heap |
/// | `tangent(&x, &trace, &dx)`, `jacobian(&x)` | the forward chain rule: `(∂f/∂x) dx` and the whole input Jacobian, no heap |
/// | `forward_batch(&X)` | `f` for each column of `X`, one matrix product per layer |
/// | `forward_batch_into(&X, &mut trace)` | the same into the trace's reused buffers |
/// | `forward_batch_trace(&X)`, `forward_batch_trace_into(&X, &mut trace)` | keeps `Z_l`, `X_l` |
/// | `backward_batch(&X, &mut trace, &dL_dF, &mut grads)` | parameter gradients summed over the batch, returns `dL/dX` |
/// | `backward_batch_params(...)` | the same without `dL/dX` |
///
/// With several inputs the methods take one argument per input, in declaration order, and
/// return a tuple with one value per output; the batch methods of such a network fail with
/// a typed error when the inputs hold different numbers of samples.
///
/// # Weights embedded at compile time
///
/// `#[weights = "path.safetensors"]` on the struct (the path relative to the crate's
/// `Cargo.toml`) makes an inference-only network instead: the macro reads the file's header
/// while expanding and checks every tensor's name, dtype and shape against the declaration
/// (PyTorch's `state_dict` names: `fc1.weight` of shape `(out, in)`, `fc1.bias`), each
/// disagreement a compile error naming the tensor with both shapes. The file is embedded with
/// `include_bytes!`, so Cargo rebuilds when it changes, and each layer views its tensors in
/// those bytes with no copy ([`embed`]). `Net` is then a `Copy` struct of `'static`
/// references with `Net::new()` (a `const fn`), `forward(&x)` (no heap), `INPUTS`, `OUTPUTS`
/// and `PARAMETERS`; the scalar is the file's (`F32`: `f32`, `F64`: `f64`). A dense layer
/// whose `weight` is `I8` (a file written by [`quant::QuantizedFile`]) runs in int8. Embedded
/// networks are chains of `dense`, `dropout` and parameterless kinds such as `flatten`.
///
/// ```
/// use nn_core::{network, nalgebra::SVector};
/// network! {
///     #[weights = "../tests/fixtures/sine_1_16_16_1.safetensors"]
///     struct Sine { input: 1, fc1: dense(16, relu), fc2: dense(16, relu), fc3: dense(1) }
/// }
/// static NET: Sine = Sine::new(); // in flash on a microcontroller
/// let y = NET.forward(&SVector::from([1.0]));
/// assert!((y[0] - 1f32.sin()).abs() < 0.1);
/// ```
///
/// # Shape errors
///
/// Literal sizes are checked by the macro, every mistake of a declaration at once, each
/// spanned on the offending token:
///
/// ```compile_fail
/// nn_core::network! {
///     struct Bad { input: 784, fc1: dense(128, relu), fc2: dense(100 -> 10) }
/// }
/// // error: `fc2` expects 100 inputs, but `fc1` produces 128
/// ```
///
/// Sizes given as `const` names are checked by the compiler, and so is everything at the
/// call site: a 100-value input to a 784-input network does not compile.
///
/// ```compile_fail
/// nn_core::network! { struct Net { input: 784, out: dense(10) } }
/// let net: Net = Net::zeros();
/// net.forward(&nn_core::nalgebra::SVector::<f32, 100>::zeros());
/// ```
///
/// # Size parameters
///
/// `struct Name<const P: usize, ...>` declares sizes the user picks; the scalar type comes
/// after them with its default (`Mlp<16, 3>` is `f32`). A parameter is checked by name where
/// a size is used as it is; a size computed from one (a flattened `[C, 8, 8]`, a `concat`'s
/// sum) is refused, as stable Rust cannot compute with a const parameter inside a type.
///
/// ```
/// use nn_core::network;
/// network! {
///     pub struct Mlp<const H: usize, const CLASSES: usize> {
///         input: 4,
///         hidden: dense(H, relu),
///         out: dense(H -> CLASSES),
///     }
/// }
/// let net: Mlp<16, 3> = Mlp::zeros();
/// assert_eq!(net.forward(&nn_core::nalgebra::SVector::zeros()).len(), 3);
/// assert_eq!(Mlp::<16, 3, f64>::PARAMETERS, 4 * 16 + 16 + 16 * 3 + 3);
/// ```
///
/// ```compile_fail
/// nn_core::network! {
///     struct Net<const C: usize> { input: [C, 8, 8], flat: flatten, out: dense(10) }
/// }
/// // error: the size of the input `input` would be computed from the size parameter `C`
/// ```
///
/// # Large networks: the workspace
///
/// One sample's `forward` keeps small networks' activations on the stack and a large
/// network's in a heap workspace of `WORKSPACE_LEN` values (with `alloc`); `forward_in`
/// takes the caller's buffer instead and never allocates:
///
/// ```
/// use nn_core::network;
/// network! { struct Net { input: [1, 16, 16], c: conv2d(4, 3, relu, pad = 1), f: flatten, out: dense(2) } }
/// let net: Net = Net::zeros();
/// let mut workspace = [0.0f32; Net::<f32>::WORKSPACE_LEN];
/// let y = net.forward_in(&nn_core::nalgebra::SVector::zeros(), &mut workspace)?;
/// assert_eq!(y, net.forward(&nn_core::nalgebra::SVector::zeros()));
/// assert_eq!(Net::<f32>::WORKSPACE_BYTES, 4 * Net::<f32>::WORKSPACE_LEN);
/// # Ok::<(), nn_core::Error>(())
/// ```
///
/// # Example
///
/// ```
/// use nn_core::network;
/// const HIDDEN: usize = 16;
/// network! {
///     /// A regression network.
///     #[derive(PartialEq)]
///     pub struct Reg {
///         input: 3,
///         fc1: dense(HIDDEN, leaky_relu(0.1), init = he),
///         fc2: dense(HIDDEN -> 8, tanh, init = xavier),
///         out: dense(1),
///     }
/// }
/// let net: Reg<f64> = Reg::new(&mut rand::rngs::StdRng::seed_from_u64(0));
/// # use rand::SeedableRng;
/// let y = net.forward(&nn_core::nalgebra::SVector::from([1.0, 2.0, 3.0]));
/// assert!(y[0].is_finite());
/// assert_eq!(Reg::<f64>::PARAMETERS, 3 * 16 + 16 + 16 * 8 + 8 + 8 + 1);
/// ```
pub use nn_macros::network;
pub use rand;

/// A batch of samples with `N` values each, one sample per column (`N x n`).
///
/// ```
/// let b = nn_core::Batch::<f32, 784>::zeros(64);
/// assert_eq!(b.shape(), (784, 64));
/// ```
#[cfg(feature = "alloc")]
pub type Batch<T, const N: usize> = nalgebra::OMatrix<T, nalgebra::Const<N>, nalgebra::Dyn>;

/// Items the code generated by `network!` refers to. Not a stable API.
#[doc(hidden)]
pub mod __private {
    pub use core::{clone::Clone, fmt, option::Option, result::Result};
    pub use nalgebra::SVector;

    pub use crate::embed::buffers::{max_of, vector, vector_mut};
    pub use crate::embed::custom::custom_tensors_mismatch;
    #[cfg(feature = "alloc")]
    pub use crate::layer::dropout::{dropout_backward, dropout_forward};

    /// The joins' forward and backward maps on column-major slices.
    pub mod join {
        pub use crate::layer::join::*;
    }

    /// The matrix and convolution kernels the layers run: for benchmarks and tests that time
    /// or check them directly (users pick a kernel with [`crate::kernels::pin`]).
    pub mod kernels {
        pub use crate::kernels::adam::{adam_update, AdamCoefficients};
        pub use crate::kernels::conv::{conv_backward, conv_forward, out_size, ConvGeometry};
        pub use crate::kernels::gemv::{gemv_f32, gemv_portable};
        #[cfg(feature = "alloc")]
        pub use crate::kernels::product::{gemm, sgemm};
        pub use crate::kernels::product::{Op, Operand};
    }

    /// `Ok` when a batch has the number of samples its trace was made for.
    pub fn check_batch(
        expected: usize,
        found: usize,
        what: &'static str,
    ) -> Result<(), crate::Error> {
        if expected == found {
            Ok(())
        } else {
            Err(crate::Error::LengthMismatch {
                what,
                expected,
                found,
            })
        }
    }

    /// Makes `buf` hold `n` columns of zeros when it holds another number, keeping its
    /// allocation when that is large enough (a smaller last batch of an epoch and the full
    /// batches after it allocate nothing).
    #[cfg(feature = "alloc")]
    pub fn resize<T: crate::Scalar, const R: usize>(buf: &mut crate::Batch<T, R>, n: usize) {
        if buf.ncols() != n {
            let old = core::mem::replace(buf, crate::Batch::<T, R>::zeros(0));
            let mut v: alloc::vec::Vec<T> = old.data.into();
            v.clear();
            v.resize(R * n, T::zero());
            *buf =
                crate::Batch::<T, R>::from_vec_generic(nalgebra::Const::<R>, nalgebra::Dyn(n), v);
        }
    }

    /// `dst = src`, reusing `dst`'s allocation when it is large enough.
    #[cfg(feature = "alloc")]
    pub fn assign<T: crate::Scalar, const R: usize>(
        dst: &mut crate::Batch<T, R>,
        src: &crate::Batch<T, R>,
    ) {
        resize(dst, src.ncols());
        dst.copy_from(src);
    }

    /// A message formatted at compile time, for the size checks `network!` leaves to the
    /// compiler (sizes written as `const` names): `const` code cannot format numbers with
    /// `format_args!`, so this writes them into a fixed buffer.
    pub struct ConstMessage {
        buf: [u8; 1024],
        len: usize,
    }

    impl ConstMessage {
        pub(crate) const fn new() -> Self {
            Self {
                buf: [0; 1024],
                len: 0,
            }
        }

        /// Appends `s`, or as much of it as fits on a character boundary.
        pub(crate) const fn push(mut self, s: &str) -> Self {
            let b = s.as_bytes();
            let mut i = 0;
            while i < b.len() && self.len < self.buf.len() {
                // Stop before a character that would not fit whole.
                let width = match b[i] {
                    0..=0x7f => 1,
                    0xc0..=0xdf => 2,
                    0xe0..=0xef => 3,
                    _ => 4,
                };
                if self.len + width > self.buf.len() {
                    break;
                }
                let mut k = 0;
                while k < width && i < b.len() {
                    self.buf[self.len] = b[i];
                    self.len += 1;
                    i += 1;
                    k += 1;
                }
            }
            self
        }

        /// Appends `n` in decimal.
        pub(crate) const fn push_usize(self, mut n: usize) -> Self {
            let mut digits = [0u8; 20];
            let mut count = 0;
            loop {
                digits[digits.len() - 1 - count] = b'0' + (n % 10) as u8;
                count += 1;
                n /= 10;
                if n == 0 {
                    break;
                }
            }
            let (_, tail) = digits.split_at(digits.len() - count);
            match core::str::from_utf8(tail) {
                Ok(s) => self.push(s),
                Err(_) => self,
            }
        }

        /// The message.
        pub const fn as_str(&self) -> &str {
            let (text, _) = self.buf.split_at(self.len);
            match core::str::from_utf8(text) {
                Ok(s) => s,
                Err(_) => "network!: sizes disagree",
            }
        }
    }

    /// `None` when `expected == found`; otherwise the message
    /// `parts[0] expected parts[1] found parts[2]`, which the generated `const` item panics
    /// with (so the error points at the user's size, not into this crate).
    pub const fn size_mismatch(
        expected: usize,
        found: usize,
        parts: [&str; 3],
    ) -> Option<ConstMessage> {
        if expected == found {
            return None;
        }
        Some(
            ConstMessage::new()
                .push(parts[0])
                .push_usize(expected)
                .push(parts[1])
                .push_usize(found)
                .push(parts[2]),
        )
    }

    /// Expands its input only when nn-core has the `alloc` feature.
    #[cfg(feature = "alloc")]
    #[macro_export]
    #[doc(hidden)]
    macro_rules! __nn_if_alloc {
        ($($t:tt)*) => { $($t)* };
    }
    /// Expands its input only when nn-core has the `alloc` feature.
    #[cfg(not(feature = "alloc"))]
    #[macro_export]
    #[doc(hidden)]
    macro_rules! __nn_if_alloc {
        ($($t:tt)*) => {};
    }
    pub use crate::__nn_if_alloc as if_alloc;

    /// `alloc_or!({ with } else { without })`: the first block when nn-core has the `alloc`
    /// feature, the second otherwise.
    #[cfg(feature = "alloc")]
    #[macro_export]
    #[doc(hidden)]
    macro_rules! __nn_alloc_or {
        ({ $($a:tt)* } else { $($b:tt)* }) => { { $($a)* } };
    }
    /// `alloc_or!({ with } else { without })`: the first block when nn-core has the `alloc`
    /// feature, the second otherwise.
    #[cfg(not(feature = "alloc"))]
    #[macro_export]
    #[doc(hidden)]
    macro_rules! __nn_alloc_or {
        ({ $($a:tt)* } else { $($b:tt)* }) => { { $($b)* } };
    }
    pub use crate::__nn_alloc_or as alloc_or;
}

#[cfg(test)]
mod tests {
    use super::__private::size_mismatch;

    #[test]
    fn formats_size_mismatches_at_compile_time() {
        const MSG: Option<super::__private::ConstMessage> = size_mismatch(
            64,
            128,
            ["`fc2` expects `H` = ", " inputs, but `fc1` produces ", "."],
        );
        let text = MSG.as_ref().map(|m| m.as_str());
        assert_eq!(
            text,
            Some("`fc2` expects `H` = 64 inputs, but `fc1` produces 128.")
        );
        let m = size_mismatch(0, usize::MAX, ["", " ≠ ", ""]);
        let expected = std::format!("0 ≠ {}", usize::MAX);
        assert_eq!(m.as_ref().map(|m| m.as_str()), Some(expected.as_str()));
        assert!(size_mismatch(3, 3, ["", "", ""]).is_none());
        // A message longer than the buffer is cut on a character boundary.
        let long = "é".repeat(600);
        let m = size_mismatch(1, 2, [long.as_str(), "", ""]);
        let cut = m.as_ref().map_or("", |m| m.as_str());
        assert!(cut.len() <= 1024 && cut.len() >= 1022 && cut.chars().all(|c| c == 'é'));
    }
}
