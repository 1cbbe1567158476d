//! `nn-import MODEL.tflite`: reads a TFLite model and lists its operators and tensors, or
//! says which operator (index, type, tensor) it cannot handle.
//!
//! `nn-import MODEL.tflite --name Name --out DIR`: writes `DIR/name.rs`, a `network!`
//! declaration of `tfl_*` layers to keep and edit, and `DIR/name.safetensors`, the weights
//! file it embeds (its `#[weights]` path is relative to the nearest `Cargo.toml` above `DIR`,
//! the crate that will compile it).
//!
//! ```text
//! cargo run -p nn-import -- models/tinyml/speech.tflite
//! cargo run -p nn-import -- models/tinyml/speech.tflite --name Speech --out nn-tinyml/src
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: nn-import MODEL.tflite [--name Name --out DIR]";

/// The `#[weights]` path of `file`: relative to the nearest directory above it holding a
/// `Cargo.toml`, or as given when there is none.
fn weights_path(file: &Path) -> String {
    let abs = std::path::absolute(file).unwrap_or_else(|_| file.to_path_buf());
    let mut dir = abs.parent();
    while let Some(d) = dir {
        if d.join("Cargo.toml").is_file() {
            if let Ok(rel) = abs.strip_prefix(d) {
                return rel.to_string_lossy().replace('\\', "/");
            }
        }
        dir = d.parent();
    }
    file.to_string_lossy().into_owned()
}

fn write(model: &str, bytes: &[u8], name: &str, out: &Path) -> Result<(), String> {
    if !name.starts_with(|c: char| c.is_ascii_uppercase())
        || !name.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Err(format!(
            "`--name {name}`: expected a Rust type name such as `Speech` (ASCII letters and digits, capitalized)"
        ));
    }
    let snake = nn_import::snake_case(name);
    let weights_file: PathBuf = out.join(format!("{snake}.safetensors"));
    let source_file = out.join(format!("{snake}.rs"));
    let source_name = Path::new(model)
        .file_name()
        .map_or(model.into(), |f| f.to_string_lossy().into_owned());
    let e = nn_import::export(bytes, name, &weights_path(&weights_file), &source_name)
        .map_err(|e| format!("{model}: {e}"))?;
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    std::fs::write(&weights_file, &e.weights)
        .map_err(|e| format!("cannot write {}: {e}", weights_file.display()))?;
    std::fs::write(&source_file, &e.source)
        .map_err(|e| format!("cannot write {}: {e}", source_file.display()))?;
    println!(
        "wrote {} ({} bytes) and {} ({} bytes)",
        source_file.display(),
        e.source.len(),
        weights_file.display(),
        e.weights.len()
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (path, export) = match &args[..] {
        [path] => (path, None),
        [path, a, name, b, out] if a == "--name" && b == "--out" => (path, Some((name, out))),
        [path, b, out, a, name] if a == "--name" && b == "--out" => (path, Some((name, out))),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some((name, out)) = export {
        return match write(path, &bytes, name, Path::new(out)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
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
