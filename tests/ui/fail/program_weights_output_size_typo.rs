// The embedded network's output size is `1O` (a letter O): the size `forward` returns is
// unknown, and stands as one constant holding the error, reported once.
// A whole program (declare, construct, train with `Fit`, save, embed) with this one mistake
// reports one error: the macro's stand-in has every method and trait impl the valid network has.
use nn_core::network;

network! {
    /// The classifier as deployed, from a trained file.
    #[weights = "../../../../tests/fixtures/mnist_784_128_10.safetensors"]
    pub struct Deployed {
        input: 784,
        fc1: dense(128, relu),
        fc2: dense(1O),
    }
}

include!("../program/uses_deployed.rs");
