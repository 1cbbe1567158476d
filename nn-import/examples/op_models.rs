//! Writes small `.tflite` models, one or a few operators each, that exercise what the three
//! TinyML models do not: MAX_POOL_2D, SAME average pooling with partial windows, ADD,
//! QUANTIZE (from float and int8 to int8), DEQUANTIZE, RELU6 and RELU_N1_TO_1 clamps, VALID,
//! dilated and grouped convolutions, a per-tensor filter scale, a depth multiplier of 2,
//! batched per-channel FULLY_CONNECTED, SOFTMAX with β ≠ 1, every float32 kernel
//! (`float_chain`), float32 input and output (`ops_float_io/mixed_io`), a network float32
//! from end to end (`ops_float_io/float_net`), an ADD of two activations (`residual_add`),
//! one in the middle of a network (`residual_mid`) and broadcasting ADDs, int8 and float32
//! (`add_broadcast`). Weights, biases and scales come from a fixed seed, so the files are the
//! same on every run.
//!
//! ```text
//! cargo run -p nn-import --example op_models            # writes models/ops/*.tflite
//! ```
//!
//! `tools/tflm_fixtures.py` then runs TFLM on them, and `nn-import/tests/bitexact.rs` checks
//! our interpreter against it.

use nn_import::schema::tflite as fb;
use nn_import::TfliteBuilder;
use std::path::PathBuf;

#[path = "op_models/add_broadcast.rs"]
mod add_broadcast;
#[path = "op_models/conv.rs"]
mod conv;
#[path = "op_models/float_chain.rs"]
mod float_chain;
#[path = "op_models/float_net.rs"]
mod float_net;
#[path = "op_models/int8_ops.rs"]
mod int8_ops;
#[path = "op_models/mixed_io.rs"]
mod mixed_io;
#[path = "op_models/residual_add.rs"]
mod residual_add;
#[path = "op_models/residual_mid.rs"]
mod residual_mid;

use add_broadcast::add_broadcast;
use conv::conv;
use float_chain::float_chain;
use int8_ops::pool;
use mixed_io::mixed_io;
use residual_add::residual_add;

/// splitmix64: the same deterministic stream on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn i8(&mut self) -> i8 {
        (self.next() >> 56) as u8 as i8
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
}

/// A model under construction ([`TfliteBuilder`]), with seeded weights and biases.
struct Graph(TfliteBuilder);

impl Graph {
    fn new() -> Self {
        Graph(TfliteBuilder::new())
    }

    fn tensor(
        &mut self,
        name: &str,
        shape: &[i32],
        ty: fb::TensorType,
        scales: Vec<f32>,
        zero_points: Vec<i64>,
        data: Option<Vec<u8>>,
    ) -> i32 {
        self.0.tensor(name, shape, ty, scales, zero_points, 0, data)
    }

    fn act(&mut self, name: &str, shape: &[i32], scale: f32, zero_point: i64) -> i32 {
        self.tensor(
            name,
            shape,
            fb::TensorType::Int8,
            vec![scale],
            vec![zero_point],
            None,
        )
    }

    /// Symmetric int8 weights, per-channel along `axis` when `scales` has several values.
    fn weights(
        &mut self,
        rng: &mut Rng,
        name: &str,
        shape: &[i32],
        scales: Vec<f32>,
        axis: i32,
    ) -> i32 {
        let n: i32 = shape.iter().product();
        let data = (0..n).map(|_| rng.i8().max(-127) as u8).collect();
        let zeros = vec![0; scales.len()];
        let ty = fb::TensorType::Int8;
        self.0
            .tensor(name, shape, ty, scales, zeros, axis, Some(data))
    }

    fn bias(&mut self, rng: &mut Rng, name: &str, n: usize, scales: Vec<f32>) -> i32 {
        let data = (0..n)
            .flat_map(|_| (rng.range(-3000, 3000) as i32).to_le_bytes())
            .collect();
        let zeros = vec![0; scales.len()];
        self.tensor(
            name,
            &[n as i32],
            fb::TensorType::Int32,
            scales,
            zeros,
            Some(data),
        )
    }

    fn op(
        &mut self,
        code: fb::BuiltinOperator,
        inputs: &[i32],
        output: i32,
        options: Option<fb::BuiltinOptions>,
    ) {
        self.0.op(code, inputs, output, options)
    }

    fn finish(self, input: i32, output: i32) -> Vec<u8> {
        self.0.finish(input, output, "nn-import op_models")
    }
}

fn channel_scales(rng: &mut Rng, n: usize) -> Vec<f32> {
    (0..n).map(|_| 0.002 + 0.01 * rng.unit()).collect()
}

type Act = fb::ActivationFunctionType;

fn main() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models/ops");
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = Rng(14);

    write(
        &dir,
        "conv_same_relu6",
        &conv(
            "conv",
            &mut rng,
            [1, 9, 11, 3],
            [4, 3, 3, 3],
            (2, 2),
            (1, 1),
            fb::Padding::Same,
            Act::Relu6,
            [1, 5, 6, 4],
            true,
        ),
    );
    write(
        &dir,
        "conv_valid_dilated_per_tensor",
        &conv(
            "conv",
            &mut rng,
            [1, 10, 10, 4],
            [5, 3, 2, 4],
            (1, 2),
            (2, 1),
            fb::Padding::Valid,
            Act::None,
            [1, 6, 5, 5],
            false,
        ),
    );
    write(
        &dir,
        "depthwise_multiplier2_relu",
        &int8_ops::depthwise_multiplier2_relu(&mut rng),
    );
    write(
        &dir,
        "max_pool_valid_relu6",
        &pool(
            fb::BuiltinOperator::MaxPool2d,
            fb::Padding::Valid,
            (3, 2),
            (2, 3),
            Act::Relu6,
            [1, 4, 3, 5],
        ),
    );
    write(
        &dir,
        "avg_pool_same_relu_n1_to_1",
        &pool(
            fb::BuiltinOperator::AveragePool2d,
            fb::Padding::Same,
            (3, 3),
            (2, 2),
            Act::ReluN1To1,
            [1, 5, 5, 5],
        ),
    );
    write(&dir, "add_relu", &int8_ops::add_relu(&mut rng));
    write(
        &dir,
        "dequantize_quantize_requantize",
        &int8_ops::dequantize_quantize_requantize(),
    );
    write(
        &dir,
        "fc_per_channel_batch_softmax",
        &int8_ops::fc_per_channel_batch_softmax(&mut rng),
    );

    // Appended last, so the models above keep their weights.
    write(
        &dir,
        "conv_grouped_relu",
        &conv(
            "conv",
            &mut rng,
            [1, 7, 6, 4],
            [6, 3, 3, 2],
            (1, 1),
            (1, 1),
            fb::Padding::Same,
            Act::Relu,
            [1, 7, 6, 6],
            true,
        ),
    );

    write(&dir, "float_chain", &float_chain(&mut rng));

    // Float32 input and output, in a directory of their own: the int8 interpreter test
    // (`bitexact.rs`) runs every model of models/ops with int8 inputs.
    let float_io = dir.join("../ops_float_io");
    std::fs::create_dir_all(&float_io).unwrap();
    write(&float_io, "mixed_io", &mixed_io(&mut rng));

    // After mixed_io, so the models above keep their weights.
    write(&dir, "residual_add", &residual_add(&mut rng));

    // After residual_add, so the models above keep their weights.
    write(&dir, "add_broadcast", &add_broadcast(&mut rng));

    write(&dir, "residual_mid", &residual_mid::residual_mid());

    // Float32 from input to output (its own seed, generated last).
    write(&float_io, "float_net", &float_net::float_net());
}

/// Writes `{dir}/{name}.tflite`.
fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) {
    let path = dir.join(format!("{name}.tflite"));
    std::fs::write(&path, bytes).unwrap();
    println!("{} ({} bytes)", path.display(), bytes.len());
}
