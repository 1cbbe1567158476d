//! A measurement harness, not a model: micro_speech's and person_detect's weighted layers
//! (their shapes, random parameters) through `nn_core::quant::tflite`'s int8 kernels, which take `SXTB16`/`SMLAD` inner loops on
//! this core (the `arm-dsp` feature), and through `quant::tflite::reference`, one product at
//! a time. Prints, per layer, a hash of the output and whether both kernels gave the same
//! bits (the host computes the same hashes: `tests/firmware.rs`), then the instructions each
//! took (SysTick under `-icount shift=0`; the exact counts between the `mark()`s come from
//! `benches/qemu_insn_marks.c`: reference first, then DSP, per layer).

#![no_std]
#![no_main]

#[path = "../kernel_layers.rs"]
mod kernel_layers;

use core::hint::black_box;
use cortex_m_rt::entry;
use kernel_layers::{fnv1a64, run, Layer, Params, Rng, LAYERS, MAX_INPUT, MAX_OUTPUT};
use mnist_m4::{exit, mark, paint_stack, println, Timer};

#[entry]
fn main() -> ! {
    let Some(p) = cortex_m::Peripherals::take() else {
        exit(false)
    };
    paint_stack();
    let timer = Timer::new(p.SYST);
    let per_tick = timer.calibrate();
    let mut ok = true;
    let mut figures = [(0f32, 0f32); LAYERS.len()];
    for (i, layer) in LAYERS.iter().enumerate() {
        let mut rng = Rng(0x5eed_0000 + i as u32);
        let mut input = [0i8; MAX_INPUT];
        rng.fill(&mut input[..Layer::len(layer.input)]);
        let params = Params::new(layer, &mut rng);
        let (mut a, mut b) = ([0i8; MAX_OUTPUT], [0i8; MAX_OUTPUT]);
        let input = black_box(input);
        mark();
        let ((), t_ref) = timer.ticks(|| run(layer, &params, &input, &mut a, true));
        mark();
        let a = black_box(a);
        mark();
        let ((), t_dsp) = timer.ticks(|| run(layer, &params, &input, &mut b, false));
        mark();
        let b = black_box(b);
        let n = Layer::len(layer.output);
        let same = a[..n] == b[..n];
        ok &= same;
        figures[i] = (t_ref as f32 * per_tick, t_dsp as f32 * per_tick);
        println(format_args!(
            "layer {}: output_fnv1a64={:016x} dsp_equals_reference={}",
            layer.name,
            fnv1a64(&b[..n]),
            if same { "yes" } else { "no" }
        ));
    }
    for (layer, (r, d)) in LAYERS.iter().zip(figures) {
        println(format_args!(
            "result: {} reference_instructions={r:.0} dsp_instructions={d:.0} ratio={:.2}",
            layer.name,
            r / d.max(1.0)
        ));
    }
    // The weighted layers of each model together (kernels only: no reshape, pooling or
    // softmax, which are a small part).
    for model in ["speech", "person"] {
        let (r, d) = LAYERS
            .iter()
            .zip(figures)
            .filter(|(l, _)| l.name.starts_with(model))
            .fold((0f32, 0f32), |(r, d), (_, (a, b))| (r + a, d + b));
        println(format_args!(
            "result: {model}_weighted_layers reference_instructions={r:.0} dsp_instructions={d:.0} ratio={:.2}",
            r / d.max(1.0)
        ));
    }
    exit(ok)
}
