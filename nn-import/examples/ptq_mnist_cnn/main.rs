//! Post-training int8 quantization of the workspace's MNIST CNN (the float network of the
//! firmware's `mnist_cnn`, `tests/fixtures/pytorch_cnn.safetensors`): calibrates every
//! activation's range on 2,000 training images, writes the full-integer model as
//! `models/mnist_cnn_int8.tflite` and, through `nn_import::export`, as the `network!`
//! declaration `nn-tinyml/src/mnist_cnn.rs` with its weights file, then compares float and
//! int8 accuracy on the 10,000 test images.
//!
//! ```text
//! cargo run --release -p nn-import --example ptq_mnist_cnn
//! ```
//!
//! Ends with `result: float_accuracy=... int8_accuracy=... drop_points=...`.

mod pipeline;

use nn_core::quant::{quantize_f32, QuantParams};
use pipeline::*;

fn main() {
    let mnist = mnist();
    let chain = chain();
    let (tflite, e) = quantized(&chain, &mnist.train);
    let write = |path: &str, bytes: &[u8]| {
        std::fs::write(root().join(path), bytes).unwrap_or_else(|err| panic!("{path}: {err}"));
        println!("wrote {path} ({} bytes)", bytes.len());
    };
    write(TFLITE, &tflite);
    write(SOURCE, e.source.as_bytes());
    write(WEIGHTS.0, &e.weights);
    let model = nn_import::Model::from_bytes(&tflite).expect("the written model");
    let input = model.input();
    let q = QuantParams {
        scale: input.scales[0],
        zero_point: input.zero_points[0] as i32,
    };
    let float = accuracy(&mnist.test, |x| argmax(&chain.forward(x).expect("float")));
    let (mut agree, mut qx) = (0, vec![0i8; 784]);
    let int8 = accuracy(&mnist.test, |x| {
        quantize_f32(q, x, &mut qx).expect("784 values");
        let y = argmax(&model.run(&qx).expect("int8"));
        agree += usize::from(y == argmax(&chain.forward(x).expect("float")));
        y
    });
    println!(
        "result: float_accuracy={float:.4} int8_accuracy={int8:.4} drop_points={:.2} same_predictions={agree}/{}",
        (float - int8) * 100.0,
        mnist.test.len()
    );
}
