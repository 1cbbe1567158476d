//! Classifies 20 MNIST test digits stored in flash with a 784-128-10 network whose 101,770
//! parameters are embedded from a weights file, and prints each prediction and the exact
//! logits over semihosting, then the instructions per inference and the memory used.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mnist_m4::{exit, paint_stack, pixel, println, stack_peak, static_ram, Bits, Timer};
use nn_core::nalgebra::SVector;
use nn_core::network;

network! {
    /// Trained by `cargo run --release --example deploy_models` in the workspace.
    #[weights = "../../tests/fixtures/mnist_784_128_10.safetensors"]
    struct Mnist {
        input: 784,
        fc1: dense(128, relu),
        fc2: dense(10),
    }
}

/// The network, built at compile time: two references per layer into the embedded file.
static NET: Mnist = Mnist::new();

/// The first 20 test images: a label byte, then 784 pixels, each.
static DIGITS: &[u8; 20 * 785] = include_bytes!("../../test-digits.bin");

fn argmax(v: &[f32]) -> usize {
    (0..v.len()).fold(0, |best, i| if v[i] > v[best] { i } else { best })
}

#[entry]
fn main() -> ! {
    let Some(p) = cortex_m::Peripherals::take() else {
        exit(false)
    };
    paint_stack();
    let timer = Timer::new(p.SYST);
    let per_tick = timer.calibrate();
    let (mut correct, mut ticks) = (0, 0u32);
    for (i, d) in DIGITS.chunks_exact(785).enumerate() {
        let x = SVector::<f32, 784>::from_fn(|j, _| pixel(d[1 + j]));
        let x = core::hint::black_box(x);
        let (y, t) = timer.ticks(|| NET.forward(&x));
        ticks += t;
        let prediction = argmax(y.as_slice());
        correct += usize::from(prediction == usize::from(d[0]));
        println(format_args!(
            "digit {i}: label {} prediction {prediction} logits {}",
            d[0],
            Bits(y.as_slice())
        ));
    }
    let instructions = ticks as f32 * per_tick / 20.0;
    println(format_args!(
        "result: correct={correct}/20 instructions_per_inference={instructions:.0} instructions_per_tick={per_tick:.2} stack_peak_bytes={} static_ram_bytes={}",
        stack_peak(),
        static_ram()
    ));
    exit(correct >= 18)
}
