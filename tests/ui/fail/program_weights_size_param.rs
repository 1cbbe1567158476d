// The weights file fixes every size: an embedded network takes no size parameters. The
// stand-in still has `new`, `forward` and the sizes at its ends.
// A whole program (declare, construct, train with `Fit`, save, embed) with this one mistake
// reports one error: the macro's stand-in has every method and trait impl the valid network has.
use nn_core::network;

network! {
    /// The classifier as deployed, from a trained file.
    #[weights = "../../../../tests/fixtures/mnist_784_128_10.safetensors"]
    pub struct Deployed<const H: usize> {
        input: 784,
        fc1: dense(H, relu),
        fc2: dense(10),
    }
}

include!("../program/uses_deployed.rs");
