// The embedded network's output size is `1O` (a letter O): the size `forward` returns is
// unknown, and stands as one constant holding the error, reported once.
// A whole program (declare, construct, train with `Fit`, save, embed) with this one mistake
// reports one error: the macro's stand-in has every method and trait impl the valid network has.
use nn_core::io::save_safetensors;
use nn_core::loss::CrossEntropy;
use nn_core::optim::Adam;
use nn_core::train::{Data, Fit};
use nn_core::{network, Batch, Parameters};
use rand::{rngs::StdRng, SeedableRng};

network! {
    /// A digit classifier.
    pub struct Net {
        input: 784,
        fc1: dense(128, relu, init = he),
        fc2: dense(128 -> 32, relu),
        out: dense(10),
    }
}

network! {
    /// The classifier as deployed, from a trained file.
    #[weights = "../../../../tests/fixtures/mnist_784_128_10.safetensors"]
    pub struct Deployed {
        input: 784,
        fc1: dense(128, relu),
        fc2: dense(1O),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut net: Net = Net::new(&mut StdRng::seed_from_u64(0));
    let x = Batch::<f32, { Net::<f32>::INPUTS }>::from_element(8, 0.5);
    let labels = vec![3usize; 8];
    Fit::new(1).batch_size(4).seed(1).run(
        &mut net,
        &mut Adam::new(1e-3),
        &CrossEntropy,
        Data::classes(&x, &labels),
        None,
        &mut [],
    )?;
    let y = net.forward(&x.column(0).into_owned());
    let mut trace = net.forward_batch_trace(&x);
    let mut grads = Net::zeros();
    net.backward_batch_params(&x, &mut trace, &Batch::<f32, 10>::zeros(8), &mut grads)?;
    println!("{} {} {}", y.len(), net.parameter_count(), Net::<f32>::summary());
    save_safetensors(&net, std::env::temp_dir().join("net.safetensors"))?;
    let deployed = Deployed::new();
    let z = deployed.forward(&nn_core::nalgebra::SVector::<f32, 784>::zeros());
    println!("{}", z.len());
    Ok(())
}
