//! TFLM fixtures (tests/fixtures/tflm/*.json, written by tools/tflm_fixtures.py) as lists of
//! cases, shared by tests/bitexact.rs and examples/tinyml.rs.

use serde_json::Value;

/// One input with the output TFLM's interpreter computed for it.
pub struct Case {
    pub name: String,
    pub input: Vec<i8>,
    pub output: Vec<i8>,
}

/// The fixture script's random input: a splitmix64 stream from the seed, the top byte of
/// each output as an int8.
pub fn random_input(seed: u64, n: usize) -> Vec<i8> {
    let mut state = seed;
    (0..n)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            (z >> 56) as u8 as i8
        })
        .collect()
}

/// FNV-1a (64 bits) of the input bytes, as the fixture records it.
pub fn fnv1a64(values: &[i8]) -> String {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for &v in values {
        h = (h ^ u64::from(v as u8)).wrapping_mul(0x100_0000_01B3);
    }
    format!("{h:016x}")
}

/// An array of int8 values, or an error saying what was found.
pub fn ints(v: &Value) -> Result<Vec<i8>, String> {
    v.as_array()
        .ok_or_else(|| format!("expected an array of int8 values, found {v}"))?
        .iter()
        .map(|x| {
            x.as_i64()
                .and_then(|x| i8::try_from(x).ok())
                .ok_or_else(|| format!("expected an int8 value, found {x}"))
        })
        .collect()
}

/// The list `key` of a fixture (`samples`, `random`), or an error naming it.
fn list(fixture: &Value, key: &str) -> Result<Vec<Value>, String> {
    fixture[key]
        .as_array()
        .cloned()
        .ok_or_else(|| format!("expected a list `{key}` in the fixture"))
}

/// A fixture's cases: its samples, then its random inputs regenerated from their seeds
/// (each checked against the recorded hash). `n` is the model's input size.
pub fn fixture_cases(fixture: &Value, n: usize) -> Result<(Vec<Case>, usize), String> {
    let mut cases = Vec::new();
    for c in list(fixture, "samples")? {
        cases.push(Case {
            name: c["name"].as_str().unwrap_or("?").into(),
            input: ints(&c["input"])?,
            output: ints(&c["output"])?,
        });
    }
    let random = list(fixture, "random")?;
    for c in &random {
        let (seed, input) = seeded_input(c, n)?;
        cases.push(Case {
            name: format!("seed {seed}"),
            input,
            output: ints(&c["output"])?,
        });
    }
    Ok((cases, random.len()))
}

/// One float32 input with the bits of the float32 output TFLM's interpreter computed for it.
#[allow(dead_code)] // not every test sharing this file runs a float32 model
pub struct FloatCase {
    pub name: String,
    pub input: Vec<f32>,
    pub output_bits: Vec<u32>,
}

/// The cases of a fixture of a model with a float32 input and output
/// (tests/fixtures/tflm/ops_float_io/), as [`fixture_cases`] reads an int8 one: each input
/// is the int8 one divided by 16 (exact in float32), each output the IEEE-754 bits TFLM
/// wrote (`output_f32_bits`). `n` is the model's input size.
#[allow(dead_code)] // not every test sharing this file runs a float32 model
pub fn float_fixture_cases(fixture: &Value, n: usize) -> Result<(Vec<FloatCase>, usize), String> {
    let bits = |c: &Value| -> Result<Vec<u32>, String> {
        let v = &c["output_f32_bits"];
        v.as_array()
            .ok_or_else(|| format!("expected a list `output_f32_bits`, found {v}"))?
            .iter()
            .map(|x| {
                x.as_u64()
                    .and_then(|x| u32::try_from(x).ok())
                    .ok_or_else(|| format!("expected the bits of a float32, found {x}"))
            })
            .collect()
    };
    let float = |x: &[i8]| x.iter().map(|&v| f32::from(v) / 16.0).collect();
    let mut cases = Vec::new();
    for c in list(fixture, "samples")? {
        cases.push(FloatCase {
            name: c["name"].as_str().unwrap_or("?").into(),
            input: float(&ints(&c["input"])?),
            output_bits: bits(&c)?,
        });
    }
    let random = list(fixture, "random")?;
    for c in &random {
        let (seed, input) = seeded_input(c, n)?;
        cases.push(FloatCase {
            name: format!("seed {seed}"),
            input: float(&input),
            output_bits: bits(c)?,
        });
    }
    Ok((cases, random.len()))
}

/// A random case's seed and its `n` int8 inputs, regenerated from the seed and checked
/// against the fixture's FNV-1a hash of them, so a changed generator is an error, not a
/// silent mismatch.
fn seeded_input(c: &Value, n: usize) -> Result<(u64, Vec<i8>), String> {
    let seed = c["seed"].as_u64().ok_or("expected a seed")?;
    let input = random_input(seed, n);
    let hash = fnv1a64(&input);
    if Some(hash.as_str()) != c["input_fnv1a64"].as_str() {
        return Err(format!(
            "the input of seed {seed} hashes to {hash}, the fixture says {}",
            c["input_fnv1a64"]
        ));
    }
    Ok((seed, input))
}
