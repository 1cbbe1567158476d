//! The sizes of networks as types, for [`chain`](crate::chain)'s compile-time check: a
//! network's output size is `Size<N>` and [`FeedsInto`] holds exactly when it is the next
//! network's input size. Plumbing that `network!` implements for the structs it declares,
//! re-exported by [`network`](crate::network) with `#[doc(hidden)]` on the re-export and on
//! every impl, so that neither this crate's documentation nor a user's shows them. The
//! second impl each network has, `OutputSize<NotASize<S, T>>`, is emitted per network too:
//! rustdoc lists another crate's blanket impls on a user's types even when hidden. Not on the
//! items themselves: the compiler prints a `#[doc(hidden)]` item (or one under `__private`)
//! by its full path in `chain`'s errors,
//! which name these traits.

use crate::network::Network;
use crate::Scalar;

/// Whether `Self`'s output can feed `Next`: implemented exactly when the first network's
/// [`OutputSize`] is the second network's input size.
///
/// This is the only bound of [`chain`](crate::chain) that involves sizes, so two networks that do not fit
/// are reported with this trait's message, naming both networks; the compiler's help below
/// it names both sizes (`OutputSize<Size<32>>` is not implemented, `OutputSize<Size<64>>`
/// is).
#[diagnostic::on_unimplemented(
    message = "`{Next}` cannot read the output of `{Self}`: their sizes disagree",
    label = "the output of `{Self}` does not match the input of `{Next}`",
    note = "the first network's output size must equal the second network's input size"
)]
pub trait FeedsInto<T: Scalar, Next> {}

#[doc(hidden)]
impl<T: Scalar, A, B> FeedsInto<T, B> for A
where
    A: Network<T>,
    B: Network<T>,
    B::Input: SizeOf,
    A: OutputSize<<B::Input as SizeOf>::Size>,
{
}

/// A number of values as a type: what [`OutputSize`] compares.
pub struct Size<const N: usize>;

/// The number of values of a network's input or output, as a [`Size`].
pub trait SizeOf {
    /// `Size<N>` for `N` values.
    type Size;
}

#[doc(hidden)]
impl<T, const N: usize> SizeOf for nalgebra::SVector<T, N> {
    type Size = Size<N>;
}

/// `Self` produces `S` values: `network!` implements `OutputSize<Size<OUTPUTS>>` for the
/// struct it declares. [`FeedsInto`] (and so [`chain`](crate::chain)) reads it; a network written by hand
/// implements it the same way
/// (`nn_core::network::OutputSize`) to be chained.
#[diagnostic::on_unimplemented(
    message = "the output of `{Self}` does not fit the next network, which reads `{S}`",
    label = "the output of `{Self}` has another size",
    note = "the output of a chain is the output of its last network"
)]
pub trait OutputSize<S> {}

/// Never a size. Every network implements `OutputSize<NotASize<_, T>>` (`network!` emits it
/// beside `OutputSize<Size<OUTPUTS>>`, and [`Chain`](crate::Chain) has it), only so that it
/// has two `OutputSize` impls: otherwise the compiler would take its one impl as the size
/// [`FeedsInto`] asks for before it knows the next network's input size, and report a
/// mismatch in [`chain`](crate::chain) as an unrelated type mismatch instead of `FeedsInto`'s
/// message. Per type, not one blanket impl over every network: rustdoc lists another crate's
/// blanket impls (ignoring `#[doc(hidden)]`) on every type of a user's crate they apply to,
/// so a blanket impl showed on each generated network's page; an impl on the type itself
/// stays hidden. A network written by hand that implements only `OutputSize<Size<N>>` still
/// chains; a mismatch is then reported as a type mismatch.
#[doc(hidden)]
pub struct NotASize<S, T>(core::marker::PhantomData<(S, T)>);
