// `Deployed` as it should be, and the program (`main.rs`) over it and the case's `Model`.
nn_core::network! {
    /// The classifier as deployed, from a trained file.
    #[weights = "../../../../tests/fixtures/mnist_784_128_10.safetensors"]
    pub struct Deployed {
        input: 784,
        fc1: dense(128, relu),
        fc2: dense(10),
    }
}

include!("main.rs");
