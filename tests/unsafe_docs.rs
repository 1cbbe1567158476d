//! Every `unsafe fn` in the library (`#[target_feature]` kernels included) documents its
//! contract in a `# Safety` section, so a caller can check each `unsafe` block against it.
//!
//! Reads the sources of `nn-core` and `nn-macros` from this repository.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The name of the function an `unsafe fn NAME` definition on this line declares (not a
/// function-pointer type, `unsafe fn(...)`).
fn defines_unsafe_fn(line: &str) -> Option<&str> {
    let code = line.split("//").next()?;
    let rest = &code[code.find("unsafe fn ")? + "unsafe fn ".len()..];
    let name: &str = rest
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()?;
    (!name.is_empty()).then_some(name)
}

/// Whether the doc comment right above line `i` (across attributes) has `# Safety`.
fn has_safety_section(lines: &[&str], i: usize) -> bool {
    for line in lines[..i].iter().rev() {
        let t = line.trim_start();
        if t.starts_with("///") {
            if t.trim_start_matches('/').trim() == "# Safety" {
                return true;
            }
        } else if !t.starts_with("#[") {
            return false;
        }
    }
    false
}

#[test]
fn every_unsafe_fn_has_a_safety_section() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("nn-core/src"), &mut files);
    sources(&root.join("nn-macros/src"), &mut files);
    let (mut seen, mut missing) = (0, Vec::new());
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if let Some(name) = defines_unsafe_fn(line) {
                seen += 1;
                if !has_safety_section(&lines, i) {
                    missing.push(format!("{}:{}: `{name}`", file.display(), i + 1));
                }
            }
        }
    }
    // The kernels are found at all (the scan is not vacuous).
    assert!(seen >= 15, "found only {seen} unsafe fns");
    assert!(
        missing.is_empty(),
        "unsafe fns without a `# Safety` section:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_scan_recognizes_definitions_and_sections() {
    assert_eq!(
        defines_unsafe_fn("pub(crate) unsafe fn gemm(g: Gemm) {"),
        Some("gemm")
    );
    assert_eq!(
        defines_unsafe_fn("    avx512: unsafe fn(&mut [f32]),"),
        None
    );
    assert_eq!(defines_unsafe_fn("// an unsafe fn here"), None);
    let lines = [
        "/// Runs.",
        "///",
        "/// # Safety",
        "/// AVX.",
        "#[inline]",
        "unsafe fn f() {}",
    ];
    assert!(has_safety_section(&lines, 5));
    let lines = ["/// Runs.", "#[inline]", "unsafe fn f() {}"];
    assert!(!has_safety_section(&lines, 2));
}
