//! Bounded reading (issue #16, defects 3 and 4): every loader's heap is bounded by what the
//! input's header justifies and by `ReadLimits`, measured by a counting global allocator;
//! directories, devices and FIFOs are typed errors before anything is read.

#[path = "support/heap.rs"]
mod heap;

use heap::peak_heap;
use nn_core::data::idx::{gunzip, read_file, IdxArray, IdxImages, IdxLabels, IMAGES_MAGIC};
use nn_core::io::{from_safetensors_bytes, load_safetensors, ReadLimits};
use nn_core::layer::Dense;
use nn_core::quant::QuantizedFile;
use nn_core::Error;
use std::io::Write;
use std::path::PathBuf;

#[global_allocator]
static ALLOC: heap::Counting = heap::Counting;

const MIB: usize = 1 << 20;

/// A file in a fresh folder under the temp dir (removed when the returned guard drops).
struct Temp(PathBuf);

impl Temp {
    fn new(what: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("nn-limits-{what}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn idx_header(magic: u32, dims: &[u32]) -> Vec<u8> {
    let mut b = magic.to_be_bytes().to_vec();
    for d in dims {
        b.extend(d.to_be_bytes());
    }
    b
}

#[test]
fn a_24_byte_gzip_does_not_reserve_the_size_its_trailer_claims() {
    // 4 bytes of data, then a trailer whose size field says 4 GiB - 1.
    let mut packed = gz(b"abcd");
    assert_eq!(packed.len(), 24);
    let n = packed.len();
    packed[n - 4..].copy_from_slice(&u32::MAX.to_le_bytes());
    let (peak, result) = peak_heap(|| gunzip(&packed, "t.gz"));
    assert!(peak < MIB, "peak heap {peak} bytes");
    let e = result.unwrap_err();
    assert_eq!(
        e.to_string(),
        "corrupt gzip stream in t.gz: trailer: expected the CRC-32 and size of the \
         decompressed data, found other values"
    );
    // The same through the IDX reader, from memory and from a file.
    let (peak, _) = peak_heap(|| IdxLabels::decode(&packed, "", &ReadLimits::default()));
    assert!(peak < MIB, "peak heap {peak} bytes");
    let dir = Temp::new("gz24");
    let p = dir.file("l.gz", &packed);
    let (peak, r) = peak_heap(|| IdxLabels::read(&p));
    assert!(peak < MIB, "peak heap {peak} bytes");
    assert!(
        matches!(
            r,
            Err(Error::Corrupt {
                what: "gzip stream",
                ..
            })
        ),
        "{r:?}"
    );
}

#[test]
fn a_gzipped_idx_header_claiming_more_than_the_limit_is_refused_before_decompressing() {
    // 1.37M images of 28x28 claimed (1.07 GB, above the 1 GiB default), 1 MB of zeros given.
    let mut raw = idx_header(IMAGES_MAGIC, &[1_370_000, 28, 28]);
    raw.extend(vec![0u8; MIB]);
    let packed = gz(&raw);
    let (peak, r) = peak_heap(|| IdxImages::decode(&packed, "big.gz", &ReadLimits::default()));
    assert!(peak < MIB, "peak heap {peak} bytes");
    assert_eq!(
        r.unwrap_err().to_string(),
        "IDX data in big.gz too large: expected at most 1073741824 bytes \
         (ReadLimits::max_bytes), found 1074080016"
    );
}

#[test]
fn a_claim_within_the_limit_costs_what_the_stream_holds_not_what_it_claims() {
    // 100,000 images claimed (78 MB), 1 MB given: truncated, and the heap follows the data.
    let mut raw = idx_header(IMAGES_MAGIC, &[100_000, 28, 28]);
    raw.extend(vec![7u8; MIB]);
    let packed = gz(&raw);
    let (peak, r) = peak_heap(|| IdxImages::decode(&packed, "", &ReadLimits::default()));
    assert!(peak < 4 * MIB, "peak heap {peak} bytes");
    assert_eq!(
        r.unwrap_err(),
        Error::Truncated {
            path: String::new(),
            expected: 78_400_016,
            found: 16 + MIB as u64
        }
    );
    // A caller's own limit applies to the claim as well.
    let small = ReadLimits {
        max_bytes: 10 * MIB as u64,
        ..ReadLimits::default()
    };
    let (peak, r) = peak_heap(|| IdxArray::decode(&packed, "", IMAGES_MAGIC, &small));
    assert!(peak < MIB, "peak heap {peak} bytes");
    assert!(matches!(r, Err(Error::TooLarge { limit, .. }) if limit == 10 * MIB as u64));
}

#[test]
fn directories_are_typed_errors_for_every_loader() {
    let dir = Temp::new("dir");
    let d = dir.0.clone();
    let expected = Error::NotAFile {
        path: d.display().to_string(),
        found: "a directory",
    };
    let mut net = Dense::<f32, 2, 2>::zeros();
    assert_eq!(load_safetensors(&mut net, &d), Err(expected.clone()));
    assert_eq!(IdxImages::read(&d), Err(expected.clone()));
    assert_eq!(IdxLabels::read(&d), Err(expected.clone()));
    assert_eq!(read_file(&d), Err(expected.clone()));
    assert_eq!(QuantizedFile::load(&d).err(), Some(expected));
}

#[cfg(unix)]
#[test]
fn dev_zero_is_refused_before_reading() {
    let (peak, r) = peak_heap(|| load_safetensors(&mut Dense::<f32, 2, 2>::zeros(), "/dev/zero"));
    assert!(peak < MIB, "peak heap {peak} bytes");
    assert_eq!(
        r.unwrap_err().to_string(),
        "cannot read /dev/zero: expected a regular file, found a character device"
    );
    assert!(matches!(
        IdxImages::read("/dev/zero".as_ref()),
        Err(Error::NotAFile {
            found: "a character device",
            ..
        })
    ));
    assert!(QuantizedFile::load("/dev/zero").is_err());
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_blocking() {
    let dir = Temp::new("fifo");
    let p = dir.0.join("pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&p)
        .status()
        .unwrap();
    assert!(made.success());
    // Opening a FIFO for reading would block until a writer comes: the type is checked first.
    let e = load_safetensors(&mut Dense::<f32, 2, 2>::zeros(), &p).unwrap_err();
    assert_eq!(
        e,
        Error::NotAFile {
            path: p.display().to_string(),
            found: "a FIFO"
        }
    );
    assert!(IdxLabels::read(&p).is_err());
}

#[test]
fn a_100_mb_json_header_is_refused_naming_the_limit_before_it_is_read() {
    // A sparse file: its 8-byte length says 100 MB of header, and it is that long.
    let dir = Temp::new("header");
    let p = dir.0.join("big.safetensors");
    let f = std::fs::File::create(&p).unwrap();
    let n: u64 = 100_000_000;
    (&f).write_all(&n.to_le_bytes()).unwrap();
    (&f).write_all(b"{\"").unwrap();
    f.set_len(8 + n).unwrap();
    let (peak, r) = peak_heap(|| load_safetensors(&mut Dense::<f32, 2, 2>::zeros(), &p));
    assert!(peak < MIB, "peak heap {peak} bytes");
    assert_eq!(
        r.unwrap_err().to_string(),
        format!(
            "safetensors header in {} too large: expected at most 4194304 bytes \
             (ReadLimits::max_header_bytes), found 100000000",
            p.display()
        )
    );
}

#[test]
fn a_header_within_the_limit_costs_a_small_multiple_of_its_size() {
    // One tensor whose name is a 3 MB string.
    let name = "a".repeat(3 * MIB);
    let json = format!(r#"{{"{name}":{{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}}}"#);
    let mut bytes = (json.len() as u64).to_le_bytes().to_vec();
    bytes.extend(json.as_bytes());
    bytes.extend([0u8; 16]);
    let (peak, r) = peak_heap(|| from_safetensors_bytes(&mut Dense::<f32, 2, 2>::zeros(), &bytes));
    // At least the name once, at most four times the header.
    assert!(peak >= name.len(), "peak heap {peak} bytes");
    assert!(
        peak < 4 * json.len(),
        "peak heap {peak} bytes for a {} byte header",
        json.len()
    );
    assert!(matches!(r, Err(Error::MissingTensor { .. })), "{r:?}");
}

#[test]
fn a_file_above_the_callers_limit_is_refused_before_reading() {
    let dir = Temp::new("limit");
    let p = dir.file("w.safetensors", &vec![0u8; 64 << 10]);
    let small = ReadLimits {
        max_bytes: 4096,
        ..ReadLimits::default()
    };
    let (peak, r) = peak_heap(|| {
        nn_core::io::load_safetensors_with(&mut Dense::<f32, 2, 2>::zeros(), &p, &small)
    });
    assert!(peak < 64 << 10, "peak heap {peak} bytes");
    assert_eq!(
        r.unwrap_err(),
        Error::TooLarge {
            what: "file",
            path: p.display().to_string(),
            limit_name: "ReadLimits::max_bytes",
            limit: 4096,
            found: 64 << 10
        }
    );
}

#[test]
fn the_mnist_test_images_load_with_heap_near_their_size() {
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/mnist/t10k-images-idx3-ubyte.gz"
    );
    let (peak, img) = peak_heap(|| IdxImages::read(p.as_ref()).unwrap());
    assert_eq!(img.pixels.len(), 7_840_000);
    // The pixels (so the counter counts), plus the decoder's state and buffers.
    assert!(peak >= 7_840_000, "peak heap {peak} bytes");
    assert!(peak < 7_840_000 + MIB, "peak heap {peak} bytes");
}
