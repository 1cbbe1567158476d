//! Tests of the MNIST loader: small files written here, and the real ones in `data/mnist`.

use super::*;
use crate::data::idx::tests::{gz, idx, TempDir};
use crate::data::idx::{IMAGES_MAGIC, LABELS_MAGIC};
use std::vec;

/// A small MNIST-like folder: `n_train` and `n_test` 28x28 images, pixel `k` of image
/// `i` = (i + k) % 256, label i % 10; gzipped or not.
fn write_set(dir: &TempDir, prefix: &str, n: u32, gzipped: bool) {
    let pixels: Vec<u8> = (0..n as usize * PIXELS)
        .map(|k| ((k / PIXELS + k % PIXELS) % 256) as u8)
        .collect();
    let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
    let img = idx(IMAGES_MAGIC, &[n, 28, 28], &pixels);
    let lab = idx(LABELS_MAGIC, &[n], &labels);
    let (img, lab, ext) = if gzipped {
        (gz(&img), gz(&lab), ".gz")
    } else {
        (img, lab, "")
    };
    let (i, l) = match prefix {
        "train" => (TRAIN_IMAGES, TRAIN_LABELS),
        _ => (TEST_IMAGES, TEST_LABELS),
    };
    dir.write(&format!("{i}{ext}"), &img);
    dir.write(&format!("{l}{ext}"), &lab);
}

#[test]
fn loads_small_files_gzipped_or_not() {
    for gzipped in [true, false] {
        let dir = TempDir::new("mnist-small");
        write_set(&dir, "train", 12, gzipped);
        write_set(&dir, "test", 3, !gzipped);
        let m = Mnist::load(&dir.0).unwrap();
        assert_eq!((m.train.len(), m.test.len()), (12, 3));
        assert_eq!(m.train.labels()[..4], [0, 1, 2, 3]);
        let img = m.train.image(11).unwrap();
        assert_eq!(img[0], 11.0 / 255.0);
        assert_eq!(img[250], 5.0 / 255.0); // (11 + 250) % 256
        assert_eq!(
            m.test.image(2).unwrap()[PIXELS - 1],
            ((2 + 783) % 256) as f32 / 255.0
        );

        let (x, y) = m.train.batch(&[11, 0, 11]).unwrap();
        assert_eq!(x.shape(), (PIXELS, 3));
        assert_eq!(y, [1, 0, 1]);
        assert_eq!(x.column(0).as_slice(), img);
        assert_eq!(x.column(2).as_slice(), img);
        assert_eq!(x.column(1).as_slice(), m.train.image(0).unwrap());

        let mut n = m.clone();
        n.normalize();
        let expected = (11.0 / 255.0 - MEAN) / STD;
        assert!((n.train.image(11).unwrap()[0] - expected).abs() < 1e-6);
        assert_eq!(Mnist::load_normalized(&dir.0).unwrap(), n);
    }
}

#[test]
fn counts_that_disagree() {
    let dir = TempDir::new("mnist-count");
    write_set(&dir, "test", 3, true);
    write_set(&dir, "train", 4, true);
    let labels = dir.write(
        "train-labels-idx1-ubyte.gz",
        &gz(&idx(LABELS_MAGIC, &[5], &[0, 1, 2, 3, 4])),
    );
    let e = Mnist::load(&dir.0).unwrap_err();
    assert_eq!(
        e,
        Error::CountMismatch {
            path: labels.display().to_string(),
            expected: 4,
            found: 5
        }
    );
    assert_eq!(
        e.to_string(),
        format!(
            "labels and images disagree in count in {}: expected 4 labels, found 5",
            labels.display()
        )
    );
}

#[test]
fn wrong_image_dimensions() {
    let dir = TempDir::new("mnist-dims");
    write_set(&dir, "test", 3, true);
    write_set(&dir, "train", 2, true);
    let images = dir.write(
        "train-images-idx3-ubyte.gz",
        &gz(&idx(IMAGES_MAGIC, &[2, 32, 32], &[0; 2 * 32 * 32])),
    );
    let e = Mnist::load(&dir.0).unwrap_err();
    assert_eq!(
        e,
        Error::ImageSize {
            path: images.display().to_string(),
            expected: (28, 28),
            found: (32, 32)
        }
    );
    assert!(
        e.to_string().ends_with(": expected 28x28, found 32x32"),
        "{e}"
    );
}

#[test]
fn bad_magic_truncated_and_missing_files() {
    let dir = TempDir::new("mnist-bad");
    write_set(&dir, "train", 2, true);
    write_set(&dir, "test", 2, true);
    // Test labels in place of the test images.
    let labels = idx(LABELS_MAGIC, &[2], &[1, 2]);
    dir.write("t10k-images-idx3-ubyte.gz", &gz(&labels));
    assert!(matches!(
        Mnist::load(&dir.0),
        Err(Error::BadMagic {
            expected: 2051,
            found: 2049,
            ..
        })
    ));
    // Images cut short.
    let img = idx(IMAGES_MAGIC, &[2, 28, 28], &[0; 2 * PIXELS - 1]);
    dir.write("t10k-images-idx3-ubyte.gz", &gz(&img));
    assert_eq!(
        Mnist::load(&dir.0).unwrap_err(),
        Error::Truncated {
            path: dir
                .0
                .join("t10k-images-idx3-ubyte.gz")
                .display()
                .to_string(),
            expected: 16 + 2 * PIXELS as u64,
            found: 16 + 2 * PIXELS as u64 - 1
        }
    );
    // A label of 10.
    write_set(&dir, "test", 2, true);
    dir.write(
        "t10k-labels-idx1-ubyte.gz",
        &gz(&idx(LABELS_MAGIC, &[2], &[3, 10])),
    );
    assert_eq!(
        Mnist::load(&dir.0).unwrap_err(),
        Error::ClassOutOfRange {
            class: 10,
            classes: 10
        }
    );
    // No test labels at all, under either name.
    std::fs::remove_file(dir.0.join("t10k-labels-idx1-ubyte.gz")).unwrap();
    let e = Mnist::load(&dir.0).unwrap_err();
    assert!(matches!(&e, Error::Io { .. }), "{e:?}");
    assert!(e.to_string().contains("t10k-labels-idx1-ubyte"), "{e}");
}

#[test]
fn batch_index_out_of_range_changes_nothing() {
    let set = MnistSet::new(vec![0.5; 2 * PIXELS], vec![1, 2]).unwrap();
    let (mut x, mut y) = set.batch(&[1]).unwrap();
    let e = set.batch_into(&[0, 2], &mut x, &mut y).unwrap_err();
    assert_eq!(e, Error::IndexOutOfRange { index: 2, len: 2 });
    assert_eq!(
        e.to_string(),
        "sample index 2 is out of range: expected an index below 2"
    );
    assert_eq!((x.ncols(), y.as_slice()), (1, &[2][..]));
    assert_eq!(
        MnistSet::new(vec![0.0; PIXELS + 1], vec![1]),
        Err(Error::LengthMismatch {
            what: "pixels",
            expected: PIXELS,
            found: PIXELS + 1
        })
    );
    assert!(format!("{set:?}").starts_with("MnistSet { len: 2"));
}

/// The real files in the repository's `data/mnist`.
#[test]
fn real_mnist() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/mnist");
    let m = Mnist::load(&dir).unwrap();
    assert_eq!((m.train.len(), m.test.len()), (60_000, 10_000));
    assert_eq!(m.train.pixels().len(), 60_000 * PIXELS);
    assert_eq!(m.train.labels()[..10], [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    assert_eq!(m.test.labels()[..10], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    // Every digit occurs; pixels span [0, 1]; the mean and spread are MNIST's.
    let mut counts = [0usize; CLASSES];
    m.train
        .labels()
        .iter()
        .for_each(|&l| counts[usize::from(l)] += 1);
    assert!(counts.iter().all(|&c| c > 5000), "{counts:?}");
    let px = m.train.pixels();
    let (lo, hi) = px
        .iter()
        .fold((1f32, 0f32), |(a, b), &p| (a.min(p), b.max(p)));
    assert_eq!((lo, hi), (0.0, 1.0));
    let n = px.len() as f64;
    let mean = px.iter().map(|&p| f64::from(p)).sum::<f64>() / n;
    let var = px
        .iter()
        .map(|&p| (f64::from(p) - mean).powi(2))
        .sum::<f64>()
        / n;
    assert!((mean - f64::from(MEAN)).abs() < 1e-4, "{mean}");
    assert!((var.sqrt() - f64::from(STD)).abs() < 1e-4, "{}", var.sqrt());
    // The first training image (a 5) has ink in the middle, none in the corners.
    let five = m.train.image(0).unwrap();
    assert_eq!(five[0], 0.0);
    assert!(five[14 * COLS..15 * COLS].iter().any(|&p| p > 0.5));
}
