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

use super::source::{check_magic_argument, read_idx, read_up_to, total_len, word, Source};
use crate::io::ReadLimits;
use crate::Error;
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

/// Decompresses a gzip stream (one member or several concatenated) held in memory, up to
/// [`ReadLimits::default`]'s `max_bytes` of output. `path` names the source in errors; it
/// may be empty. The size in the gzip trailer is not trusted: the output grows with what
/// is decompressed.
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
    gunzip_with(bytes, path, &ReadLimits::default())
}

/// [`gunzip`] up to `limits.max_bytes` of output; more is [`Error::TooLarge`].
///
/// ```
/// use nn_core::{data::idx::gunzip_with, io::ReadLimits};
/// use std::io::Write;
/// let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
/// gz.write_all(&[0; 100_000])?;
/// let packed = gz.finish()?; // about 100 bytes
/// let small = ReadLimits { max_bytes: 1000, ..ReadLimits::default() };
/// let e = gunzip_with(&packed, "zeros.gz", &small).unwrap_err();
/// assert_eq!(
///     e.to_string(),
///     "decompressed data in zeros.gz too large: expected at most 1000 bytes (ReadLimits::max_bytes), found 1001"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn gunzip_with(bytes: &[u8], path: &str, limits: &ReadLimits) -> Result<Vec<u8>, Error> {
    read_up_to(&mut Source::gzip(bytes), path, limits)
}

/// Reads a whole file within [`ReadLimits::default`], decompressing it when its name ends
/// in `.gz` or it starts with the gzip magic bytes.
///
/// ```
/// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/mnist");
/// let raw = nn_core::data::idx::read_file(format!("{dir}/t10k-labels-idx1-ubyte.gz").as_ref())?;
/// assert_eq!(raw.len(), 8 + 10_000);
/// # Ok::<(), nn_core::Error>(())
/// ```
pub fn read_file(path: &Path) -> Result<Vec<u8>, Error> {
    read_file_with(path, &ReadLimits::default())
}

/// [`read_file`] within `limits`: a file above `limits.max_bytes`, or one that decompresses
/// to more, is [`Error::TooLarge`]; a directory, device or FIFO is [`Error::NotAFile`].
///
/// ```
/// use nn_core::{data::idx::read_file_with, io::ReadLimits, Error};
/// let e = read_file_with("/".as_ref(), &ReadLimits::default()).unwrap_err();
/// assert_eq!(e, Error::NotAFile { path: "/".into(), found: "a directory" });
/// ```
pub fn read_file_with(path: &Path, limits: &ReadLimits) -> Result<Vec<u8>, Error> {
    let name = path.display().to_string();
    let (mut source, _) = Source::open(path, limits)?;
    read_up_to(&mut source, &name, limits)
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
        check_magic_argument(magic)?;
        let rank = (magic & 0xff) as usize;
        let header = 4 + 4 * rank;
        let found = bytes.len() as u64;
        let truncated = |expected: u64| Error::Truncated {
            path: path.into(),
            expected,
            found,
        };
        if bytes.len() < 4 {
            return Err(truncated(header as u64));
        }
        if word(&bytes, 0) != magic {
            return Err(Error::BadMagic {
                path: path.into(),
                expected: magic,
                found: word(&bytes, 0),
            });
        }
        if bytes.len() < header {
            return Err(truncated(header as u64));
        }
        let dims: Vec<usize> = (1..=rank).map(|i| word(&bytes, i) as usize).collect();
        crate::error::check_file_length(path, total_len(&dims, header as u64), found)?;
        bytes.drain(..header);
        Ok(Self { dims, data: bytes })
    }

    /// Decodes the bytes of an IDX file held in memory, gzipped (starting with
    /// [`GZIP_MAGIC`]) or not, within `limits`: the header is read first, and the
    /// decompressed size must be what its dimensions give, at most `limits.max_bytes`.
    /// `path` names the source in errors.
    ///
    /// ```
    /// use nn_core::{data::idx::{IdxArray, LABELS_MAGIC}, io::ReadLimits};
    /// use std::io::Write;
    /// let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    /// gz.write_all(&[0, 0, 8, 1, 0, 0, 0, 2, 4, 9])?;
    /// let a = IdxArray::decode(&gz.finish()?, "l.gz", LABELS_MAGIC, &ReadLimits::default())?;
    /// assert_eq!((a.dims, a.data), (vec![2], vec![4, 9]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decode(
        bytes: &[u8],
        path: &str,
        magic: u32,
        limits: &ReadLimits,
    ) -> Result<Self, Error> {
        let mut source = Source::detect(bytes);
        let len = (!source.is_gzip()).then_some(bytes.len() as u64);
        read_idx(&mut source, len, path, magic, limits)
    }

    /// Reads and parses an IDX file (gzipped or not, see [`read_file`]) within
    /// [`ReadLimits::default`].
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
        Self::read_with(path, magic, &ReadLimits::default())
    }

    /// Reads an IDX file within `limits`: only a regular file, the header first, then
    /// exactly the payload its dimensions give (checked against the file's length, or for a
    /// gzipped file decompressed up to that and no further), at most `limits.max_bytes`.
    ///
    /// ```
    /// use nn_core::{data::idx::{IdxArray, IMAGES_MAGIC}, io::ReadLimits};
    /// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/mnist");
    /// let path = format!("{dir}/t10k-images-idx3-ubyte.gz");
    /// // The gzipped file (1.6 MB) is within 4 MiB; the 7.8 MB its header claims is not.
    /// let small = ReadLimits { max_bytes: 4 << 20, ..ReadLimits::default() };
    /// let e = IdxArray::read_with(path.as_ref(), IMAGES_MAGIC, &small).unwrap_err();
    /// assert!(e.to_string().ends_with("expected at most 4194304 bytes (ReadLimits::max_bytes), found 7840016"));
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn read_with(path: &Path, magic: u32, limits: &ReadLimits) -> Result<Self, Error> {
        let (mut source, len) = Source::open(path, limits)?;
        let len = (!source.is_gzip()).then_some(len);
        read_idx(&mut source, len, &path.display().to_string(), magic, limits)
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
        Ok(Self::from_array(IdxArray::parse(
            bytes,
            path,
            IMAGES_MAGIC,
        )?))
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
        Self::read_with(path, &ReadLimits::default())
    }

    /// Reads an images file within `limits` (see [`IdxArray::read_with`]).
    ///
    /// ```
    /// use nn_core::{data::idx::IdxImages, io::ReadLimits};
    /// let e = IdxImages::read_with("/dev/null".as_ref(), &ReadLimits::default()).unwrap_err();
    /// # #[cfg(unix)]
    /// assert_eq!(e.to_string(), "cannot read /dev/null: expected a regular file, found a character device");
    /// ```
    pub fn read_with(path: &Path, limits: &ReadLimits) -> Result<Self, Error> {
        Ok(Self::from_array(IdxArray::read_with(
            path,
            IMAGES_MAGIC,
            limits,
        )?))
    }

    /// Decodes an images file held in memory, gzipped or not, within `limits` (see
    /// [`IdxArray::decode`]).
    ///
    /// ```
    /// use nn_core::{data::idx::{IdxImages, IMAGES_MAGIC}, io::ReadLimits};
    /// let mut bytes = IMAGES_MAGIC.to_be_bytes().to_vec();
    /// for d in [60_000u32, 28, 28] {
    ///     bytes.extend(d.to_be_bytes());
    /// }
    /// let e = IdxImages::decode(&bytes, "img", &ReadLimits::default()).unwrap_err();
    /// assert_eq!(e.to_string(), "truncated data in img: expected 47040016 bytes, found 16");
    /// ```
    pub fn decode(bytes: &[u8], path: &str, limits: &ReadLimits) -> Result<Self, Error> {
        Ok(Self::from_array(IdxArray::decode(
            bytes,
            path,
            IMAGES_MAGIC,
            limits,
        )?))
    }

    /// The fields of a three-dimensional array.
    fn from_array(a: IdxArray) -> Self {
        let dim = |i: usize| a.dims.get(i).copied().unwrap_or(0);
        Self {
            count: dim(0),
            rows: dim(1),
            cols: dim(2),
            pixels: a.data,
        }
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
        Self::read_with(path, &ReadLimits::default())
    }

    /// Reads a labels file within `limits` (see [`IdxArray::read_with`]).
    ///
    /// ```
    /// use nn_core::{data::idx::IdxLabels, io::ReadLimits};
    /// let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/mnist");
    /// let path = format!("{dir}/t10k-labels-idx1-ubyte.gz");
    /// let l = IdxLabels::read_with(path.as_ref(), &ReadLimits { max_bytes: 10_008, ..Default::default() })?;
    /// assert_eq!(l.labels.len(), 10_000);
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn read_with(path: &Path, limits: &ReadLimits) -> Result<Self, Error> {
        let a = IdxArray::read_with(path, LABELS_MAGIC, limits)?;
        Ok(Self { labels: a.data })
    }

    /// Decodes a labels file held in memory, gzipped or not, within `limits` (see
    /// [`IdxArray::decode`]).
    ///
    /// ```
    /// use nn_core::{data::idx::{IdxLabels, LABELS_MAGIC}, io::ReadLimits};
    /// let mut bytes = LABELS_MAGIC.to_be_bytes().to_vec();
    /// bytes.extend(2u32.to_be_bytes());
    /// bytes.extend([3, 1]);
    /// assert_eq!(IdxLabels::decode(&bytes, "", &ReadLimits::default())?.labels, [3, 1]);
    /// # Ok::<(), nn_core::Error>(())
    /// ```
    pub fn decode(bytes: &[u8], path: &str, limits: &ReadLimits) -> Result<Self, Error> {
        let a = IdxArray::decode(bytes, path, LABELS_MAGIC, limits)?;
        Ok(Self { labels: a.data })
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

    pub(crate) fn images() -> Vec<u8> {
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
