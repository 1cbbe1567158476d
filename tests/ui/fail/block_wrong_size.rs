// A block whose identity shortcut fits at its first use but not at its second, where it
// doubles the channels without its `down` projection: one error, at that use.
use nn_core::network;
use rand::{rngs::StdRng, SeedableRng};

network! {
    block Basic(planes, stride = 1, down = false) {
        conv1: conv2d(planes, 3, stride = stride, pad = 1, bias = false, floor = true),
        bn1: batch_norm(relu),
        conv2: conv2d(planes, 3, pad = 1, bias = false),
        bn2: batch_norm,
        downsample.0: conv2d(planes, 1, stride = stride, bias = false, floor = true)(input) if down,
        downsample.1: batch_norm if down,
        add: add(bn2, downsample.1, relu),
    }
    struct Net {
        input: [8, 16, 16],
        layer1.0: Basic(8),
        layer2.0: Basic(16, stride = 2),
        avgpool: global_avg_pool,
        fc: dense(10),
    }
}

fn main() {
    let net: Net = Net::new(&mut StdRng::seed_from_u64(0));
    let y = net.forward(&nn_core::nalgebra::SVector::zeros());
    assert_eq!(y.len(), 10);
}
