//! Building safetensors files byte by byte, for the tests.
#![allow(dead_code)]

/// Compares `bytes` with the committed file `dir/name` under the repository's root (or
/// writes it, with `NN_WRITE_FIXTURES` set).
pub fn committed(dir: &str, name: &str, bytes: &[u8]) {
    let path: std::path::PathBuf = [env!("CARGO_MANIFEST_DIR"), "..", dir, name]
        .iter()
        .collect();
    if std::env::var_os("NN_WRITE_FIXTURES").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
    }
    let committed = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        committed == bytes,
        "{} differs from the file `support` builds",
        path.display()
    );
}

/// A file: the 8-byte length of `json`, `json`, then `data` zero bytes.
pub fn file(json: &str, data: usize) -> Vec<u8> {
    let mut b = (json.len() as u64).to_le_bytes().to_vec();
    b.extend_from_slice(json.as_bytes());
    b.extend(std::iter::repeat_n(0u8, data));
    b
}

/// A file whose header is `json(data_start)`, padded with spaces (as the safetensors
/// package pads) so that the data starts at a multiple of 8; `json` may depend on where the
/// data starts, as long as its length does not.
pub fn aligned(json: impl Fn(usize) -> String, data: usize) -> Vec<u8> {
    let len = json(64).len();
    let padded = len.next_multiple_of(8);
    let data_start = 8 + padded;
    let mut text = json(data_start);
    assert_eq!(
        text.len(),
        len,
        "the header's length must not depend on its offsets"
    );
    text.extend(std::iter::repeat_n(' ', padded - len));
    file(&text, data)
}

/// The file of `tests/fixtures/corrupt/wrapped_offsets.safetensors`: the weights of
/// `input: 2, fc: dense(1)`, where `fc.weight`'s `data_offsets` are so large that
/// `data_start + begin` wraps around `u64` to byte 8, the header's own JSON.
pub fn wrapped_offsets() -> Vec<u8> {
    aligned(
        |data_start| {
            let begin = (1u128 << 64) - data_start as u128 + 8;
            format!(
                r#"{{"fc.bias":{{"dtype":"F32","shape":[1],"data_offsets":[0,4]}},"fc.weight":{{"dtype":"F32","shape":[1,2],"data_offsets":[{begin},{}]}}}}"#,
                begin + 8
            )
        },
        4,
    )
}

/// The file of `tests/fixtures/corrupt/shape_overflow.safetensors`: `fc.weight` has shape
/// (2^32, 2^32), whose element count overflows `u64`.
pub fn shape_overflow() -> Vec<u8> {
    aligned(
        |_| {
            r#"{"fc.bias":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"fc.weight":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[4,12]}}"#.to_string()
        },
        12,
    )
}

/// The seeds of the fuzz target `weights_header` (`fuzz/seeds/weights_header/`) and of its
/// smoke run, by file name: valid files of every dtype family, scalars, empty tensors and
/// metadata, four of the committed weights files, and the two corrupt fixtures.
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds = vec![
        ("empty".to_string(), file("{}", 0)),
        (
            "dense_f32".to_string(),
            file(
                r#"{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}}"#,
                32,
            ),
        ),
        (
            "mixed_dtypes".to_string(),
            file(
                r#"{"a":{"dtype":"F64","shape":[],"data_offsets":[0,8]},"q":{"dtype":"I8","shape":[4,1],"data_offsets":[8,12]},"e":{"dtype":"BF16","shape":[0],"data_offsets":[12,12]},"f":{"dtype":"F4","shape":[2,2],"data_offsets":[12,14]}}"#,
                14,
            ),
        ),
        ("wrapped_offsets".to_string(), wrapped_offsets()),
        ("shape_overflow".to_string(), shape_overflow()),
    ];
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/");
    for name in [
        "sine_1_16_16_1",
        "graph_two_heads",
        "graph_residual",
        "recurrent_seq_f64",
    ] {
        let bytes = std::fs::read(format!("{dir}{name}.safetensors")).unwrap();
        seeds.push((name.to_string(), bytes));
    }
    seeds
}
