//! Weights in the safetensors format, with PyTorch's `state_dict` names and layouts.
//!
//! A file is an 8-byte little-endian header length `n`, `n` bytes of JSON naming each
//! tensor's `dtype`, `shape` and `data_offsets` (plus `"__metadata__": {"format": "pt"}`,
//! which Hugging Face loaders look for), then the tensors' little-endian values in
//! row-major order. Every tensor of a [`Parameters`] value is written under its
//! `state_dict` key (`fc1.weight`, `fc1.bias`) with PyTorch's shape (a dense weight is
//! `(out, in)`), transposed from our column-major slices (see [`layout`](super::layout)), so
//! `torch.nn.Module.load_state_dict(safetensors.torch.load_file(path))` reads it into the
//! equivalent PyTorch model, and a file PyTorch saved loads here. `f32` is dtype `F32`,
//! `f64` is `F64`.
//!
//! Loading is all or nothing: the file must hold exactly the network's tensors (and, beside
//! each batch norm's, the `num_batches_tracked` counter PyTorch saves, which is skipped), each with
//! the network's shape and dtype; a missing, extra, misshapen or mistyped tensor, and a
//! truncated or corrupted file, are typed [`Error`]s naming what was expected and found,
//! and leave the parameters untouched. Reading is bounded (see
//! [`ReadLimits`]): the header is read first, then only the data it accounts for.

use super::layout::RowMajorOffsets;
use super::read::ReadLimits;
use crate::{Error, Parameters, Scalar, Shape};
use ::safetensors::{Dtype, View};
use std::borrow::Cow;
use std::collections::HashSet;
use std::format;
use std::path::Path;
use std::string::{String, ToString};
use std::vec::Vec;

/// The safetensors dtype of `T` and its name.
pub(crate) fn dtype_of<T: Scalar>() -> Result<(Dtype, &'static str), Error> {
    match T::NAME {
        "f32" => Ok((Dtype::F32, "F32")),
        "f64" => Ok((Dtype::F64, "F64")),
        name => Err(Error::TensorDtype {
            name: String::new(),
            expected: "F32 or F64",
            found: name.into(),
        }),
    }
}

/// Appends `v`'s little-endian bytes.
pub(crate) fn push_le<T: Scalar>(out: &mut Vec<u8>, v: T) {
    let b = bytemuck::bytes_of(&v);
    if cfg!(target_endian = "little") {
        out.extend_from_slice(b);
    } else {
        out.extend(b.iter().rev());
    }
}

/// Reads a little-endian value from `chunk` (`size_of::<T>()` bytes, any alignment).
pub(crate) fn read_le<T: Scalar>(chunk: &[u8]) -> T {
    if cfg!(target_endian = "little") {
        bytemuck::pod_read_unaligned(chunk)
    } else {
        let mut buf = [0u8; 16];
        let n = chunk.len();
        for (d, s) in buf[..n].iter_mut().zip(chunk.iter().rev()) {
            *d = *s;
        }
        bytemuck::pod_read_unaligned(&buf[..n])
    }
}

/// One tensor ready to write.
pub(crate) struct Owned {
    pub dtype: Dtype,
    pub shape: Vec<usize>,
    pub data: Vec<u8>,
}

impl View for &Owned {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.data)
    }
    fn data_len(&self) -> usize {
        self.data.len()
    }
}

/// The name, shape and length of tensor `i`, checked against each other.
pub(crate) fn describe<T, P: Parameters<T> + ?Sized>(
    params: &P,
    i: usize,
    len: Option<usize>,
) -> Result<(String, Shape), Error> {
    let count = params.tensor_count();
    let missing = || Error::LengthMismatch {
        what: "parameter tensors",
        expected: count,
        found: i,
    };
    let info = params.tensor_info(i).ok_or_else(missing)?;
    let len = len.ok_or_else(missing)?;
    if len != info.shape.len() {
        return Err(Error::LengthMismatch {
            what: "tensor values",
            expected: info.shape.len(),
            found: len,
        });
    }
    Ok((info.to_string(), info.shape))
}

/// The parameters as the bytes of a safetensors file.
///
/// Fails only when two tensors share a name (e.g. a [`Chain`](crate::Chain) of two networks
/// that both have a layer `fc`) or a [`Parameters`] implementation is inconsistent.
///
/// ```
/// use nn_core::{io::to_safetensors_bytes, layer::Dense};
/// let d = Dense::<f32, 3, 2>::zeros();
/// let bytes = to_safetensors_bytes(&d)?;
/// let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
/// let header = std::str::from_utf8(&bytes[8..8 + n]).unwrap();
/// assert!(header.contains(r#""weight":{"dtype":"F32","shape":[2,3],"data_offsets":[8,32]}"#));
/// assert_eq!(bytes.len(), 8 + n + 4 * (6 + 2));
/// # Ok::<(), nn_core::Error>(())
/// ```
pub fn to_safetensors_bytes<T: Scalar, P: Parameters<T> + ?Sized>(
    params: &P,
) -> Result<Vec<u8>, Error> {
    let (dtype, _) = dtype_of::<T>()?;
    let mut seen = HashSet::new();
    let mut tensors = Vec::with_capacity(params.tensor_count());
    for i in 0..params.tensor_count() {
        let values = params.tensor(i);
        let (name, shape) = describe(params, i, values.map(<[T]>::len))?;
        let values = values.unwrap_or_default();
        if !seen.insert(name.clone()) {
            return Err(Error::DuplicateTensor { name });
        }
        let mut data = Vec::with_capacity(core::mem::size_of_val(values));
        for off in RowMajorOffsets::new(shape) {
            push_le(&mut data, values[off]);
        }
        let shape = shape.dims().to_vec();
        tensors.push((name, Owned { dtype, shape, data }));
    }
    // Collected into whichever map the crate's features select (std's or hashbrown's).
    let meta = [("format".to_string(), "pt".to_string())]
        .into_iter()
        .collect();
    ::safetensors::serialize(tensors.iter().map(|(n, t)| (n.as_str(), t)), Some(meta)).map_err(
        |e| Error::Corrupt {
            what: "safetensors header",
            path: String::new(),
            field: "header written".into(),
            expected: "a header the safetensors writer accepts".into(),
            found: e.to_string(),
        },
    )
}

/// Writes the parameters to a safetensors file at `path`: first to a temporary file beside
/// it, then renamed over it, so a failed save never leaves half a file under `path`.
///
/// ```
/// use nn_core::{io::{load_safetensors, save_safetensors}, network};
/// use rand::{rngs::StdRng, SeedableRng};
/// network! { struct Net { input: 4, fc1: dense(8, relu), fc2: dense(2) } }
/// let net: Net<f32> = Net::new(&mut StdRng::seed_from_u64(0));
/// let path = std::env::temp_dir().join(format!("nn-doc-save-{}.safetensors", std::process::id()));
/// save_safetensors(&net, &path)?;
/// let mut back = Net::<f32>::zeros();
/// load_safetensors(&mut back, &path)?;
/// assert_eq!(back.fc2.weight, net.fc2.weight);
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), nn_core::Error>(())
/// ```
pub fn save_safetensors<T: Scalar, P: Parameters<T> + ?Sized>(
    params: &P,
    path: impl AsRef<Path>,
) -> Result<(), Error> {
    write_atomically(path.as_ref(), &to_safetensors_bytes(params)?)
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let name = path.display().to_string();
    let io = |e: std::io::Error| Error::Io {
        path: name.clone(),
        message: e.to_string(),
    };
    let Some(file_name) = path.file_name() else {
        return std::fs::write(path, bytes).map_err(io);
    };
    let mut tmp_name = file_name.to_os_string();
    // Unique per process and call, so concurrent saves never share a temporary file.
    static SAVES: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);
    let call = SAVES.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
    tmp_name.push(format!(".tmp{}-{call}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let written = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
    Ok(())
}

/// Reads parameters from the bytes of a safetensors file. The file must hold exactly the
/// tensors of `params`, with their shapes and dtype; otherwise, or when the bytes are
/// truncated or corrupted, this returns the [`Error`] and `params` is unchanged.
///
/// ```
/// use nn_core::{io::{from_safetensors_bytes, to_safetensors_bytes}, layer::Dense, Error};
/// let mut a = Dense::<f64, 2, 2>::zeros();
/// a.bias[1] = 3.0;
/// let bytes = to_safetensors_bytes(&a)?;
/// let mut b = Dense::<f64, 2, 2>::zeros();
/// from_safetensors_bytes(&mut b, &bytes)?;
/// assert_eq!(b.bias[1], 3.0);
/// // The same file into a layer of another size, or of another scalar type:
/// let e = from_safetensors_bytes(&mut Dense::<f64, 3, 2>::zeros(), &bytes).unwrap_err();
/// assert_eq!(e.to_string(), "wrong shape for tensor weight: expected (2, 3), found (2, 2)");
/// let e = from_safetensors_bytes(&mut Dense::<f32, 2, 2>::zeros(), &bytes).unwrap_err();
/// assert_eq!(e.to_string(), "wrong dtype for tensor weight: expected F32, found F64");
/// # Ok::<(), Error>(())
/// ```
pub fn from_safetensors_bytes<T: Scalar, P: Parameters<T> + ?Sized>(
    params: &mut P,
    bytes: &[u8],
) -> Result<(), Error> {
    load(params, bytes, "", &ReadLimits::default())
}

/// [`from_safetensors_bytes`] with a header limit other than the default one (the bytes
/// are already in memory, so only [`ReadLimits::max_header_bytes`] applies).
///
/// ```
/// use nn_core::{io::{from_safetensors_bytes_with, to_safetensors_bytes, ReadLimits}, layer::Dense};
/// let bytes = to_safetensors_bytes(&Dense::<f32, 2, 2>::zeros())?;
/// let tiny = ReadLimits { max_header_bytes: 16, ..ReadLimits::default() };
/// let e = from_safetensors_bytes_with(&mut Dense::<f32, 2, 2>::zeros(), &bytes, &tiny).unwrap_err();
/// assert!(e.to_string().starts_with("safetensors header too large: expected at most 16 bytes (ReadLimits::max_header_bytes), found "));
/// # Ok::<(), nn_core::Error>(())
/// ```
pub fn from_safetensors_bytes_with<T: Scalar, P: Parameters<T> + ?Sized>(
    params: &mut P,
    bytes: &[u8],
    limits: &ReadLimits,
) -> Result<(), Error> {
    load(params, bytes, "", limits)
}

/// Reads parameters from a safetensors file, as [`from_safetensors_bytes`] does; the
/// errors name the file. Reads within [`ReadLimits::default`]; a path that is not a
/// regular file is [`Error::NotAFile`].
///
/// ```
/// use nn_core::{io::load_safetensors, layer::Dense};
/// let mut d = Dense::<f32, 2, 2>::zeros();
/// let e = load_safetensors(&mut d, "no/such/file.safetensors").unwrap_err();
/// assert!(e.to_string().starts_with("i/o error on no/such/file.safetensors"));
/// let e = load_safetensors(&mut d, std::env::temp_dir()).unwrap_err();
/// assert!(e.to_string().ends_with("expected a regular file, found a directory"));
/// ```
pub fn load_safetensors<T: Scalar, P: Parameters<T> + ?Sized>(
    params: &mut P,
    path: impl AsRef<Path>,
) -> Result<(), Error> {
    load_safetensors_with(params, path, &ReadLimits::default())
}

/// [`load_safetensors`] within `limits`: a file above `limits.max_bytes`, or whose header
/// is above `limits.max_header_bytes`, is [`Error::TooLarge`] before its data is read.
///
/// ```
/// use nn_core::{io::{load_safetensors_with, save_safetensors, ReadLimits}, layer::Dense};
/// let path = std::env::temp_dir().join(format!("nn-doc-limits-{}.safetensors", std::process::id()));
/// save_safetensors(&Dense::<f32, 16, 16>::zeros(), &path)?;
/// let small = ReadLimits { max_bytes: 1024, ..ReadLimits::default() };
/// let e = load_safetensors_with(&mut Dense::<f32, 16, 16>::zeros(), &path, &small).unwrap_err();
/// assert!(e.to_string().contains("too large: expected at most 1024 bytes (ReadLimits::max_bytes), found 1"));
/// # std::fs::remove_file(&path).unwrap();
/// # Ok::<(), nn_core::Error>(())
/// ```
pub fn load_safetensors_with<T: Scalar, P: Parameters<T> + ?Sized>(
    params: &mut P,
    path: impl AsRef<Path>,
    limits: &ReadLimits,
) -> Result<(), Error> {
    let path = path.as_ref();
    let bytes = super::header::read_file(path, limits)?;
    load(params, &bytes, &path.display().to_string(), limits)
}

fn load<T: Scalar, P: Parameters<T> + ?Sized>(
    params: &mut P,
    bytes: &[u8],
    path: &str,
    limits: &ReadLimits,
) -> Result<(), Error> {
    let file = super::header::parse(bytes, path, limits)?;
    let (dtype, dtype_name) = dtype_of::<T>()?;

    // Check everything before writing anything.
    let mut seen = HashSet::new();
    let mut sources = Vec::with_capacity(params.tensor_count());
    for i in 0..params.tensor_count() {
        let len = params.tensor_mut(i).map(|v| v.len());
        let (name, shape) = describe(params, i, len)?;
        if !seen.insert(name.clone()) {
            return Err(Error::DuplicateTensor { name });
        }
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
        // The header's check made `data` `product(shape) · size_of::<T>()` bytes long.
        sources.push((shape, data));
    }
    // By name, so the first extra tensor is the same whatever the file's order.
    // PyTorch's batch norm also saves `num_batches_tracked`, an `I64` count of training
    // batches that inference does not read: accepted beside a batch norm's statistics.
    let counter = |name: &str, dtype: Dtype| {
        dtype == Dtype::I64
            && name
                .strip_suffix("num_batches_tracked")
                .is_some_and(|p| seen.contains(&format!("{p}running_var")))
    };
    if let Some((name, _, found, _)) = file
        .iter()
        .find(|(name, dtype, ..)| !seen.contains(*name) && !counter(name, *dtype))
    {
        return Err(Error::UnexpectedTensor {
            name: name.to_string(),
            found: found.to_vec(),
        });
    }

    for (i, (shape, data)) in sources.into_iter().enumerate() {
        // Checked above: the tensor exists and has `shape.len()` values.
        let Some(dst) = params.tensor_mut(i) else {
            continue;
        };
        let size = core::mem::size_of::<T>();
        for (chunk, off) in data.chunks_exact(size).zip(RowMajorOffsets::new(shape)) {
            dst[off] = read_le(chunk);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{layer::Dense, network};
    use ::safetensors::SafeTensors;
    use rand::{rngs::StdRng, SeedableRng};
    use std::vec;

    network! {
        /// A small MLP for round trips.
        struct Mlp {
            input: 5,
            fc1: dense(7, relu),
            fc2: dense(4, tanh),
            out: dense(3),
        }
    }

    network! {
        /// One 3 -> 2 layer named like a PyTorch `nn.Linear` attribute.
        struct Lin {
            input: 3,
            fc1: dense(2),
        }
    }

    /// Every tensor of a network, flattened, for comparisons.
    fn values<T: Scalar, P: Parameters<T>>(p: &P) -> Vec<Vec<T>> {
        (0..p.tensor_count())
            .map(|i| p.tensor(i).unwrap().to_vec())
            .collect()
    }

    /// A network with every value distinct, so a transposition error would show.
    fn distinct<T: Scalar>() -> Mlp<T> {
        let mut net = Mlp::<T>::zeros();
        let mut k = 0.0;
        net.visit_mut(|_, v| {
            for x in v {
                k += 1.0;
                *x = T::of(k * 0.001 - 0.25);
            }
        });
        net
    }

    fn round_trip<T: Scalar>() {
        let mut rng = StdRng::seed_from_u64(7);
        let net = Mlp::<T>::new(&mut rng);
        let bytes = to_safetensors_bytes(&net).unwrap();
        let mut back = Mlp::<T>::zeros();
        from_safetensors_bytes(&mut back, &bytes).unwrap();
        assert_eq!(values(&back), values(&net));
        // And the outputs agree.
        let x = nalgebra::SVector::<T, 5>::from_fn(|i, _| T::of(i as f64 * 0.3 - 0.5));
        assert_eq!(back.forward(&x), net.forward(&x));

        let net = distinct::<T>();
        let path = temp_path("round-trip");
        save_safetensors(&net, &path).unwrap();
        let mut back = Mlp::<T>::zeros();
        load_safetensors(&mut back, &path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(values(&back), values(&net));
    }

    fn temp_path(what: &str) -> std::path::PathBuf {
        use core::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        std::env::temp_dir().join(format!(
            "nn-core-{what}-{}-{}.safetensors",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ))
    }

    #[test]
    fn round_trip_f32() {
        round_trip::<f32>();
    }

    #[test]
    fn round_trip_f64() {
        round_trip::<f64>();
    }

    #[test]
    fn names_shapes_and_dtypes_follow_pytorch() {
        let bytes = to_safetensors_bytes(&distinct::<f64>()).unwrap();
        let file = SafeTensors::deserialize(&bytes).unwrap();
        let mut names = file.names();
        names.sort();
        assert_eq!(
            names,
            [
                "fc1.bias",
                "fc1.weight",
                "fc2.bias",
                "fc2.weight",
                "out.bias",
                "out.weight"
            ]
        );
        let w = file.tensor("fc1.weight").unwrap();
        assert_eq!((w.dtype(), w.shape()), (Dtype::F64, &[7, 5][..]));
        assert_eq!(file.tensor("out.bias").unwrap().shape(), [3]);
    }

    /// Builds a safetensors file by hand, following the format's specification.
    fn hand_built(header: &str, data: &[u8]) -> Vec<u8> {
        let mut header = header.as_bytes().to_vec();
        while !header.len().is_multiple_of(8) {
            header.push(b' ');
        }
        let mut out = (header.len() as u64).to_le_bytes().to_vec();
        out.extend(header);
        out.extend(data);
        out
    }

    fn f32_bytes(v: &[f32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    fn lin() -> Lin<f32> {
        let mut net = Lin::<f32>::zeros();
        // W = [[1, 2, 3], [4, 5, 6]] (out x in), b = [0.5, -0.5].
        for r in 0..2 {
            for c in 0..3 {
                net.fc1.weight[(r, c)] = (r * 3 + c + 1) as f32;
            }
        }
        net.fc1.bias[0] = 0.5;
        net.fc1.bias[1] = -0.5;
        net
    }

    #[test]
    fn a_2x3_weight_is_stored_row_major_as_pytorch_does() {
        let net = lin();
        // Our slice is column-major...
        assert_eq!(net.tensor(0).unwrap(), [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
        // ...the file is row-major, tensors sorted by name, data packed in that order.
        let mut data = f32_bytes(&[0.5, -0.5]);
        data.extend(f32_bytes(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]));
        let expected = hand_built(
            concat!(
                r#"{"__metadata__":{"format":"pt"},"#,
                r#""fc1.bias":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"#,
                r#""fc1.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[8,32]}}"#
            ),
            &data,
        );
        assert_eq!(to_safetensors_bytes(&net).unwrap(), expected);
    }

    #[test]
    fn loads_a_hand_built_file_in_any_tensor_order() {
        // Weight first this time, and no metadata: as another writer may do.
        let mut data = f32_bytes(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        data.extend(f32_bytes(&[0.5, -0.5]));
        let bytes = hand_built(
            concat!(
                r#"{"fc1.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"#,
                r#""fc1.bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}}"#
            ),
            &data,
        );
        let mut net = Lin::<f32>::zeros();
        from_safetensors_bytes(&mut net, &bytes).unwrap();
        assert_eq!(values(&net), values(&lin()));
        assert_eq!(net.fc1.weight[(0, 2)], 3.0);
        assert_eq!(net.fc1.weight[(1, 0)], 4.0);
    }

    /// Loads `bytes` into a copy of `lin()` and checks that it fails with `expected`
    /// leaving every value as it was.
    fn fails_unchanged(bytes: &[u8], expected: Error) {
        let mut net = lin();
        let before = values(&net);
        assert_eq!(from_safetensors_bytes(&mut net, bytes), Err(expected));
        assert_eq!(values(&net), before);
    }

    /// A valid file for `Lin` with its tensors as given (name, dtype, shape, values).
    fn file_with(tensors: &[(&str, &str, &[usize], usize)]) -> Vec<u8> {
        let mut header = std::string::String::from("{");
        let mut data = Vec::new();
        for (k, (name, dtype, shape, count)) in tensors.iter().enumerate() {
            let size = match *dtype {
                "F64" => 8,
                "BF16" => 2,
                _ => 4,
            };
            let start = data.len();
            data.extend(vec![0u8; count * size]);
            if k > 0 {
                header.push(',');
            }
            header.push_str(&format!(
                r#""{name}":{{"dtype":"{dtype}","shape":{shape:?},"data_offsets":[{start},{}]}}"#,
                data.len()
            ));
        }
        header.push('}');
        hand_built(&header, &data)
    }

    #[test]
    fn missing_tensor() {
        let bytes = file_with(&[("fc1.weight", "F32", &[2, 3], 6)]);
        let e = Error::MissingTensor {
            name: "fc1.bias".into(),
            expected: Shape::new(&[2]),
        };
        assert_eq!(
            e.to_string(),
            "missing tensor fc1.bias: expected shape (2), found no tensor of that name"
        );
        fails_unchanged(&bytes, e);
    }

    #[test]
    fn extra_tensor() {
        let bytes = file_with(&[
            ("fc1.weight", "F32", &[2, 3], 6),
            ("fc1.bias", "F32", &[2], 2),
            ("fc2.bias", "F32", &[4], 4),
        ]);
        let e = Error::UnexpectedTensor {
            name: "fc2.bias".into(),
            found: vec![4],
        };
        assert_eq!(
            e.to_string(),
            "unexpected tensor fc2.bias: expected no tensor of that name, found one of shape (4)"
        );
        fails_unchanged(&bytes, e);
    }

    #[test]
    fn wrong_shape() {
        // The transpose, as a framework with (in, out) weights would write it.
        let bytes = file_with(&[
            ("fc1.weight", "F32", &[3, 2], 6),
            ("fc1.bias", "F32", &[2], 2),
        ]);
        let e = Error::TensorShape {
            name: "fc1.weight".into(),
            expected: Shape::new(&[2, 3]),
            found: vec![3, 2],
        };
        assert_eq!(
            e.to_string(),
            "wrong shape for tensor fc1.weight: expected (2, 3), found (3, 2)"
        );
        fails_unchanged(&bytes, e);
        // A bias of the right length but rank 2 is a wrong shape too.
        let bytes = file_with(&[
            ("fc1.weight", "F32", &[2, 3], 6),
            ("fc1.bias", "F32", &[1, 2], 2),
        ]);
        fails_unchanged(
            &bytes,
            Error::TensorShape {
                name: "fc1.bias".into(),
                expected: Shape::new(&[2]),
                found: vec![1, 2],
            },
        );
    }

    #[test]
    fn wrong_dtype() {
        let bytes = file_with(&[
            ("fc1.weight", "F64", &[2, 3], 6),
            ("fc1.bias", "F32", &[2], 2),
        ]);
        fails_unchanged(
            &bytes,
            Error::TensorDtype {
                name: "fc1.weight".into(),
                expected: "F32",
                found: "F64".into(),
            },
        );
        let bytes = file_with(&[
            ("fc1.weight", "F32", &[2, 3], 6),
            ("fc1.bias", "BF16", &[2], 2),
        ]);
        fails_unchanged(
            &bytes,
            Error::TensorDtype {
                name: "fc1.bias".into(),
                expected: "F32",
                found: "BF16".into(),
            },
        );
    }

    #[test]
    fn truncated_file() {
        let good = to_safetensors_bytes(&lin()).unwrap();
        let n = good.len() as u64;
        let header_end = 8 + u64::from_le_bytes(good[..8].try_into().unwrap());
        let cases = [
            (0, 8),
            (5, 8),
            (8, header_end),
            (header_end - 1, header_end),
            (header_end, n),
            (n - 1, n),
        ];
        for (cut, expected) in cases {
            let e = Error::Truncated {
                path: std::string::String::new(),
                expected,
                found: cut,
            };
            fails_unchanged(&good[..cut as usize], e);
        }
        assert_eq!(
            Error::Truncated {
                path: "w.safetensors".into(),
                expected: 160,
                found: 159
            }
            .to_string(),
            "truncated data in w.safetensors: expected 160 bytes, found 159"
        );
        // Trailing garbage is rejected too.
        let mut long = good.clone();
        long.push(0);
        fails_unchanged(
            &long,
            Error::TrailingBytes {
                path: std::string::String::new(),
                expected: n,
                found: n + 1,
            },
        );
    }

    #[test]
    fn corrupted_file() {
        let good = to_safetensors_bytes(&lin()).unwrap();
        let corrupt = |bytes: &[u8]| {
            let mut net = lin();
            let e = from_safetensors_bytes(&mut net, bytes).unwrap_err();
            assert!(
                matches!(e, Error::Corrupt { .. }),
                "{e:?} for {:?}",
                std::string::String::from_utf8_lossy(bytes)
            );
            assert_eq!(values(&net), values(&lin()));
            e
        };
        // Not JSON.
        let mut b = good.clone();
        b[8] = b'[';
        corrupt(&b);
        // Not UTF-8.
        let mut b = good.clone();
        b[9] = 0xff;
        corrupt(&b);
        // A header length beyond any sane header.
        let mut b = good.clone();
        b[..8].copy_from_slice(&u64::MAX.to_le_bytes());
        let mut net = lin();
        assert_eq!(
            from_safetensors_bytes(&mut net, &b)
                .unwrap_err()
                .to_string(),
            "safetensors header too large: expected at most 4194304 bytes \
             (ReadLimits::max_header_bytes), found 18446744073709551615"
        );
        // Offsets that overlap or leave a gap.
        let bytes = hand_built(
            concat!(
                r#"{"fc1.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"#,
                r#""fc1.bias":{"dtype":"F32","shape":[2],"data_offsets":[20,28]}}"#
            ),
            &[0; 32],
        );
        corrupt(&bytes);
        // Offsets that disagree with the shape.
        let bytes = hand_built(
            r#"{"fc1.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}}"#,
            &[0; 20],
        );
        corrupt(&bytes);
        // An unknown dtype.
        let bytes = hand_built(
            r#"{"fc1.weight":{"dtype":"F31","shape":[2,3],"data_offsets":[0,24]}}"#,
            &[0; 24],
        );
        corrupt(&bytes);
        // Random flips anywhere in the header never panic.
        for i in 8..good.len().min(120) {
            for bit in [1u8, 4, 32, 128] {
                let mut b = good.clone();
                b[i] ^= bit;
                let mut net = lin();
                if from_safetensors_bytes(&mut net, &b).is_err() {
                    assert_eq!(values(&net), values(&lin()));
                }
            }
        }
    }

    #[test]
    fn missing_file_is_an_io_error() {
        let mut net = lin();
        let e = load_safetensors(&mut net, temp_path("absent")).unwrap_err();
        assert!(matches!(e, Error::Io { .. }), "{e:?}");
    }

    #[test]
    fn duplicate_names_are_refused() {
        // Two bare layers chained: both call their tensors `weight` and `bias`.
        let both = crate::Chain {
            first: Dense::<f32, 2, 2>::zeros(),
            second: Dense::<f32, 2, 2>::zeros(),
        };
        assert_eq!(
            to_safetensors_bytes(&both),
            Err(Error::DuplicateTensor {
                name: "weight".into()
            })
        );
    }

    #[test]
    fn a_bare_layer_uses_bare_names() {
        let mut d = Dense::<f64, 2, 3>::zeros();
        d.weight[(2, 1)] = 9.0;
        let bytes = to_safetensors_bytes(&d).unwrap();
        let file = SafeTensors::deserialize(&bytes).unwrap();
        let w = file.tensor("weight").unwrap();
        assert_eq!(w.shape(), [3, 2]);
        // Row 2, column 1 of the (3, 2) matrix is element 5 in row-major order.
        assert_eq!(w.data()[5 * 8..6 * 8], 9.0f64.to_le_bytes());
    }
}
