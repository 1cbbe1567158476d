//! The IDX format of MNIST (and Fashion-MNIST, EMNIST): a big-endian header, then bytes.
//!
//! | offset | field | value |
//! |---|---|---|
//! | 0 | magic, `u32` BE | `0x0000_08NN`: `08` = unsigned bytes, `NN` = number of dimensions |
//! | 4 | size of dimension 0, `u32` BE | e.g. the number of images |
//! | … | one `u32` BE per further dimension | rows, columns |
//! | 4 + 4·NN | the values, `u8`, last dimension fastest (row-major) | pixels or labels |
//!
//! So images files have magic [`IMAGES_MAGIC`] (2051 = `0x803`: count, rows, columns, a
//! 16-byte header) and labels files [`LABELS_MAGIC`] (2049 = `0x801`: count, an 8-byte
//! header). A file must be exactly header plus payload long: shorter is
//! [`Error::Truncated`], longer is [`Error::TrailingBytes`]. Only unsigned-byte data (type
//! code `0x08`) is read; other type codes show up as [`Error::BadMagic`].
//!
//! ```
//! use nn_core::data::idx::{IdxLabels, LABELS_MAGIC};
//! let mut bytes = LABELS_MAGIC.to_be_bytes().to_vec();
//! bytes.extend(3u32.to_be_bytes());
//! bytes.extend([7, 2, 1]);
//! let labels = IdxLabels::parse(bytes, "labels.idx")?;
//! assert_eq!(labels.labels, [7, 2, 1]);
//! # Ok::<(), nn_core::Error>(())
//! ```

use crate::Error;
use std::io::Read;
use std::path::Path;
use std::string::ToString;
use std::vec::Vec;

/// The magic number of an IDX images file: unsigned bytes, three dimensions (2051).
///
/// ```
/// assert_eq!(nn_core::data::idx::IMAGES_MAGIC, 0x0000_0803);
/// ```
pub const IMAGES_MAGIC: u32 = 0x0000_0803;

/// The magic number of an IDX labels file: unsigned bytes, one dimension (2049).
///
/// ```
/// assert_eq!(nn_core::data::idx::LABELS_MAGIC, 0x0000_0801);
/// ```
pub const LABELS_MAGIC: u32 = 0x0000_0801;

/// The first two bytes of every gzip stream.
///
/// ```
/// assert!(nn_core::data::idx::is_gzip(&[0x1f, 0x8b, 8, 0]));
/// ```
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// True when `bytes` start with [`GZIP_MAGIC`].
///
/// ```
/// use nn_core::data::idx::{is_gzip, IMAGES_MAGIC};
/// assert!(!is_gzip(&IMAGES_MAGIC.to_be_bytes()));
/// ```
pub fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&GZIP_MAGIC)
}

/// Decompresses a gzip stream (one member or several concatenated) held in memory. `path`
/// names the source in errors; it may be empty.
///
/// ```
/// use std::io::Write;
/// let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
/// gz.write_all(b"idx")?;
/// let packed = gz.finish()?;
/// assert_eq!(nn_core::data::idx::gunzip(&packed, "")?, b"idx");
/// assert!(nn_core::data::idx::gunzip(&packed[..packed.len() - 3], "").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn gunzip(bytes: &[u8], path: &str) -> Result<Vec<u8>, Error> {
    // The last four bytes (ISIZE) are the uncompressed size modulo 2^32: a capacity hint.
    let hint = match bytes.len().checked_sub(4) {
        Some(at) => {
            let mut isize = [0; 4];
            isize.copy_from_slice(&bytes[at..]);
            (u32::from_le_bytes(isize) as usize).min(1 << 28)
        }
        None => 0,
    };
    let mut out = Vec::with_capacity(hint);
    flate2::read::MultiGzDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|e| Error::Corrupt {
            what: "gzip stream",
            path: path.into(),
            message: e.to_string(),
        })?;
    Ok(out)
}

/// Reads a whole file, decompressing it when its name ends in `.gz` or it starts with the
/// gzip magic bytes.
///
/// ```
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/mnist");
/// let raw = nn_core::data::idx::read_file(format!("{dir}/t10k-labels-idx1-ubyte.gz").as_ref())?;
/// assert_eq!(raw.len(), 8 + 10_000);
/// # Ok::<(), nn_core::Error>(())
/// ```
pub fn read_file(path: &Path) -> Result<Vec<u8>, Error> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| io_error(&name, &e))?;
    if path.extension().is_some_and(|e| e == "gz") || is_gzip(&bytes) {
        gunzip(&bytes, &name)
    } else {
        Ok(bytes)
    }
}

/// [`Error::Io`] for `path`.
pub(crate) fn io_error(path: &str, e: &std::io::Error) -> Error {
    Error::Io {
        path: path.into(),
        message: e.to_string(),
    }
}

/// An IDX array of unsigned bytes: its dimensions and its values, last dimension fastest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxArray {
    /// The size of each dimension, outermost first (`[count, rows, cols]` for images).
    pub dims: Vec<usize>,
    /// The values, row-major; `dims` multiplied together values.
    pub data: Vec<u8>,
}

impl IdxArray {
    /// Parses the (already decompressed) bytes of an IDX file whose magic number must be
    /// `magic` (`0x0000_08NN`: unsigned bytes, `NN` dimensions). Reuses `bytes`'s
    /// allocation for [`data`](Self::data). `path` names the source in errors.
    ///
    /// ```
    /// use nn_core::{data::idx::IdxArray, Error};
    /// let mut bytes = vec![0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3]; // 2 x 3 bytes
    /// bytes.extend([1, 2, 3, 4, 5, 6]);
    /// let a = IdxArray::parse(bytes.clone(), "a.idx", 0x0802)?;
    /// assert_eq!((a.dims, a.data), (vec![2, 3], vec![1, 2, 3, 4, 5, 6]));
    /// bytes.pop();
    /// assert_eq!(
    ///     IdxArray::parse(bytes, "a.idx", 0x0802).unwrap_err().to_string(),
    ///     "truncated data in a.idx: expected 18 bytes, found 17"
    /// );
    /// # Ok::<(), Error>(())
    /// ```
    pub fn parse(mut bytes: Vec<u8>, path: &str, magic: u32) -> Result<Self, Error> {
        if magic >> 8 != 0x08 {
            return Err(Error::InvalidConfig {
                what: "IDX magic number",
                expected: "0x08NN (unsigned bytes, NN dimensions)",
                found: f64::from(magic),
            });
        }
        let rank = (magic & 0xff) as usize;
        let header = 4 + 4 * rank;
        let found = bytes.len() as u64;
        let truncated = |expected: u64| Error::Truncated {
            path: path.into(),
            expected,
            found,
        };
        let word = |i: usize| {
            let mut w = [0; 4];
            w.copy_from_slice(&bytes[4 * i..4 * i + 4]);
            u32::from_be_bytes(w)
        };
        if bytes.len() < 4 {
            return Err(truncated(header as u64));
        }
        if word(0) != magic {
            return Err(Error::BadMagic {
                path: path.into(),
                expected: magic,
                found: word(0),
            });
        }
        if bytes.len() < header {
            return Err(truncated(header as u64));
        }
        let dims: Vec<usize> = (1..=rank).map(|i| word(i) as usize).collect();
        // header + the product of the dimensions; a product past u64 cannot be on disk.
        let expected = dims
            .iter()
            .try_fold(1u64, |n, &d| n.checked_mul(d as u64))
            .map_or(u64::MAX, |payload| payload.saturating_add(header as u64));
        crate::error::check_file_length(path, expected, found)?;
        bytes.drain(..header);
        Ok(Self { dims, data: bytes })
    }

    /// Reads and parses an IDX file (gzipped or not, see [`read_file`]).
    ///
    /// ```
    /// use nn_core::data::idx::{IdxArray, IMAGES_MAGIC};
    /// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/mnist");
    /// let path = format!("{dir}/t10k-images-idx3-ubyte.gz");
    /// let a = IdxArray::read(path.as_ref(), IMAGES_MAGIC)?;
    /// assert_eq!(a.dims, [10_000, 28, 28]);
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn read(path: &Path, magic: u32) -> Result<Self, Error> {
        Self::parse(read_file(path)?, &path.display().to_string(), magic)
    }
}

/// An IDX images file: `count` images of `rows x cols` bytes each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxImages {
    /// The number of images.
    pub count: usize,
    /// Rows per image.
    pub rows: usize,
    /// Columns per image.
    pub cols: usize,
    /// `count * rows * cols` pixels: image after image, each row-major.
    pub pixels: Vec<u8>,
}

impl IdxImages {
    /// Parses the (already decompressed) bytes of an images file (magic [`IMAGES_MAGIC`]).
    ///
    /// ```
    /// use nn_core::data::idx::{IdxImages, IMAGES_MAGIC, LABELS_MAGIC};
    /// let mut bytes = IMAGES_MAGIC.to_be_bytes().to_vec();
    /// for d in [1u32, 2, 2] {
    ///     bytes.extend(d.to_be_bytes());
    /// }
    /// bytes.extend([0, 255, 255, 0]);
    /// let img = IdxImages::parse(bytes.clone(), "img.idx")?;
    /// assert_eq!((img.count, img.rows, img.cols), (1, 2, 2));
    /// bytes[3] = 0x01; // now it says labels
    /// assert_eq!(
    ///     IdxImages::parse(bytes, "img.idx").unwrap_err(),
    ///     nn_core::Error::BadMagic { path: "img.idx".into(), expected: IMAGES_MAGIC, found: LABELS_MAGIC }
    /// );
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn parse(bytes: Vec<u8>, path: &str) -> Result<Self, Error> {
        let a = IdxArray::parse(bytes, path, IMAGES_MAGIC)?;
        Ok(Self {
            count: a.dims[0],
            rows: a.dims[1],
            cols: a.dims[2],
            pixels: a.data,
        })
    }

    /// Reads and parses an images file (gzipped or not).
    ///
    /// ```
    /// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/mnist");
    /// let path = format!("{dir}/t10k-images-idx3-ubyte.gz");
    /// let img = nn_core::data::idx::IdxImages::read(path.as_ref())?;
    /// assert_eq!((img.count, img.rows, img.cols), (10_000, 28, 28));
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn read(path: &Path) -> Result<Self, Error> {
        Self::parse(read_file(path)?, &path.display().to_string())
    }
}

/// An IDX labels file: one byte per sample.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdxLabels {
    /// The labels, in file order.
    pub labels: Vec<u8>,
}

impl IdxLabels {
    /// Parses the (already decompressed) bytes of a labels file (magic [`LABELS_MAGIC`]).
    ///
    /// ```
    /// use nn_core::data::idx::{IdxLabels, LABELS_MAGIC};
    /// let mut bytes = LABELS_MAGIC.to_be_bytes().to_vec();
    /// bytes.extend(2u32.to_be_bytes());
    /// bytes.extend([4, 9, 9]);
    /// assert_eq!(
    ///     IdxLabels::parse(bytes, "").unwrap_err().to_string(),
    ///     "trailing bytes: expected 10 bytes, found 11"
    /// );
    /// ```
    pub fn parse(bytes: Vec<u8>, path: &str) -> Result<Self, Error> {
        let a = IdxArray::parse(bytes, path, LABELS_MAGIC)?;
        Ok(Self { labels: a.data })
    }

    /// Reads and parses a labels file (gzipped or not).
    ///
    /// ```
    /// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/mnist");
    /// let path = format!("{dir}/t10k-labels-idx1-ubyte.gz");
    /// let l = nn_core::data::idx::IdxLabels::read(path.as_ref())?;
    /// assert_eq!(l.labels[..3], [7, 2, 1]);
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn read(path: &Path) -> Result<Self, Error> {
        Self::parse(read_file(path)?, &path.display().to_string())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;
    use std::path::PathBuf;
    use std::string::String;
    use std::vec;

    /// A folder under the system's temp dir, unique to this test, removed when dropped.
    pub(crate) struct TempDir(pub PathBuf);

    impl TempDir {
        pub(crate) fn new(what: &str) -> Self {
            use core::sync::atomic::{AtomicUsize, Ordering};
            static N: AtomicUsize = AtomicUsize::new(0);
            let dir = std::env::temp_dir().join(std::format!(
                "nn-core-{what}-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&dir).unwrap();
            Self(dir)
        }
        pub(crate) fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
            let p = self.0.join(name);
            std::fs::write(&p, bytes).unwrap();
            p
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// An IDX file: magic, dimensions, then the payload as given.
    pub(crate) fn idx(magic: u32, dims: &[u32], payload: &[u8]) -> Vec<u8> {
        let mut b = magic.to_be_bytes().to_vec();
        for d in dims {
            b.extend(d.to_be_bytes());
        }
        b.extend(payload);
        b
    }

    pub(crate) fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    fn images() -> Vec<u8> {
        idx(
            IMAGES_MAGIC,
            &[2, 2, 3],
            &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
        )
    }

    #[test]
    fn reads_plain_and_gzipped_files() {
        let dir = TempDir::new("idx-read");
        let expected = IdxImages {
            count: 2,
            rows: 2,
            cols: 3,
            pixels: (0..12).collect(),
        };
        let plain = dir.write("a-idx3-ubyte", &images());
        let by_ext = dir.write("b-idx3-ubyte.gz", &gz(&images()));
        let by_magic = dir.write("c-idx3-ubyte", &gz(&images()));
        for p in [plain, by_ext, by_magic] {
            assert_eq!(IdxImages::read(&p).unwrap(), expected, "{}", p.display());
        }
        let labels = dir.write("l.gz", &gz(&idx(LABELS_MAGIC, &[3], &[9, 8, 7])));
        assert_eq!(IdxLabels::read(&labels).unwrap().labels, [9, 8, 7]);
        // Concatenated gzip members are one stream.
        let whole = images();
        let mut two = gz(&whole[..5]);
        two.extend(gz(&whole[5..]));
        let p = dir.write("two.gz", &two);
        assert_eq!(IdxImages::read(&p).unwrap(), expected);
    }

    #[test]
    fn bad_magic() {
        let labels = idx(LABELS_MAGIC, &[12], &[0; 12]);
        let e = IdxImages::parse(labels, "x").unwrap_err();
        assert_eq!(
            e,
            Error::BadMagic {
                path: "x".into(),
                expected: 2051,
                found: 2049
            }
        );
        assert_eq!(
            e.to_string(),
            "bad magic number in x: expected 2051, found 2049"
        );
        let e = IdxLabels::parse(images(), "y").unwrap_err();
        assert_eq!(
            e.to_string(),
            "bad magic number in y: expected 2049, found 2051"
        );
        // Another element type (0x0D, f32) with three dimensions.
        let e = IdxImages::parse(idx(0x0D03, &[0, 0, 0], &[]), "").unwrap_err();
        assert_eq!(e.to_string(), "bad magic number: expected 2051, found 3331");
    }

    #[test]
    fn truncated_and_trailing() {
        let full = images();
        let n = full.len() as u64;
        // Inside the magic number, inside the dimensions, inside the pixels.
        for (cut, expected) in [(0, 16), (3, 16), (4, 16), (15, 16), (16, n), (n - 1, n)] {
            let e = IdxImages::parse(full[..cut as usize].to_vec(), "f").unwrap_err();
            assert_eq!(
                e,
                Error::Truncated {
                    path: "f".into(),
                    expected,
                    found: cut
                },
                "cut at {cut}"
            );
        }
        assert_eq!(
            IdxImages::parse(full[..20].to_vec(), "f")
                .unwrap_err()
                .to_string(),
            "truncated data in f: expected 28 bytes, found 20"
        );
        let mut long = full.clone();
        long.push(0);
        assert_eq!(
            IdxImages::parse(long, "f").unwrap_err(),
            Error::TrailingBytes {
                path: "f".into(),
                expected: n,
                found: n + 1
            }
        );
        // Dimensions whose product overflows are a truncated file, not a panic.
        let huge = idx(IMAGES_MAGIC, &[u32::MAX, u32::MAX, u32::MAX], &[1, 2]);
        assert!(matches!(
            IdxImages::parse(huge, "h"),
            Err(Error::Truncated {
                expected: u64::MAX,
                found: 18,
                ..
            })
        ));
    }

    #[test]
    fn truncated_or_corrupt_gzip() {
        let dir = TempDir::new("idx-gz");
        let packed = gz(&images());
        let cut = dir.write("cut.gz", &packed[..packed.len() / 2]);
        let e = IdxImages::read(&cut).unwrap_err();
        assert!(
            matches!(&e, Error::Corrupt { what: "gzip stream", path, .. } if *path == cut.display().to_string()),
            "{e:?}"
        );
        // Not gzip at all, though named .gz.
        let fake = dir.write("fake.gz", b"definitely not gzip");
        assert!(matches!(
            IdxImages::read(&fake),
            Err(Error::Corrupt {
                what: "gzip stream",
                ..
            })
        ));
        // A flipped byte in the compressed data: a CRC or DEFLATE error, never a panic.
        for i in 10..packed.len() {
            let mut b = packed.clone();
            b[i] ^= 0x55;
            let _ = gunzip(&b, "");
        }
        let mut b = packed.clone();
        let last = b.len() - 5; // inside the CRC-32
        b[last] ^= 1;
        assert!(gunzip(&b, "").is_err());
    }

    #[test]
    fn missing_file() {
        let dir = TempDir::new("idx-missing");
        let p = dir.0.join("nothing.gz");
        let e = IdxImages::read(&p).unwrap_err();
        match e {
            Error::Io { path, message } => {
                assert_eq!(path, p.display().to_string());
                assert!(!message.is_empty());
            }
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn generic_array_and_invalid_magic_argument() {
        let a = IdxArray::parse(idx(0x0802, &[2, 2], &[1, 2, 3, 4]), "", 0x0802).unwrap();
        assert_eq!((a.dims, a.data), (vec![2, 2], vec![1, 2, 3, 4]));
        assert!(matches!(
            IdxArray::parse(vec![], "", 0x0D01),
            Err(Error::InvalidConfig { .. })
        ));
        let _: String = Error::Truncated {
            path: String::new(),
            expected: 1,
            found: 0,
        }
        .to_string();
    }
}
