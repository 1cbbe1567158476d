//! `network!` with image layers: the W4 network, a residual block and a grouped block, run
//! through the generated single-sample and batch paths.

use nn_core::loss::{CrossEntropy, LossExt, Reduction};
use nn_core::nalgebra::SVector;
use nn_core::{network, Batch, Parameters};
use rand::{rngs::StdRng, SeedableRng};

network! {
    /// The W4 benchmark network.
    struct W4 {
        input: [1, 28, 28],
        c1: conv2d(8, 3, relu, pad = 1, init = he),
        p1: max_pool2d(2),
        c2: conv2d(16, 3, relu, pad = 1, init = he),
        p2: max_pool2d(2),
        flat: flatten,
        out: dense(10),
    }
}

#[test]
fn the_w4_network_has_pytorch_names_shapes_and_sizes() {
    let net: W4 = W4::new(&mut StdRng::seed_from_u64(0));
    let mut names = vec![];
    net.visit(|info, v| names.push((info.to_string(), info.shape.dims().to_vec(), v.len())));
    assert_eq!(
        names,
        [
            ("c1.weight".to_string(), vec![8, 1, 3, 3], 72),
            ("c1.bias".to_string(), vec![8], 8),
            ("c2.weight".to_string(), vec![16, 8, 3, 3], 1152),
            ("c2.bias".to_string(), vec![16], 16),
            ("out.weight".to_string(), vec![10, 784], 7840),
            ("out.bias".to_string(), vec![10], 10),
        ]
    );
    let s = W4::<f32>::summary().to_string();
    println!("{s}");
    for shape in ["1x28x28", "8x28x28", "8x14x14", "16x14x14", "16x7x7", "784"] {
        assert!(s.contains(shape), "summary lacks {shape}:\n{s}");
    }
    let y = net.forward(&SVector::<f32, 784>::from_element(0.5));
    assert!(y.iter().all(|v| v.is_finite()));
}
