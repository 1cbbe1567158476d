// An embedded network takes no size parameters, here one that sizes its output. Beside the
// error the macro declares the embedded surface over no parameters, the output's size a
// constant holding the error, so the program using it (with no annotation and reading
// `OUTPUTS`) reports only that.
use nn_core::nalgebra::SVector;
use nn_core::network;

network! {
    #[weights = "../../../../tests/fixtures/mnist_784_128_10.safetensors"]
    pub struct Deployed<const CLASSES: usize> {
        input: 784,
        fc1: dense(128, relu),
        fc2: dense(CLASSES),
    }
}

fn main() {
    let x = SVector::<f32, { Deployed::INPUTS }>::zeros();
    let y = Deployed::default().forward(&x);
    println!("{} {}", y.len(), Deployed::OUTPUTS);
}
