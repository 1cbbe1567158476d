//! A float32 model with float input and output through `Model::run_f32` (TFLM's float
//! kernels themselves are checked bit for bit in bitexact.rs: by `operator_models_equal_tflm`
//! through the `float_chain` model's int8 ends, and by `float_io_models_equal_tflm` on
//! `float_net`, float32 from its input to its output).

use nn_import::schema::tflite as fb;
use nn_import::{ImportError, Model};

fn tensor(name: &str, shape: &[i32], buffer: u32) -> fb::Tensor {
    fb::Tensor {
        shape: Some(shape.to_vec()),
        type_: fb::TensorType::Float32,
        buffer,
        name: Some(name.into()),
        ..Default::default()
    }
}

fn bytes(v: &[f32]) -> Option<Vec<u8>> {
    Some(v.iter().flat_map(|x| x.to_le_bytes()).collect())
}

/// input [1, 3] -> FULLY_CONNECTED (2 x 3, bias, RELU) -> output [1, 2]
fn dense_model() -> Vec<u8> {
    let model = fb::Model {
        version: 3,
        operator_codes: Some(vec![fb::OperatorCode {
            deprecated_builtin_code: fb::BuiltinOperator::FullyConnected as i8,
            builtin_code: fb::BuiltinOperator::FullyConnected,
            version: 1,
            ..Default::default()
        }]),
        subgraphs: Some(vec![fb::SubGraph {
            tensors: Some(vec![
                tensor("x", &[1, 3], 0),
                tensor("w", &[2, 3], 1),
                tensor("b", &[2], 2),
                tensor("y", &[1, 2], 0),
            ]),
            inputs: Some(vec![0]),
            outputs: Some(vec![3]),
            operators: Some(vec![fb::Operator {
                opcode_index: 0,
                inputs: Some(vec![0, 1, 2]),
                outputs: Some(vec![3]),
                builtin_options: Some(fb::BuiltinOptions::FullyConnectedOptions(Box::new(
                    fb::FullyConnectedOptions {
                        fused_activation_function: fb::ActivationFunctionType::Relu,
                        ..Default::default()
                    },
                ))),
                ..Default::default()
            }]),
            ..Default::default()
        }]),
        buffers: Some(vec![
            fb::Buffer::default(),
            fb::Buffer {
                data: bytes(&[0.5, -1.0, 2.0, 1.0, 1.0, 1.0]),
                ..Default::default()
            },
            fb::Buffer {
                data: bytes(&[0.25, -10.0]),
                ..Default::default()
            },
        ]),
        ..Default::default()
    };
    planus::Builder::new().finish(&model, None).to_vec()
}

#[test]
fn a_float_model_runs_with_float_input_and_output() {
    let model = Model::from_bytes(&dense_model()).unwrap();
    let y = model.run_f32(&[1.0, 2.0, 3.0]).unwrap();
    // relu(0.5 - 2 + 6 + 0.25) = 4.75, relu(6 - 10) = 0
    assert_eq!(y, [4.75, 0.0]);
    let err = model.run(&[1, 2, 3]).unwrap_err();
    assert!(matches!(err, ImportError::Model { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        "unsupported model: expected an INT8 input and output for `run`, found FLOAT32 -> FLOAT32"
    );
}
