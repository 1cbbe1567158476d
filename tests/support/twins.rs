//! `twins!`: a trainable network and the same network embedded from a weights file, declared
//! from one body so that the two declarations cannot drift apart.
//!
//! ```ignore
//! twins! {
//!     /// Documentation of the trainable network.
//!     pub struct Residual, ResidualStatic = "tests/fixtures/graph_residual.safetensors" {
//!         input: 12,
//!         out: dense(3),
//!     }
//! }
//! ```
//!
//! Tokens are captured as `tt` so that `network!` sees them as written (a `literal` or `vis`
//! fragment would reach it wrapped in an invisible group).

macro_rules! twins {
    ($(# $attr:tt)* pub struct $($rest:tt)*) => { twins!(@ (pub) $(# $attr)* $($rest)*); };
    ($(# $attr:tt)* struct $($rest:tt)*) => { twins!(@ () $(# $attr)* $($rest)*); };
    (@ ($($vis:tt)*) $(# $attr:tt)* $train:ident, $embedded:ident = $file:tt { $($body:tt)* }) => {
        nn_core::network! { $(# $attr)* $($vis)* struct $train { $($body)* } }
        nn_core::network! {
            #[doc = concat!("`", stringify!($train), "` embedded from `", $file, "`.")]
            #[weights = $file]
            $($vis)* struct $embedded { $($body)* }
        }
    };
}
