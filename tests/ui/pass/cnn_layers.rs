// Every image layer and option: non-square kernels, stride, padding, dilation, groups, no
// bias, floor mode, average and global pooling, batch norm with an activation.
use nn_core::network;

network! {
    struct Net {
        input: [3, 29, 29],
        c1: conv2d(12, (3, 5), relu, stride = 2, pad = 2, dilation = 1, floor = true, init = he),
        bn: batch_norm(relu),
        c2: conv2d(12, 3, pad = 2, dilation = 2, groups = 3, bias = false),
        avg: avg_pool2d(3, stride = 2, pad = 1, floor = true),
        mp: max_pool2d(2, stride = 1),
        gap: global_avg_pool,
        out: dense(12 -> 5),
    }
}

fn main() {
    use nn_core::nalgebra::SVector;
    let net: Net = Net::new(&mut rand::rngs::StdRng::seed_from_u64(0));
    use rand::SeedableRng;
    let y = net.forward(&SVector::<f32, { 3 * 29 * 29 }>::zeros());
    assert_eq!(y.len(), 5);
}
