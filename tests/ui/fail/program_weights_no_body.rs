// The embedded network has no body: the declaration stops at `;`, so no size is known. The
// sizes a mistake hides are one constant holding the error, reported once.
// A whole program (declare, construct, train with `Fit`, save, embed) with this one mistake
// reports one error: the macro's stand-in has every method and trait impl the valid network has.
use nn_core::network;

network! {
    /// The classifier as deployed, from a trained file.
    #[weights = "../../../../tests/fixtures/mnist_784_128_10.safetensors"]
    pub struct Deployed;
}

include!("../program/uses_deployed.rs");
