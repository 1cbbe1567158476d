// `fc.weight`'s `data_offsets` are near 2^64: added to where the data starts, they wrap
// around to byte 8 of the file, inside the header. The reader refuses the offsets, with or
// without overflow checks, instead of embedding the header's own bytes as weights. The file
// is built by nn-weights-header/tests/support (`wrapped_offsets`).
use nn_core::network;

network! {
    #[weights = "../../../../tests/fixtures/corrupt/wrapped_offsets.safetensors"]
    struct Net {
        input: 2,
        fc: dense(1),
    }
}

static NET: Net = Net::new();

fn main() {
    let _ = NET;
}
