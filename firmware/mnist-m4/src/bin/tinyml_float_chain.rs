//! `models/ops/float_chain.tflite` (DEQUANTIZE, float32 CONV_2D, DEPTHWISE_CONV_2D, pooling,
//! ADD of a constant, RESHAPE, FULLY_CONNECTED, SOFTMAX, QUANTIZE) as the `network!`
//! declaration `nn-import` wrote (crate nn-tinyml): int8 ends, float32 activations between
//! them in `FloatChain::ARENA_F32` floats of stack. Runs the inputs of the TFLM fixture's
//! seeds 0 to 7 (the fixture's splitmix64 stream) and prints each output's bytes (the host's
//! and TFLM's, see `nn-import/tests/firmware_tinyml.rs`), then the memory used.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mnist_m4::tinyml::run_cases;
use nn_tinyml::FloatChain;

static NET: FloatChain = FloatChain::new();

/// The fixture's random input of `seed`: a splitmix64 stream, the top byte of each value.
fn random_input<const N: usize>(seed: u64) -> [i8; N] {
    let mut state = seed;
    core::array::from_fn(|_| {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 56) as u8 as i8
    })
}

#[entry]
fn main() -> ! {
    let cases = [
        "seed 0", "seed 1", "seed 2", "seed 3", "seed 4", "seed 5", "seed 6", "seed 7",
    ];
    run_cases(
        "tinyml_float_chain",
        FloatChain::ARENA_BYTES,
        &cases,
        |i| random_input(i as u64),
        |x: &[i8; FloatChain::INPUT_LEN], y: &mut [i8; FloatChain::OUTPUT_LEN]| {
            NET.run(x, y).is_ok()
        },
    )
}
