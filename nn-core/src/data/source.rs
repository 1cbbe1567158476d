//! Reading IDX data from a file or from memory, plain or gzipped, bounded by its header.
//!
//! The header (magic number, then one big-endian `u32` per dimension) is read first; the
//! payload it implies, `header + Π dims` bytes, must be within [`ReadLimits::max_bytes`],
//! and only that much is read. A plain source's length is checked against it before any
//! payload is copied; a gzipped one is decompressed into a buffer that grows with what the
//! stream really holds (never from the trailer's size field), then read to its end so its
//! CRC-32 is checked and anything after the payload is [`Error::TrailingBytes`].

use super::idx::{is_gzip, IdxArray};
use crate::io::read::{io_error, open_file, read_exact_into};
use crate::io::ReadLimits;
use crate::Error;
use std::format;
use std::fs::File;
use std::io::{BufRead, BufReader, ErrorKind, Read};
use std::path::Path;
use std::string::{String, ToString};
use std::vec::Vec;

/// Everything `source` holds, at most `limits.max_bytes` of it.
pub(super) fn read_up_to(
    source: &mut Source<impl BufRead>,
    path: &str,
    limits: &ReadLimits,
) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    source
        .by_ref()
        .take(limits.max_bytes.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| source.error(e, path))?;
    limits.check_bytes("decompressed data", path, out.len() as u64)?;
    Ok(out)
}

/// A file or buffer, decompressed on the fly when gzipped.
pub(super) enum Source<R: BufRead> {
    Plain(R),
    Gzip(flate2::bufread::MultiGzDecoder<R>),
}

impl<'a> Source<&'a [u8]> {
    pub(super) fn gzip(bytes: &'a [u8]) -> Self {
        Source::Gzip(flate2::bufread::MultiGzDecoder::new(bytes))
    }

    /// Decompressed when `bytes` start with [`GZIP_MAGIC`].
    pub(super) fn detect(bytes: &'a [u8]) -> Self {
        if is_gzip(bytes) {
            Self::gzip(bytes)
        } else {
            Source::Plain(bytes)
        }
    }
}

impl Source<BufReader<File>> {
    /// Opens a regular file of at most `limits.max_bytes`: gzipped when its name ends in
    /// `.gz` or it starts with [`GZIP_MAGIC`]. Returns its length on disk too.
    pub(super) fn open(path: &Path, limits: &ReadLimits) -> Result<(Self, u64), Error> {
        let name = path.display().to_string();
        let (file, len) = open_file(path, limits)?;
        let mut file = BufReader::new(file);
        let head = file.fill_buf().map_err(|e| io_error(&name, &e))?;
        let gz = path.extension().is_some_and(|e| e == "gz") || is_gzip(head);
        let source = if gz {
            Source::Gzip(flate2::bufread::MultiGzDecoder::new(file))
        } else {
            Source::Plain(file)
        };
        Ok((source, len))
    }
}

impl<R: BufRead> Source<R> {
    pub(super) fn is_gzip(&self) -> bool {
        matches!(self, Source::Gzip(_))
    }

    /// The error for a failed read: [`Error::Corrupt`] naming the gzip field at fault, or
    /// [`Error::Io`].
    fn error(&self, e: std::io::Error, path: &str) -> Error {
        stream_error(self.is_gzip(), e, path)
    }
}

/// The error for a failed read of a gzip stream (`gz`) or a plain one: [`Error::Corrupt`]
/// naming the gzip field at fault, or [`Error::Io`].
pub(super) fn stream_error(gz: bool, e: std::io::Error, path: &str) -> Error {
    if !gz {
        return io_error(path, &e);
    }
    let msg = e.to_string();
    let (field, expected, found): (&str, &str, String) =
        if e.kind() == ErrorKind::UnexpectedEof || msg.contains("incomplete") {
            (
                "compressed data",
                "the rest of the DEFLATE stream and the 8-byte trailer (CRC-32, size)",
                "the end of the input".into(),
            )
        } else if msg.contains("checksum") {
            (
                "trailer",
                "the CRC-32 and size of the decompressed data",
                "other values".into(),
            )
        } else if msg.contains("header") {
            (
                "gzip header",
                "magic 1f 8b, method 8 (DEFLATE) and fields within 64 KiB",
                format!("another header ({msg})"),
            )
        } else if msg.contains("deflate") {
            (
                "compressed data",
                "a valid DEFLATE stream",
                format!("invalid data ({msg})"),
            )
        } else {
            return io_error(path, &e);
        };
    Error::Corrupt {
        what: "gzip stream",
        path: path.into(),
        field: field.into(),
        expected: expected.into(),
        found,
    }
}

impl<R: BufRead> Read for Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Source::Plain(r) => r.read(buf),
            Source::Gzip(r) => r.read(buf),
        }
    }
}

/// Reads an IDX array from `source`: the header first, then exactly the payload its
/// dimensions give (at most `limits.max_bytes` with the header), then checks that nothing
/// follows. `len` is the size of a plain source when known, checked before the payload is
/// read; a gzipped one is decompressed to its end, so its CRC-32 is checked too.
pub(super) fn read_idx(
    source: &mut Source<impl BufRead>,
    len: Option<u64>,
    path: &str,
    magic: u32,
    limits: &ReadLimits,
) -> Result<IdxArray, Error> {
    check_magic_argument(magic)?;
    let gz = source.is_gzip();
    let rank = (magic & 0xff) as usize;
    let header_len = 4 + 4 * rank as u64;
    let mut header = Vec::with_capacity(header_len as usize);
    source
        .by_ref()
        .take(header_len)
        .read_to_end(&mut header)
        .map_err(|e| stream_error(gz, e, path))?;
    let got = header.len() as u64;
    let short = |expected| Error::Truncated {
        path: path.into(),
        expected,
        found: len.unwrap_or(got),
    };
    if got < 4 {
        return Err(short(header_len));
    }
    let found = word(&header, 0);
    if found != magic {
        return Err(Error::BadMagic {
            path: path.into(),
            expected: magic,
            found,
        });
    }
    if got < header_len {
        return Err(short(header_len));
    }
    let dims: Vec<usize> = (1..=rank).map(|i| word(&header, i) as usize).collect();
    let expected = total_len(&dims, header_len);
    limits.check_bytes("IDX data", path, expected)?;
    if let Some(len) = len {
        crate::error::check_file_length(path, expected, len)?;
    }
    let payload = expected - header_len;
    let mut data = Vec::new();
    read_exact_into(source, &mut data, payload, path, expected, |e| {
        stream_error(gz, e, path)
    })?;
    // Whatever follows (up to the limit, so a gzip bomb stops) is trailing; reading to the
    // end also checks a gzip stream's CRC-32.
    let more = std::io::copy(
        &mut source.by_ref().take(limits.max_bytes),
        &mut std::io::sink(),
    )
    .map_err(|e| stream_error(gz, e, path))?;
    if more > 0 {
        return Err(Error::TrailingBytes {
            path: path.into(),
            expected,
            found: expected + more,
        });
    }
    Ok(IdxArray { dims, data })
}

/// Big-endian `u32` number `i` of `bytes` (at least `4 i + 4` long).
pub(super) fn word(bytes: &[u8], i: usize) -> u32 {
    let mut w = [0; 4];
    w.copy_from_slice(&bytes[4 * i..4 * i + 4]);
    u32::from_be_bytes(w)
}

/// `header` plus the product of `dims`; a product past `u64` cannot be on disk.
pub(super) fn total_len(dims: &[usize], header: u64) -> u64 {
    dims.iter()
        .try_fold(1u64, |n, &d| n.checked_mul(d as u64))
        .map_or(u64::MAX, |payload| payload.saturating_add(header))
}

/// [`Error::InvalidConfig`] unless `magic` is `0x08NN` (unsigned bytes).
pub(super) fn check_magic_argument(magic: u32) -> Result<(), Error> {
    if magic >> 8 != 0x08 {
        return Err(Error::InvalidConfig {
            what: "IDX magic number",
            expected: "0x08NN (unsigned bytes, NN dimensions)",
            found: f64::from(magic),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::idx::tests::{gz, idx, images, TempDir};
    use super::super::idx::{gunzip, IdxImages, IMAGES_MAGIC};
    use super::*;

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
    fn gzip_errors_name_the_field_expected_and_found() {
        let packed = gz(&images());
        let cut = &packed[..packed.len() / 2];
        let limits = ReadLimits::default();
        assert_eq!(
            IdxImages::decode(cut, "c.gz", &limits)
                .unwrap_err()
                .to_string(),
            "corrupt gzip stream in c.gz: compressed data: expected the rest of the DEFLATE \
             stream and the 8-byte trailer (CRC-32, size), found the end of the input"
        );
        let mut b = packed.clone();
        let n = b.len();
        b[n - 5] ^= 1; // the CRC-32
        assert_eq!(
            IdxImages::decode(&b, "", &limits).unwrap_err().to_string(),
            "corrupt gzip stream: trailer: expected the CRC-32 and size of the decompressed \
             data, found other values"
        );
        let mut b = packed.clone();
        b[2] = 7; // compression method 7
        let e = IdxImages::decode(&b, "", &limits).unwrap_err();
        assert!(
            matches!(&e, Error::Corrupt { field, expected, .. }
                if field == "gzip header" && expected.starts_with("magic 1f 8b, method 8")),
            "{e}"
        );
        // Every Corrupt names a field and says what was expected and found.
        for i in 0..packed.len() {
            let mut b = packed.clone();
            b[i] ^= 0x5a;
            if let Err(Error::Corrupt {
                field,
                expected,
                found,
                ..
            }) = IdxImages::decode(&b, "", &limits)
            {
                assert!(!field.is_empty() && !expected.is_empty() && !found.is_empty());
            }
        }
    }

    #[test]
    fn decoded_gzip_must_be_exactly_what_the_header_says() {
        let limits = ReadLimits::default();
        let mut long = images();
        long.extend([1, 2, 3]);
        assert_eq!(
            IdxImages::decode(&gz(&long), "", &limits).unwrap_err(),
            Error::TrailingBytes {
                path: String::new(),
                expected: 28,
                found: 31
            }
        );
        let short = &images()[..27];
        assert_eq!(
            IdxImages::decode(&gz(short), "", &limits).unwrap_err(),
            Error::Truncated {
                path: String::new(),
                expected: 28,
                found: 27
            }
        );
        // Plain bytes: the length is checked before any payload is copied.
        assert_eq!(
            IdxImages::decode(short, "", &limits).unwrap_err(),
            Error::Truncated {
                path: String::new(),
                expected: 28,
                found: 27
            }
        );
        // Dimensions whose product overflows: too large, not a panic.
        let huge = idx(IMAGES_MAGIC, &[u32::MAX, u32::MAX, u32::MAX], &[1, 2]);
        assert!(matches!(
            IdxImages::decode(&gz(&huge), "", &limits),
            Err(Error::TooLarge {
                found: u64::MAX,
                ..
            })
        ));
        let two = [gz(&images()[..5]), gz(&images()[5..])].concat();
        assert_eq!(
            IdxImages::decode(&two, "", &limits).unwrap().pixels,
            (0..12).collect::<Vec<u8>>()
        );
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
}
