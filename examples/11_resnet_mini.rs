//! A small residual network on MNIST: a convolutional stem, a ResNet basic block
//! (`out = relu(x + F(x))`, `F` = conv-BN-ReLU-conv-BN), a downsampling block whose
//! shortcut is a strided 1x1 projection (the shapes differ), global average pooling and a
//! linear classifier. Batch norm normalizes with batch statistics in training and with its
//! running averages at test time.
//!
//! Ends with `result: test_accuracy=... train_seconds=...`.
//!
//! ```sh
//! cargo run --release --example resnet_mini
//! cargo run --release --example resnet_mini -- --data DIR --epochs 3
//! ```
//!
//! Flags: `--data DIR` (MNIST's IDX files; default: the copy in this repository),
//! `--epochs N`, `--seed N`, `--batch-size N`, `--lr X`.

use nn_core::data::Mnist;
use nn_core::loss::CrossEntropy;
use nn_core::network;
use nn_core::optim::Adam;
use nn_core::train::{evaluate, Control, Data, EpochStats, Fit};
use rand::{rngs::StdRng, SeedableRng};
use std::path::PathBuf;

network! {
    /// ResNet in miniature; `summary()` prints every C x H x W.
    pub struct ResNetMini {
        input: [1, 28, 28],
        stem: conv2d(16, 3, pad = 1, bias = false, init = he),
        stem_bn: batch_norm(relu),
        pool: max_pool2d(2),
        // Basic block: 16 x 14 x 14 -> 16 x 14 x 14, identity shortcut.
        b1_conv1: conv2d(16, 3, pad = 1, bias = false, init = he),
        b1_bn1: batch_norm(relu),
        b1_conv2: conv2d(16, 3, pad = 1, bias = false, init = he),
        b1_bn2: batch_norm,
        b1: add(b1_bn2, pool, relu),
        // Downsampling block: 16 x 14 x 14 -> 32 x 7 x 7, projection shortcut.
        b2_conv1: conv2d(32, 3, stride = 2, pad = 1, bias = false, floor = true, init = he),
        b2_bn1: batch_norm(relu),
        b2_conv2: conv2d(32, 3, pad = 1, bias = false, init = he),
        b2_bn2: batch_norm,
        b2_proj: conv2d(32, 1, stride = 2, bias = false, floor = true)(b1),
        b2_proj_bn: batch_norm,
        b2: add(b2_bn2, b2_proj_bn, relu),
        gap: global_avg_pool,
        out: dense(10),
    }
}

struct Args {
    data: PathBuf,
    epochs: usize,
    seed: u64,
    batch_size: usize,
    lr: f64,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        data: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/mnist"),
        epochs: 3,
        seed: 1,
        batch_size: 64,
        lr: 2e-3,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("`{flag}` needs a value"));
        let num = |v: String| {
            v.parse::<f64>()
                .map_err(|_| format!("`{flag}` expects a number, found `{v}`"))
        };
        match flag.as_str() {
            "--data" => a.data = PathBuf::from(value()?),
            "--epochs" => a.epochs = num(value()?)? as usize,
            "--seed" => a.seed = num(value()?)? as u64,
            "--batch-size" => a.batch_size = num(value()?)? as usize,
            "--lr" => a.lr = num(value()?)?,
            "--help" | "-h" => {
                return Err(String::from("see the header of examples/11_resnet_mini.rs"))
            }
            other => {
                return Err(format!(
                "unknown flag `{other}`; expected --data, --epochs, --seed, --batch-size or --lr"
            ))
            }
        }
    }
    Ok(a)
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let mnist = Mnist::load_normalized(&args.data)?;
    let all: Vec<usize> = (0..mnist.train.len()).collect();
    let (train_idx, val_idx) = all.split_at(mnist.train.len().saturating_sub(5000));
    let (x_train, y_train) = mnist.train.batch(train_idx)?;
    let (x_val, y_val) = mnist.train.batch(val_idx)?;
    let test_idx: Vec<usize> = (0..mnist.test.len()).collect();
    let (x_test, y_test) = mnist.test.batch(&test_idx)?;

    let mut net: ResNetMini = ResNetMini::new(&mut StdRng::seed_from_u64(args.seed));
    println!("{}", ResNetMini::<f32>::summary());
    let mut log = |e: &EpochStats, _: &mut ResNetMini| {
        let v = e.validation.unwrap_or_default();
        println!(
            "epoch {:>2}  train loss {:.4} acc {:.4}  val loss {:.4} acc {:.4}  {:.1}s",
            e.epoch,
            e.train.loss,
            e.train.accuracy.unwrap_or(0.0),
            v.loss,
            v.accuracy.unwrap_or(0.0),
            e.seconds
        );
        Control::Continue
    };
    let history = Fit::new(args.epochs)
        .batch_size(args.batch_size)
        .seed(args.seed)
        .progress(true)
        .run(
            &mut net,
            &mut Adam::new(args.lr),
            &CrossEntropy,
            Data::classes(&x_train, &y_train),
            Some(Data::classes(&x_val, &y_val)),
            &mut [&mut log],
        )?;
    let test = evaluate(&net, &CrossEntropy, &Data::classes(&x_test, &y_test), 1000)?;
    println!(
        "result: test_accuracy={:.4} train_seconds={:.1} epochs={}",
        test.accuracy.unwrap_or(0.0),
        history.train_seconds(),
        args.epochs
    );
    Ok(())
}
