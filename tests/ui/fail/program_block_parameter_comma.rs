// A block's parameter list with a forgotten comma: the parameters it most likely meant are
// recovered (`width`, `act = relu`), so the block still expands and a program that
// constructs the network, calls `forward`, counts its parameters and saves it reports the
// one error.
use nn_core::io::save_safetensors;
use nn_core::{network, Parameters};
use rand::{rngs::StdRng, SeedableRng};

network! {
    block Unit(width act = relu) {
        fc: dense(width, act),
    }
    /// Two units and a classifier.
    pub struct Net {
        input: 16,
        a: Unit(32),
        b: Unit(32, act = tanh),
        out: dense(10),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let net: Net = Net::new(&mut StdRng::seed_from_u64(0));
    let y = net.forward(&nn_core::nalgebra::SVector::<f32, 16>::zeros());
    println!("{} {}", y.len(), net.parameter_count());
    save_safetensors(&net, std::env::temp_dir().join("units.safetensors"))?;
    Ok(())
}
