//! The bytes a `tfl_` network embeds: only the tensors its kernels read (each layer's
//! weights, biases, multipliers and shifts), packed one after another, each at a multiple of
//! 4 bytes. The weights file's JSON header and the tensors read only while expanding
//! (shapes, scales, zero points, which become constants in the code) stay out of flash:
//! sine's file is 2,336 bytes, of which its kernels read 444.

use super::file::{At, Params};

/// Packs the parameters `layers` view in `file` (the weights file's bytes) into one buffer
/// and moves each view to its place there.
pub fn pack(file: &[u8], layers: &mut [Params]) -> Vec<u8> {
    let mut blob = Vec::new();
    for p in layers.iter_mut() {
        for (at, size) in [
            (&mut p.weight, 1),
            (&mut p.bias, 4),
            (&mut p.multiplier, 4),
            (&mut p.shift, 4),
        ] {
            if let Some(at) = at {
                blob.resize(blob.len().next_multiple_of(4), 0);
                let start = blob.len();
                blob.extend_from_slice(&file[at.start..at.start + at.len * size]);
                *at = At { start, len: at.len };
            }
        }
    }
    blob
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_the_viewed_tensors_aligned_and_moves_the_views() {
        // A file with 2 header bytes, 3 weights at 4, 8 unread bytes, a bias at 16.
        let mut file = vec![0xEEu8; 20];
        file[4..7].copy_from_slice(&[1, 2, 3]);
        file[16..20].copy_from_slice(&7i32.to_le_bytes());
        let mut layers = vec![
            Params::default(),
            Params {
                weight: Some(At { start: 4, len: 3 }),
                bias: Some(At { start: 16, len: 1 }),
                ..Params::default()
            },
        ];
        let blob = pack(&file, &mut layers);
        assert_eq!(blob, [1, 2, 3, 0, 7, 0, 0, 0]);
        let (w, b) = (layers[1].weight.unwrap(), layers[1].bias.unwrap());
        assert_eq!((w.start, w.len, b.start, b.len), (0, 3, 4, 1));
        assert!(layers[0].weight.is_none());
    }
}
