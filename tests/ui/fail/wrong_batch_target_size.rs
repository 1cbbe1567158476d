// A batch of 10-value outputs against targets with 5 rows.
use nn_core::loss::{LossExt, Reduction, SquaredError};
use nn_core::{network, Batch};

network! {
    struct Mlp {
        input: 784,
        out: dense(10),
    }
}

fn main() {
    let net: Mlp = Mlp::zeros();
    let out = net.forward_batch(&Batch::zeros(4));
    let _ = SquaredError.batch_value(&out, &Batch::<f32, 5>::zeros(4), Reduction::Mean);
}
