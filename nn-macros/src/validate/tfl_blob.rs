//! The bytes a `tfl_` network embeds: only the tensors its kernels read (each layer's
//! weights, biases, multipliers and shifts, the [`Tensor`](crate::kinds::tfl::Tensor)s
//! marked `read`), packed one after another, each at a multiple of 4 bytes. The weights
//! file's JSON header and the tensors read only while expanding (shapes, scales, zero
//! points, which become constants in the code) stay out of flash: sine's file is 2,336
//! bytes, of which its kernels read 444.

use super::tfl_weights::{At, Params};
use crate::ir::TflNetwork;

/// Packs the tensors `net`'s kernels read, which `layers` (one per layer of `net`) view in
/// `file` (the weights file's bytes), into one buffer and moves each view to its place
/// there; a tensor the kernel does not read becomes an empty view.
pub fn pack(file: &[u8], net: &TflNetwork, layers: &mut [Option<Params>]) -> Vec<u8> {
    let mut blob = Vec::new();
    for (l, p) in net.layers.iter().zip(layers.iter_mut()) {
        let Some(p) = p else { continue };
        for (t, at) in l.kind.tensors(l).iter().zip(p.tensors.iter_mut()) {
            if !t.read {
                *at = At { start: 0, len: 0 };
                continue;
            }
            blob.resize(blob.len().next_multiple_of(4), 0);
            let start = blob.len();
            blob.extend_from_slice(&file[at.start..at.start + at.len * t.dtype.size()]);
            *at = At { start, len: at.len };
        }
    }
    blob
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::tfl::Quant;

    #[test]
    fn packs_the_read_tensors_aligned_and_moves_the_views() {
        let mut errs = Vec::new();
        let decl = syn::parse_quote! {
            struct N {
                input: [1, 3],
                fc: tfl_fully_connected(1),
            }
        };
        let net = crate::validate::tfl::lower(&decl, &mut errs, &|_| None).expect("lowers");
        // A file with 4 header bytes, then weight (3 x I8), bias, weight_scale, multiplier
        // and shift (one 4-byte value each) at 4, 8, 12, 16, 20.
        let mut file = vec![0xEEu8; 24];
        file[4..7].copy_from_slice(&[1, 2, 3]);
        for (i, v) in [7i32, 0x3F80_0000, 9, -1].iter().enumerate() {
            file[8 + 4 * i..12 + 4 * i].copy_from_slice(&v.to_le_bytes());
        }
        let at = |start, len| At { start, len };
        let out = Quant {
            scale: 1.0,
            zero_point: 0,
        };
        let tensors = vec![at(4, 3), at(8, 1), at(12, 1), at(16, 1), at(20, 1)];
        let mut layers = vec![Some(Params { tensors, out })];
        let blob = pack(&file, &net, &mut layers);
        let mut want = vec![1u8, 2, 3, 0];
        for v in [7i32, 9, -1] {
            want.extend_from_slice(&v.to_le_bytes());
        }
        assert_eq!(blob, want, "weight_scale stays out");
        let views: Vec<(usize, usize)> = layers[0]
            .as_ref()
            .unwrap()
            .tensors
            .iter()
            .map(|a| (a.start, a.len))
            .collect();
        assert_eq!(views, [(0, 3), (4, 1), (0, 0), (8, 1), (12, 1)]);
    }
}
