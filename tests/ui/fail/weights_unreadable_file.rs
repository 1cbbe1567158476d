// No such file.
use nn_core::network;

network! {
    #[weights = "weights/missing.safetensors"]
    struct Sine {
        input: 1,
        fc1: dense(16, relu),
        fc3: dense(1),
    }
}

fn main() {}
