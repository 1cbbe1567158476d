//! TFLM's `sine` model (a 1-16-16-1 ReLU regressor of sin x) as the `network!` declaration `nn-import` wrote
//! (crate nn-tinyml): TFLite int8 layers with TFLM's arithmetic, the activations in
//! `Sine::ARENA_BYTES` of stack. Prints each output's bytes (the host's and TFLM's, see
//! `nn-import/tests/firmware_tinyml.rs`), then the instructions per inference and the
//! memory used.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mnist_m4::tinyml::{Bytes, LongTimer};
use mnist_m4::{exit, mark, paint_stack, println, stack_peak, static_ram};
use nn_tinyml::Sine;

static NET: Sine = Sine::new();

#[entry]
fn main() -> ! {
    let Some(p) = cortex_m::Peripherals::take() else {
        exit(false)
    };
    paint_stack();
    let timer = LongTimer::new(p.SYST);
    let per_tick = timer.calibrate();
    let (mut ticks, mut ok) = (0u64, true);
    let cases = [
        "x=-128", "x=-96", "x=-64", "x=-32", "x=0", "x=32", "x=64", "x=96",
    ];
    for (i, name) in cases.iter().enumerate() {
        let x: [i8; Sine::INPUT_LEN] = core::hint::black_box([(-128 + 32 * i as i32) as i8]);
        let mut y = [0i8; Sine::OUTPUT_LEN];
        // The markers delimit the inference for benches/tinyml_vs_microflow.sh's counter.
        let (r, t) = timer.ticks(|| {
            mark();
            let r = NET.run(&x, &mut y);
            mark();
            r
        });
        ticks += t;
        ok &= r.is_ok();
        println(format_args!("tinyml_sine {name}: {}", Bytes(&y)));
    }
    println(format_args!(
        "result: instructions_per_inference={} stack_peak_bytes={} static_ram_bytes={} arena_bytes={}",
        // Rounded to a whole count: printing an `f32` would link float formatting, which
        // costs more flash than the sine model itself.
        (ticks as f32 * per_tick / cases.len() as f32 + 0.5) as u64,
        stack_peak(),
        static_ram(),
        Sine::ARENA_BYTES
    ));
    exit(ok)
}
