//! TFLM's `speech` model (micro_speech: silence, unknown, yes, no) as the `network!`
//! declaration `nn-import` wrote (crate nn-tinyml): TFLite int8 layers with TFLM's
//! arithmetic, the activations in `Speech::ARENA_BYTES` of stack. Prints each output's bytes
//! (the host's and TFLM's, see `nn-import/tests/firmware_tinyml.rs`), then the memory
//! used ([`mnist_m4::tinyml::run_cases`]; instructions: `benches/tinyml_vs_microflow.sh`).

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mnist_m4::tinyml::{run_cases, sample, SPEECH_SAMPLES};
use nn_tinyml::Speech;

static NET: Speech = Speech::new();

#[entry]
fn main() -> ! {
    run_cases(
        "tinyml_speech",
        Speech::ARENA_BYTES,
        &["yes", "no"],
        |i| sample(SPEECH_SAMPLES, i),
        |x: &[i8; Speech::INPUT_LEN], y: &mut [i8; Speech::OUTPUT_LEN]| NET.run(x, y).is_ok(),
    )
}
