//! The fuzz targets' bodies, shared by the cargo-fuzz binaries (`fuzz_targets/`) and the
//! stable smoke run in `cargo test` (`tests/fuzz_smoke.rs` includes this file).
//!
//! Each takes arbitrary bytes, must never panic, and checks what holds for every input:
//! a failed load leaves the network as it was, a successful one round-trips. Each returns
//! whether the input loaded (so the smoke run can check that mutations reach both paths).

use nn_core::data::idx::{gunzip_with, is_gzip, IdxImages, IdxLabels, IMAGES_MAGIC, LABELS_MAGIC};
use nn_core::io::{from_safetensors_bytes_with, to_safetensors_bytes, ReadLimits};
use nn_core::quant::{QConv2d, QDense, QuantizedFile};
use nn_core::{network, Parameters, Scalar};

/// The limits the targets read within: small enough that a run never nears libFuzzer's
/// 2 GB memory limit, large enough for every seed.
pub const LIMITS: ReadLimits = ReadLimits {
    max_bytes: 16 << 20,
    max_header_bytes: 1 << 20,
};

network! {
    /// The network the safetensors target loads (as `f32` and as `f64`).
    pub struct Net { input: 4, fc1: dense(3, relu), out: dense(2) }
}

/// Every value of `net`, as bits (so NaN compares equal to itself).
fn bits<T: Scalar, P: Parameters<T>>(net: &P) -> Vec<u64> {
    let mut out = Vec::new();
    for i in 0..net.tensor_count() {
        for v in net.tensor(i).unwrap_or_default() {
            out.push(v.to_f64().to_bits());
        }
    }
    out
}

fn load_into<T: Scalar>(data: &[u8]) -> bool {
    let mut net = Net::<T>::zeros();
    net.visit_mut(|_, v| v.iter_mut().for_each(|x| *x = T::of(0.25)));
    let before = bits(&net);
    match from_safetensors_bytes_with(&mut net, data, &LIMITS) {
        Err(e) => {
            assert!(!e.to_string().is_empty());
            assert_eq!(bits(&net), before, "a failed load changed the network");
            false
        }
        Ok(()) => {
            let again = to_safetensors_bytes(&net).expect("a loaded network saves");
            let mut copy = Net::<T>::zeros();
            from_safetensors_bytes_with(&mut copy, &again, &LIMITS).expect("and loads back");
            assert_eq!(bits(&copy), bits(&net));
            true
        }
    }
}

/// `load_safetensors`'s parser on arbitrary bytes, into an `f32` and an `f64` network.
pub fn safetensors_load(data: &[u8]) -> bool {
    let a = load_into::<f32>(data);
    let b = load_into::<f64>(data);
    a || b
}

/// The IDX readers (images and labels) on arbitrary bytes, gzipped or not, and the plain
/// gzip decoder.
pub fn idx_gzip(data: &[u8]) -> bool {
    let mut loaded = false;
    if let Ok(img) = IdxImages::decode(data, "", &LIMITS) {
        loaded = true;
        let n = img.count * img.rows * img.cols;
        assert_eq!(img.pixels.len(), n);
        let mut plain = IMAGES_MAGIC.to_be_bytes().to_vec();
        for d in [img.count, img.rows, img.cols] {
            plain.extend((d as u32).to_be_bytes());
        }
        plain.extend(&img.pixels);
        assert_eq!(IdxImages::decode(&plain, "", &LIMITS).ok(), Some(img));
    }
    if let Ok(l) = IdxLabels::decode(data, "", &LIMITS) {
        loaded = true;
        let mut plain = LABELS_MAGIC.to_be_bytes().to_vec();
        plain.extend((l.labels.len() as u32).to_be_bytes());
        plain.extend(&l.labels);
        assert_eq!(IdxLabels::parse(plain, "").ok(), Some(l));
    }
    if is_gzip(data) {
        if let Ok(out) = gunzip_with(data, "", &LIMITS) {
            assert!(out.len() as u64 <= LIMITS.max_bytes);
        }
    }
    loaded
}

/// The seeds' convolution: 1 channel of 3x3, 2 filters of 2x2.
type Conv = QConv2d<1, 3, 3, 2, 2, 2, 1, 0, 1, 1, 4>;

/// The quantized-file reader on arbitrary bytes, then its layers `fc1` (4 -> 3) and
/// `conv1` as the seeds hold them.
pub fn quantized_file(data: &[u8]) -> bool {
    let Ok(file) = QuantizedFile::from_bytes_with(data, "", &LIMITS) else {
        return false;
    };
    let mut loaded = false;
    if let Ok(q) = file.qdense::<4, 3>("fc1") {
        loaded = true;
        let _ = q.forward(&nn_core::nalgebra::SVector::from([0.5, -0.5, 1.0, 0.0]));
        let bytes = QuantizedFile::new()
            .dense("fc1", &q)
            .to_bytes()
            .expect("saves");
        let back: QDense<4, 3> = QuantizedFile::from_bytes(&bytes)
            .and_then(|f| f.qdense("fc1"))
            .expect("loads back");
        assert_eq!(*back.weight_t, *q.weight_t);
        assert_eq!(back.input_scale.to_bits(), q.input_scale.to_bits());
    }
    if let Ok(q) = file.qconv2d::<1, 3, 3, 2, 2, 2, 1, 0, 1, 1, 4>("conv1") {
        loaded = true;
        let bytes = QuantizedFile::new()
            .conv2d("conv1", &q)
            .to_bytes()
            .expect("saves");
        let back: Conv = QuantizedFile::from_bytes(&bytes)
            .and_then(|f| f.qconv2d("conv1"))
            .expect("loads back");
        assert_eq!(*back.weight, *q.weight);
        assert_eq!(back.has_bias, q.has_bias);
    }
    loaded
}
