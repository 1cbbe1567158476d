// The program (`main.rs`) over `Net` as it should be and the case's `Deployed` as it is.
nn_core::network! {
    /// A digit classifier.
    pub struct Net {
        input: 784,
        fc1: dense(128, relu, init = he),
        fc2: dense(128 -> 32, relu),
        out: dense(10),
    }
}

type Model = Net;

include!("main.rs");
