//! TFLM's `speech` model (micro_speech: silence, unknown, yes, no) as the `network!` declaration `nn-import` wrote
//! (crate nn-tinyml): TFLite int8 layers with TFLM's arithmetic, the activations in
//! `Speech::ARENA_BYTES` of stack. Prints each output's bytes (the host's and TFLM's, see
//! `nn-import/tests/firmware_tinyml.rs`), then the instructions per inference and the
//! memory used.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mnist_m4::tinyml::{sample, Bytes, LongTimer};
use mnist_m4::{exit, mark, paint_stack, println, stack_peak, static_ram};
use nn_tinyml::Speech;

static NET: Speech = Speech::new();

#[entry]
fn main() -> ! {
    let Some(p) = cortex_m::Peripherals::take() else {
        exit(false)
    };
    paint_stack();
    let timer = LongTimer::new(p.SYST);
    let per_tick = timer.calibrate();
    let (mut ticks, mut ok) = (0u64, true);
    let cases = ["yes", "no"];
    for (i, name) in cases.iter().enumerate() {
        let x: [i8; Speech::INPUT_LEN] =
            core::hint::black_box(sample(mnist_m4::tinyml::SPEECH_SAMPLES, i));
        let mut y = [0i8; Speech::OUTPUT_LEN];
        // The markers delimit the inference for benches/tinyml_vs_microflow.sh's counter.
        let (r, t) = timer.ticks(|| {
            mark();
            let r = NET.run(&x, &mut y);
            mark();
            r
        });
        ticks += t;
        ok &= r.is_ok();
        println(format_args!("tinyml_speech {name}: {}", Bytes(&y)));
    }
    println(format_args!(
        "result: instructions_per_inference={} stack_peak_bytes={} static_ram_bytes={} arena_bytes={}",
        // Rounded to a whole count: printing an `f32` would link float formatting, which
        // costs more flash than the sine model itself.
        (ticks as f32 * per_tick / cases.len() as f32 + 0.5) as u64,
        stack_peak(),
        static_ram(),
        Speech::ARENA_BYTES
    ));
    exit(ok)
}
