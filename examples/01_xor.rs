//! XOR: the classic problem a 1-layer (linear) network cannot solve and a 2-layer one can.
//!
//! A 2-4-1 network with tanh hidden units and a sigmoid output, squared-error loss, plain
//! full-batch gradient descent. Ends with `result: correct=4/4`.
//!
//! Run: `cargo run --release --example xor`

use nn_core::loss::{LossExt, Reduction, SquaredError};
use nn_core::{network, Batch, Parameters};
use rand::{rngs::StdRng, SeedableRng};

network! {
    /// Two inputs, four tanh hidden units, one sigmoid output.
    pub struct Xor {
        input: 2,
        hidden: dense(4, tanh, init = xavier),
        out: dense(1, sigmoid),
    }
}

/// XOR with a 2-4-1 network; ends with `result: correct=4/4`. Takes no flags.
#[derive(clap::Parser)]
#[command(name = "xor")]
struct Args {}

fn main() -> Result<(), nn_core::Error> {
    <Args as clap::Parser>::parse();
    let mut rng = StdRng::seed_from_u64(42);
    let mut net: Xor<f64> = Xor::new(&mut rng);
    println!("{}", Xor::<f64>::summary());

    // The four XOR cases as the columns of one batch.
    let x = Batch::<f64, 2>::from_column_slice(&[0., 0., 0., 1., 1., 0., 1., 1.]);
    let y = Batch::<f64, 1>::from_column_slice(&[0., 1., 1., 0.]);

    let mut trace = net.forward_batch_trace(&x);
    let mut grads = Xor::zeros();
    let mut dl_df = Batch::<f64, 1>::zeros(4);
    let lr = 0.5;
    for epoch in 0..=5000 {
        net.forward_batch_trace_into(&x, &mut trace);
        let loss = SquaredError.batch_grad_into(trace.output(), &y, Reduction::Mean, &mut dl_df)?;
        net.backward_batch_params(&x, &mut trace, &dl_df, &mut grads)?;
        net.zip_mut(&grads, |_, p, g| {
            p.iter_mut().zip(g).for_each(|(p, g)| *p -= lr * g)
        });
        if epoch % 1000 == 0 {
            println!("epoch {epoch:>5}  loss {loss:.6}");
        }
    }

    let out = net.forward_batch(&x);
    let mut correct = 0;
    for (i, (&p, &t)) in out.iter().zip(y.iter()).enumerate() {
        let ok = (p > 0.5) == (t > 0.5);
        correct += usize::from(ok);
        println!("{:?} -> {p:.4} (target {t})", [x[(0, i)], x[(1, i)]]);
    }
    println!("result: correct={correct}/4");
    Ok(())
}
