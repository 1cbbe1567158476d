//! [`Network`]: what every `network!` struct is, and [`Chain`]: two networks in sequence.
//!
//! Chaining checks sizes in the type system: the first network's output size
//! must be the second one's input size, so an encoder producing 64 values cannot feed a head
//! expecting 32; that mistake does not compile, and the error names both networks and both
//! sizes.
//!
//! ```
//! use nn_core::{network, Network, chain};
//! use rand::{rngs::StdRng, SeedableRng};
//! network! { struct Encoder { input: 4, fc: dense(3, tanh) } }
//! network! { struct Head { input: 3, out: dense(2) } }
//! let mut rng = StdRng::seed_from_u64(0);
//! let both = chain(Encoder::<f64>::new(&mut rng), Head::new(&mut rng));
//! let y = both.forward(&nn_core::nalgebra::SVector::<f64, 4>::zeros());
//! assert_eq!(y.len(), 2);
//! ```

// The size traits (plumbing `network!` implements, not API) stay reachable here, out of the
// documentation: `#[doc(hidden)]` on this re-export and on their impls, not on the traits,
// which the compiler would then print by their full paths in `chain`'s errors.
#[doc(hidden)]
pub use crate::sizes::{FeedsInto, NotASize, OutputSize, Size, SizeOf};
use crate::{ParamInfo, Parameters, Scalar};

/// A network with a statically sized input and output.
pub trait Network<T: Scalar>: Parameters<T> {
    /// The number of input values.
    const INPUTS: usize;
    /// The number of output values.
    const OUTPUTS: usize;
    /// One sample's input, `SVector<T, INPUTS>`.
    type Input;
    /// One sample's output, `SVector<T, OUTPUTS>`.
    type Output;
    /// The output for one sample. A `network!` struct allocates nothing unless its
    /// activations exceed 32768 values (then one heap workspace; `forward_in` takes a buffer).
    fn forward(&self, x: &Self::Input) -> Self::Output;
}

/// `second(first(x))`.
#[derive(Clone, Debug)]
pub struct Chain<A, B> {
    /// Runs first.
    pub first: A,
    /// Reads the first network's output.
    pub second: B,
}

/// Runs `first`, then `second` on its output. The sizes must agree: the first network's
/// output size is the second one's input size, or the call does not compile.
pub fn chain<T: Scalar, A: Network<T> + FeedsInto<T, B>, B: Network<T>>(
    first: A,
    second: B,
) -> Chain<A, B> {
    Chain { first, second }
}

#[doc(hidden)]
impl<A, B: OutputSize<Size<N>>, const N: usize> OutputSize<Size<N>> for Chain<A, B> {}

// A chain's second, never-matching impl, as `network!` gives each network (see `NotASize`).
#[diagnostic::do_not_recommend]
#[doc(hidden)]
impl<A, B, S, T> OutputSize<NotASize<S, T>> for Chain<A, B> {}

impl<T: Scalar, A: Network<T>, B: Network<T, Input = A::Output>> Network<T> for Chain<A, B> {
    const INPUTS: usize = A::INPUTS;
    const OUTPUTS: usize = B::OUTPUTS;
    type Input = A::Input;
    type Output = B::Output;
    fn forward(&self, x: &A::Input) -> B::Output {
        self.second.forward(&self.first.forward(x))
    }
}

impl<T, A: Parameters<T>, B: Parameters<T>> Parameters<T> for Chain<A, B> {
    fn tensor_count(&self) -> usize {
        self.first.tensor_count() + self.second.tensor_count()
    }
    fn tensor_info(&self, i: usize) -> Option<ParamInfo> {
        let n = self.first.tensor_count();
        if i < n {
            self.first.tensor_info(i)
        } else {
            self.second.tensor_info(i - n)
        }
    }
    fn tensor(&self, i: usize) -> Option<&[T]> {
        let n = self.first.tensor_count();
        if i < n {
            self.first.tensor(i)
        } else {
            self.second.tensor(i - n)
        }
    }
    fn tensor_mut(&mut self, i: usize) -> Option<&mut [T]> {
        let n = self.first.tensor_count();
        if i < n {
            self.first.tensor_mut(i)
        } else {
            self.second.tensor_mut(i - n)
        }
    }
}
