// A whole program over a network with a size parameter (declare, construct `Net::<64>`, train
// with `Fit`, save) whose one mistake is an input size computed from the parameter: the input
// size is unknown, and stands as one constant holding the error, reported once.
use nn_core::io::save_safetensors;
use nn_core::loss::CrossEntropy;
use nn_core::optim::Adam;
use nn_core::train::{Data, Fit};
use nn_core::{network, Batch, Parameters};
use rand::{rngs::StdRng, SeedableRng};

network! {
    /// An image classifier over a chosen number of channels.
    pub struct Net<const H: usize> {
        input: [H, 28, 28],
        f: flatten,
        out: dense(4),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut net: Net<64> = Net::new(&mut StdRng::seed_from_u64(0));
    let x = Batch::<f32, { Net::<64>::INPUTS }>::from_element(8, 0.5);
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
    println!("{} {} {}", y.len(), net.parameter_count(), Net::<64>::summary());
    save_safetensors(&net, std::env::temp_dir().join("net.safetensors"))?;
    Ok(())
}
