//! AlexNet, VGG-11, ResNet-18 and ResNeXt-50 (32x4d) declared as torchvision builds them
//! (`examples/support/torchvision_models.rs`) reproduce torchvision's logits.
//!
//! Each network's weights come from a seed ([`seeded`]) and are saved as safetensors; the
//! committed script `tools/torchvision_logits.py` loaded those same files into torchvision's
//! own models (eval mode: batch norm uses its running statistics), ran them in `f64` on
//! inputs both sides draw from one generator ([`input`]) and stored only the logits, with a
//! checksum of the file it read. Here the same weights go through the runtime loader
//! (`from_safetensors_bytes`) and the logits must agree within 1e-4.
//!
//! `cargo test --test torchvision -- --ignored write_weight_files` writes the files to
//! `target/torchvision/` for the script. ResNet-18 is also embedded with `#[weights]`, in a
//! narrowed variant whose file (as torchvision saved it, `num_batches_tracked` included) is
//! small enough to commit; the full one in `tests/torchvision-embedded`, whose build script
//! writes its seeded 45 MB file.
//!
//! One sample's activations live in a heap workspace, not on the stack: these tests run on a
//! thread with 2 MiB of stack ([`small_stack`]), ResNet-18 at 224 x 224 included.

// `#[macro_use]`: its `resnet18!` declares the embedded ResNet-18 below.
#[macro_use]
#[path = "../examples/support/torchvision_models.rs"]
mod models;
#[path = "support/torchvision_fixture.rs"]
mod torchvision_fixture;
#[path = "support/torchvision_seed.rs"]
mod torchvision_seed;

use models::*;
use nn_core::io::{from_safetensors_bytes, to_safetensors_bytes};
use nn_core::nalgebra::SVector;
use nn_core::Parameters;
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::path::{Path, PathBuf};
use torchvision_fixture::worst;
use torchvision_seed::{input, seeded_range, INPUT_SEEDS};

/// FNV-1a, 64 bits: the checksum the fixtures hold of the file the script read.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
    })
}

/// Every tensor of `net` drawn from `seed`, in the ranges of [`seeded_range`].
fn seeded<P: Parameters<f32>>(net: &mut P, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let infos: Vec<_> = (0..net.tensor_count())
        .map(|i| net.tensor_info(i).expect("index in range"))
        .collect();
    let is_bn = |layer: &str| {
        infos
            .iter()
            .any(|j| j.layer == layer && j.name == "running_var")
    };
    for (i, info) in infos.iter().enumerate() {
        let (lo, hi) = seeded_range(is_bn(info.layer), info.name, info.shape.dims());
        for v in net.tensor_mut(i).expect("index in range") {
            *v = rng.random_range(lo..hi);
        }
    }
}

/// `tests/fixtures/torchvision/NAME.json`: the checksum of the weights file the script
/// read, and its logits for each of [`INPUT_SEEDS`].
fn fixture(name: &str) -> (u64, Vec<Vec<f64>>) {
    torchvision_fixture::fixture(&root().join("tests/fixtures/torchvision"), name)
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// Runs `f` on a thread with 2 MiB of stack (one sample's activations are in `forward`'s heap
/// workspace, so the stack does not grow with the image).
fn small_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("thread")
        .join()
        .expect("no panic")
}

/// One network's case: its seeded weights' bytes, loaded back through the runtime loader,
/// and a test comparing its logits with the fixture's.
macro_rules! logit_case {
    ($test:ident, $bytes:ident, $net:ident, $name:literal, $seed:literal) => {
        fn $bytes() -> Vec<u8> {
            let mut net = $net::<f32>::zeros();
            seeded(&mut net, $seed);
            to_safetensors_bytes(&net).expect("save")
        }

        #[test]
        fn $test() {
            let (logits, fnv, expected) = small_stack(|| {
                let bytes = $bytes();
                let mut net = $net::<f32>::zeros();
                from_safetensors_bytes(&mut net, &bytes).expect("load");
                let logits: Vec<Vec<f32>> = INPUT_SEEDS
                    .iter()
                    .map(|&s| {
                        let x = SVector::<f32, { $net::<f32>::INPUTS }>::from_column_slice(&input(
                            s,
                            $net::<f32>::INPUTS,
                        ));
                        net.forward(&x).as_slice().to_vec()
                    })
                    .collect();
                let (fnv, expected) = fixture($name);
                (logits, (fnv1a(&bytes), fnv), expected)
            });
            assert_eq!(
                fnv.0, fnv.1,
                "the seeded weights differ from the file the script read: rerun it"
            );
            let worst = worst(&logits, &expected);
            let scale = expected.iter().flatten().fold(0f64, |m, v| m.max(v.abs()));
            assert!(scale > 1e-2, "logits vanish: {scale:e}");
            assert!(
                worst < 1e-4,
                "logits differ from torchvision's by up to {worst:e} (largest {scale:e})"
            );
        }
    };
}

logit_case!(
    resnet18_matches_torchvision,
    resnet18_bytes,
    ResNet18,
    "resnet18",
    18
);
logit_case!(
    resnext50_matches_torchvision,
    resnext50_bytes,
    ResNeXt50,
    "resnext50_32x4d",
    50
);
logit_case!(
    alexnet_narrow_matches_torchvision,
    alexnet_bytes,
    AlexNetNarrow,
    "alexnet_narrow",
    61
);
logit_case!(
    vgg11_narrow_matches_torchvision,
    vgg11_bytes,
    Vgg11Narrow,
    "vgg11_narrow",
    11
);
logit_case!(
    resnet18_narrow_matches_torchvision,
    resnet18_narrow_bytes,
    ResNet18Narrow,
    "resnet18_narrow",
    1816
);

resnet18! {
    /// [`ResNet18Narrow`] embedded from the file torchvision saved after loading the seeded
    /// weights: its `state_dict` as it holds it, `num_batches_tracked` (`I64`) included.
    #[weights = "tests/fixtures/torchvision/resnet18_narrow.safetensors"]
    struct EmbeddedResNet18 { input: [3, 64, 64], widths: [4, 8, 16, 32], classes: 10 }
}

#[test]
fn embedded_resnet18_matches_torchvision() {
    let (_, expected) = fixture("resnet18_narrow");
    let net = EmbeddedResNet18::new();
    let logits: Vec<Vec<f32>> = INPUT_SEEDS
        .iter()
        .map(|&s| {
            let x = SVector::<f32, { 3 * 64 * 64 }>::from_column_slice(&input(s, 3 * 64 * 64));
            net.forward(&x).as_slice().to_vec()
        })
        .collect();
    let worst = worst(&logits, &expected);
    assert!(
        worst < 1e-4,
        "logits differ from torchvision's by up to {worst:e}"
    );
}

#[test]
fn a_file_torchvision_saved_loads_at_run_time() {
    // The same file through the runtime loader: its `num_batches_tracked` counters are
    // skipped, every other tensor is the seeded one.
    let bytes =
        std::fs::read(root().join("tests/fixtures/torchvision/resnet18_narrow.safetensors"))
            .unwrap();
    let header = String::from_utf8_lossy(
        &bytes[8..8 + u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize],
    )
    .into_owned();
    assert!(
        header.contains("layer2.0.downsample.1.num_batches_tracked"),
        "{header}"
    );
    let mut net = ResNet18Narrow::<f32>::zeros();
    from_safetensors_bytes(&mut net, &bytes).expect("a torchvision file loads");
    let mut seeded_net = ResNet18Narrow::<f32>::zeros();
    seeded(&mut seeded_net, 1816);
    for i in 0..net.tensor_count() {
        assert_eq!(
            net.tensor(i),
            seeded_net.tensor(i),
            "{}",
            net.tensor_info(i).unwrap()
        );
    }
}

#[test]
fn state_dict_names_are_torchvisions() {
    let net = ResNet18::<f32>::zeros();
    let names: Vec<String> = (0..net.tensor_count())
        .map(|i| net.tensor_info(i).unwrap().to_string())
        .collect();
    for name in [
        "conv1.weight",
        "bn1.running_mean",
        "layer1.0.conv1.weight",
        "layer1.1.bn2.running_var",
        "layer2.0.downsample.0.weight",
        "layer4.0.downsample.1.bias",
        "fc.weight",
    ] {
        assert!(
            names.iter().any(|n| n == name),
            "{name} missing from {names:?}"
        );
    }
    assert!(
        !names.iter().any(|n| n.starts_with("layer1.0.downsample")),
        "layer1.0 has no downsample"
    );
    let alexnet = AlexNetNarrow::<f32>::zeros();
    let first = alexnet.tensor_info(0).unwrap().to_string();
    assert_eq!(first, "features.0.weight");
}

/// The full-width networks hold torchvision's parameter counts (and nn-core counts batch
/// norm's running statistics too, as `state_dict` holds them).
#[test]
fn full_networks_have_torchvisions_sizes() {
    let text =
        std::fs::read_to_string(root().join("tests/fixtures/torchvision/counts.json")).unwrap();
    let counts: serde_json::Value = serde_json::from_str(&text).unwrap();
    let count = |net: &str| counts[net]["state_dict_values"].as_u64().unwrap() as usize;
    assert_eq!(AlexNet::<f32>::PARAMETERS, count("alexnet"));
    assert_eq!(Vgg11::<f32>::PARAMETERS, count("vgg11"));
    assert_eq!(ResNet18::<f32>::PARAMETERS, count("resnet18"));
    assert_eq!(ResNeXt50::<f32>::PARAMETERS, count("resnext50_32x4d"));
    assert_eq!(AlexNet::<f32>::OUTPUTS, 1000);
    assert_eq!(Vgg11::<f32>::INPUTS, 3 * 224 * 224);
}

/// A network's seeded weights as safetensors bytes.
type Bytes = fn() -> Vec<u8>;

/// Writes each network's seeded weights to `target/torchvision/NAME.safetensors` for
/// `tools/torchvision_logits.py`.
#[test]
#[ignore = "writes the files the fixture script reads"]
fn write_weight_files() {
    let dir = root().join("target/torchvision");
    std::fs::create_dir_all(&dir).unwrap();
    let files: [(&str, Bytes); 5] = [
        ("resnet18", resnet18_bytes),
        ("resnext50_32x4d", resnext50_bytes),
        ("alexnet_narrow", alexnet_bytes),
        ("vgg11_narrow", vgg11_bytes),
        ("resnet18_narrow", resnet18_narrow_bytes),
    ];
    for (name, bytes) in files {
        let bytes = bytes();
        std::fs::write(dir.join(format!("{name}.safetensors")), &bytes).unwrap();
        assert_eq!(
            bytes.len(),
            std::fs::metadata(dir.join(format!("{name}.safetensors")))
                .unwrap()
                .len() as usize
        );
    }
}
