// A network with two inputs and an unknown layer kind on one branch: the sizes between the
// inputs and the output are unknown, so the stand-in keeps both inputs and is one `dense`
// from the first input to the output. A program that constructs it, calls `forward` with
// both inputs, counts its parameters and saves it reports the one error.
use nn_core::io::save_safetensors;
use nn_core::{network, Parameters};
use rand::{rngs::StdRng, SeedableRng};

network! {
    /// `(digit + shift) mod 10` from an image and a shift.
    pub struct ShiftedDigit {
        img: input(784),
        shift: input(1),
        seen: dense(256, relu)(img),
        digit: linear(64),
        code: dense(32, relu)(shift),
        both: concat(digit, code),
        h: dense(128, relu),
        out: dense(10),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let net: ShiftedDigit = ShiftedDigit::new(&mut StdRng::seed_from_u64(0));
    let img = nn_core::nalgebra::SVector::<f32, 784>::zeros();
    let shift = nn_core::nalgebra::SVector::<f32, 1>::zeros();
    let y = net.forward(&img, &shift);
    println!("{} {}", y.len(), net.parameter_count());
    save_safetensors(&net, std::env::temp_dir().join("shifted_digit.safetensors"))?;
    Ok(())
}
