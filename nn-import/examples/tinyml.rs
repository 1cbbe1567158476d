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
//! own order (NHWC for images); a model it leaves out is reported as `0/0`. A file of another
//! form (another model name, a case without `output`, a value outside int8, an input of
//! another length than the model's, ...) is an error naming the place, what was expected and
//! what was found, before any case runs ([`CasesError`]; `cargo test -p nn-import --example
//! tinyml` tests each). Prints `interpreter: sine=P/N ...` for `Model::run`, then ends with
//! `result: sine=P/N speech=P/N person_detect=P/N` for the `network!` declarations (P cases
//! equal to the file's output, of N).

use nn_import::Model;
use nn_tinyml::{PersonDetect, Sine, Speech};
use serde_json::Value;
use std::fmt;
use std::process::ExitCode;

#[path = "../tests/support/tflm.rs"]
mod tflm;

/// Each model: its name, file, TFLM fixture, and input and output lengths.
const MODELS: [(&str, &[u8], &str, usize, usize); 3] = [
    (
        "sine",
        include_bytes!("../../models/tinyml/sine.tflite"),
        include_str!("../../tests/fixtures/tflm/sine.json"),
        Sine::INPUT_LEN,
        Sine::OUTPUT_LEN,
    ),
    (
        "speech",
        include_bytes!("../../models/tinyml/speech.tflite"),
        include_str!("../../tests/fixtures/tflm/speech.json"),
        Speech::INPUT_LEN,
        Speech::OUTPUT_LEN,
    ),
    (
        "person_detect",
        include_bytes!("../../models/tinyml/person_detect.tflite"),
        include_str!("../../tests/fixtures/tflm/person_detect.json"),
        PersonDetect::INPUT_LEN,
        PersonDetect::OUTPUT_LEN,
    ),
];

/// What is wrong with a `--cases` file.
#[derive(Debug)]
enum CasesError {
    /// The file cannot be read.
    Read { path: String, error: std::io::Error },
    /// The file is not JSON.
    Json {
        path: String,
        error: serde_json::Error,
    },
    /// A key of the file's object that names no model.
    UnknownModel { key: String },
    /// A value of another kind than the format's, at `at` (`speech[3].input[17]`).
    Kind {
        at: String,
        expected: &'static str,
        found: String,
    },
    /// A case without one of its fields.
    Missing { at: String, field: &'static str },
    /// An input or output of another length than the model's.
    Length {
        at: String,
        expected: usize,
        found: usize,
    },
}

impl fmt::Display for CasesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Read { path, error } => write!(f, "cannot read `{path}`: {error}"),
            Self::Json { path, error } => write!(f, "`{path}` is not JSON: {error}"),
            Self::UnknownModel { key } => write!(
                f,
                "model `{key}`: expected one of `sine`, `speech`, `person_detect`"
            ),
            Self::Kind {
                at,
                expected,
                found,
            } => write!(f, "`{at}`: expected {expected}, found {found}"),
            Self::Missing { at, field } => {
                write!(f, "`{at}`: expected a field `{field}`, found none")
            }
            Self::Length {
                at,
                expected,
                found,
            } => write!(
                f,
                "`{at}`: expected {expected} int8 values (the model's length), found {found}"
            ),
        }
    }
}

impl std::error::Error for CasesError {}

/// A JSON value in a few words: scalars as written, arrays and objects by their size.
fn describe(v: &Value) -> String {
    match v {
        Value::Array(a) => format!("an array of {} values", a.len()),
        Value::Object(o) => format!("an object of {} fields", o.len()),
        Value::String(s) if s.chars().count() > 40 => {
            format!("a string of {} characters", s.chars().count())
        }
        v => v.to_string(),
    }
}

/// The int8 array `case[field]` of length `len`.
fn int8s(case: &Value, at: &str, field: &'static str, len: usize) -> Result<Vec<i8>, CasesError> {
    let v = case.get(field).ok_or_else(|| CasesError::Missing {
        at: at.into(),
        field,
    })?;
    let at = format!("{at}.{field}");
    let values = v.as_array().ok_or_else(|| CasesError::Kind {
        at: at.clone(),
        expected: "an array of int8 values",
        found: describe(v),
    })?;
    if values.len() != len {
        return Err(CasesError::Length {
            at,
            expected: len,
            found: values.len(),
        });
    }
    let int8 = |(i, x): (usize, &Value)| {
        x.as_i64()
            .and_then(|x| i8::try_from(x).ok())
            .ok_or_else(|| CasesError::Kind {
                at: format!("{at}[{i}]"),
                expected: "an integer from -128 to 127",
                found: describe(x),
            })
    };
    values.iter().enumerate().map(int8).collect()
}

/// The cases of a `--cases` file's text, per model in [`MODELS`]' order (none for a model
/// the file leaves out), each input and output checked against the model's lengths.
fn parse_cases(text: &str, path: &str) -> Result<Vec<Vec<tflm::Case>>, CasesError> {
    let file: Value = serde_json::from_str(text).map_err(|error| CasesError::Json {
        path: path.into(),
        error,
    })?;
    let map = file.as_object().ok_or_else(|| CasesError::Kind {
        at: path.into(),
        expected: "an object mapping model names to lists of cases",
        found: describe(&file),
    })?;
    if let Some(key) = map.keys().find(|k| MODELS.iter().all(|m| m.0 != *k)) {
        return Err(CasesError::UnknownModel { key: key.clone() });
    }
    let mut all = Vec::new();
    for (model, _, _, input_len, output_len) in MODELS {
        let mut cases = Vec::new();
        if let Some(list) = map.get(model) {
            let list = list.as_array().ok_or_else(|| CasesError::Kind {
                at: model.into(),
                expected: "a list of cases",
                found: describe(list),
            })?;
            for (i, case) in list.iter().enumerate() {
                let at = format!("{model}[{i}]");
                if !case.is_object() {
                    return Err(CasesError::Kind {
                        at,
                        expected: r#"a case {"name": str, "input": [int8...], "output": [int8...]}"#,
                        found: describe(case),
                    });
                }
                let name = case.get("name").ok_or_else(|| CasesError::Missing {
                    at: at.clone(),
                    field: "name",
                })?;
                let name = name.as_str().ok_or_else(|| CasesError::Kind {
                    at: format!("{at}.name"),
                    expected: "a string",
                    found: describe(name),
                })?;
                cases.push(tflm::Case {
                    name: name.into(),
                    input: int8s(case, &at, "input", input_len)?,
                    output: int8s(case, &at, "output", output_len)?,
                });
            }
        }
        all.push(cases);
    }
    Ok(all)
}

/// Runs one case through a `network!` declaration; an input of another length is an error.
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
    let from_file = match &args[..] {
        [] => None,
        [flag, path] if flag == "--cases" => {
            let text = std::fs::read_to_string(path).map_err(|error| CasesError::Read {
                path: path.clone(),
                error,
            });
            Some(
                text.and_then(|text| parse_cases(&text, path))
                    .map_err(|e| e.to_string())?,
            )
        }
        _ => return Err("usage: tinyml [--cases FILE.json]".into()),
    };
    let (mut result, mut interpreter) = (Vec::new(), Vec::new());
    for (m, (name, bytes, fixture, input_len, _)) in MODELS.into_iter().enumerate() {
        let model = Model::from_bytes(bytes).map_err(|e| format!("{name}: {e}"))?;
        let fixture_cases;
        let cases: &[tflm::Case] = match &from_file {
            Some(all) => &all[m],
            None => {
                let v: Value =
                    serde_json::from_str(fixture).map_err(|e| format!("{name} fixture: {e}"))?;
                fixture_cases = tflm::fixture_cases(&v, input_len)
                    .map_err(|e| format!("{name} fixture: {e}"))?
                    .0;
                &fixture_cases
            }
        };
        let (mut equal, mut equal_interpreter) = (0, 0);
        for case in cases {
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

#[cfg(test)]
mod tests {
    use super::{parse_cases, CasesError};

    /// The error `text` gives, as printed.
    fn error(text: &str) -> String {
        match parse_cases(text, "cases.json") {
            Ok(_) => panic!("{text} parsed"),
            Err(e) => e.to_string(),
        }
    }

    /// A sine case (input and output of one value) with these fields.
    fn sine(case: &str) -> String {
        format!(r#"{{"sine": [{{"name": "a", "input": [1], "output": [2]}}, {case}]}}"#)
    }

    #[test]
    fn a_well_formed_file_gives_its_cases_in_model_order() {
        let all = parse_cases(
            &sine(r#"{"name": "b", "input": [-128], "output": [127]}"#),
            "f",
        )
        .unwrap();
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].len(), 2);
        assert_eq!(
            (all[0][1].name.as_str(), &all[0][1].input[..]),
            ("b", &[-128i8][..])
        );
        assert_eq!(all[0][1].output, [127]);
        assert!(all[1].is_empty() && all[2].is_empty());
        assert!(parse_cases("{}", "f").unwrap().iter().all(Vec::is_empty));
    }

    #[test]
    fn each_malformed_file_is_one_error_saying_where_expected_and_found() {
        assert!(matches!(
            parse_cases("{\"sine\": [", "cases.json"),
            Err(CasesError::Json { .. })
        ));
        for (text, message) in [
            ("[1, 2]".to_string(), "`cases.json`: expected an object mapping model names to lists of cases, found an array of 2 values"),
            (r#"{"Sine": []}"#.into(), "model `Sine`: expected one of `sine`, `speech`, `person_detect`"),
            (r#"{"speech": {"name": "yes"}}"#.into(), "`speech`: expected a list of cases, found an object of 1 fields"),
            (sine("3"), r#"`sine[1]`: expected a case {"name": str, "input": [int8...], "output": [int8...]}, found 3"#),
            (sine(r#"{"input": [1], "output": [2]}"#), "`sine[1]`: expected a field `name`, found none"),
            (sine(r#"{"name": 7, "input": [1], "output": [2]}"#), "`sine[1].name`: expected a string, found 7"),
            (sine(r#"{"name": "b", "output": [2]}"#), "`sine[1]`: expected a field `input`, found none"),
            (sine(r#"{"name": "b", "input": "1", "output": [2]}"#), r#"`sine[1].input`: expected an array of int8 values, found "1""#),
            (sine(r#"{"name": "b", "input": [128], "output": [2]}"#), "`sine[1].input[0]`: expected an integer from -128 to 127, found 128"),
            (sine(r#"{"name": "b", "input": [1.5], "output": [2]}"#), "`sine[1].input[0]`: expected an integer from -128 to 127, found 1.5"),
            (sine(r#"{"name": "b", "input": [null], "output": [2]}"#), "`sine[1].input[0]`: expected an integer from -128 to 127, found null"),
            (sine(r#"{"name": "b", "input": [1, 2], "output": [2]}"#), "`sine[1].input`: expected 1 int8 values (the model's length), found 2"),
            (sine(r#"{"name": "b", "input": [1], "output": []}"#), "`sine[1].output`: expected 1 int8 values (the model's length), found 0"),
            (r#"{"person_detect": [{"name": "p", "input": [0], "output": [0, 0]}]}"#.into(), "`person_detect[0].input`: expected 9216 int8 values (the model's length), found 1"),
        ] {
            assert_eq!(error(&text), message, "{text}");
        }
    }
}
