//! The `Layer` and `Parameters` impls of layers without parameters (flatten, pooling):
//! no tensors, zero parameters, `zeros()` is the default value and `init` does nothing.
//!
//! `no_parameters!("kind", Type<T, C, ...>, const C, ...)` writes both impls for
//! `Type`, generic over `T: Scalar` and the listed `usize` const parameters;
//! `stateless!(Type<T, C, ...>, const C, ...)` writes `Default`, `Clone` and `PartialEq` for
//! a layer that holds only `PhantomData<T>`.

/// Implements [`Layer`](super::Layer) (with `KIND = $kind`, no tensors) and a zero-tensor
/// [`Parameters`](crate::Parameters) for `$ty`, generic over `T: Scalar` and the
/// `const $c: usize` parameters listed after it. `$ty` must implement `Default`.
macro_rules! no_parameters {
    ($kind:literal, $ty:ty $(, const $c:ident)* $(,)?) => {
        impl<T: $crate::Scalar $(, const $c: usize)*> $crate::layer::Layer<T> for $ty {
            const KIND: &'static str = $kind;
            const TENSORS: usize = 0;
            const PARAMETERS: usize = 0;
            fn zeros() -> Self {
                <Self as ::core::default::Default>::default()
            }
            fn init<R: rand::Rng + ?Sized>(&mut self, _: $crate::init::Init, _: &mut R) {}
        }

        impl<T: $crate::Scalar $(, const $c: usize)*> $crate::Parameters<T> for $ty {
            fn tensor_count(&self) -> usize {
                0
            }
            fn tensor_info(&self, _: usize) -> Option<$crate::ParamInfo> {
                None
            }
            fn tensor(&self, _: usize) -> Option<&[T]> {
                None
            }
            fn tensor_mut(&mut self, _: usize) -> Option<&mut [T]> {
                None
            }
        }
    };
}

pub(crate) use no_parameters;

/// Implements `Default`, `Clone` and `PartialEq` for `$ty`, a layer that holds nothing but a
/// `PhantomData<T>` and has a `const fn new()`: every value is the same value. (Derives would
/// ask `T: Default`, which scalars need not be.) Generic as [`no_parameters!`].
macro_rules! stateless {
    ($ty:ty $(, const $c:ident)* $(,)?) => {
        impl<T: $crate::Scalar $(, const $c: usize)*> ::core::default::Default for $ty {
            fn default() -> Self {
                Self::new()
            }
        }

        impl<T: $crate::Scalar $(, const $c: usize)*> ::core::clone::Clone for $ty {
            fn clone(&self) -> Self {
                Self::new()
            }
        }

        impl<T: $crate::Scalar $(, const $c: usize)*> ::core::cmp::PartialEq for $ty {
            fn eq(&self, _: &Self) -> bool {
                true
            }
        }
    };
}

pub(crate) use stateless;
