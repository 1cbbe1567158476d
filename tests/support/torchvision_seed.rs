//! The seeded inputs and weights of the torchvision logit tests, as
//! `tools/torchvision_logits.py` saw them: shared by `tests/torchvision.rs` (through
//! nn-core's `Parameters`) and the build script of `tests/torchvision-embedded` (which
//! writes the safetensors file itself, without nn-core).

/// The inputs' seeds, shared with the script.
pub const INPUT_SEEDS: [u64; 2] = [1, 2];

/// `n` values in [-1, 1), `k / 2^23 - 1` from the top 24 bits of a 64-bit LCG (Knuth's
/// MMIX constants), exactly as `tools/torchvision_logits.py` draws them.
pub fn input(seed: u64, n: usize) -> Vec<f32> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) as f64 / (1u64 << 23) as f64 - 1.0) as f32
        })
        .collect()
}

/// The range a seeded tensor's values are drawn from, uniformly, one after the other in
/// our column-major order: weights within `±sqrt(6 / fan_in)` (He), biases within ±0.1;
/// a batch norm's (`batch_norm`) scale in [0.3, 0.7), shift and running mean within ±0.1
/// and running variance in [0.5, 1.5), so the residual sums stay near unit scale. `name`
/// is the tensor's name within its layer (`weight`, `running_var`), `dims` its PyTorch
/// shape.
pub fn seeded_range(batch_norm: bool, name: &str, dims: &[usize]) -> (f32, f32) {
    match (batch_norm, name) {
        (true, "weight") => (0.3, 0.7),
        (true, "running_var") => (0.5, 1.5),
        (true, _) | (false, "bias") => (-0.1, 0.1),
        _ => {
            let b = (6.0 / dims[1..].iter().product::<usize>() as f64).sqrt() as f32;
            (-b, b)
        }
    }
}
