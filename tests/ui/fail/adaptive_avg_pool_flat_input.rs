// Adaptive average pooling reads an image, not a flat vector.
use nn_core::network;

network! {
    struct Net {
        input: 64,
        pool: adaptive_avg_pool2d(7),
    }
}

fn main() {}
