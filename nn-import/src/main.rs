//! `nn-import MODEL.tflite`: reads a TFLite model and lists its operators and tensors, or
//! says which operator (index, type, tensor) it cannot handle.
//!
//! ```text
//! cargo run -p nn-import -- models/tinyml/speech.tflite
//! ```

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path] = &args[..] else {
        eprintln!("usage: nn-import MODEL.tflite");
        return ExitCode::from(2);
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let model = match nn_import::Model::from_bytes(&bytes) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let show = |t: &nn_import::Tensor| {
        format!(
            "`{}` {} {:?} scale {:?} zero point {:?}",
            t.name,
            t.type_name,
            t.shape,
            t.scales.first(),
            t.zero_points.first()
        )
    };
    println!("input:  {}", show(model.input()));
    for (i, name) in model.operator_names().iter().enumerate() {
        println!("op {i:>3}: {name}");
    }
    println!("output: {}", show(model.output()));
    ExitCode::SUCCESS
}
