//! Stacked and bidirectional LSTM and GRU layers declared with `network!` against PyTorch's
//! `nn.LSTM`/`nn.GRU(num_layers = 2, bidirectional = True, dropout = 0.3)`: the whole
//! `state_dict` loads by name and shape, and the output sequence, the final states (`seq =
//! last`, PyTorch's `h_n`) and the gradients of `sum(y ∘ C)` with respect to the input and
//! every weight are PyTorch's (dropout is off in evaluation, in both).

use super::{assert_close, load, reference as r};
use nn_core::nalgebra::SVector;
use nn_core::{network, Batch, Parameters};

/// PyTorch's row-major `values` against our column-major tensor `i` of `net`.
fn assert_tensor_close<P: Parameters<f64>>(what: &str, net: &P, i: usize, values: &[f64]) {
    let info = net.tensor_info(i).unwrap();
    let dims = info.shape.dims();
    let (rows, cols) = (dims[0], dims.get(1).copied().unwrap_or(1));
    let ours = net.tensor(i).unwrap();
    let row_major: Vec<f64> = (0..rows * cols)
        .map(|k| ours[(k % cols) * rows + k / cols])
        .collect();
    for (k, (a, b)) in row_major.iter().zip(values).enumerate() {
        assert!(
            (a - b).abs() < 1e-11 * (1.0 + b.abs()),
            "{what} {info}[{k}]: ours {a}, PyTorch {b}"
        );
    }
}

/// One configuration: the declaration with `seq = full` and with `seq = last`, and the
/// fixture's prefix.
macro_rules! parity {
    ($test:ident, $kind:ident, $d:literal, $($opt:tt)*) => {
        #[test]
        fn $test() {
            network! {
                struct Full { input: [5, 3], l: $kind(4, $($opt)*) }
            }
            network! {
                struct Last { input: [5, 3], l: $kind(4, seq = last, $($opt)*) }
            }
            let (table, y, hn, c, dx, grad) = fixture(stringify!($test));
            let mut net = Full::<f64>::zeros();
            load(&mut net, table);
            let x = SVector::<f64, 15>::from_column_slice(&r::X);
            let out = net.forward(&x);
            assert_close("output", out.as_slice(), y);
            let batch = net.forward_batch(&Batch::from_column_slice(&[r::X, r::X].concat()));
            assert_close("batch output", &batch.as_slice()[..5 * $d * 4], y);

            let mut last = Last::<f64>::zeros();
            load(&mut last, table);
            assert_close("h_n", last.forward(&x).as_slice(), hn);

            let trace = net.forward_trace(&x);
            let mut g = Full::zeros();
            let d = net.backward(&x, &trace, &SVector::from_column_slice(c), &mut g);
            for (k, (a, b)) in d.iter().zip(dx).enumerate() {
                assert!((a - b).abs() < 1e-11, "dℓ/dx[{k}]: ours {a}, PyTorch {b}");
            }
            assert_eq!(g.tensor_count(), grad.len());
            for i in 0..g.tensor_count() {
                let name = g.tensor_info(i).unwrap().name;
                let (_, values) = grad.iter().find(|(n, _)| *n == name).unwrap();
                assert_tensor_close("gradient", &g, i, values);
            }
        }
    };
}

type Fixture = (
    &'static [(&'static str, &'static [f64])],
    &'static [f64],
    &'static [f64],
    &'static [f64],
    &'static [f64],
    &'static [(&'static str, &'static [f64])],
);

fn fixture(test: &str) -> Fixture {
    match test {
        "lstm_two_layers" => (
            r::LSTM_L2,
            &r::LSTM_L2_Y,
            &r::LSTM_L2_HN,
            &r::LSTM_L2_C,
            &r::LSTM_L2_DX,
            r::LSTM_L2_GRAD,
        ),
        "lstm_bidirectional" => (
            r::LSTM_BI,
            &r::LSTM_BI_Y,
            &r::LSTM_BI_HN,
            &r::LSTM_BI_C,
            &r::LSTM_BI_DX,
            r::LSTM_BI_GRAD,
        ),
        "lstm_two_bidirectional_layers_with_dropout" => (
            r::LSTM_L2_BI,
            &r::LSTM_L2_BI_Y,
            &r::LSTM_L2_BI_HN,
            &r::LSTM_L2_BI_C,
            &r::LSTM_L2_BI_DX,
            r::LSTM_L2_BI_GRAD,
        ),
        "gru_two_layers" => (
            r::GRU_L2,
            &r::GRU_L2_Y,
            &r::GRU_L2_HN,
            &r::GRU_L2_C,
            &r::GRU_L2_DX,
            r::GRU_L2_GRAD,
        ),
        "gru_bidirectional" => (
            r::GRU_BI,
            &r::GRU_BI_Y,
            &r::GRU_BI_HN,
            &r::GRU_BI_C,
            &r::GRU_BI_DX,
            r::GRU_BI_GRAD,
        ),
        _ => (
            r::GRU_L2_BI,
            &r::GRU_L2_BI_Y,
            &r::GRU_L2_BI_HN,
            &r::GRU_L2_BI_C,
            &r::GRU_L2_BI_DX,
            r::GRU_L2_BI_GRAD,
        ),
    }
}

parity!(lstm_two_layers, lstm, 1, layers = 2);
parity!(lstm_bidirectional, lstm, 2, bidirectional = true);
parity!(
    lstm_two_bidirectional_layers_with_dropout,
    lstm,
    2,
    layers = 2,
    bidirectional = true,
    dropout = 0.3
);
parity!(gru_two_layers, gru, 1, layers = 2);
parity!(gru_bidirectional, gru, 2, bidirectional = true);
parity!(
    gru_two_bidirectional_layers_with_dropout,
    gru,
    2,
    layers = 2,
    bidirectional = true,
    dropout = 0.3
);
