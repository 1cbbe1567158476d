// The program every `program_*` case in `fail/` runs: construct `Model` (the case's network
// `Net`, with its size parameters chosen), train it with `Fit`, call `forward` and the batch
// backward, save it, and run `Deployed`, a network embedded from a trained file. A case
// declares one of the two with one mistake and includes `uses_net.rs` (a mistake in `Net`),
// `deployed.rs` after naming `Model` (in a `Net` with size parameters) or `uses_deployed.rs`
// (a mistake in `Deployed`), so its snapshot shows that the whole program reports that one
// error and nothing more.
use nn_core::io::save_safetensors;
use nn_core::loss::CrossEntropy;
use nn_core::optim::Adam;
use nn_core::train::{Data, Fit};
use nn_core::{Batch, Parameters};
use rand::{rngs::StdRng, SeedableRng};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut net: Model = Model::new(&mut StdRng::seed_from_u64(0));
    let x = Batch::<f32, { Model::INPUTS }>::from_element(8, 0.5);
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
    let mut grads = Model::zeros();
    let dy = Batch::<f32, { Model::OUTPUTS }>::zeros(8);
    net.backward_batch_params(&x, &mut trace, &dy, &mut grads)?;
    println!("{} {} {}", y.len(), net.parameter_count(), Model::summary());
    save_safetensors(&net, std::env::temp_dir().join("net.safetensors"))?;
    let deployed = Deployed::new();
    let z = deployed.forward(&nn_core::nalgebra::SVector::<f32, 784>::zeros());
    println!("{}", z.len());
    Ok(())
}
