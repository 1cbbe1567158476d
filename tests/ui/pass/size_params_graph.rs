//! Size parameters through a graph (joins, dropout): the network, its traces and
//! every method take the parameters before the scalar.
use nn_core::nalgebra::SVector;
use nn_core::{network, Batch};

network! {
    struct Branches<const H: usize, const O: usize> {
        input: 12,
        seq: dense(H, tanh),
        a: dense(H, relu),
        b: dense(H, sigmoid)(seq),
        s: add(a, b),
        m: mul(s, seq),
        d: dropout(0.25),
        out: dense(O),
    }
}

fn main() {
    use rand::SeedableRng;
    let net: Branches<5, 2, f64> = Branches::new(&mut rand::rngs::StdRng::seed_from_u64(0));
    let x = SVector::<f64, 12>::from_element(0.5);
    let trace: BranchesTrace<5, 2, f64> = net.forward_trace(&x);
    let mut grads = Branches::<5, 2, f64>::zeros();
    let dx: SVector<f64, 12> = net.backward(&x, &trace, &SVector::from([1.0, 0.0]), &mut grads);
    assert_eq!(dx.len(), 12);
    let mut workspace = vec![0.0; Branches::<5, 2, f64>::TRACE_LEN];
    let traced: BranchesTraceIn<5, 2, f64, &mut [f64]> =
        net.forward_trace_in(&x, &mut workspace[..]).unwrap();
    assert_eq!(traced.output(), trace.output());
    let xb = Batch::<f64, 12>::from_element(3, 0.5);
    let batch: BranchesBatchTrace<5, 2, f64> = net.forward_batch_trace(&xb);
    assert_eq!(batch.batch_size(), 3);
    assert_eq!(Branches::<5, 2>::OUTPUTS, 2);
}
