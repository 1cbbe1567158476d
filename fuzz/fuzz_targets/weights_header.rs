//! The header reader behind `#[weights = "..."]` on any bytes: it must return without a
//! panic, and a header it accepts must describe tensors that lie inside the input and hold
//! exactly `dtype × shape` bytes, recomputed here in `u128` so that a wrapped sum or product
//! in the reader cannot hide. Seeds: `fuzz/seeds/weights_header/`. Its stable smoke run is
//! `nn-weights-header/tests/smoke.rs`.
#![no_main]

use libfuzzer_sys::{fuzz_mutator, fuzz_target, fuzzer_mutate};
use nn_weights_header::{dtype_bits, parse};

fuzz_target!(|data: &[u8]| {
    let Ok(h) = parse(data) else { return };
    assert_eq!(h.file_len, data.len());
    assert!(h.data_start >= 8 && h.data_start <= data.len());
    for (name, t) in &h.tensors {
        let bits = dtype_bits(&t.dtype).expect("a known dtype") as u128;
        // With a zero dimension the others may be anything: no product needed.
        let elements = match t.shape.contains(&0) {
            true => 0,
            false => t
                .shape
                .iter()
                .try_fold(1u128, |n, &d| n.checked_mul(d as u128))
                .unwrap(),
        };
        assert_eq!(elements, t.elements as u128, "{name}");
        assert_eq!(
            elements * bits,
            8 * (t.end as u128 - t.begin as u128),
            "{name}"
        );
        assert_eq!(
            t.start as u128,
            h.data_start as u128 + t.begin as u128,
            "{name}"
        );
        assert!(t.begin <= t.end, "{name}");
        assert!(
            h.data_start as u128 + t.end as u128 <= data.len() as u128,
            "{name}"
        );
    }
});

/// Numbers written over a number of the JSON.
const NUMBERS: &[&[u8]] = &[
    b"0",
    b"4294967296",
    b"4611686018427387905",
    b"9223372036854775808",
    b"18446744073709551608",
    b"18446744073709551615",
    b"18446744073709551616",
    b"-1",
];

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    if seed % 4 != 0 {
        return fuzzer_mutate(data, size, max_size);
    }
    let starts: Vec<usize> = (8..size)
        .filter(|&i| data[i].is_ascii_digit() && !data[i - 1].is_ascii_digit())
        .collect();
    if starts.is_empty() {
        return fuzzer_mutate(data, size, max_size);
    }
    let start = starts[(seed as usize / 4) % starts.len()];
    let end = (start..size)
        .find(|&j| !data[j].is_ascii_digit())
        .unwrap_or(size);
    let number = NUMBERS[(seed as usize / 4 / starts.len()) % NUMBERS.len()];
    let new_size = size - (end - start) + number.len();
    if new_size > max_size {
        return fuzzer_mutate(data, size, max_size);
    }
    data.copy_within(end..size, start + number.len());
    data[start..start + number.len()].copy_from_slice(number);
    // Keep the header length on the JSON's end when the number lay inside it.
    let n = u64::from_le_bytes(data[..8].try_into().unwrap());
    if (end as u64) <= n.saturating_add(8) {
        let n = n
            .wrapping_add(number.len() as u64)
            .wrapping_sub((end - start) as u64);
        data[..8].copy_from_slice(&n.to_le_bytes());
    }
    new_size
});
