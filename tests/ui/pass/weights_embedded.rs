// A network embedded from a weights file, usable in `static` items.
use nn_core::nalgebra::SVector;
use nn_core::network;

network! {
    /// MicroFlow's sine regressor.
    #[weights = "../../../../tests/fixtures/sine_1_16_16_1.safetensors"]
    pub struct Sine {
        input: 1,
        fc1: dense(16, relu),
        fc2: dense(16, relu),
        fc3: dense(1),
    }
}

static NET: Sine = Sine::new();

fn main() {
    let y: SVector<f32, 1> = NET.forward(&SVector::from([1.0]));
    assert!((y[0] - 1f32.sin()).abs() < 0.1);
}
