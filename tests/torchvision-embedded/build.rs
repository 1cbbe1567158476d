//! Writes `$OUT_DIR/resnet18.safetensors`: torchvision's ResNet-18 with the weights
//! `tests/torchvision.rs` draws from seed 18 (45 MB, too large to commit), for
//! `#[weights(out_dir = "resnet18.safetensors")]` in `src/lib.rs`.
//!
//! The tensors are listed here in the network's declaration order (each batch norm's
//! `weight`, `bias`, `running_mean`, `running_var`), drawn one after the other in our
//! column-major order and written row-major, as nn-core's saver writes them.

#[path = "../support/torchvision_seed.rs"]
#[allow(dead_code)]
mod torchvision_seed;

use rand::{rngs::StdRng, Rng, SeedableRng};
use std::fmt::Write as _;

/// A tensor to draw: its name, PyTorch shape and whether it belongs to a batch norm.
struct Tensor {
    layer: String,
    name: &'static str,
    dims: Vec<usize>,
    batch_norm: bool,
}

/// A convolution's weight `(f, c, k, k)`, without bias.
fn conv(t: &mut Vec<Tensor>, layer: &str, f: usize, c: usize, k: usize) {
    t.push(Tensor {
        layer: layer.to_string(),
        name: "weight",
        dims: vec![f, c, k, k],
        batch_norm: false,
    });
}

/// A batch norm's four tensors of `c` values.
fn bn(t: &mut Vec<Tensor>, layer: &str, c: usize) {
    for name in ["weight", "bias", "running_mean", "running_var"] {
        t.push(Tensor {
            layer: layer.to_string(),
            name,
            dims: vec![c],
            batch_norm: true,
        });
    }
}

/// ResNet-18's tensors in declaration order.
fn resnet18() -> Vec<Tensor> {
    let mut t = Vec::new();
    conv(&mut t, "conv1", 64, 3, 7);
    bn(&mut t, "bn1", 64);
    let mut channels = 64;
    for (stage, planes) in [(1, 64), (2, 128), (3, 256), (4, 512)] {
        for block in 0..2 {
            let p = format!("layer{stage}.{block}");
            conv(&mut t, &format!("{p}.conv1"), planes, channels, 3);
            bn(&mut t, &format!("{p}.bn1"), planes);
            conv(&mut t, &format!("{p}.conv2"), planes, planes, 3);
            bn(&mut t, &format!("{p}.bn2"), planes);
            if stage > 1 && block == 0 {
                conv(&mut t, &format!("{p}.downsample.0"), planes, channels, 1);
                bn(&mut t, &format!("{p}.downsample.1"), planes);
            }
            channels = planes;
        }
    }
    for (name, dims) in [("weight", vec![1000, 512]), ("bias", vec![1000])] {
        t.push(Tensor {
            layer: "fc".into(),
            name,
            dims,
            batch_norm: false,
        });
    }
    t
}

/// `values` (column-major over `dims`: first index fastest) in row-major order.
fn row_major(values: &[f32], dims: &[usize]) -> Vec<f32> {
    let n = values.len();
    let mut out = Vec::with_capacity(n);
    let mut index = vec![0usize; dims.len()];
    for _ in 0..n {
        let offset = index
            .iter()
            .zip(dims)
            .rev()
            .fold(0, |acc, (i, d)| acc * d + i);
        out.push(values[offset]);
        // Next multi-index, last index fastest.
        for k in (0..dims.len()).rev() {
            index[k] += 1;
            if index[k] < dims[k] {
                break;
            }
            index[k] = 0;
        }
    }
    out
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=../support/torchvision_seed.rs");
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let mut rng = StdRng::seed_from_u64(18);
    let mut header = String::from("{");
    let mut data: Vec<u8> = Vec::new();
    for (i, t) in resnet18().iter().enumerate() {
        let (lo, hi) = torchvision_seed::seeded_range(t.batch_norm, t.name, &t.dims);
        let n: usize = t.dims.iter().product();
        let values: Vec<f32> = (0..n).map(|_| rng.random_range(lo..hi)).collect();
        let start = data.len();
        for v in row_major(&values, &t.dims) {
            data.extend_from_slice(&v.to_le_bytes());
        }
        let sep = if i == 0 { "" } else { "," };
        let shape: Vec<String> = t.dims.iter().map(|d| d.to_string()).collect();
        write!(
            header,
            "{sep}\"{}.{}\":{{\"dtype\":\"F32\",\"shape\":[{}],\"data_offsets\":[{start},{}]}}",
            t.layer,
            t.name,
            shape.join(","),
            data.len()
        )
        .expect("writing to a String");
    }
    header.push('}');
    // The data starts 8-aligned, as safetensors pads its header.
    while (8 + header.len()) % 8 != 0 {
        header.push(' ');
    }
    let mut file = (header.len() as u64).to_le_bytes().to_vec();
    file.extend_from_slice(header.as_bytes());
    file.extend_from_slice(&data);
    std::fs::write(out.join("resnet18.safetensors"), file).expect("OUT_DIR is writable");
}
