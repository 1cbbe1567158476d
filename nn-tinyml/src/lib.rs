//! TensorFlow Lite for Microcontrollers' three example models (`models/tinyml/`: sine,
//! micro_speech, person_detection) as `network!` declarations of TFLite int8 layers, written
//! by `nn-import` and kept here as source:
//!
//! ```text
//! cargo run -p nn-import -- models/tinyml/sine.tflite --name Sine --out nn-tinyml/src
//! cargo run -p nn-import -- models/tinyml/speech.tflite --name Speech --out nn-tinyml/src
//! cargo run -p nn-import -- models/tinyml/person_detect.tflite --name PersonDetect --out nn-tinyml/src
//! ```
//!
//! `MnistCnn` is the workspace's own MNIST CNN (`tests/fixtures/pytorch_cnn.safetensors`)
//! after post-training quantization to the same full-integer form, written with
//! `models/mnist_cnn_int8.tflite` by `cargo run --release -p nn-import --example ptq_mnist_cnn`
//! (`nn_import::ptq`).
//!
//! `FloatChain` is `models/ops/float_chain.tflite` (every float32 kernel between int8 ends,
//! with an ADD of a constant), for the firmware's `tinyml_float_chain`:
//! `cargo run -p nn-import -- models/ops/float_chain.tflite --name FloatChain --out nn-tinyml/src`.
//!
//! Each is checked at compile time against its `.safetensors` file (weights, biases, TFLM's
//! requantization multipliers and shifts, every activation's shape, scale and zero point)
//! and embeds what its kernels read (weights, biases, multipliers, shifts); it runs with
//! TFLM's integer arithmetic and no heap: the activations take `ARENA_BYTES`, on the stack
//! (`run`) or in the caller's buffer (`run_in`).
//!
//! ```
//! use nn_tinyml::Speech;
//! let mut scores = [0i8; Speech::OUTPUT_LEN]; // silence, unknown, yes, no (scale 1/256)
//! Speech::new().run(&[-128; Speech::INPUT_LEN], &mut scores).unwrap();
//! assert_eq!(Speech::ARENA_BYTES, 4000 + 4); // the dense layer reads 4000, writes 4
//! ```
#![no_std]

include!("sine.rs");
include!("speech.rs");
include!("person_detect.rs");
include!("mnist_cnn.rs");
include!("float_chain.rs");
