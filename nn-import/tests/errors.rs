//! What the importer says about files it cannot run: an error naming the operator, its index
//! and the tensor, never a panic (truncated and corrupted files included).

use nn_import::schema::tflite as fb;
use nn_import::{ImportError, Model};
use planus::ReadAsRoot;

fn sine_bytes() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../models/tinyml/sine.tflite"
    ))
    .unwrap()
}

fn owned(bytes: &[u8]) -> fb::Model {
    fb::Model::try_from(fb::ModelRef::read_as_root(bytes).unwrap()).unwrap()
}

/// Serializes a model (without the optional `TFL3` file identifier, which TFLite does not require).
fn write(model: &fb::Model) -> Vec<u8> {
    let mut builder = planus::Builder::new();
    builder.finish(model, None).to_vec()
}

#[test]
fn an_unsupported_operator_is_named_with_its_index() {
    let mut m = owned(&sine_bytes());
    let codes = m.operator_codes.as_mut().unwrap();
    codes.push(fb::OperatorCode {
        builtin_code: fb::BuiltinOperator::Tanh,
        deprecated_builtin_code: fb::BuiltinOperator::Tanh as i8,
        version: 1,
        ..Default::default()
    });
    let tanh = codes.len() as u32 - 1;
    m.subgraphs.as_mut().unwrap()[0].operators.as_mut().unwrap()[1].opcode_index = tanh;
    let err = Model::from_bytes(&write(&m)).unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, ImportError::Operator { index: 1, .. }),
        "{text}"
    );
    assert!(
        text.starts_with("operator 1 (`TANH`): expected one of FULLY_CONNECTED"),
        "{text}"
    );
}

#[test]
fn an_unsupported_tensor_type_names_the_tensor() {
    let mut m = owned(&sine_bytes());
    let graph = &mut m.subgraphs.as_mut().unwrap()[0];
    let weights = graph.operators.as_ref().unwrap()[2]
        .inputs
        .as_ref()
        .unwrap()[1] as usize;
    let tensor = &mut graph.tensors.as_mut().unwrap()[weights];
    tensor.type_ = fb::TensorType::Int16;
    let name = tensor.name.clone().unwrap();
    let err = Model::from_bytes(&write(&m)).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "operator 2 (`FULLY_CONNECTED`), tensor `{name}`: expected type INT8, found type INT16"
        )
    );
}

#[test]
fn a_fused_activation_it_cannot_clamp_is_an_error() {
    let mut m = owned(&sine_bytes());
    let op = &mut m.subgraphs.as_mut().unwrap()[0].operators.as_mut().unwrap()[0];
    let Some(fb::BuiltinOptions::FullyConnectedOptions(o)) = op.builtin_options.as_mut() else {
        panic!("sine's first operator is a FULLY_CONNECTED")
    };
    o.fused_activation_function = fb::ActivationFunctionType::Tanh;
    let text = Model::from_bytes(&write(&m)).unwrap_err().to_string();
    assert!(
        text.starts_with("operator 0 (`FULLY_CONNECTED`): expected a fused activation"),
        "{text}"
    );
    assert!(text.ends_with("found Tanh"), "{text}");
}

#[test]
fn a_wrong_input_length_is_an_error() {
    let model = Model::from_bytes(&sine_bytes()).unwrap();
    assert_eq!(
        model.run(&[1, 2]).unwrap_err(),
        ImportError::Input {
            expected: 1,
            found: 2
        }
    );
}

#[test]
fn truncated_and_corrupted_files_are_errors_not_panics() {
    let bytes = sine_bytes();
    for len in 0..bytes.len() {
        // Any prefix: an error (or, rarely, a model whose missing tail was unused).
        let _ = Model::from_bytes(&bytes[..len]);
    }
    assert!(matches!(
        Model::from_bytes(&bytes[..100]),
        Err(ImportError::Flatbuffer { .. })
    ));
    // Every byte of the file set to each of a few values: never a panic, and a model that
    // still loads still runs or returns an error.
    let mut corrupted = 0;
    for i in 0..bytes.len() {
        for v in [0u8, 1, 0x7f, 0x80, 0xff] {
            let mut b = bytes.clone();
            b[i] = v;
            match Model::from_bytes(&b) {
                Ok(m) => {
                    let _ = m.run(&[0]);
                }
                Err(_) => corrupted += 1,
            }
        }
    }
    assert!(corrupted > 0);
}
