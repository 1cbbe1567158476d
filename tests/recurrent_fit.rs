//! Stacked, bidirectional and reset-before recurrent layers train with `train::Fit`: a
//! sequence task that needs both ends of the sequence is learnt, dropout between layers is
//! seeded by `Fit`'s seed (same seed, same weights; another seed, other weights), and the
//! trained network's evaluation (dropout off) is what `forward` gives.

use nn_core::loss::CrossEntropy;
use nn_core::optim::Adam;
use nn_core::train::{Data, Fit};
use nn_core::{network, Batch, Parameters};
use rand::{rngs::StdRng, Rng, SeedableRng};

const STEPS: usize = 6;

network! {
    /// Is the first value larger than the last? Two bidirectional LSTM layers, dropout
    /// between them, each direction's final state into a classifier.
    struct Ends {
        input: [STEPS, 1],
        lstm: lstm(8, layers = 2, bidirectional = true, dropout = 0.2, seq = last),
        out: dense(2),
    }
}

network! {
    /// The same task with stacked GRUs that apply the reset gate before the product.
    struct EndsGru {
        input: [STEPS, 1],
        gru: gru(8, layers = 2, reset_after = false, seq = last),
        out: dense(2),
    }
}

fn data(n: usize, seed: u64) -> (Batch<f64, STEPS>, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let x = Batch::<f64, STEPS>::from_fn(n, |_, _| rng.random_range(-1.0..1.0));
    let y = (0..n)
        .map(|j| usize::from(x[(0, j)] > x[(STEPS - 1, j)]))
        .collect();
    (x, y)
}

fn accuracy(out: &Batch<f64, 2>, y: &[usize]) -> f64 {
    let right = y
        .iter()
        .enumerate()
        .filter(|&(j, &l)| usize::from(out[(1, j)] > out[(0, j)]) == l)
        .count();
    right as f64 / y.len() as f64
}

#[test]
fn stacked_bidirectional_lstm_with_dropout_trains_with_fit() {
    let (x, y) = data(256, 1);
    let (xt, yt) = data(200, 2);
    let train = |seed| {
        let mut net: Ends<f64> = Ends::new(&mut StdRng::seed_from_u64(3));
        let h = Fit::new(30)
            .batch_size(32)
            .seed(seed)
            .run(
                &mut net,
                &mut Adam::new(0.01),
                &CrossEntropy,
                Data::classes(&x, &y),
                None,
                &mut [],
            )
            .unwrap();
        (net, h)
    };
    let (a, h) = train(5);
    let (b, _) = train(5);
    let (c, _) = train(6);
    assert_eq!(
        a.lstm, b.lstm,
        "same seed, same dropout masks, same weights"
    );
    assert_ne!(a.lstm, c.lstm, "another seed draws other masks and batches");
    let (first, last) = (h.epochs[0].train.loss, h.last().unwrap().train.loss);
    assert!(last < 0.5 * first, "training loss {first} -> {last}");
    let out = a.forward_batch(&xt);
    let acc = accuracy(&out, &yt);
    assert!(acc > 0.9, "test accuracy {acc}");
    // Evaluation is inference: each column is the single-sample forward.
    let one = a.forward(&xt.column(0).into_owned());
    assert!((one - out.column(0)).abs().max() < 1e-12);
    assert_eq!(a.parameter_count(), Ends::<f64>::PARAMETERS);
}

#[test]
fn stacked_reset_before_gru_trains_with_fit() {
    let (x, y) = data(256, 7);
    let (xt, yt) = data(200, 8);
    let mut net: EndsGru<f64> = EndsGru::new(&mut StdRng::seed_from_u64(9));
    Fit::new(30)
        .batch_size(32)
        .seed(10)
        .run(
            &mut net,
            &mut Adam::new(0.01),
            &CrossEntropy,
            Data::classes(&x, &y),
            None,
            &mut [],
        )
        .unwrap();
    let acc = accuracy(&net.forward_batch(&xt), &yt);
    assert!(acc > 0.9, "test accuracy {acc}");
}
