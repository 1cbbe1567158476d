//! TFLM's `person_detect` model (MobileNet v1 0.25 at 96x96: no person, person) as the
//! `network!` declaration `nn-import` wrote (crate nn-tinyml): TFLite int8 layers with TFLM's
//! arithmetic, the activations in `PersonDetect::ARENA_BYTES` of stack. Prints each output's
//! bytes (the host's and TFLM's, see `nn-import/tests/firmware_tinyml.rs`), then the
//! memory used ([`mnist_m4::tinyml::run_cases`]; instructions: `benches/tinyml_vs_microflow.sh`).

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mnist_m4::tinyml::{run_cases, sample, PERSON_SAMPLES};
use nn_tinyml::PersonDetect;

static NET: PersonDetect = PersonDetect::new();

#[entry]
fn main() -> ! {
    run_cases(
        "tinyml_person_detect",
        PersonDetect::ARENA_BYTES,
        &["person", "no_person"],
        |i| sample(PERSON_SAMPLES, i),
        |x: &[i8; PersonDetect::INPUT_LEN], y: &mut [i8; PersonDetect::OUTPUT_LEN]| {
            NET.run(x, y).is_ok()
        },
    )
}
