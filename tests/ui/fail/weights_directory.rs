// The path names a directory, not a weights file.
use nn_core::network;

network! {
    #[weights = "../../../../tests/fixtures"]
    struct Net {
        input: 2,
        fc: dense(1),
    }
}

static NET: Net = Net::new();

fn main() {
    let _ = NET;
}
