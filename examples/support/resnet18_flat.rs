//! ResNet-18 as torchvision builds it, declared flat (`l2_0_down` is `layer2.0.downsample`):
//! a 7x7 stem, four stages of two basic blocks, global pooling, 1000 classes. Shared by the
//! example `resnet18_stack` and `tests/resnet18_stack.rs`; `benches/build_times.sh` times
//! its build.

use nn_core::network;

network! {
    /// ResNet-18: a 7x7 stem, four stages of two basic blocks, global pooling, 1000 classes.
    pub struct ResNet18Flat {
        input: [3, 224, 224],
        conv1: conv2d(64, 7, stride = 2, pad = 3, bias = false, floor = true),
        bn1: batch_norm(relu),
        maxpool: max_pool2d(3, stride = 2, pad = 1, floor = true),
        l1_0_conv1: conv2d(64, 3, pad = 1, bias = false)(maxpool),
        l1_0_bn1: batch_norm(relu),
        l1_0_conv2: conv2d(64, 3, pad = 1, bias = false),
        l1_0_bn2: batch_norm,
        l1_0_out: add(l1_0_bn2, maxpool, relu),
        l1_1_conv1: conv2d(64, 3, pad = 1, bias = false)(l1_0_out),
        l1_1_bn1: batch_norm(relu),
        l1_1_conv2: conv2d(64, 3, pad = 1, bias = false),
        l1_1_bn2: batch_norm,
        l1_1_out: add(l1_1_bn2, l1_0_out, relu),
        l2_0_conv1: conv2d(128, 3, stride = 2, pad = 1, bias = false, floor = true)(l1_1_out),
        l2_0_bn1: batch_norm(relu),
        l2_0_conv2: conv2d(128, 3, pad = 1, bias = false),
        l2_0_bn2: batch_norm,
        l2_0_down: conv2d(128, 1, stride = 2, bias = false, floor = true)(l1_1_out),
        l2_0_down_bn: batch_norm,
        l2_0_out: add(l2_0_bn2, l2_0_down_bn, relu),
        l2_1_conv1: conv2d(128, 3, pad = 1, bias = false)(l2_0_out),
        l2_1_bn1: batch_norm(relu),
        l2_1_conv2: conv2d(128, 3, pad = 1, bias = false),
        l2_1_bn2: batch_norm,
        l2_1_out: add(l2_1_bn2, l2_0_out, relu),
        l3_0_conv1: conv2d(256, 3, stride = 2, pad = 1, bias = false, floor = true)(l2_1_out),
        l3_0_bn1: batch_norm(relu),
        l3_0_conv2: conv2d(256, 3, pad = 1, bias = false),
        l3_0_bn2: batch_norm,
        l3_0_down: conv2d(256, 1, stride = 2, bias = false, floor = true)(l2_1_out),
        l3_0_down_bn: batch_norm,
        l3_0_out: add(l3_0_bn2, l3_0_down_bn, relu),
        l3_1_conv1: conv2d(256, 3, pad = 1, bias = false)(l3_0_out),
        l3_1_bn1: batch_norm(relu),
        l3_1_conv2: conv2d(256, 3, pad = 1, bias = false),
        l3_1_bn2: batch_norm,
        l3_1_out: add(l3_1_bn2, l3_0_out, relu),
        l4_0_conv1: conv2d(512, 3, stride = 2, pad = 1, bias = false, floor = true)(l3_1_out),
        l4_0_bn1: batch_norm(relu),
        l4_0_conv2: conv2d(512, 3, pad = 1, bias = false),
        l4_0_bn2: batch_norm,
        l4_0_down: conv2d(512, 1, stride = 2, bias = false, floor = true)(l3_1_out),
        l4_0_down_bn: batch_norm,
        l4_0_out: add(l4_0_bn2, l4_0_down_bn, relu),
        l4_1_conv1: conv2d(512, 3, pad = 1, bias = false)(l4_0_out),
        l4_1_bn1: batch_norm(relu),
        l4_1_conv2: conv2d(512, 3, pad = 1, bias = false),
        l4_1_bn2: batch_norm,
        l4_1_out: add(l4_1_bn2, l4_0_out, relu),
        avgpool: global_avg_pool,
        fc: dense(1000),
    }
}
