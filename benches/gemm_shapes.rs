//! The products of W3 (`benches/mlp.rs`: a batch-64 training step of the 784-128-64-10 MLP)
//! under each pinned kernel and under the tuner, shape by shape.
//!
//! | product | `m x k x n` | layouts |
//! |---|---|---|
//! | forward `W X` (accumulating onto the bias) | 128x784x64, 64x128x64, 10x64x64 | `A`, `B` as stored |
//! | weight gradient `Δ Xᵀ` | 128x64x784, 64x64x128, 10x64x64 | `B` transposed |
//! | input gradient `Wᵀ Δ` | 128x64x64, 64x10x64 | `A` transposed: matrixmultiply only |
//!
//! Run: `cargo bench --bench gemm_shapes` (one thread); `benches/compare_peers.py` reads the
//! results and prints, per shape, the tuned time against the fastest pinned kernel.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use nn_core::__private::kernels::{gemm, Operand};
use nn_core::kernels::{pin, Kernel};
use std::hint::black_box;

/// `(m, k, n, A transposed, B transposed, beta)`.
const SHAPES: [(usize, usize, usize, bool, bool, f32); 8] = [
    (128, 784, 64, false, false, 1.0),
    (64, 128, 64, false, false, 1.0),
    (10, 64, 64, false, false, 1.0),
    (128, 64, 784, false, true, 0.0),
    (64, 64, 128, false, true, 0.0),
    (10, 64, 64, false, true, 0.0),
    (128, 64, 64, true, false, 0.0),
    (64, 10, 64, true, false, 0.0),
];

fn shapes(c: &mut Criterion) {
    let mut g = c.benchmark_group("gemm");
    for (m, k, n, ta, tb, beta) in SHAPES {
        let a: Vec<f32> = (0..m * k).map(|v| (v % 17) as f32 / 17.0 - 0.5).collect();
        let b: Vec<f32> = (0..k * n).map(|v| (v % 13) as f32 / 13.0 - 0.5).collect();
        let mut out = vec![0.0f32; m * n];
        let name = format!(
            "{m}x{k}x{n}{}{}",
            if ta { "_At" } else { "" },
            if tb { "_Bt" } else { "" }
        );
        g.throughput(Throughput::Elements((2 * m * k * n) as u64));
        // A pinned own kernel hands a transposed `A` to matrixmultiply: not timed twice.
        let pins = Kernel::ALL
            .into_iter()
            .filter(|&k| k.is_available() && (!ta || k == Kernel::Matrixmultiply))
            .map(Some)
            .chain([None]);
        for kernel in pins {
            pin(kernel).unwrap();
            let label = kernel.map_or("tuned", Kernel::name);
            g.bench_function(BenchmarkId::new(&name, label), |bench| {
                bench.iter(|| {
                    let a = if ta {
                        Operand::t(&a, k)
                    } else {
                        Operand::n(&a, m)
                    };
                    let b = if tb {
                        Operand::t(&b, n)
                    } else {
                        Operand::n(&b, k)
                    };
                    gemm(1.0, black_box(a), black_box(b), beta, &mut out, m);
                })
            });
        }
    }
    pin(None).unwrap();
    for ch in nn_core::kernels::choices() {
        println!(
            "tuned {}x{}x{} (B transposed: {}): {}",
            ch.m, ch.k, ch.n, ch.b_transposed, ch.kernel
        );
    }
    g.finish();
}

criterion_group! {
    name = benches;
    // 32 short benchmarks: a second each is plenty for products of 10-260 µs.
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(300))
        .measurement_time(std::time::Duration::from_secs(1))
        .sample_size(20);
    targets = shapes
}
criterion_main!(benches);
