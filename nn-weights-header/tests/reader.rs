//! Every check of the header reader, each with the exact error it gives. Built with
//! overflow checks off (`cargo test --release -p nn-weights-header`), the same tests pass:
//! the reader computes every offset and size with checked arithmetic.

mod support;

use nn_weights_header::{header_len, parse, parse_header, read, Error, MAX_HEADER_LEN};
use support::file;

/// The error text for a file with this header and `data` bytes of data.
fn refused(json: &str, data: usize) -> String {
    parse(&file(json, data)).unwrap_err().to_string()
}

#[test]
fn reads_every_dtype_scalars_and_empty_tensors() {
    let json = r#"{"__metadata__":{"format":"pt"},"a":{"dtype":"F64","shape":[],"data_offsets":[0,8]},"b":{"dtype":"BF16","shape":[3],"data_offsets":[8,14]},"c":{"dtype":"F4","shape":[2,3],"data_offsets":[14,17]},"d":{"dtype":"I8","shape":[0,5],"data_offsets":[17,17]},"e":{"dtype":"F6_E2M3","shape":[4],"data_offsets":[17,20]}}"#;
    let h = parse(&file(json, 20)).unwrap();
    assert_eq!(
        (h.file_len, h.data_start),
        (8 + json.len() + 20, 8 + json.len())
    );
    let got: Vec<_> = h
        .tensors
        .iter()
        .map(|(n, t)| {
            (
                n.as_str(),
                t.dtype.as_str(),
                t.elements,
                t.begin,
                t.end,
                t.start - h.data_start,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("a", "F64", 1, 0, 8, 0),
            ("b", "BF16", 3, 8, 14, 8),
            ("c", "F4", 6, 14, 17, 14),
            ("d", "I8", 0, 17, 17, 17),
            ("e", "F6_E2M3", 4, 17, 20, 17)
        ]
    );
    assert_eq!(h.metadata["format"], "pt");
}

#[test]
fn reads_the_committed_fixtures() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/");
    let h = read(format!("{dir}sine_1_16_16_1.safetensors")).unwrap();
    let names: Vec<_> = h.tensors.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "fc1.bias",
            "fc1.weight",
            "fc2.bias",
            "fc2.weight",
            "fc3.bias",
            "fc3.weight"
        ]
    );
    assert_eq!(h.tensors["fc2.weight"].shape, [16, 16]);
    let bytes = std::fs::read(format!("{dir}mnist_784_128_10_q8.safetensors")).unwrap();
    assert_eq!(
        parse(&bytes).unwrap(),
        read(format!("{dir}mnist_784_128_10_q8.safetensors")).unwrap()
    );
}

#[test]
fn the_header_length_is_checked_before_anything_is_read() {
    assert_eq!(parse(&[]).unwrap_err(), Error::TooShort { found: 0 });
    assert_eq!(
        parse(&[1, 2, 3]).unwrap_err().to_string(),
        "the file has 3 bytes, expected at least 8 (the header length)"
    );
    let mut b = file("{}", 0);
    b[0] = 200;
    assert_eq!(
        parse(&b).unwrap_err().to_string(),
        "the header length is 200 bytes, expected at most 2, the bytes that follow it"
    );
    let mut b = file("{}", 0);
    b[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    assert_eq!(
        parse(&b).unwrap_err(),
        Error::HeaderPastEnd {
            found: u64::MAX,
            available: 2
        }
    );
    let big = (MAX_HEADER_LEN + 1).to_le_bytes();
    assert_eq!(
        header_len(&big, 2 * MAX_HEADER_LEN)
            .unwrap_err()
            .to_string(),
        "the header length is 100000001 bytes, expected at most 100000000"
    );
    assert_eq!(
        header_len(&MAX_HEADER_LEN.to_le_bytes(), 2 * MAX_HEADER_LEN),
        Ok(100_000_000)
    );
    // A header that claims to end past the file given to `parse_header`.
    assert_eq!(
        parse_header(b"{}", 9).unwrap_err(),
        Error::HeaderPastEnd {
            found: 2,
            available: 1
        }
    );
}

#[test]
fn the_header_must_be_a_json_object() {
    assert_eq!(
        refused("{nope", 0),
        "expected the header to be JSON, found an error: key must be a string at line 1 column 2"
    );
    assert_eq!(
        refused("[1,2]", 0),
        "expected the header to be a JSON object, found [1,2]"
    );
    assert_eq!(
        refused(r#"{"__metadata__":{"format":1}}"#, 0),
        r#"`__metadata__` is {"format":1}, expected an object mapping strings to strings"#
    );
    assert_eq!(
        refused(r#"{"w":3}"#, 0),
        "the entry of `w` is 3, expected an object with `dtype`, `shape` and `data_offsets`"
    );
}

#[test]
fn each_field_is_named_with_what_was_expected_and_found() {
    let cases = [
        (
            r#"{"w":{"shape":[1],"data_offsets":[0,4]}}"#,
            "`w` has `dtype` missing, expected a dtype name in quotes",
        ),
        (
            r#"{"w":{"dtype":32,"shape":[1],"data_offsets":[0,4]}}"#,
            "`w` has `dtype` 32, expected a dtype name in quotes",
        ),
        (
            r#"{"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}"#,
            "`w` has `dtype` \"F33\", expected one of BOOL, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0, I16, U16, F16, BF16, I32, U32, F32, I64, U64, F64, C64, F4, F6_E2M3, F6_E3M2",
        ),
        (
            r#"{"w":{"dtype":"F32","data_offsets":[0,4]}}"#,
            "`w` has `shape` missing, expected a list of sizes such as [2, 3]",
        ),
        (
            r#"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#,
            "`w` has `shape` [-1], expected a list of sizes such as [2, 3]",
        ),
        (
            r#"{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#,
            "`w` has `shape` [1.5], expected a list of sizes such as [2, 3]",
        ),
        (
            r#"{"w":{"dtype":"F32","shape":[1]}}"#,
            "`w` has `data_offsets` missing, expected two byte offsets [begin, end]",
        ),
        (
            r#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}"#,
            "`w` has `data_offsets` [0,4,8], expected two byte offsets [begin, end]",
        ),
        (
            // Beyond u64: serde_json reads it as a float.
            r#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,18446744073709551616]}}"#,
            "`w` has `data_offsets` [0,1.8446744073709552e+19], expected two byte offsets [begin, end]",
        ),
    ];
    for (json, want) in cases {
        assert_eq!(refused(json, 4), want, "{json}");
    }
}

#[test]
fn long_values_are_quoted_cut() {
    let long = "é".repeat(100);
    let e = refused(&format!(r#"{{"w":{{"dtype":"{long}"}}}}"#), 0);
    // 48 bytes: the quote and 23 two-byte characters, cut before the middle of the 24th.
    assert_eq!(e, format!("`w` has `dtype` \"{}..., expected one of BOOL, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0, I16, U16, F16, BF16, I32, U32, F32, I64, U64, F64, C64, F4, F6_E2M3, F6_E3M2", "é".repeat(23)));
}

#[test]
fn offsets_must_lie_inside_the_data() {
    assert_eq!(
        refused(
            r#"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#,
            8
        ),
        "`w` lies at bytes 0..16 of the data, expected an end of at most 8, the data's length"
    );
    assert_eq!(
        refused(
            r#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}"#,
            8
        ),
        "`w` has `data_offsets` [8, 4], expected the first no greater than the second"
    );
    // data_start + begin wraps around to 0: an unchecked sum would point into the header.
    let wrapped = support::aligned(
        |data_start| {
            let begin = (1u128 << 64) - data_start as u128;
            format!(
                r#"{{"w":{{"dtype":"F32","shape":[2],"data_offsets":[{begin},{}]}}}}"#,
                begin + 8
            )
        },
        8,
    );
    assert!(matches!(
        parse(&wrapped).unwrap_err(),
        Error::Offsets { data_len: 8, .. }
    ));
}

#[test]
fn byte_counts_are_checked_without_overflow() {
    assert_eq!(
        refused(
            r#"{"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,16]}}"#,
            16
        ),
        "`w` of dtype F32 and shape (2, 3) needs 24 bytes, found 16"
    );
    // 2^62 elements fit in usize; their 2^64 bytes do not.
    assert_eq!(
        refused(
            r#"{"w":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}}"#,
            0
        ),
        format!(
            "`w` of dtype F32 and shape (4611686018427387904,) needs more than {} bytes, found 0",
            usize::MAX
        )
    );
    // (2^62 + 1) x 4 wraps to 4 elements, 16 bytes: exactly what the tensor holds.
    let e = parse(&file(
        r#"{"w":{"dtype":"F32","shape":[4611686018427387905,4],"data_offsets":[0,16]}}"#,
        16,
    ))
    .unwrap_err();
    assert!(
        matches!(
            e,
            Error::ByteLength {
                expected: None,
                found: 16,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        refused(
            r#"{"w":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}"#,
            2
        ),
        "`w` of dtype F4 and shape (3,) has 12 bits, expected a whole number of bytes"
    );
}

#[test]
fn only_regular_files_are_read() {
    let dir = std::env::temp_dir();
    assert_eq!(
        read(&dir).unwrap_err().to_string(),
        "expected a regular file, found a directory"
    );
    let missing = read(dir.join("nn-weights-header-no-such-file")).unwrap_err();
    assert!(matches!(missing, Error::Io { .. }), "{missing:?}");
}

#[cfg(unix)]
#[test]
fn devices_and_fifos_are_refused_without_being_opened() {
    for dev in ["/dev/null", "/dev/zero"] {
        assert_eq!(
            read(dev),
            Err(Error::NotAFile {
                found: "a character device"
            }),
            "{dev}"
        );
    }
    let fifo = std::env::temp_dir().join(format!("nn-weights-header-fifo-{}", std::process::id()));
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    // Opening a FIFO for reading blocks until a writer comes: read it on another thread,
    // so that a regression fails this test instead of hanging it.
    let (tx, rx) = std::sync::mpsc::channel();
    let path = fifo.clone();
    std::thread::spawn(move || tx.send(read(&path)).unwrap());
    let got = rx.recv_timeout(std::time::Duration::from_secs(10));
    std::fs::remove_file(&fifo).unwrap();
    assert_eq!(got, Ok(Err(Error::NotAFile { found: "a FIFO" })));
}

#[test]
fn a_file_claiming_a_huge_header_is_refused_from_its_length() {
    let path = std::env::temp_dir().join(format!(
        "nn-weights-header-huge-{}.safetensors",
        std::process::id()
    ));
    let mut b = file("{}", 6);
    b[..8].copy_from_slice(&(1u64 << 40).to_le_bytes());
    std::fs::write(&path, &b).unwrap();
    let got = read(&path);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(
        got,
        Err(Error::HeaderPastEnd {
            found: 1 << 40,
            available: 8
        })
    );
}
