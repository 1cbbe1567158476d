// The file also holds `fc2` and `fc3`, which this declaration lacks (a file for another
// network).
use nn_core::network;

network! {
    #[weights = "../../../../tests/fixtures/sine_1_16_16_1.safetensors"]
    struct Sine {
        input: 1,
        fc1: dense(16, relu),
    }
}

fn main() {}
