//! The small operator models of models/ops written as `network!` declarations by the tool
//! (`tests/network_ops/`, `nn-import models/ops/NAME.tflite --name Name --out
//! nn-import/tests/network_ops`), run against TFLM's fixtures bit for bit: SAME average pooling
//! with RELU_N1_TO_1, SAME convolution with RELU6, VALID dilated strided convolution with a
//! per-tensor filter scale, depth multiplier 2, batched per-channel FULLY_CONNECTED into
//! SOFTMAX with β = 0.7, VALID max pooling with RELU6, int8 ADD of a constant with RELU,
//! DEQUANTIZE / QUANTIZE / requantize, every float32 kernel between int8 ends (`float_chain`),
//! float32 input and output around int8 layers (`mixed_io`), a network float32 from end to
//! end with no int8 tensor (`float_net`), an ADD of the two activations before it
//! (`residual_add`), a skip connection in the middle of a network, an ADD of a convolution's
//! output three layers later (`residual_mid`), and broadcasting int8 and float32 ADDs of
//! constants `[1, 1, 1, 3]` (first operand), `[1, 4, 1, 1]` and `[3]` (`add_broadcast`). The
//! models the declaration cannot express are errors of the tool naming the operator, its
//! index and the tensor.
//!
//! Regenerate the declarations after changing the tool or a model:
//!
//! ```text
//! cargo run -p nn-import -- models/ops/add_relu.tflite --name AddRelu --out nn-import/tests/network_ops
//! cargo run -p nn-import -- models/ops_float_io/mixed_io.tflite --name MixedIo --out nn-import/tests/network_ops
//! cargo run -p nn-import -- models/ops_float_io/float_net.tflite --name FloatNet --out nn-import/tests/network_ops
//! ```
//!
//! (one line per model of `the_committed_operator_declarations_are_what_the_tool_writes`).

use serde_json::Value;
use std::path::PathBuf;

mod support;
use support::tflm::{fixture_cases, float_fixture_cases};

include!("network_ops/add_broadcast.rs");
include!("network_ops/add_relu.rs");
include!("network_ops/avg_pool_same.rs");
include!("network_ops/conv_same.rs");
include!("network_ops/conv_valid_dilated.rs");
include!("network_ops/depthwise_multiplier2.rs");
include!("network_ops/dequantize_quantize_requantize.rs");
include!("network_ops/fc_batch_softmax.rs");
include!("network_ops/float_chain.rs");
include!("network_ops/float_net.rs");
include!("network_ops/max_pool_valid.rs");
include!("network_ops/mixed_io.rs");
include!("network_ops/residual_add.rs");
include!("network_ops/residual_mid.rs");

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
    check("add_relu", |x, y| AddRelu::new().run(x, y));
    check("dequantize_quantize_requantize", |x, y| {
        DequantizeQuantizeRequantize::new().run(x, y)
    });
    check("float_chain", |x, y| FloatChain::new().run(x, y));
    check("residual_add", |x, y| ResidualAdd::new().run(x, y));
    check("add_broadcast", |x, y| AddBroadcast::new().run(x, y));
    check("residual_mid", |x, y| ResidualMid::new().run(x, y));
}

/// Runs every case of `tests/fixtures/tflm/ops_float_io/{name}.json` (float32 input and
/// output: the fixture's int8 stream divided by 16) through the declaration (`run`, with its
/// arenas in the caller's buffers) and through the interpreter (`Model::run_f32`); asserts
/// both give TFLM's output bits.
fn check_f32<const IN: usize, const OUT: usize>(
    name: &str,
    mut run: impl FnMut(&[f32; IN], &mut [f32; OUT]) -> Result<(), nn_core::Error>,
) {
    let path = root().join(format!("tests/fixtures/tflm/ops_float_io/{name}.json"));
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let bytes = std::fs::read(root().join(format!("models/ops_float_io/{name}.tflite"))).unwrap();
    let model = nn_import::Model::from_bytes(&bytes).unwrap();
    let (cases, random) = float_fixture_cases(&fixture, IN).unwrap();
    assert!(random >= 100);
    let mut equal = 0;
    for case in &cases {
        let mut y = [0f32; OUT];
        run(case.input[..].try_into().unwrap(), &mut y).unwrap();
        let ours: Vec<u32> = y.iter().map(|v| v.to_bits()).collect();
        let interpreted: Vec<u32> = model
            .run_f32(&case.input)
            .unwrap()
            .iter()
            .map(|v| v.to_bits())
            .collect();
        assert_eq!(ours, interpreted, "{name} {}", case.name);
        if ours == case.output_bits {
            equal += 1;
        } else {
            eprintln!(
                "{name} {}: ours {ours:?}, TFLM {:?}",
                case.name, case.output_bits
            );
        }
    }
    println!("{name}={equal}/{}", cases.len());
    assert_eq!(equal, cases.len(), "{name}");
}

/// Float32 input and output around int8 layers (`mixed_io`), and a network float32 from
/// end to end with no int8 tensor (`float_net`: CONV_2D SAME RELU, DEPTHWISE_CONV_2D VALID
/// RELU6 with multiplier 2, average and max pooling, RESHAPE, FULLY_CONNECTED, an ADD of a
/// `[5]` constant broadcast to `[1, 5]`, SOFTMAX): outputs compared by their bits.
#[test]
fn declarations_with_float32_input_and_output_equal_tflm() {
    let mut arena = [0i8; MixedIo::ARENA_I8];
    let mut arena_f32 = [0f32; MixedIo::ARENA_F32];
    check_f32("mixed_io", |x, y| {
        MixedIo::new().run_in(&mut arena, &mut arena_f32, x, y)
    });
    check_f32("float_net", |x, y| FloatNet::new().run(x, y));
}

#[test]
fn the_arenas_hold_what_the_layers_between_the_ends_read_and_write() {
    // add_relu: one layer reading the input and a constant, writing the output.
    assert_eq!(AddRelu::ARENA_BYTES, 0);
    // dequantize -> quantize -> requantize over 64 values: 64 floats, then 64 int8.
    assert_eq!(
        (
            DequantizeQuantizeRequantize::ARENA_I8,
            DequantizeQuantizeRequantize::ARENA_F32
        ),
        (64, 64)
    );
    assert_eq!(DequantizeQuantizeRequantize::ARENA_BYTES, 64 + 4 * 64);
    // float_chain: the largest float32 step is the depthwise convolution, 144 in + 128 out.
    assert_eq!(
        (FloatChain::ARENA_I8, FloatChain::ARENA_F32),
        (0, 144 + 128)
    );
    // mixed_io: 10 int8 (quantized) + 6 (hidden); 6 floats + 3 (logits).
    assert_eq!((MixedIo::ARENA_I8, MixedIo::ARENA_F32), (16, 9));
    // residual_add: the ADD reads `conv1` (one end) and `dw1` (the other), 60 values each,
    // and writes the output.
    assert_eq!(ResidualAdd::ARENA_BYTES, 60 + 60);
    // add_broadcast: the two int8 ADDs (48 values in, 48 out; the first reads the input and
    // a constant), then the float32 ADD (48 in, 48 out) between DEQUANTIZE and QUANTIZE.
    assert_eq!(
        (AddBroadcast::ARENA_I8, AddBroadcast::ARENA_F32),
        (48 + 48, 48 + 48)
    );
    // residual_mid: `conv1`'s 80 values stay while `conv2` and `conv3` (80 each) are
    // written, and `conv3`'s while the ADD writes its 80 in `conv2`'s place.
    assert_eq!(ResidualMid::ARENA_BYTES, 3 * 80);
    // float_net: no int8 activation; the largest float32 step is the depthwise convolution,
    // 8 x 8 x 4 in + 6 x 6 x 8 out.
    assert_eq!((FloatNet::ARENA_I8, FloatNet::ARENA_F32), (0, 256 + 288));
    assert_eq!(FloatNet::ARENA_BYTES, 4 * (256 + 288));
}

#[test]
fn what_a_declaration_cannot_express_is_an_error_naming_the_operator() {
    let bytes = std::fs::read(root().join("models/ops/conv_grouped_relu.tflite")).unwrap();
    let e = nn_import::export(&bytes, "X", "x.safetensors", "x.tflite").unwrap_err();
    assert_eq!(
        e.to_string(),
        "operator 0 (`CONV_2D`), tensor `output`: expected FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, MAX_POOL_2D, RESHAPE, SOFTMAX, ADD, QUANTIZE or DEQUANTIZE over int8 or float32 for `network!`, found a grouped convolution (4 input channels, filters over 2)"
    );
}

/// A two-operand model with the given second-input and output shapes: `x` [1, 2, 2, 3]
/// plus the constant `k`.
fn add_model(k_shape: &[i32], y_shape: &[i32]) -> Vec<u8> {
    use nn_import::schema::tflite as fb;
    let mut b = nn_import::TfliteBuilder::new();
    let i8s = fb::TensorType::Int8;
    let x = b.tensor("x", &[1, 2, 2, 3], i8s, vec![0.1], vec![0], 0, None);
    let n: i32 = k_shape.iter().product();
    let data = (0..n).map(|i| (i * 7 - 20) as i8 as u8).collect();
    let k = b.tensor("k", k_shape, i8s, vec![0.1], vec![0], 0, Some(data));
    let y = b.tensor("y", y_shape, i8s, vec![0.2], vec![0], 0, None);
    let options = fb::BuiltinOptions::AddOptions(Box::default());
    b.op(fb::BuiltinOperator::Add, &[x, k], y, Some(options));
    b.finish(x, y, "broadcasting add")
}

/// TFLM's ADD broadcasts (`BroadcastAdd6DSlow` in its reference kernels), and so do the
/// interpreter and the tool: the declaration adds the nodes as they are, its output the
/// broadcast shape.
#[test]
fn a_broadcasting_add_is_exported_and_interpreted() {
    let bytes = add_model(&[1, 1, 1, 3], &[1, 2, 2, 3]);
    let e = nn_import::export(&bytes, "X", "x.safetensors", "x.tflite").unwrap();
    assert!(
        e.source.contains("constant1: tfl_constant([1, 1, 1, 3]),"),
        "{}",
        e.source
    );
    assert!(
        e.source.contains("add1: tfl_add()(input, constant1),"),
        "{}",
        e.source
    );
    let model = nn_import::Model::from_bytes(&bytes).unwrap();
    // (x + k) at scale 0.1 written at scale 0.2: k = [-20, -13, -6] per channel, halved
    // with ties away from zero (-13 / 2 = -6.5 -> -7, TFLM's rounding divide).
    let y = model
        .run(&[20, 13, 6, 0, 0, 0, 40, 33, 26, 2, 1, 0])
        .unwrap();
    assert_eq!(y, [0, 0, 0, -10, -7, -3, 10, 10, 10, -9, -6, -3]);
}

/// Shapes that do not broadcast, and an output that is not the broadcast shape, are errors
/// naming the operator, its index and the tensor.
#[test]
fn an_add_of_shapes_that_do_not_broadcast_is_an_error_naming_the_operator() {
    let bytes = add_model(&[1, 2, 1, 2], &[1, 2, 2, 3]);
    let e = nn_import::export(&bytes, "X", "x.safetensors", "x.tflite").unwrap_err();
    assert_eq!(
        e.to_string(),
        "operator 0 (`ADD`), tensor `k`: expected a shape that broadcasts with [1, 2, 2, 3] (each dimension equal or 1, from the last; at most 6 dimensions), found [1, 2, 1, 2]"
    );
    let bytes = add_model(&[1, 1, 1, 3], &[1, 2, 3]);
    let e = nn_import::Model::from_bytes(&bytes).unwrap_err();
    assert_eq!(
        e.to_string(),
        "operator 0 (`ADD`), tensor `y`: expected shape [1, 2, 2, 3] (the broadcast of [1, 2, 2, 3] and [1, 1, 1, 3]), found [1, 2, 3]"
    );
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
        ("add_relu", "AddRelu", "add_relu"),
        (
            "dequantize_quantize_requantize",
            "DequantizeQuantizeRequantize",
            "dequantize_quantize_requantize",
        ),
        ("float_chain", "FloatChain", "float_chain"),
        ("../ops_float_io/mixed_io", "MixedIo", "mixed_io"),
        ("../ops_float_io/float_net", "FloatNet", "float_net"),
        ("residual_add", "ResidualAdd", "residual_add"),
        ("add_broadcast", "AddBroadcast", "add_broadcast"),
        ("residual_mid", "ResidualMid", "residual_mid"),
    ] {
        let bytes = std::fs::read(root().join(format!("models/ops/{model}.tflite"))).unwrap();
        let model = model.rsplit('/').next().unwrap();
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
