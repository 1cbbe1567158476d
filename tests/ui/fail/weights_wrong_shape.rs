// The file's `fc2` maps 16 values to 16; the declaration asks for 32, and so `fc3` expects
// 32 inputs too. Paths are relative to the crate's Cargo.toml, here trybuild's copy of it
// in target/tests/trybuild/nn.
use nn_core::network;

network! {
    #[weights = "../../../../tests/fixtures/sine_1_16_16_1.safetensors"]
    struct Sine {
        input: 1,
        fc1: dense(16, relu),
        fc2: dense(32, relu),
        fc3: dense(1),
    }
}

fn main() {}
