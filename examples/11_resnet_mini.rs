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
//! `--help` lists every flag with its default: `--data DIR` (the four IDX files, gzipped or
//! not; default: the copy in this repository), `--normalize data|none` (standardise with the
//! mean and standard deviation of the training images given, or not at all), `--val N`
//! (validation images held out, default 5,000; 0 trains on all 60,000), `--epochs N`,
//! `--seed N`, `--batch-size N`, `--lr X`.

#[path = "support/cli.rs"]
mod cli;
#[path = "support/mnist_cli.rs"]
mod mnist_cli;
use nn_core::loss::CrossEntropy;
use nn_core::network;
use nn_core::optim::Adam;
use nn_core::train::{evaluate, Control, Data, EpochStats, Fit};
use rand::{rngs::StdRng, SeedableRng};

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

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args = mnist_cli::TrainArgs::parse_with(
        "resnet_mini",
        "A small residual network with batch norm on MNIST, Adam; ends with `result: test_accuracy=... train_seconds=...`",
        "3", "64", "0.002",
    );
    let mnist = mnist_cli::load(&args.data, args.val.val)?;
    let ((x_train, y_train), val, (x_test, y_test)) = mnist_cli::split(&mnist, args.val.val)?;

    let mut net: ResNetMini = ResNetMini::new(&mut StdRng::seed_from_u64(args.seed));
    println!("{}", ResNetMini::<f32>::summary());
    let mut log = |e: &EpochStats, _: &mut ResNetMini| {
        println!("{}", mnist_cli::epoch_line(e));
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
            val.as_ref().map(|(x, y)| Data::classes(x, y)),
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
