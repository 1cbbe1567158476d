// The file's `c1` has 8 filters, so its `c1_bn` normalizes 8 channels; the declaration asks
// for 16 filters, and so `c1_bn` expects 16 of each of its four tensors. Paths are relative
// to the crate's Cargo.toml, here trybuild's copy of it in target/tests/trybuild/nn.
use nn_core::network;

network! {
    #[weights = "../../../../tests/fixtures/graph_bn_block.safetensors"]
    struct BnBlock {
        input: [2, 8, 8],
        stem: conv2d(4, 3, pad = 1, bias = false),
        stem_bn: batch_norm(relu),
        c1: conv2d(16, 3, stride = 2, pad = 1, bias = false, floor = true),
        c1_bn: batch_norm(relu),
        c2: conv2d(8, 3, pad = 1, bias = false),
        c2_bn: batch_norm,
        proj: conv2d(8, 1, stride = 2, bias = false, floor = true)(stem_bn),
        proj_bn: batch_norm,
        block: add(c2_bn, proj_bn, relu),
        gap: global_avg_pool,
        out: dense(3),
    }
}

fn main() {}
