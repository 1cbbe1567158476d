// The file has no `fc4`: its network ends at `fc3`.
use nn_core::network;

network! {
    #[weights = "../../../../tests/fixtures/sine_1_16_16_1.safetensors"]
    struct Sine {
        input: 1,
        fc1: dense(16, relu),
        fc2: dense(16, relu),
        fc3: dense(1),
        fc4: dense(1),
    }
}

fn main() {}
