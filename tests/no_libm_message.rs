//! A `#![no_std]` build of nn-core with neither `std` nor `libm` (nalgebra's float math comes
//! from one of them) stops with one error, and that error names the feature to turn on.
//!
//! Runs `cargo check -p nn-core --no-default-features` in a target directory of its own
//! (`target/no-libm-check`), so it neither waits for nor disturbs the build running the test;
//! the first run checks nn-core's dependencies there once.

use std::process::Command;

#[test]
fn a_build_without_std_or_libm_names_the_feature_to_turn_on() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new(env!("CARGO"))
        .args([
            "check",
            "--quiet",
            "--offline",
            "-p",
            "nn-core",
            "--no-default-features",
            "--message-format=short",
        ])
        .env("CARGO_TARGET_DIR", format!("{root}/target/no-libm-check"))
        .env_remove("RUSTFLAGS")
        .current_dir(root)
        .output()
        .expect("runs cargo");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the build succeeded:\n{stderr}");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("error:") && !l.contains("could not compile"))
        .collect();
    assert_eq!(errors.len(), 1, "one error expected:\n{stderr}");
    assert!(
        errors[0].contains("nn-core needs float math: turn on its feature `libm`")
            && errors[0].contains("default-features = false, features = [\"libm\"]"),
        "the error names the feature `libm`:\n{stderr}"
    );
}
