//! A stable-Rust smoke run of the fuzz targets (`fuzz/src/lib.rs`), so `cargo test` exercises
//! them: from each seed in `fuzz/seeds/TARGET/`, a few thousand seeded mutations (bit flips,
//! byte inserts and deletes, truncations, length fields set to edge values, and for gzip
//! seeds the same on the decompressed bytes, recompressed). No input may panic, and none may
//! take more than `HEAP_BOUND` bytes of heap, measured by a counting global allocator.
//!
//! The full runs are libFuzzer's: `cargo +nightly fuzz run TARGET` (see `fuzz/Cargo.toml`).

#[path = "../fuzz/src/lib.rs"]
mod targets;

#[path = "support/heap.rs"]
mod heap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::io::{Read, Write};

#[global_allocator]
static ALLOC: heap::Counting = heap::Counting;

/// Mutated inputs per target.
const CASES: usize = 3000;

/// The most heap one case may take: the inputs are under 2 KB and the targets read within
/// `targets::LIMITS`, so anything near this is a loader allocating on a header's word.
const HEAP_BOUND: usize = 1 << 20;

/// The seed files of `target`.
fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/seeds/").to_string() + target;
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let seeds: Vec<Vec<u8>> = files.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(!seeds.is_empty(), "no seeds in {dir}");
    seeds
}

/// A length field: its offset, its width in bytes (4 or 8) and whether it is big-endian.
type Field = (usize, usize, bool);

/// Values a length or dimension field is set to.
const EDGES: [u64; 9] = [0, 1, 7, 8, 255, 1 << 16, 1 << 31, u32::MAX as u64, u64::MAX];

/// One random mutation of `b`. `fields` are the offsets and widths (4 or 8 bytes, with the
/// byte order) of its length fields.
fn mutate(b: &mut Vec<u8>, rng: &mut StdRng, fields: &[Field]) {
    let len = b.len();
    match rng.random_range(0..7) {
        0 if len > 0 => {
            let i = rng.random_range(0..len);
            b[i] ^= 1 << rng.random_range(0..8);
        }
        1 if len > 0 => {
            let i = rng.random_range(0..len);
            b[i] = rng.random();
        }
        2 => {
            let i = rng.random_range(0..=len);
            b.insert(i, rng.random());
        }
        3 if len > 0 => {
            b.remove(rng.random_range(0..len));
        }
        4 if len > 0 => b.truncate(rng.random_range(0..len)),
        5 if !fields.is_empty() => {
            let (at, width, big_endian) = fields[rng.random_range(0..fields.len())];
            if at + width <= len {
                let v = if rng.random_bool(0.5) {
                    EDGES[rng.random_range(0..EDGES.len())]
                } else {
                    // Off by a little from what is there.
                    let mut cur = [0u8; 8];
                    cur[..width].copy_from_slice(&b[at..at + width]);
                    if big_endian {
                        cur[..width].reverse();
                    }
                    u64::from_le_bytes(cur)
                        .wrapping_add(rng.random_range(0..9))
                        .wrapping_sub(4)
                };
                let mut bytes = v.to_le_bytes();
                if big_endian {
                    bytes[..width].reverse();
                }
                b[at..at + width].copy_from_slice(&bytes[..width]);
            }
        }
        _ if len > 1 => {
            // Duplicate a slice somewhere else.
            let i = rng.random_range(0..len);
            let j = rng.random_range(i..len.min(i + 32));
            let chunk = b[i..=j].to_vec();
            let at = rng.random_range(0..=len);
            b.splice(at..at, chunk);
        }
        _ => b.push(rng.random()),
    }
}

/// Runs `target` on `CASES` mutations of its seeds; returns how many loaded.
fn smoke(target: &str, run: fn(&[u8]) -> bool, fields: fn(&[u8]) -> Vec<Field>) -> usize {
    let seeds = seeds(target);
    let mut rng = StdRng::seed_from_u64(16);
    let mut loaded = 0;
    for case in 0..CASES {
        let seed = &seeds[case % seeds.len()];
        let gzipped = seed.starts_with(&[0x1f, 0x8b]);
        let mut input = if gzipped && case % 2 == 0 {
            // Mutate what is inside, then compress again.
            let mut plain = Vec::new();
            flate2::read::GzDecoder::new(&seed[..])
                .read_to_end(&mut plain)
                .unwrap();
            plain
        } else {
            seed.clone()
        };
        for _ in 0..rng.random_range(1..4) {
            let f = fields(&input);
            mutate(&mut input, &mut rng, &f);
        }
        if gzipped && case % 2 == 0 {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(&input).unwrap();
            input = e.finish().unwrap();
        }
        let (peak, ok) = heap::peak_heap(|| run(&input));
        assert!(
            peak < HEAP_BOUND,
            "{target}: case {case} took {peak} bytes of heap; input {input:02x?}"
        );
        loaded += usize::from(ok);
    }
    // Every seed itself loads.
    for s in &seeds {
        assert!(run(s), "{target}: a seed does not load");
    }
    loaded
}

/// Mutations must reach both paths: some inputs still load, most do not.
fn check_mix(target: &str, loaded: usize) {
    assert!(
        (CASES / 100..CASES / 2).contains(&loaded),
        "{target}: {loaded} of {CASES} mutated inputs loaded"
    );
}

/// A safetensors file's 8-byte header length and, inside the JSON, nothing fixed.
fn safetensors_fields(_: &[u8]) -> Vec<Field> {
    vec![(0, 8, false)]
}

/// An IDX file's magic and dimensions (big-endian), or a gzip trailer's size (little-endian).
fn idx_fields(b: &[u8]) -> Vec<Field> {
    if b.starts_with(&[0x1f, 0x8b]) && b.len() >= 8 {
        vec![(b.len() - 4, 4, false), (b.len() - 8, 4, false)]
    } else {
        vec![(0, 4, true), (4, 4, true), (8, 4, true), (12, 4, true)]
    }
}

#[test]
fn safetensors_load_survives_mutations() {
    let worst = smoke(
        "safetensors_load",
        targets::safetensors_load,
        safetensors_fields,
    );
    assert!(worst > 0);
}

#[test]
fn idx_gzip_survives_mutations() {
    let loaded = smoke("idx_gzip", targets::idx_gzip, idx_fields);
    check_mix("idx_gzip", loaded);
}

#[test]
fn quantized_file_survives_mutations() {
    let worst = smoke(
        "quantized_file",
        targets::quantized_file,
        safetensors_fields,
    );
    assert!(worst > 0);
}
