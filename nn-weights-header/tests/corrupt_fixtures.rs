//! The corrupt weights files under `tests/fixtures/corrupt/`, which the trybuild cases
//! `tests/ui/fail/weights_wrapped_offsets.rs` and `weights_shape_overflow.rs` embed: each is
//! built by `support`, must equal the committed file byte for byte, and must be refused
//! with the error the snapshots show. `NN_WRITE_FIXTURES=1 cargo test -p nn-weights-header
//! --test corrupt_fixtures` writes them.

mod support;

use nn_weights_header::{parse, Error};

#[test]
fn wrapped_offsets_are_refused() {
    let bytes = support::wrapped_offsets();
    support::committed(
        "tests/fixtures/corrupt",
        "wrapped_offsets.safetensors",
        &bytes,
    );
    let data_start = bytes.len() - 4;
    // Unchecked, `data_start + begin` would be byte 8 of the file, inside the header.
    let begin = (1u128 << 64) - data_start as u128 + 8;
    assert_eq!((begin as u64 as usize).wrapping_add(data_start), 8);
    let e = parse(&bytes).unwrap_err();
    assert_eq!(
        e,
        Error::Offsets {
            tensor: "fc.weight".into(),
            begin: begin as usize,
            end: begin as usize + 8,
            data_len: 4,
        }
    );
    assert_eq!(
        e.to_string(),
        format!(
            "`fc.weight` lies at bytes {begin}..{} of the data, expected an end of at most 4, the data's length",
            begin + 8
        )
    );
}

#[test]
fn an_overflowing_shape_is_refused() {
    let bytes = support::shape_overflow();
    support::committed(
        "tests/fixtures/corrupt",
        "shape_overflow.safetensors",
        &bytes,
    );
    let e = parse(&bytes).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "`fc.weight` of dtype F32 and shape (4294967296, 4294967296) needs more than {} bytes, found 8",
            usize::MAX
        )
    );
}
