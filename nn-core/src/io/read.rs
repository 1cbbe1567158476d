//! Bounded reading: [`ReadLimits`], and opening a path only when it is a regular file.
//!
//! Every loader of this crate (safetensors weights, quantized files, IDX data, gzipped or
//! not) allocates no more than the input's own header justifies, and that claim is itself
//! bounded by a [`ReadLimits`]: a file whose header claims 100 GB is an [`Error::TooLarge`]
//! before a byte of its data is read, and a path that is a directory, a device such as
//! `/dev/zero`, a FIFO or a socket is an [`Error::NotAFile`] before it is opened.
//!
//! ```
//! use nn_core::{io::{load_safetensors_with, ReadLimits}, layer::Dense, Error};
//! let mut d = Dense::<f32, 2, 2>::zeros();
//! let e = load_safetensors_with(&mut d, "/dev/zero", &ReadLimits::default()).unwrap_err();
//! # #[cfg(unix)]
//! assert_eq!(e.to_string(), "cannot read /dev/zero: expected a regular file, found a character device");
//! ```

use crate::Error;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::string::ToString;
use std::vec::Vec;

/// Upper bounds on what a loader reads, checked before anything is allocated.
///
/// - `max_bytes` bounds a file, and the decompressed size of a gzipped one (as its header
///   claims it): 1 GiB by default, twenty times the MNIST training images.
/// - `max_header_bytes` bounds a safetensors JSON header: 4 MiB by default, room for some
///   40,000 tensors. Parsing a header costs at most about eight times its size in heap.
///
/// ```
/// use nn_core::{data::idx::{IdxLabels, LABELS_MAGIC}, io::ReadLimits, Error};
/// let mut bytes = LABELS_MAGIC.to_be_bytes().to_vec();
/// bytes.extend(1_000_000u32.to_be_bytes()); // a million labels claimed
/// let small = ReadLimits { max_bytes: 4096, ..ReadLimits::default() };
/// let e = IdxLabels::decode(&bytes, "labels.idx", &small).unwrap_err();
/// assert_eq!(
///     e.to_string(),
///     "IDX data in labels.idx too large: expected at most 4096 bytes (ReadLimits::max_bytes), found 1000008"
/// );
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadLimits {
    /// The largest file (or decompressed stream) read, in bytes.
    pub max_bytes: u64,
    /// The largest safetensors JSON header read, in bytes.
    pub max_header_bytes: u64,
}

impl Default for ReadLimits {
    /// 1 GiB of data, 4 MiB of safetensors header.
    ///
    /// ```
    /// let l = nn_core::io::ReadLimits::default();
    /// assert_eq!((l.max_bytes, l.max_header_bytes), (1 << 30, 4 << 20));
    /// ```
    fn default() -> Self {
        Self {
            max_bytes: 1 << 30,
            max_header_bytes: 4 << 20,
        }
    }
}

impl ReadLimits {
    /// [`Error::TooLarge`] when `found` is above `max_bytes`.
    pub(crate) fn check_bytes(
        &self,
        what: &'static str,
        path: &str,
        found: u64,
    ) -> Result<(), Error> {
        if found > self.max_bytes {
            return Err(Error::TooLarge {
                what,
                path: path.into(),
                limit_name: "ReadLimits::max_bytes",
                limit: self.max_bytes,
                found,
            });
        }
        Ok(())
    }

    /// [`Error::TooLarge`] when `found` is above `max_header_bytes`.
    pub(crate) fn check_header(
        &self,
        what: &'static str,
        path: &str,
        found: u64,
    ) -> Result<(), Error> {
        if found > self.max_header_bytes {
            return Err(Error::TooLarge {
                what,
                path: path.into(),
                limit_name: "ReadLimits::max_header_bytes",
                limit: self.max_header_bytes,
                found,
            });
        }
        Ok(())
    }
}

/// [`Error::Io`] for `path`.
pub(crate) fn io_error(path: &str, e: &std::io::Error) -> Error {
    Error::Io {
        path: path.into(),
        message: e.to_string(),
    }
}

/// What a path that is not a regular file is, in words.
fn kind(t: std::fs::FileType) -> &'static str {
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "neither a file nor a directory"
}

/// Opens `path` for reading when it is a regular file of at most `limits.max_bytes` bytes,
/// returning the file and its length. The type is checked before opening (opening a FIFO
/// would block), and again on the opened file.
pub(crate) fn open_file(path: &Path, limits: &ReadLimits) -> Result<(File, u64), Error> {
    let name = path.display().to_string();
    let check = |meta: std::fs::Metadata| {
        if !meta.is_file() {
            return Err(Error::NotAFile {
                path: name.clone(),
                found: kind(meta.file_type()),
            });
        }
        limits.check_bytes("file", &name, meta.len())?;
        Ok(meta.len())
    };
    check(std::fs::metadata(path).map_err(|e| io_error(&name, &e))?)?;
    let file = File::open(path).map_err(|e| io_error(&name, &e))?;
    let len = check(file.metadata().map_err(|e| io_error(&name, &e))?)?;
    Ok((file, len))
}

/// Reads exactly `len` bytes onto `out`; fewer is [`Error::Truncated`] (expected `total`,
/// found `total - len` plus what was read). A read error becomes `on_error`'s.
///
/// `len` is a claim (a header's), so the buffer grows with what actually arrives, at most
/// doubling and never past `len`: a 1 KB gzip stream whose header claims 1 GB costs
/// kilobytes, not the claim.
pub(crate) fn read_exact_into(
    r: &mut impl Read,
    out: &mut Vec<u8>,
    len: u64,
    path: &str,
    total: u64,
    on_error: impl Fn(std::io::Error) -> Error,
) -> Result<(), Error> {
    const CHUNK: usize = 64 << 10;
    let end = usize::try_from(len)
        .ok()
        .and_then(|n| n.checked_add(out.len()))
        .ok_or_else(|| Error::Io {
            path: path.into(),
            message: std::format!("cannot hold {len} bytes in memory"),
        })?;
    let before = out.len();
    let mut buf = [0u8; 4096];
    while out.len() < end {
        let want = (end - out.len()).min(buf.len());
        let n = match r.read(&mut buf[..want]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(on_error(e)),
        };
        if out.capacity() - out.len() < n {
            let target = out.capacity().saturating_mul(2).max(CHUNK).min(end);
            out.reserve_exact(target - out.len());
        }
        out.extend_from_slice(&buf[..n]);
    }
    let got = (out.len() - before) as u64;
    if got < len {
        return Err(Error::Truncated {
            path: path.into(),
            expected: total,
            found: total - len + got,
        });
    }
    Ok(())
}
