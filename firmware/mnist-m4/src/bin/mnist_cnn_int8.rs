//! The CNN of `mnist_cnn.rs` after post-training quantization to TFLite's full-integer int8
//! (`cargo run --release -p nn-import --example ptq_mnist_cnn` in the workspace): int8
//! activations calibrated on training data, per-channel int8 weights, int32 biases, TFLM's
//! arithmetic, the activations in `MnistCnn::ARENA_BYTES` of stack (the declaration is
//! crate nn-tinyml's). Classifies the 20 test digits (pixels standardized as
//! [`mnist_m4::pixel`], then TFLite's QUANTIZE with the model's input parameters) and prints
//! each output's bytes, the host's (`nn-import/tests/ptq_mnist_cnn.rs`), then the
//! instructions per inference and the memory used.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mnist_m4::tinyml::run_cases_timed;
use nn_core::quant::quantize_f32;
use nn_tinyml::MnistCnn;

static NET: MnistCnn = MnistCnn::new();

/// The test digit's pixels as the model's int8 input.
fn input(i: usize) -> [i8; MnistCnn::INPUT_LEN] {
    let mut q = [0i8; MnistCnn::INPUT_LEN];
    let pixels = &mnist_m4::DIGITS[i * 785 + 1..(i + 1) * 785];
    for (q, &p) in q.chunks_exact_mut(1).zip(pixels) {
        // Never fails: one value in, one out.
        let _ = quantize_f32(MnistCnn::INPUT_QUANT, &[mnist_m4::pixel(p)], q);
    }
    q
}

#[entry]
fn main() -> ! {
    run_cases_timed(
        "mnist_cnn_int8",
        MnistCnn::ARENA_BYTES,
        &[
            "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15",
            "16", "17", "18", "19",
        ],
        input,
        |x: &[i8; MnistCnn::INPUT_LEN], y: &mut [i8; MnistCnn::OUTPUT_LEN]| NET.run(x, y).is_ok(),
    )
}
