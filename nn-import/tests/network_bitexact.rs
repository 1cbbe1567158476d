//! The `network!` declarations `nn-import --name ... --out nn-tinyml/src` wrote for the three
//! TinyML models (crate nn-tinyml) against TFLM's own interpreter, bit for bit, on the same
//! fixtures as tests/bitexact.rs; and the committed declarations and weights are what the
//! tool writes today.

use nn_tinyml::{PersonDetect, Sine, Speech};
use serde_json::Value;
use std::path::PathBuf;

mod support;
use support::tflm::fixture_cases;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs every case of `tests/fixtures/tflm/{name}.json` through `run`; (equal, total, random).
fn check<const IN: usize, const OUT: usize>(
    name: &str,
    run: impl Fn(&[i8; IN], &mut [i8; OUT]),
) -> (usize, usize, usize) {
    let text =
        std::fs::read_to_string(root().join(format!("tests/fixtures/tflm/{name}.json"))).unwrap();
    let fixture: Value = serde_json::from_str(&text).unwrap();
    let (cases, random) = fixture_cases(&fixture, IN).unwrap();
    let mut equal = 0;
    for case in &cases {
        let mut y = [0i8; OUT];
        run(case.input[..].try_into().unwrap(), &mut y);
        if y[..] == case.output[..] {
            equal += 1;
        } else {
            eprintln!("{name} {}: ours {y:?}, TFLM {:?}", case.name, case.output);
        }
    }
    println!("{name}={equal}/{}", cases.len());
    (equal, cases.len(), random)
}

#[test]
fn sine_network_equals_tflm() {
    let (p, n, random) = check("sine", |x, y| Sine::new().run(x, y).unwrap());
    assert!(random >= 100 && n >= 256 + 100);
    assert_eq!(p, n);
}

#[test]
fn speech_network_equals_tflm() {
    let (p, n, random) = check("speech", |x, y| Speech::new().run(x, y).unwrap());
    assert!(random >= 100 && n >= 102);
    assert_eq!(p, n);
}

#[test]
fn person_detect_network_equals_tflm_in_a_static_arena() {
    static mut ARENA: [i8; PersonDetect::ARENA_BYTES] = [0; PersonDetect::ARENA_BYTES];
    let (p, n, random) = check("person_detect", |x, y| {
        // SAFETY: the only reference to ARENA, taken once per call on this thread.
        let arena = unsafe { &mut *std::ptr::addr_of_mut!(ARENA) };
        PersonDetect::new().run_in(arena, x, y).unwrap()
    });
    assert!(random >= 100 && n >= 102);
    assert_eq!(p, n);
}

#[test]
fn the_arena_is_the_largest_input_plus_output_between_the_ends() {
    // sine: 1 -> 16 -> 16 -> 1, the middle layer holds 16 + 16.
    assert_eq!(Sine::ARENA_BYTES, 32);
    // speech: the depthwise layer (first) writes 4000 values the dense layer reads; the
    // dense layer's 4 outputs go to the softmax, which writes the caller's output.
    assert_eq!(Speech::ARENA_BYTES, 4000 + 4);
    // person_detect: the first 1x1 convolution (`conv1`) reads dw2's 48x48x8 and writes
    // 48x48x16; every later pair is smaller (the input, 96x96x1, is the caller's).
    assert_eq!(PersonDetect::ARENA_BYTES, 48 * 48 * 8 + 48 * 48 * 16);
}

#[test]
fn the_committed_declarations_are_what_the_tool_writes() {
    for (file, name) in [
        ("sine", "Sine"),
        ("speech", "Speech"),
        ("person_detect", "PersonDetect"),
    ] {
        let bytes = std::fs::read(root().join(format!("models/tinyml/{file}.tflite"))).unwrap();
        let e = nn_import::export(
            &bytes,
            name,
            &format!("src/{file}.safetensors"),
            &format!("{file}.tflite"),
        )
        .unwrap();
        let dir = root().join("nn-tinyml/src");
        let source = std::fs::read_to_string(dir.join(format!("{file}.rs"))).unwrap();
        let weights = std::fs::read(dir.join(format!("{file}.safetensors"))).unwrap();
        assert_eq!(e.source, source, "{file}.rs");
        assert!(e.weights == weights, "{file}.safetensors differs");
    }
}
