// A public network with doc comments and attributes, declared inside a module.
#![deny(missing_docs)]
//! A crate whose public items must all be documented.

mod nets {
    use nn_core::network;

    network! {
        /// A classifier for 28x28 images.
        ///
        /// Two layers.
        #[allow(clippy::all)]
        #[doc(alias = "mnist")]
        pub struct Classifier {
            input: 784,
            hidden: dense(128, relu, init = he),
            out: dense(10),
        }
    }
}

use nets::Classifier;

fn main() {
    let net: Classifier = Classifier::zeros();
    let trace = net.forward_trace(&nn_core::nalgebra::SVector::zeros());
    assert_eq!(trace.output().len(), 10);
    assert_eq!(net.hidden.bias.len(), 128);
}
