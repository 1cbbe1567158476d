// A network with two outputs and an unknown layer kind in its trunk: the sizes between the
// input and the heads are unknown, so the stand-in is one `dense` from the input to each
// output. A program that constructs it, calls `forward`, counts its parameters and saves it
// reports the one error.
use nn_core::io::save_safetensors;
use nn_core::{network, Parameters};
use rand::{rngs::StdRng, SeedableRng};

network! {
    /// A digit's class and its rotation.
    pub struct TwoHeads {
        input: 784,
        trunk1: dense(256, relu),
        trunk2: linear(128),
        class: dense(10)(trunk2),
        a1: dense(32, relu)(trunk2),
        angle: dense(1),
        output: (class, angle),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let net: TwoHeads = TwoHeads::new(&mut StdRng::seed_from_u64(0));
    let x = nn_core::nalgebra::SVector::<f32, 784>::zeros();
    let (class, angle) = net.forward(&x);
    println!("{} {} {}", class.len(), angle.len(), net.parameter_count());
    save_safetensors(&net, std::env::temp_dir().join("two_heads.safetensors"))?;
    Ok(())
}
