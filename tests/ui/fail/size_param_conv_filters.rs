// A convolution's output size is computed from its filters; image layers take literal settings.
use nn_core::network;

network! {
    struct Net<const F: usize> {
        input: [1, 8, 8],
        conv: conv2d(F, 3, relu),
        pool: global_avg_pool,
        out: dense(2),
    }
}

fn main() {}
