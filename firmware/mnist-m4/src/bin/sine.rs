//! MicroFlow's and TensorFlow Lite Micro's sine benchmark: a 1-16-16-1 ReLU regressor,
//! parameters embedded from a weights file. Prints `f(x)` at 8 points (exact bits), then the
//! instructions per inference and the memory used.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mnist_m4::{exit, paint_stack, println, stack_peak, static_ram, Bits, Timer};
use nn_core::nalgebra::SVector;
use nn_core::network;

network! {
    /// Trained by `cargo run --release --example deploy_models` in the workspace.
    #[weights = "../../tests/fixtures/sine_1_16_16_1.safetensors"]
    struct Sine {
        input: 1,
        fc1: dense(16, relu),
        fc2: dense(16, relu),
        fc3: dense(1),
    }
}

static NET: Sine = Sine::new();

#[entry]
fn main() -> ! {
    let Some(p) = cortex_m::Peripherals::take() else {
        exit(false)
    };
    paint_stack();
    let timer = Timer::new(p.SYST);
    let per_tick = timer.calibrate();
    let (mut ticks, mut worst) = (0u32, 0f32);
    for i in 0..8 {
        let x = core::hint::black_box(i as f32 * 0.75);
        let (y, t) = timer.ticks(|| NET.forward(&SVector::from([x])));
        ticks += t;
        worst = worst.max((y[0] - libm_sin(x)).abs());
        println(format_args!(
            "sine {i}: x {} f(x) {}",
            Bits(&[x]),
            Bits(y.as_slice())
        ));
    }
    println(format_args!(
        "result: max_error={worst:.3} instructions_per_inference={:.0} stack_peak_bytes={} static_ram_bytes={}",
        ticks as f32 * per_tick / 8.0,
        stack_peak(),
        static_ram()
    ));
    exit(worst < 0.1)
}

/// `sin x` for the error check (a Taylor series is enough on [0, 6]: reduce to [-π, π]).
fn libm_sin(x: f32) -> f32 {
    let pi = core::f32::consts::PI;
    let x = if x > pi { x - 2.0 * pi } else { x };
    let (x2, mut term, mut sum) = (x * x, x, x);
    for k in 1..12 {
        term *= -x2 / ((2 * k) * (2 * k + 1)) as f32;
        sum += term;
    }
    sum
}
