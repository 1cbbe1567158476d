//! A ResNet-18 (torchvision's layout, declared flat: `l2_0_down` is `layer2.0.downsample`)
//! classifies one 3x224x224 image with `forward` on a thread of 2 MiB of stack: its
//! activations live in a heap workspace of `WORKSPACE_BYTES` (6.4 MB in `f32`), not on the
//! stack. The weights are random (seeded): the point is the size, not the answer.
//!
//! Ends with `result: workspace_bytes=... top_class=... seconds=...`.
//!
//! ```sh
//! cargo run --release --example resnet18_stack
//! ```
//!
//! `benches/build_times.sh` times this declaration's build.

use nn_core::nalgebra::SVector;
use rand::{rngs::StdRng, Rng, SeedableRng};

#[path = "support/resnet18_flat.rs"]
mod resnet18_flat;
use resnet18_flat::ResNet18Flat;

const IN: usize = 3 * 224 * 224;

fn run() -> (usize, f64) {
    let mut rng = StdRng::seed_from_u64(18);
    let net: ResNet18Flat = ResNet18Flat::new(&mut rng);
    // Kept on the heap: an `SVector` of 150,528 values is 600 KB.
    let mut x: Box<SVector<f32, IN>> = Box::new(SVector::zeros());
    x.iter_mut().for_each(|v| *v = rng.random_range(-1.0..1.0));
    let start = std::time::Instant::now();
    let y = net.forward(&x);
    (y.argmax().0, start.elapsed().as_secs_f64())
}

fn main() {
    let (top, seconds) = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(run)
        .expect("a thread can be spawned")
        .join()
        .expect("one image through ResNet-18 on a 2 MiB stack");
    println!(
        "result: workspace_bytes={} top_class={top} seconds={seconds:.2}",
        ResNet18Flat::<f32>::WORKSPACE_BYTES
    );
}
