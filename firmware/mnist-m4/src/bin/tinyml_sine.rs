//! TFLM's `sine` model (a 1-16-16-1 ReLU regressor of sin x) as the `network!` declaration
//! `nn-import` wrote (crate nn-tinyml): TFLite int8 layers with TFLM's arithmetic, the
//! activations in `Sine::ARENA_BYTES` of stack. Prints each output's bytes (the host's and
//! TFLM's, see `nn-import/tests/firmware_tinyml.rs`), then the memory used
//! ([`mnist_m4::tinyml::run_cases`]; instructions: `benches/tinyml_vs_microflow.sh`).

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mnist_m4::tinyml::run_cases;
use nn_tinyml::Sine;

static NET: Sine = Sine::new();

#[entry]
fn main() -> ! {
    let cases = [
        "x=-128", "x=-96", "x=-64", "x=-32", "x=0", "x=32", "x=64", "x=96",
    ];
    run_cases(
        "tinyml_sine",
        Sine::ARENA_BYTES,
        &cases,
        |i| [(-128 + 32 * i as i32) as i8],
        |x: &[i8; Sine::INPUT_LEN], y: &mut [i8; Sine::OUTPUT_LEN]| NET.run(x, y).is_ok(),
    )
}
