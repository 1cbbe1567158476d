//! A residual CNN with batch norm embedded from the file its trainable network saves
//! (`#[weights = "..."]`, `StaticBatchNorm2d`) gives what that network's inference forward
//! gives.
//!
//! The fixture holds a randomly initialized trainable network whose batch norm layers have
//! random `γ`, `β` and running statistics (a freshly initialized layer is the identity),
//! written by `nn_core::io::save_safetensors`; `NN_BLESS=1 cargo test --test
//! embedded_batch_norm` rewrites it from its seed (the `#[weights]` declaration reads the
//! committed file while compiling).
//!
//! Each embedded batch norm layer computes its trainable layer's bits; the
//! convolutions and the dense layer sum in another order than the host's AVX kernels, so
//! outputs (of order 1) are compared within 1e-6, as `tests/embedded_graph.rs` does.

use nn_core::io::{load_safetensors, save_safetensors};
use nn_core::nalgebra::SVector;
use nn_core::{ParamKind, Parameters};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::path::{Path, PathBuf};

/// Largest accepted difference between an embedded and a trainable output.
const TOL: f32 = 1e-6;

#[macro_use]
#[path = "support/twins.rs"]
mod twins;

twins! {
    /// `ResNetMini`'s downsampling block in miniature: conv-BN-ReLU-conv-BN plus a strided 1x1
    /// projection with its own batch norm, 2x8x8 -> 8x4x4, then pooling and a classifier.
    pub struct BnBlock, BnBlockStatic = "tests/fixtures/graph_bn_block.safetensors" {
        input: [2, 8, 8],
        stem: conv2d(4, 3, pad = 1, bias = false, init = he),
        stem_bn: batch_norm(relu),
        c1: conv2d(8, 3, stride = 2, pad = 1, bias = false, floor = true, init = he),
        c1_bn: batch_norm(relu),
        c2: conv2d(8, 3, pad = 1, bias = false, init = he),
        c2_bn: batch_norm,
        proj: conv2d(8, 1, stride = 2, bias = false, floor = true)(stem_bn),
        proj_bn: batch_norm,
        block: add(c2_bn, proj_bn, relu),
        gap: global_avg_pool,
        out: dense(3),
    }
}

const FIXTURE: &str = "graph_bn_block.safetensors";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(FIXTURE)
}

/// A network from `seed` whose batch norm layers are not the identity: `γ` in [0.5, 1.5],
/// `β` and `μ̄` in [-0.5, 0.5], `σ̄²` in [0.2, 2].
fn fresh(seed: u64) -> BnBlock {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut net = BnBlock::new(&mut rng);
    for i in 0..net.tensor_count() {
        let Some(info) = net.tensor_info(i) else {
            continue;
        };
        let range = match (info.layer.ends_with("_bn"), info.name) {
            (true, "weight") => 0.5..1.5,
            (true, "bias" | "running_mean") => -0.5..0.5,
            (true, "running_var") => 0.2..2.0,
            _ => continue,
        };
        for v in net.tensor_mut(i).into_iter().flatten() {
            *v = rng.random_range(range.clone());
        }
    }
    net
}

/// The trainable network in the fixture; under `NN_BLESS=1`, first rewrites the file.
fn trained() -> BnBlock {
    if std::env::var_os("NN_BLESS").is_some() {
        save_safetensors(&fresh(7), fixture()).unwrap();
    }
    let mut net = BnBlock::zeros();
    load_safetensors(&mut net, fixture()).unwrap();
    net
}

#[test]
fn the_fixture_holds_batch_norm_tensors_that_are_not_the_identity() {
    let net = trained();
    let mut seen = Vec::new();
    for i in 0..net.tensor_count() {
        let info = net.tensor_info(i).unwrap();
        if !info.layer.ends_with("_bn") {
            continue;
        }
        let t = net.tensor(i).unwrap();
        let identity = if matches!(info.name, "weight" | "running_var") {
            1.0
        } else {
            0.0
        };
        assert!(
            t.iter().all(|&v| v != identity),
            "`{}.{}` holds identity values",
            info.layer,
            info.name
        );
        seen.push((info.name, info.kind));
    }
    // Four layers of four tensors, the running statistics saved as buffers.
    assert_eq!(seen.len(), 16);
    assert!(seen.contains(&("running_var", ParamKind::Buffer)));
}

#[test]
fn a_residual_cnn_with_batch_norm_embeds() {
    let net = trained();
    let embedded = BnBlockStatic::new();
    let mut rng = StdRng::seed_from_u64(8);
    let mut max = 0.0f32;
    for _ in 0..20 {
        let x = SVector::<f32, 128>::from_fn(|_, _| rng.random_range(-1.0..1.0));
        let (y, want) = (embedded.forward(&x), net.forward(&x));
        assert!(want.amax() > 0.0, "the trainable output is all zeros");
        max = max.max((y - want).amax());
    }
    println!("max |embedded - trainable| = {max:e}");
    assert!(max <= TOL, "outputs differ by {max}");
    assert_eq!(BnBlockStatic::PARAMETERS, BnBlock::<f32>::PARAMETERS);
    assert_eq!((BnBlockStatic::INPUTS, BnBlockStatic::OUTPUTS), (128, 3));
}

#[test]
fn each_embedded_batch_norm_gives_the_trainable_layers_bits() {
    use nn_core::embed::Infer;
    use nn_core::layer::Op;
    let (net, embedded) = (trained(), BnBlockStatic::new());
    let mut rng = StdRng::seed_from_u64(9);
    for _ in 0..20 {
        let x = SVector::<f32, 256>::from_fn(|_, _| rng.random_range(-3.0..3.0));
        let (mut want, mut y) = (SVector::<f32, 256>::zeros(), SVector::<f32, 256>::zeros());
        net.stem_bn.op_forward(&x, &mut want, &mut ());
        embedded.stem_bn.infer(&x, &mut y);
        assert_eq!(y, want);
        let x = x.fixed_rows::<128>(0).into_owned();
        for (bn, sbn) in [
            (&net.c1_bn, &embedded.c1_bn),
            (&net.c2_bn, &embedded.c2_bn),
            (&net.proj_bn, &embedded.proj_bn),
        ] {
            let (mut want, mut y) = (SVector::<f32, 128>::zeros(), SVector::<f32, 128>::zeros());
            bn.op_forward(&x, &mut want, &mut ());
            sbn.infer(&x, &mut y);
            assert_eq!(y, want);
            assert!((want - x).amax() > 0.1, "the layer is the identity");
        }
    }
}
