//! The five networks of the README's speed table ("Training on every core"), declared once
//! for `benches/train_epoch.rs` (which times them against PyTorch) and `tests/fit_alloc.rs`
//! (which counts their allocations): the MLP 784-128-64-10, the small CNN, `mnist_mlp`'s and
//! `mnist_cnn`'s networks (as in `examples/03_mnist_mlp.rs` and `examples/10_mnist_cnn.rs`)
//! and the LSTM(28 -> 64) classifier over MNIST's 28 rows.

use nn_core::network;

network! {
    /// The speed table's MLP.
    pub struct Mlp {
        input: 784,
        fc1: dense(128, relu),
        fc2: dense(64, relu),
        out: dense(10),
    }
}

network! {
    /// The speed table's small CNN.
    pub struct Cnn {
        input: [1, 28, 28],
        conv1: conv2d(8, 3, relu, pad = 1),
        pool1: max_pool2d(2),
        conv2: conv2d(16, 3, relu, pad = 1),
        pool2: max_pool2d(2),
        flat: flatten,
        out: dense(10),
    }
}

network! {
    /// `mnist_mlp`'s network.
    pub struct MnistMlp {
        input: 784,
        fc1: dense(512, relu, init = he),
        drop1: dropout(0.2),
        fc2: dense(256, relu, init = he),
        drop2: dropout(0.2),
        fc3: dense(10),
    }
}

network! {
    /// `mnist_cnn`'s network.
    pub struct MnistCnn {
        input: [1, 28, 28],
        conv1: conv2d(16, 3, relu, pad = 1, init = he),
        pool1: max_pool2d(2),
        conv2: conv2d(32, 3, relu, pad = 1, init = he),
        pool2: max_pool2d(2),
        flat: flatten,
        fc: dense(128, relu, init = he),
        drop: dropout(0.3),
        out: dense(10),
    }
}

network! {
    /// The LSTM classifier: 28 rows of 28 pixels.
    pub struct Lstm {
        input: [28, 28],
        lstm: lstm(64, seq = last),
        out: dense(10),
    }
}
