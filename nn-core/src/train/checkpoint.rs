//! Checkpoints: the network, the optimizer's state, the epoch and the random-number state in
//! one safetensors file, from which training resumes bit for bit.
//!
//! The file is a safetensors file (read with the same bounded, checked reader as weight
//! files, see [`ReadLimits`]) holding:
//!
//! | tensor | dtype, shape | holds |
//! |---|---|---|
//! | `checkpoint` | `F64`, `[8]` | format version (1), epoch, seed (two 32-bit halves), optimizer steps `t`, reduce-on-plateau best, bad epochs, scale |
//! | `net/<name>` | `T`, PyTorch's shape | every tensor of the network (weights, biases, batch norm's running statistics) |
//! | `opt/<set>/<name>` | `T`, as `net/<name>` | every optimizer state set (Adam's `m` and `v`, momentum's `velocity`, …) |
//!
//! A run's random numbers (shuffling, augmentation, dropout masks of every shard) are drawn
//! from generators seeded by the run's seed and the epoch at the start of each epoch, so the
//! seed and the epoch are the whole random-number state at an epoch's end.
//!
//! Loading checks everything it reads: a file that is not a checkpoint or of another format
//! version, a truncated or corrupted file, a network or optimizer of another shape or kind
//! (a missing, extra, misshapen or mistyped tensor) are typed [`Error`]s naming what was
//! expected and found, and leave the network as it was.

use crate::io::layout::RowMajorOffsets;
use crate::io::safetensors::{describe, dtype_of, push_le, read_le, write_atomically, Owned};
use crate::io::ReadLimits;
use crate::optim::Optimizer;
use crate::{Error, Parameters, Scalar};
use ::safetensors::Dtype;
use std::collections::HashSet;
use std::format;
use std::path::Path;
use std::string::{String, ToString};
use std::vec::Vec;

/// The format version this crate writes and reads.
pub const CHECKPOINT_VERSION: u32 = 1;

const META: &str = "checkpoint";
const META_LEN: usize = 8;

/// What a checkpoint holds besides its tensors.
///
/// ```
/// let i = nn_core::train::CheckpointInfo { epoch: 3, seed: 7, steps: 120 };
/// assert_eq!(i.epoch, 3);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckpointInfo {
    /// The epochs finished.
    pub epoch: usize,
    /// The run's seed.
    pub seed: u64,
    /// The optimizer's step counter.
    pub steps: u64,
}

/// Saves `net`, `opt`'s state, the epoch and the seed to `path` (a temporary file renamed
/// over it, so a failed save never leaves half a file). Fails for an optimizer whose state
/// cannot be saved ([`Error::Unsupported`]).
///
/// ```
/// use nn_core::{network, optim::{Adam, Optimizer}, Parameters};
/// use nn_core::train::{load_checkpoint, save_checkpoint};
/// network! { struct Net { input: 2, out: dense(2) } }
/// let (mut net, mut g) = (Net::<f32>::zeros(), Net::<f32>::zeros());
/// g.fill(1.0);
/// let mut adam = Adam::new(0.1);
/// adam.step(&mut net, &g).unwrap();
/// let path = std::env::temp_dir().join(format!("nn-doc-ckpt-{}.safetensors", std::process::id()));
/// save_checkpoint(&path, &net, &adam, 1, 42)?;
/// let (mut net2, mut adam2) = (Net::<f32>::zeros(), Adam::new(0.1));
/// let info = load_checkpoint(&path, &mut net2, &mut adam2)?;
/// assert_eq!((info.epoch, info.seed, info.steps), (1, 42, 1));
/// assert_eq!(net2.out.bias[1], net.out.bias[1]);
/// assert_eq!(adam2.moments().unwrap().1.out.bias[1], adam.moments().unwrap().1.out.bias[1]);
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), nn_core::Error>(())
/// ```
pub fn save_checkpoint<T, P, O>(
    path: impl AsRef<Path>,
    net: &P,
    opt: &O,
    epoch: usize,
    seed: u64,
) -> Result<(), Error>
where
    T: Scalar,
    P: Parameters<T> + Clone,
    O: Optimizer<T, P>,
{
    save_with(path.as_ref(), net, opt, epoch, seed, None)
}

/// [`save_checkpoint`] with the reduce-on-plateau state of a `Fit`.
pub(crate) fn save_with<T, P, O>(
    path: &Path,
    net: &P,
    opt: &O,
    epoch: usize,
    seed: u64,
    plateau: Option<[f64; 3]>,
) -> Result<(), Error>
where
    T: Scalar,
    P: Parameters<T> + Clone,
    O: Optimizer<T, P>,
{
    let mut tensors = Vec::new();
    let mut seen = HashSet::new();
    push_tensors("net/", net, &mut tensors, &mut seen)?;
    let mut failed = Ok(());
    let steps = opt.save_state(&mut |set, p| {
        if failed.is_ok() {
            failed = push_tensors(&format!("opt/{set}/"), p, &mut tensors, &mut seen);
        }
    })?;
    failed?;
    let [best, bad, scale] = plateau.unwrap_or([f64::INFINITY, 0.0, 1.0]);
    let meta: [f64; META_LEN] = [
        CHECKPOINT_VERSION as f64,
        epoch as f64,
        (seed >> 32) as f64,
        (seed & 0xFFFF_FFFF) as f64,
        steps as f64,
        best,
        bad,
        scale,
    ];
    let mut data = Vec::with_capacity(8 * META_LEN);
    meta.iter().for_each(|&v| push_le(&mut data, v));
    tensors.push((
        META.to_string(),
        Owned {
            dtype: Dtype::F64,
            shape: std::vec![META_LEN],
            data,
        },
    ));
    let metadata = [
        ("format".to_string(), "nn-checkpoint".to_string()),
        ("version".to_string(), CHECKPOINT_VERSION.to_string()),
    ]
    .into_iter()
    .collect();
    let bytes =
        ::safetensors::serialize(tensors.iter().map(|(n, t)| (n.as_str(), t)), Some(metadata))
            .map_err(|e| Error::Corrupt {
                what: "checkpoint",
                path: path.display().to_string(),
                field: "header written".into(),
                expected: "a header the safetensors writer accepts".into(),
                found: e.to_string(),
            })?;
    write_atomically(path, &bytes)
}

fn push_tensors<T: Scalar, P: Parameters<T>>(
    prefix: &str,
    params: &P,
    out: &mut Vec<(String, Owned)>,
    seen: &mut HashSet<String>,
) -> Result<(), Error> {
    let (dtype, _) = dtype_of::<T>()?;
    for i in 0..params.tensor_count() {
        let values = params.tensor(i);
        let (name, shape) = describe(params, i, values.map(<[T]>::len))?;
        let name = format!("{prefix}{name}");
        if !seen.insert(name.clone()) {
            return Err(Error::DuplicateTensor { name });
        }
        let values = values.unwrap_or_default();
        let mut data = Vec::with_capacity(core::mem::size_of_val(values));
        for off in RowMajorOffsets::new(shape) {
            push_le(&mut data, values[off]);
        }
        let shape = shape.dims().to_vec();
        out.push((name, Owned { dtype, shape, data }));
    }
    Ok(())
}

/// Loads a checkpoint written by [`save_checkpoint`] (or [`Fit::checkpoint`](super::Fit::checkpoint))
/// into `net` and `opt` (built with the same settings as when saving), within
/// [`ReadLimits::default`]. On an error `net` is unchanged and `opt`'s state is undefined
/// (build a fresh one).
///
/// ```
/// use nn_core::{network, optim::{Adam, Momentum}, Error, Parameters};
/// use nn_core::train::{load_checkpoint, save_checkpoint};
/// network! { struct Net { input: 2, out: dense(2) } }
/// network! { struct Wide { input: 2, out: dense(3) } }
/// let path = std::env::temp_dir().join(format!("nn-doc-ckpt2-{}.safetensors", std::process::id()));
/// save_checkpoint(&path, &Net::<f32>::zeros(), &Momentum::new(0.1, 0.9), 2, 0)?;
/// // Another network, another optimizer, another file: typed errors.
/// let e = load_checkpoint(&path, &mut Wide::<f32>::zeros(), &mut Momentum::new(0.1, 0.9)).unwrap_err();
/// assert!(matches!(e, Error::TensorShape { .. }), "{e}");
/// std::fs::write(&path, b"not a checkpoint").unwrap();
/// let e = load_checkpoint(&path, &mut Net::<f32>::zeros(), &mut Adam::new(0.1)).unwrap_err();
/// // Its first 8 bytes read as a header length of 7·10¹⁸: refused before reading on.
/// assert!(matches!(e, Error::TooLarge { .. }), "{e}");
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), nn_core::Error>(())
/// ```
pub fn load_checkpoint<T, P, O>(
    path: impl AsRef<Path>,
    net: &mut P,
    opt: &mut O,
) -> Result<CheckpointInfo, Error>
where
    T: Scalar,
    P: Parameters<T> + Clone,
    O: Optimizer<T, P>,
{
    load_with(path.as_ref(), net, opt, None).map(|(info, _)| info)
}

/// [`load_checkpoint`], also returning the reduce-on-plateau state; fails before loading
/// anything when the seed is not `seed` (when given).
pub(crate) fn load_with<T, P, O>(
    path: &Path,
    net: &mut P,
    opt: &mut O,
    seed: Option<u64>,
) -> Result<(CheckpointInfo, [f64; 3]), Error>
where
    T: Scalar,
    P: Parameters<T> + Clone,
    O: Optimizer<T, P>,
{
    let limits = ReadLimits::default();
    let name = path.display().to_string();
    let bytes = crate::io::header::read_file(path, &limits)?;
    let file = crate::io::header::parse(&bytes, &name, &limits)?;
    let corrupt = |field: &str, expected: String, found: String| Error::Corrupt {
        what: "checkpoint",
        path: name.clone(),
        field: field.into(),
        expected,
        found,
    };
    let meta = match file.tensor(META) {
        Some((Dtype::F64, shape, data)) if shape == [META_LEN] => {
            let mut m = [0.0f64; META_LEN];
            for (m, chunk) in m.iter_mut().zip(data.chunks_exact(8)) {
                *m = read_le(chunk);
            }
            m
        }
        Some((dtype, shape, _)) => {
            return Err(corrupt(
                META,
                format!("F64 of shape [{META_LEN}]"),
                format!("{dtype:?} of shape {shape:?}"),
            ))
        }
        None => {
            return Err(corrupt(
                META,
                "a `checkpoint` tensor (a file written by save_checkpoint or Fit::checkpoint)"
                    .into(),
                "none (a weights file? load it with io::load_safetensors)".into(),
            ))
        }
    };
    if meta[0] != CHECKPOINT_VERSION as f64 {
        return Err(corrupt(
            "format version",
            CHECKPOINT_VERSION.to_string(),
            meta[0].to_string(),
        ));
    }
    let count = |i: usize, what: &str| -> Result<u64, Error> {
        let v = meta[i];
        if v >= 0.0 && v <= (1u64 << 53) as f64 && v.fract() == 0.0 {
            Ok(v as u64)
        } else {
            Err(corrupt(what, "a whole number >= 0".into(), v.to_string()))
        }
    };
    let epoch = count(1, "epoch")?;
    let (hi, lo) = (count(2, "seed")?, count(3, "seed")?);
    if hi >> 32 != 0 || lo >> 32 != 0 {
        return Err(corrupt(
            "seed",
            "two 32-bit halves".into(),
            format!("{hi}, {lo}"),
        ));
    }
    if let Some(s) = seed.filter(|&s| s != hi << 32 | lo) {
        return Err(corrupt(
            "seed",
            format!("{s} (the seed of the Fit resuming it)"),
            (hi << 32 | lo).to_string(),
        ));
    }
    let steps = count(4, "optimizer steps")?;
    let bad = count(6, "reduce-on-plateau bad epochs")?;
    let plateau = [meta[5], bad as f64, meta[7]];

    let mut used: HashSet<String> = HashSet::new();
    used.insert(META.into());
    let mut loaded = net.clone();
    read_tensors(&file, "net/", &mut loaded, &mut used)?;
    opt.load_state(&loaded, steps, &mut |set, p| {
        read_tensors(&file, &format!("opt/{set}/"), p, &mut used)
    })?;
    // By name, so the first extra tensor is the same whatever the file's order.
    if let Some((name, _, found, _)) = file.iter().find(|(name, ..)| !used.contains(*name)) {
        return Err(Error::UnexpectedTensor {
            name: name.to_string(),
            found: found.to_vec(),
        });
    }
    *net = loaded;
    let info = CheckpointInfo {
        epoch: epoch as usize,
        seed: hi << 32 | lo,
        steps,
    };
    Ok((info, plateau))
}

/// Reads the tensors `prefix<name>` of `params`, all checked before any is written.
fn read_tensors<T: Scalar, P: Parameters<T>>(
    file: &crate::io::header::Parsed<'_>,
    prefix: &str,
    params: &mut P,
    used: &mut HashSet<String>,
) -> Result<(), Error> {
    let (dtype, dtype_name) = dtype_of::<T>()?;
    let mut sources = Vec::with_capacity(params.tensor_count());
    for i in 0..params.tensor_count() {
        let len = params.tensor(i).map(<[T]>::len);
        let (name, shape) = describe(params, i, len)?;
        let name = format!("{prefix}{name}");
        let Some((found_dtype, found_shape, data)) = file.tensor(&name) else {
            return Err(Error::MissingTensor {
                name,
                expected: shape,
            });
        };
        if found_dtype != dtype {
            return Err(Error::TensorDtype {
                name,
                expected: dtype_name,
                found: format!("{found_dtype:?}"),
            });
        }
        if found_shape != shape.dims() {
            return Err(Error::TensorShape {
                name,
                expected: shape,
                found: found_shape.to_vec(),
            });
        }
        if !used.insert(name.clone()) {
            return Err(Error::DuplicateTensor { name });
        }
        sources.push((shape, data));
    }
    let size = core::mem::size_of::<T>();
    for (i, (shape, data)) in sources.into_iter().enumerate() {
        let Some(dst) = params.tensor_mut(i) else {
            continue;
        };
        for (chunk, off) in data.chunks_exact(size).zip(RowMajorOffsets::new(shape)) {
            dst[off] = read_le(chunk);
        }
    }
    Ok(())
}
