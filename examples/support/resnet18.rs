//! `resnet18!`: torchvision's ResNet-18 (`resnet18()`), declared once for every network of
//! that layout: `torchvision_models.rs` (`ResNet18`, `ResNet18Narrow`), `tests/torchvision.rs`
//! and `tests/torchvision-embedded` (embedded with `#[weights]`). The stem, the four stages of
//! two basic blocks (the first of stages 2 to 4 halves the image and projects the shortcut)
//! and the classifier have torchvision's `state_dict` names; the widths of the four stages,
//! the input and the classes are the caller's.
//!
//! ```ignore
//! resnet18! {
//!     /// torchvision's `resnet18()`.
//!     pub struct ResNet18 { input: [3, 224, 224], widths: [64, 128, 256, 512], classes: 1000 }
//! }
//! ```
//!
//! Attributes (documentation, `#[weights = "..."]`) go to the network. Tokens are captured as
//! `tt` so that `network!` sees them as written (a `literal` or `vis` fragment would reach it
//! wrapped in an invisible group).

#[allow(unused_macros)]
macro_rules! resnet18 {
    ($(# $attr:tt)* pub struct $($rest:tt)*) => { resnet18!(@ (pub) $(# $attr)* $($rest)*); };
    ($(# $attr:tt)* struct $($rest:tt)*) => { resnet18!(@ () $(# $attr)* $($rest)*); };
    (@ ($($vis:tt)*) $(# $attr:tt)* $name:ident {
        input: $input:tt,
        widths: [$w1:tt, $w2:tt, $w3:tt, $w4:tt],
        classes: $classes:tt $(,)?
    }) => {
        nn_core::network! {
            /// The residual blocks of torchvision's `resnet18`.
            block Basic(planes, stride = 1, down = false) {
                conv1: conv2d(planes, 3, stride = stride, pad = 1, bias = false, floor = true),
                bn1: batch_norm(relu),
                conv2: conv2d(planes, 3, pad = 1, bias = false),
                bn2: batch_norm,
                downsample.0: conv2d(planes, 1, stride = stride, bias = false, floor = true)(input) if down,
                downsample.1: batch_norm if down,
                add: add(bn2, downsample.1, relu),
            }
            $(# $attr)*
            $($vis)* struct $name {
                input: $input,
                conv1: conv2d($w1, 7, stride = 2, pad = 3, bias = false, floor = true),
                bn1: batch_norm(relu),
                maxpool: max_pool2d(3, stride = 2, pad = 1, floor = true),
                layer1.0: Basic($w1),
                layer1.1: Basic($w1),
                layer2.0: Basic($w2, stride = 2, down = true),
                layer2.1: Basic($w2),
                layer3.0: Basic($w3, stride = 2, down = true),
                layer3.1: Basic($w3),
                layer4.0: Basic($w4, stride = 2, down = true),
                layer4.1: Basic($w4),
                avgpool: global_avg_pool,
                fc: dense($classes),
            }
        }
    };
}
