//! The small operator models of models/ops written as `network!` declarations by the tool
//! (`tests/network_ops/`, `nn-import models/ops/NAME.tflite --name Name --out
//! nn-import/tests/network_ops`), run against TFLM's fixtures bit for bit: SAME average pooling
//! with RELU_N1_TO_1, SAME convolution with RELU6, VALID dilated strided convolution with a
//! per-tensor filter scale, depth multiplier 2, batched per-channel FULLY_CONNECTED into
//! SOFTMAX with β = 0.7, VALID max pooling with RELU6. The models the declaration cannot
//! express are errors of the tool naming the operator, its index and the tensor.

use serde_json::Value;
use std::path::PathBuf;

mod support;
use support::tflm::fixture_cases;

include!("network_ops/avg_pool_same.rs");
include!("network_ops/conv_same.rs");
include!("network_ops/conv_valid_dilated.rs");
include!("network_ops/depthwise_multiplier2.rs");
include!("network_ops/fc_batch_softmax.rs");
include!("network_ops/max_pool_valid.rs");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs every case of `tests/fixtures/tflm/ops/{name}.json`; asserts all equal TFLM's.
fn check<const IN: usize, const OUT: usize>(
    name: &str,
    run: impl Fn(&[i8; IN], &mut [i8; OUT]) -> Result<(), nn_core::Error>,
) {
    let path = root().join(format!("tests/fixtures/tflm/ops/{name}.json"));
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let (cases, random) = fixture_cases(&fixture, IN).unwrap();
    assert!(random >= 100);
    let mut equal = 0;
    for case in &cases {
        let mut y = [0i8; OUT];
        run(case.input[..].try_into().unwrap(), &mut y).unwrap();
        if y[..] == case.output[..] {
            equal += 1;
        } else {
            eprintln!("{name} {}: ours {y:?}, TFLM {:?}", case.name, case.output);
        }
    }
    println!("{name}={equal}/{}", cases.len());
    assert_eq!(equal, cases.len(), "{name}");
}

#[test]
fn operator_declarations_equal_tflm() {
    check("avg_pool_same_relu_n1_to_1", |x, y| {
        AvgPoolSame::new().run(x, y)
    });
    check("conv_same_relu6", |x, y| ConvSame::new().run(x, y));
    check("conv_valid_dilated_per_tensor", |x, y| {
        ConvValidDilated::new().run(x, y)
    });
    check("depthwise_multiplier2_relu", |x, y| {
        DepthwiseMultiplier2::new().run(x, y)
    });
    check("fc_per_channel_batch_softmax", |x, y| {
        FcBatchSoftmax::new().run(x, y)
    });
    check("max_pool_valid_relu6", |x, y| MaxPoolValid::new().run(x, y));
}

#[test]
fn what_a_declaration_cannot_express_is_an_error_naming_the_operator() {
    for (model, expected) in [
        ("add_relu", "operator 0 (`ADD`), tensor `output`: "),
        ("float_chain", "operator 0 (`DEQUANTIZE`), tensor `x`: "),
        (
            "conv_grouped_relu",
            "found a grouped convolution (4 input channels, filters over 2)",
        ),
    ] {
        let bytes = std::fs::read(root().join(format!("models/ops/{model}.tflite"))).unwrap();
        let e = nn_import::export(&bytes, "X", "x.safetensors", "x.tflite").unwrap_err();
        assert!(e.to_string().contains(expected), "{model}: {e}");
    }
}

#[test]
fn the_committed_operator_declarations_are_what_the_tool_writes() {
    for (model, name, file) in [
        ("avg_pool_same_relu_n1_to_1", "AvgPoolSame", "avg_pool_same"),
        ("conv_same_relu6", "ConvSame", "conv_same"),
        (
            "conv_valid_dilated_per_tensor",
            "ConvValidDilated",
            "conv_valid_dilated",
        ),
        (
            "depthwise_multiplier2_relu",
            "DepthwiseMultiplier2",
            "depthwise_multiplier2",
        ),
        (
            "fc_per_channel_batch_softmax",
            "FcBatchSoftmax",
            "fc_batch_softmax",
        ),
        ("max_pool_valid_relu6", "MaxPoolValid", "max_pool_valid"),
    ] {
        let bytes = std::fs::read(root().join(format!("models/ops/{model}.tflite"))).unwrap();
        let e = nn_import::export(
            &bytes,
            name,
            &format!("tests/network_ops/{file}.safetensors"),
            &format!("{model}.tflite"),
        )
        .unwrap();
        let dir = root().join("nn-import/tests/network_ops");
        assert_eq!(
            e.source,
            std::fs::read_to_string(dir.join(format!("{file}.rs"))).unwrap()
        );
        assert!(e.weights == std::fs::read(dir.join(format!("{file}.safetensors"))).unwrap());
    }
}
