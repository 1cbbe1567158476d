//! TFLM's three example models, embedded in the binary as the `network!` declarations
//! `nn-import --name ... --out nn-tinyml/src` wrote (crate nn-tinyml: TFLite int8 layers, no
//! heap), run and compared with TFLM's outputs case by case; the interpreter
//! (`nn_import::Model`) runs every case too, and its counts are printed before the result.
//!
//! ```text
//! cargo run --release -p nn-import --example tinyml                     # the committed fixtures
//! cargo run --release -p nn-import --example tinyml -- --cases FILE.json
//! ```
//!
//! `FILE.json` maps model names (`sine`, `speech`, `person_detect`) to lists of
//! `{"name": str, "input": [int8...], "output": [int8...]}`, inputs flattened in the model's
//! own order (NHWC for images); a model it leaves out is reported as `0/0`. Prints
//! `interpreter: sine=P/N ...` for `Model::run`, then ends with
//! `result: sine=P/N speech=P/N person_detect=P/N` for the `network!` declarations (P cases
//! equal to the file's output, of N).

use nn_import::Model;
use nn_tinyml::{PersonDetect, Sine, Speech};
use serde_json::Value;
use std::process::ExitCode;

#[path = "../tests/support/tflm.rs"]
mod tflm;

const MODELS: [(&str, &[u8], &str); 3] = [
    (
        "sine",
        include_bytes!("../../models/tinyml/sine.tflite"),
        include_str!("../../tests/fixtures/tflm/sine.json"),
    ),
    (
        "speech",
        include_bytes!("../../models/tinyml/speech.tflite"),
        include_str!("../../tests/fixtures/tflm/speech.json"),
    ),
    (
        "person_detect",
        include_bytes!("../../models/tinyml/person_detect.tflite"),
        include_str!("../../tests/fixtures/tflm/person_detect.json"),
    ),
];

/// Runs one case through a `network!` declaration: `None` for an input of another length.
fn run_network<const IN: usize, const OUT: usize>(
    input: &[i8],
    run: impl Fn(&[i8; IN], &mut [i8; OUT]) -> Result<(), nn_core::Error>,
) -> Result<Vec<i8>, String> {
    let x: &[i8; IN] = input
        .try_into()
        .map_err(|_| format!("expected {IN} input values, found {}", input.len()))?;
    let mut y = [0i8; OUT];
    run(x, &mut y).map_err(|e| e.to_string())?;
    Ok(y.to_vec())
}

/// The `network!` declaration of model `name`.
fn network(name: &str, input: &[i8]) -> Result<Vec<i8>, String> {
    match name {
        "sine" => run_network(input, |x, y| Sine::new().run(x, y)),
        "speech" => run_network(input, |x, y| Speech::new().run(x, y)),
        _ => run_network(input, |x, y| PersonDetect::new().run(x, y)),
    }
}

fn run() -> Result<(String, String), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cases_file = match &args[..] {
        [] => None,
        [flag, path] if flag == "--cases" => Some(path.clone()),
        _ => return Err("usage: tinyml [--cases FILE.json]".into()),
    };
    let file: Option<Value> = match &cases_file {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
            let v: Value = serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
            if !v.is_object() {
                return Err(format!(
                    "{path}: expected a JSON object mapping model names to cases"
                ));
            }
            Some(v)
        }
        None => None,
    };
    let (mut result, mut interpreter) = (Vec::new(), Vec::new());
    for (name, bytes, fixture) in MODELS {
        let model = Model::from_bytes(bytes).map_err(|e| format!("{name}: {e}"))?;
        let n = model.input().len().unwrap_or(0);
        let cases = match &file {
            Some(v) => {
                let mut cases = Vec::new();
                for (i, c) in v[name]
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or(&[])
                    .iter()
                    .enumerate()
                {
                    let at = |e: String| format!("{name} case {i}: {e}");
                    cases.push(tflm::Case {
                        name: c["name"].as_str().unwrap_or("?").into(),
                        input: tflm::ints(&c["input"]).map_err(at)?,
                        output: tflm::ints(&c["output"]).map_err(at)?,
                    });
                }
                cases
            }
            None => {
                let v: Value =
                    serde_json::from_str(fixture).map_err(|e| format!("{name} fixture: {e}"))?;
                tflm::fixture_cases(&v, n)
                    .map_err(|e| format!("{name} fixture: {e}"))?
                    .0
            }
        };
        let (mut equal, mut equal_interpreter) = (0, 0);
        for case in &cases {
            match network(name, &case.input) {
                Ok(y) if y == case.output => equal += 1,
                Ok(y) => println!(
                    "{name} {}: ours {y:?}, expected {:?}",
                    case.name, case.output
                ),
                Err(e) => println!("{name} {}: {e}", case.name),
            }
            match model.run(&case.input) {
                Ok(y) if y == case.output => equal_interpreter += 1,
                Ok(y) => println!(
                    "{name} {} (interpreter): ours {y:?}, expected {:?}",
                    case.name, case.output
                ),
                Err(e) => println!("{name} {} (interpreter): {e}", case.name),
            }
        }
        println!("{name}: {equal} of {} cases equal", cases.len());
        result.push(format!("{name}={equal}/{}", cases.len()));
        interpreter.push(format!("{name}={equal_interpreter}/{}", cases.len()));
    }
    Ok((result.join(" "), interpreter.join(" ")))
}

fn main() -> ExitCode {
    match run() {
        Ok((line, interpreter)) => {
            println!("interpreter: {interpreter}");
            println!("result: {line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
