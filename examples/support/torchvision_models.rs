//! AlexNet, VGG-11, ResNet-18 and ResNeXt-50 (32x4d) as torchvision builds them: the same
//! layers in the same order, with torchvision's `state_dict` names (`features.0.weight`,
//! `layer1.0.downsample.0.weight`, `bn1.running_var`), so a file of torchvision weights
//! loads into them as it is (`nn_core::io::load_safetensors`; batch norm's
//! `num_batches_tracked` counters are skipped).
//!
//! Each is declared at torchvision's 3 x 224 x 224 input with 1000 classes. The `*Narrow`
//! variants are what the logit tests run: the classifier's 4096-wide layers narrowed to
//! 256 (AlexNet, VGG-11) or every width divided by 8 (ResNet-18), on smaller images, where
//! the adaptive average pooling has real work to do.
//!
//! ResNet-18's layout is declared once, in `resnet18.rs` (the `resnet18!` macro, which the
//! embedded declarations of `tests/torchvision.rs` and `tests/torchvision-embedded` use
//! too). Copy this file and `resnet18.rs` into a project, or include this one with `#[path]`
//! as `tests/torchvision.rs` does.

#![allow(dead_code)]

use nn_core::network;

#[macro_use]
#[path = "resnet18.rs"]
mod resnet18;

resnet18! {
    /// torchvision's `resnet18()`: 11,689,512 parameters.
    pub struct ResNet18 { input: [3, 224, 224], widths: [64, 128, 256, 512], classes: 1000 }
}

network! {
    /// ResNeXt's bottleneck: 1x1 to `width`, grouped 3x3 (32 groups), 1x1 to `channels`.
    block Bottleneck(width, channels, stride = 1, down = false) {
        conv1: conv2d(width, 1, bias = false),
        bn1: batch_norm(relu),
        conv2: conv2d(width, 3, stride = stride, pad = 1, groups = 32, bias = false, floor = true),
        bn2: batch_norm(relu),
        conv3: conv2d(channels, 1, bias = false),
        bn3: batch_norm,
        downsample.0: conv2d(channels, 1, stride = stride, bias = false, floor = true)(input) if down,
        downsample.1: batch_norm if down,
        add: add(bn3, downsample.1, relu),
    }
    /// torchvision's `resnext50_32x4d()` (25,028,904 parameters) on 3 x 64 x 64 images.
    pub struct ResNeXt50 {
        input: [3, 64, 64],
        conv1: conv2d(64, 7, stride = 2, pad = 3, bias = false, floor = true),
        bn1: batch_norm(relu),
        maxpool: max_pool2d(3, stride = 2, pad = 1, floor = true),
        layer1.0: Bottleneck(128, 256, down = true),
        layer1.1: Bottleneck(128, 256),
        layer1.2: Bottleneck(128, 256),
        layer2.0: Bottleneck(256, 512, stride = 2, down = true),
        layer2.1: Bottleneck(256, 512),
        layer2.2: Bottleneck(256, 512),
        layer2.3: Bottleneck(256, 512),
        layer3.0: Bottleneck(512, 1024, stride = 2, down = true),
        layer3.1: Bottleneck(512, 1024),
        layer3.2: Bottleneck(512, 1024),
        layer3.3: Bottleneck(512, 1024),
        layer3.4: Bottleneck(512, 1024),
        layer3.5: Bottleneck(512, 1024),
        layer4.0: Bottleneck(1024, 2048, stride = 2, down = true),
        layer4.1: Bottleneck(1024, 2048),
        layer4.2: Bottleneck(1024, 2048),
        avgpool: global_avg_pool,
        fc: dense(1000),
    }
}

network! {
    /// torchvision's `alexnet()`: 61,100,840 parameters.
    pub struct AlexNet {
        input: [3, 224, 224],
        features.0: conv2d(64, 11, relu, stride = 4, pad = 2, floor = true),
        features.2: max_pool2d(3, stride = 2, floor = true),
        features.3: conv2d(192, 5, relu, pad = 2),
        features.5: max_pool2d(3, stride = 2, floor = true),
        features.6: conv2d(384, 3, relu, pad = 1),
        features.8: conv2d(256, 3, relu, pad = 1),
        features.10: conv2d(256, 3, relu, pad = 1),
        features.12: max_pool2d(3, stride = 2, floor = true),
        avgpool: adaptive_avg_pool2d(6),
        flatten: flatten,
        classifier.0: dropout(0.5),
        classifier.1: dense(4096, relu),
        classifier.3: dropout(0.5),
        classifier.4: dense(4096, relu),
        classifier.6: dense(1000),
    }
}

network! {
    /// `alexnet(num_classes=10)` with its 4096-wide classifier layers narrowed to 256, on
    /// 3 x 112 x 112 images (the features end at 256 x 2 x 2, pooled up to 6 x 6).
    pub struct AlexNetNarrow {
        input: [3, 112, 112],
        features.0: conv2d(64, 11, relu, stride = 4, pad = 2, floor = true),
        features.2: max_pool2d(3, stride = 2, floor = true),
        features.3: conv2d(192, 5, relu, pad = 2),
        features.5: max_pool2d(3, stride = 2, floor = true),
        features.6: conv2d(384, 3, relu, pad = 1),
        features.8: conv2d(256, 3, relu, pad = 1),
        features.10: conv2d(256, 3, relu, pad = 1),
        features.12: max_pool2d(3, stride = 2, floor = true),
        avgpool: adaptive_avg_pool2d(6),
        flatten: flatten,
        classifier.0: dropout(0.5),
        classifier.1: dense(256, relu),
        classifier.3: dropout(0.5),
        classifier.4: dense(256, relu),
        classifier.6: dense(10),
    }
}

network! {
    /// torchvision's `vgg11()` (configuration "A", no batch norm): 132,863,336 parameters.
    pub struct Vgg11 {
        input: [3, 224, 224],
        features.0: conv2d(64, 3, relu, pad = 1),
        features.2: max_pool2d(2),
        features.3: conv2d(128, 3, relu, pad = 1),
        features.5: max_pool2d(2),
        features.6: conv2d(256, 3, relu, pad = 1),
        features.8: conv2d(256, 3, relu, pad = 1),
        features.10: max_pool2d(2),
        features.11: conv2d(512, 3, relu, pad = 1),
        features.13: conv2d(512, 3, relu, pad = 1),
        features.15: max_pool2d(2),
        features.16: conv2d(512, 3, relu, pad = 1),
        features.18: conv2d(512, 3, relu, pad = 1),
        features.20: max_pool2d(2),
        avgpool: adaptive_avg_pool2d(7),
        flatten: flatten,
        classifier.0: dense(4096, relu),
        classifier.2: dropout(0.5),
        classifier.3: dense(4096, relu),
        classifier.5: dropout(0.5),
        classifier.6: dense(1000),
    }
}

network! {
    /// `vgg11(num_classes=10)` with its 4096-wide classifier layers narrowed to 256, on
    /// 3 x 64 x 64 images (the features end at 512 x 2 x 2, pooled up to 7 x 7).
    pub struct Vgg11Narrow {
        input: [3, 64, 64],
        features.0: conv2d(64, 3, relu, pad = 1),
        features.2: max_pool2d(2),
        features.3: conv2d(128, 3, relu, pad = 1),
        features.5: max_pool2d(2),
        features.6: conv2d(256, 3, relu, pad = 1),
        features.8: conv2d(256, 3, relu, pad = 1),
        features.10: max_pool2d(2),
        features.11: conv2d(512, 3, relu, pad = 1),
        features.13: conv2d(512, 3, relu, pad = 1),
        features.15: max_pool2d(2),
        features.16: conv2d(512, 3, relu, pad = 1),
        features.18: conv2d(512, 3, relu, pad = 1),
        features.20: max_pool2d(2),
        avgpool: adaptive_avg_pool2d(7),
        flatten: flatten,
        classifier.0: dense(256, relu),
        classifier.2: dropout(0.5),
        classifier.3: dense(256, relu),
        classifier.5: dropout(0.5),
        classifier.6: dense(10),
    }
}

resnet18! {
    /// [`ResNet18`] with every width divided by 16 (4, 8, 16, 32 channels), 10 classes, on
    /// 3 x 64 x 64 images: small enough to commit its weights file.
    pub struct ResNet18Narrow { input: [3, 64, 64], widths: [4, 8, 16, 32], classes: 10 }
}
