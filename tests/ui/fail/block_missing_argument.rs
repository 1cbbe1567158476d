// A block used without a value for a parameter that has no default.
use nn_core::network;

network! {
    block Basic(planes, stride = 1) {
        conv1: conv2d(planes, 3, stride = stride, pad = 1),
        bn1: batch_norm(relu),
    }
    struct Net {
        input: [8, 16, 16],
        layer1.0: Basic(stride = 1),
        avgpool: global_avg_pool,
    }
}

fn main() {
    let _ = Net::<f32>::zeros();
}
