// `#[weights = ...]` takes the file's path in quotes. The program using the network reports
// only that: beside the error the macro declares the embedded network's surface (`new`,
// `forward`, its sizes), as it would for a valid attribute.
use nn_core::nalgebra::SVector;
use nn_core::network;

network! {
    #[weights = mnist_784_128_10]
    pub struct Deployed {
        input: 784,
        fc1: dense(128, relu),
        fc2: dense(10),
    }
}

fn main() {
    let y: SVector<f32, 10> = Deployed::new().forward(&SVector::<f32, { Deployed::INPUTS }>::zeros());
    println!("{}", y.len());
}
