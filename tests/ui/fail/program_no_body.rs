// No body: the declaration stops at `;`, so no size is known. The sizes a mistake hides are
// one constant holding the error, which the compiler reads as an error value and reports once.
// A whole program (declare, construct, train with `Fit`, save, embed) with this one mistake
// reports one error: the macro's stand-in has every method and trait impl the valid network has.
use nn_core::network;

network! {
    /// A digit classifier.
    pub struct Net;
}

include!("../program/uses_net.rs");
