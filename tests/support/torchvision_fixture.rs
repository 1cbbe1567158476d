//! The logit fixtures of `tools/torchvision_logits.py` (`tests/fixtures/torchvision/`) and
//! the comparison with them, shared by `tests/torchvision.rs` and
//! `tests/torchvision-embedded`.

use std::path::Path;

/// `NAME.json` in `dir`: the checksum of the weights file the script read, and its logits
/// for each input seed.
pub fn fixture(dir: &Path, name: &str) -> (u64, Vec<Vec<f64>>) {
    let path = dir.join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let fnv = u64::from_str_radix(v["fnv1a"].as_str().unwrap(), 16).unwrap();
    let logits = v["logits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            row.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect();
    (fnv, logits)
}

/// The largest difference between our logits and the fixture's.
pub fn worst(ours: &[Vec<f32>], theirs: &[Vec<f64>]) -> f64 {
    assert_eq!(ours.len(), theirs.len());
    ours.iter()
        .zip(theirs)
        .flat_map(|(a, b)| {
            assert_eq!(a.len(), b.len());
            a.iter().zip(b).map(|(a, b)| (f64::from(*a) - b).abs())
        })
        .fold(0.0, f64::max)
}
