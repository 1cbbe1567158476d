// A whole program over a network with size parameters (declare, construct `Net::<64, 32>`,
// train with `Fit`, save) whose one mistake is `batch_norm(G)` after a layer of `H` units:
// one error.
use nn_core::io::save_safetensors;
use nn_core::loss::CrossEntropy;
use nn_core::optim::Adam;
use nn_core::train::{Data, Fit};
use nn_core::{network, Batch, Parameters};
use rand::{rngs::StdRng, SeedableRng};

network! {
    /// A classifier with a hidden width and a bottleneck chosen by the user.
    pub struct Net<const H: usize, const G: usize> {
        input: 16,
        fc1: dense(H),
        bn: batch_norm(G, relu),
        fc2: dense(G),
        out: dense(4),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut net: Net<64, 32> = Net::new(&mut StdRng::seed_from_u64(0));
    let x = Batch::<f32, { Net::<64, 32>::INPUTS }>::from_element(8, 0.5);
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
    println!("{} {} {}", y.len(), net.parameter_count(), Net::<64, 32>::summary());
    save_safetensors(&net, std::env::temp_dir().join("net.safetensors"))?;
    Ok(())
}
