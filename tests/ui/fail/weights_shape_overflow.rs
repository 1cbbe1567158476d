// `fc.weight` has shape (2^32, 2^32): its byte count overflows, and the reader says so
// instead of panicking or wrapping. The file is built by nn-weights-header/tests/support
// (`shape_overflow`).
use nn_core::network;

network! {
    #[weights = "../../../../tests/fixtures/corrupt/shape_overflow.safetensors"]
    struct Net {
        input: 2,
        fc: dense(1),
    }
}

static NET: Net = Net::new();

fn main() {
    let _ = NET;
}
