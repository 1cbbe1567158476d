//! A stable-Rust smoke run of the fuzz target `fuzz/fuzz_targets/weights_header.rs`: 6,000
//! seeded mutations of the fuzz target's seeds (`support::seeds`) (bit flips, cut and repeated spans, numbers in the JSON
//! replaced by boundary values such as 2^64 − 1, header lengths rewritten). Each input must
//! be parsed without a panic; an accepted header must describe tensors that lie inside the
//! file and hold exactly `dtype × shape` bytes (recomputed here in `u128`); and the heap the
//! parse reaches must stay below [`heap_bound`] of the input's length, measured by a counting
//! global allocator.

mod support;

use nn_weights_header::{dtype_bits, parse, Error, Header};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
// The workspace's per-thread counting allocator, shared with the loaders' smoke test.
#[path = "../../tests/support/heap.rs"]
mod heap;

#[global_allocator]
static HEAP: heap::Counting = heap::Counting;

/// The most heap a parse of `len` bytes may use: the parsed JSON (a `serde_json::Value` of
/// 32 bytes per value, in vectors that may double, so at most 64 bytes per input byte for a
/// list of one-digit numbers `[0,0,...]`), the checked copies of shapes, and a constant.
fn heap_bound(len: usize) -> usize {
    96 * len + 64 * 1024
}

/// Numbers a mutation writes into the JSON: the edges of `u32`, `u64` and `usize`
/// arithmetic, negative, fractional and out-of-range values.
const NUMBERS: &[&str] = &[
    "0",
    "1",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551608",
    "18446744073709551615",
    "18446744073709551616",
    "4611686018427387905",
    "-1",
    "1.5",
    "1e400",
];

/// Applies one random mutation to `b`.
fn mutate(b: &mut Vec<u8>, rng: &mut StdRng) {
    let len = b.len();
    match rng.random_range(0..7) {
        0 if len > 0 => {
            let i = rng.random_range(0..len);
            b[i] ^= 1 << rng.random_range(0..8);
        }
        1 if len > 0 => {
            let i = rng.random_range(0..len);
            b[i] = *[
                b'"', b'[', b']', b'{', b'}', b',', b':', b'-', b'9', 0, 0xff,
            ]
            .get(rng.random_range(0..11))
            .unwrap();
        }
        2 => {
            // Replace a run of digits of the JSON with a boundary number, moving the
            // header length by as many bytes.
            let starts: Vec<usize> = (8..len)
                .filter(|&i| b[i].is_ascii_digit() && !b[i - 1].is_ascii_digit())
                .collect();
            if let Some(&i) = starts.get(rng.random_range(0..starts.len().max(1))) {
                let end = (i..len).find(|&j| !b[j].is_ascii_digit()).unwrap_or(len);
                let number = NUMBERS[rng.random_range(0..NUMBERS.len())].as_bytes();
                b.splice(i..end, number.iter().copied());
                let n = u64::from_le_bytes(b[..8].try_into().unwrap());
                if end as u64 <= n.saturating_add(8) {
                    let n = n
                        .wrapping_add(number.len() as u64)
                        .wrapping_sub((end - i) as u64);
                    b[..8].copy_from_slice(&n.to_le_bytes());
                }
            }
        }
        3 if len >= 8 => {
            // A new header length: near the real one, or anything.
            let n = u64::from_le_bytes(b[..8].try_into().unwrap());
            let n = match rng.random_range(0..3) {
                0 => n.wrapping_add(rng.random_range(0..16)).wrapping_sub(8),
                1 => rng.random(),
                _ => len as u64,
            };
            b[..8].copy_from_slice(&n.to_le_bytes());
        }
        4 if len > 0 => {
            let cut = rng.random_range(0..len);
            b.truncate(cut);
        }
        5 if len > 0 => {
            // Repeat a span in place (lengthens lists and nests objects).
            let i = rng.random_range(0..len);
            let j = rng.random_range(i..len.min(i + 64) + 1);
            let span: Vec<u8> = b[i..j].to_vec();
            b.splice(i..i, span);
        }
        _ => b.extend((0..rng.random_range(0..16)).map(|_| rng.random::<u8>())),
    }
}

/// What an accepted header promises, recomputed in `u128`.
fn check_accepted(h: &Header, len: usize) {
    assert_eq!(h.file_len, len);
    assert!(h.data_start >= 8 && h.data_start <= len);
    for (name, t) in &h.tensors {
        let bits = dtype_bits(&t.dtype).unwrap() as u128;
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
        assert!(
            t.begin <= t.end && h.data_start as u128 + t.end as u128 <= len as u128,
            "{name}"
        );
    }
}

#[test]
fn the_seeds_are_committed() {
    // `NN_WRITE_FIXTURES=1` writes them.
    for (name, bytes) in support::seeds() {
        support::committed("fuzz/seeds/weights_header", &name, &bytes);
    }
}

#[test]
fn thousands_of_mutated_headers_parse_without_panic_in_bounded_heap() {
    let seeds: Vec<Vec<u8>> = support::seeds().into_iter().map(|(_, b)| b).collect();
    let mut rng = StdRng::seed_from_u64(16);
    let (mut accepted, mut refused, mut worst) = (0, 0, 0.0f64);
    // Refusals that unchecked arithmetic would have wrapped: a byte count beyond `usize`,
    // offsets beyond 2^32 (the data is never that long here).
    let mut overflowing = 0;
    for case in 0..6_000 {
        let mut input = seeds[case % seeds.len()].clone();
        for _ in 0..rng.random_range(1..4) {
            mutate(&mut input, &mut rng);
        }
        let (used, result) = heap::peak_heap(|| std::panic::catch_unwind(|| parse(&input)));
        let Ok(result) = result else {
            panic!("case {case} panicked on {input:?}");
        };
        assert!(
            used <= heap_bound(input.len()),
            "case {case}: {used} bytes of heap for {} bytes of input",
            input.len()
        );
        worst = worst.max(used as f64 / input.len().max(1) as f64);
        match result {
            Ok(h) => {
                check_accepted(&h, input.len());
                accepted += 1;
            }
            Err(e) => {
                assert!(!e.to_string().is_empty());
                refused += 1;
                match e {
                    Error::ByteLength { expected: None, .. } => overflowing += 1,
                    Error::Offsets { end, .. } if end > u32::MAX as usize => overflowing += 1,
                    _ => {}
                }
            }
        }
    }
    // Both outcomes are exercised: the mutations are neither all harmless nor all fatal.
    assert!(
        accepted >= 300 && refused >= 3_000,
        "{accepted} accepted, {refused} refused"
    );
    // And they reach the checks that unchecked arithmetic used to defeat.
    assert!(overflowing >= 100, "{overflowing} overflowing refusals");
    println!(
        "{accepted} accepted, {refused} refused ({overflowing} overflowing), at most {worst:.1} heap bytes per input byte"
    );
}

#[test]
fn a_list_of_many_small_numbers_stays_within_the_heap_bound() {
    // The densest JSON for serde_json's values: one-digit numbers.
    let json = format!(
        r#"{{"w":{{"dtype":"U8","shape":[{}1],"data_offsets":[0,1]}}}}"#,
        "1,".repeat(200_000)
    );
    let input = support::file(&json, 1);
    let (used, h) = heap::peak_heap(|| parse(&input).unwrap());
    assert_eq!(h.tensors["w"].shape.len(), 200_001);
    assert!(
        used <= heap_bound(input.len()),
        "{used} bytes for {}",
        input.len()
    );
    println!("{used} heap bytes for {} bytes of input", input.len());
}
