//! Reading a header from a path: only regular files, and never more than the header's
//! checked length.

use crate::{header_len, parse_header, Error, Header};
use std::fs::{File, FileType};
use std::io::Read;
use std::path::Path;
use std::string::ToString;
use std::vec::Vec;

/// What `kind` is, when it is not a regular file.
fn not_a_file(kind: FileType) -> Option<&'static str> {
    if kind.is_file() {
        return None;
    }
    if kind.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Some("a FIFO");
        }
        if kind.is_char_device() {
            return Some("a character device");
        }
        if kind.is_block_device() {
            return Some("a block device");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
    }
    Some("something that is not a regular file")
}

fn io(e: std::io::Error) -> Error {
    Error::Io {
        message: e.to_string(),
    }
}

/// Reads and checks the header of the safetensors file at `path`: its first 8 bytes, then
/// exactly the header length they give, once that length is known to fit in the file (and
/// [`MAX_HEADER_LEN`](crate::MAX_HEADER_LEN)). Directories, devices, FIFOs and sockets are
/// refused before they are opened, so a FIFO never blocks and `/dev/zero` is never read.
///
/// ```
/// use nn_weights_header::{read, Error};
/// let dir = std::env::temp_dir();
/// assert_eq!(read(&dir), Err(Error::NotAFile { found: "a directory" }));
///
/// let path = dir.join(format!("nn-weights-header-doc-{}.safetensors", std::process::id()));
/// let mut file = 2u64.to_le_bytes().to_vec();
/// file.extend_from_slice(b"{}");
/// std::fs::write(&path, &file).unwrap();
/// let header = read(&path);
/// std::fs::remove_file(&path).unwrap();
/// assert_eq!(header?.data_start, 10);
/// # Ok::<(), nn_weights_header::Error>(())
/// ```
pub fn read(path: impl AsRef<Path>) -> Result<Header, Error> {
    let path = path.as_ref();
    if let Some(found) = not_a_file(std::fs::metadata(path).map_err(io)?.file_type()) {
        return Err(Error::NotAFile { found });
    }
    let mut f = File::open(path).map_err(io)?;
    // Again on the open file, in case the path was replaced in between.
    let meta = f.metadata().map_err(io)?;
    if let Some(found) = not_a_file(meta.file_type()) {
        return Err(Error::NotAFile { found });
    }
    let file_len = meta.len();
    let mut first = [0u8; 8];
    let got = read_up_to(&mut f, &mut first).map_err(io)?;
    let n = header_len(&first[..got], file_len)?;
    let mut json = Vec::new();
    json.try_reserve_exact(n).map_err(|e| Error::Io {
        message: e.to_string(),
    })?;
    (&mut f).take(n as u64).read_to_end(&mut json).map_err(io)?;
    if json.len() < n {
        return Err(Error::Truncated {
            expected: 8 + n as u64,
            found: 8 + json.len() as u64,
        });
    }
    parse_header(&json, file_len)
}

/// Fills `buf` from `r` until it is full or `r` ends, returning the bytes read.
fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(k) => got += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}
