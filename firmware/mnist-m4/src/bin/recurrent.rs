//! Recurrent layers embedded from a weights file: over sequences of 6 steps of 3 values, two
//! LSTMs (8 and 6 units), a GRU (5) and a plain RNN (4, its last state) into a dense head (2).
//! Runs 8 fixed sequences, prints each output (exact bits), then the instructions per
//! inference and the memory used. The states and gate values live on the stack: no heap.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mnist_m4::{exit, paint_stack, println, stack_peak, static_ram, Bits, Timer};
use nn_core::nalgebra::SVector;
use nn_core::network;

network! {
    /// The stack `cargo test --test embedded_recurrent` saves from fixed seeds.
    #[weights = "../../tests/fixtures/recurrent_stack_f32.safetensors"]
    struct Recurrent {
        input: [6, 3],
        lstm1: lstm(8),
        lstm2: lstm(6),
        gru1: gru(5),
        rnn1: rnn(4, seq = last),
        head: dense(2),
    }
}

static NET: Recurrent = Recurrent::new();

/// Sequences run.
const N: usize = 8;

/// Sequence `s`: its value `j` is `((18 s + j) · 37 mod 41) / 20 - 1`, in `[-1, 1]`, by
/// integer arithmetic and one IEEE division (correctly rounded on every target), so the host
/// (`tests/firmware.rs`) computes the same bits.
fn sequence(s: usize) -> SVector<f32, 18> {
    SVector::from_fn(|j, _| ((18 * s + j) * 37 % 41) as f32 / 20.0 - 1.0)
}

#[entry]
fn main() -> ! {
    let Some(p) = cortex_m::Peripherals::take() else {
        exit(false)
    };
    paint_stack();
    let timer = Timer::new(p.SYST);
    let per_tick = timer.calibrate();
    let (mut ticks, mut finite) = (0u32, true);
    for s in 0..N {
        let x = core::hint::black_box(sequence(s));
        let (y, t) = timer.ticks(|| NET.forward(&x));
        ticks += t;
        finite &= y.iter().all(|v| v.is_finite());
        println(format_args!("recurrent {s}: y {}", Bits(y.as_slice())));
    }
    println(format_args!(
        "result: instructions_per_inference={:.0} stack_peak_bytes={} static_ram_bytes={}",
        ticks as f32 * per_tick / N as f32,
        stack_peak(),
        static_ram()
    ));
    exit(finite)
}
