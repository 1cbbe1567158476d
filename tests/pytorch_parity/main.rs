//! The recurrent cells against PyTorch: weights from `nn.LSTM`, `nn.GRU` and `nn.RNN`, loaded
//! by their `state_dict` names and shapes, give PyTorch's hidden states (and the LSTM's final
//! memory) from the same input and initial state, to 1e-12 in `f64`.
//!
//! Stacked and bidirectional layers (`stacked.rs`) load PyTorch's whole `state_dict` and give
//! its outputs and gradients.
//!
//! `reference.rs` is written by `tools/pytorch_recurrent_reference.py`.

#[allow(clippy::excessive_precision, clippy::unreadable_literal)]
mod reference;
mod stacked;

use nn_core::cell::{Gru, Lstm, Rnn};
use nn_core::layer::Layer;
use nn_core::nalgebra::SVector;
use nn_core::Parameters;
use reference as r;

const I: usize = 3;
const H: usize = 4;
const SEQ: usize = 5;

/// Copies PyTorch's row-major tensors into `layer`, by name, checking every shape.
fn load<L: Parameters<f64>>(layer: &mut L, tensors: &[(&str, &[f64])]) {
    assert_eq!(layer.tensor_count(), tensors.len());
    for i in 0..layer.tensor_count() {
        let info = layer.tensor_info(i).unwrap();
        let (_, values) = tensors
            .iter()
            .find(|(n, _)| *n == info.name)
            .unwrap_or_else(|| panic!("no tensor {}", info.name));
        assert_eq!(info.shape.len(), values.len(), "{}", info.name);
        let dims = info.shape.dims();
        let (rows, cols) = (dims[0], dims.get(1).copied().unwrap_or(1));
        let dst = layer.tensor_mut(i).unwrap();
        for row in 0..rows {
            for col in 0..cols {
                dst[col * rows + row] = values[row * cols + col];
            }
        }
    }
}

fn assert_close(what: &str, ours: &[f64], theirs: &[f64]) {
    assert_eq!(ours.len(), theirs.len());
    for (k, (a, b)) in ours.iter().zip(theirs).enumerate() {
        assert!((a - b).abs() < 1e-12, "{what}[{k}]: ours {a}, PyTorch {b}");
    }
}

#[test]
fn lstm_matches_pytorch() {
    type L = Lstm<f64, I, H, 16, SEQ, 15, 20>;
    let mut l = L::zeros();
    load(
        &mut l,
        &[
            ("weight_ih_l0", &r::LSTM_WEIGHT_IH_L0),
            ("weight_hh_l0", &r::LSTM_WEIGHT_HH_L0),
            ("bias_ih_l0", &r::LSTM_BIAS_IH_L0),
            ("bias_hh_l0", &r::LSTM_BIAS_HH_L0),
        ],
    );
    let mut s0 = nn_core::nalgebra::SMatrix::<f64, H, 2>::zeros();
    s0.column_mut(0).copy_from_slice(&r::LSTM_H0);
    s0.column_mut(1).copy_from_slice(&r::LSTM_C0);
    let (mut y, mut cache) = (
        SVector::zeros(),
        <L as nn_core::layer::Op<f64, 15, 20>>::empty_cache(),
    );
    l.forward_from(&SVector::from_column_slice(&r::X), &s0, &mut y, &mut cache);
    assert_close("lstm output", y.as_slice(), &r::LSTM_Y);
    assert_close(
        "lstm final memory",
        cache.states[SEQ - 1].column(1).as_slice(),
        &r::LSTM_CN,
    );
}

#[test]
fn gru_matches_pytorch() {
    type L = Gru<f64, I, H, 12, SEQ, 15, 20>;
    let mut l = L::zeros();
    load(
        &mut l,
        &[
            ("weight_ih_l0", &r::GRU_WEIGHT_IH_L0),
            ("weight_hh_l0", &r::GRU_WEIGHT_HH_L0),
            ("bias_ih_l0", &r::GRU_BIAS_IH_L0),
            ("bias_hh_l0", &r::GRU_BIAS_HH_L0),
        ],
    );
    let (mut y, mut cache) = (
        SVector::zeros(),
        <L as nn_core::layer::Op<f64, 15, 20>>::empty_cache(),
    );
    l.forward_from(
        &SVector::from_column_slice(&r::X),
        &SVector::from(r::GRU_H0),
        &mut y,
        &mut cache,
    );
    assert_close("gru output", y.as_slice(), &r::GRU_Y);
}

#[test]
fn rnn_matches_pytorch() {
    type L = Rnn<f64, I, H, 4, SEQ, 15, 20>;
    let mut l = L::zeros();
    load(
        &mut l,
        &[
            ("weight_ih_l0", &r::RNN_WEIGHT_IH_L0),
            ("weight_hh_l0", &r::RNN_WEIGHT_HH_L0),
            ("bias_ih_l0", &r::RNN_BIAS_IH_L0),
            ("bias_hh_l0", &r::RNN_BIAS_HH_L0),
        ],
    );
    let (mut y, mut cache) = (
        SVector::zeros(),
        <L as nn_core::layer::Op<f64, 15, 20>>::empty_cache(),
    );
    l.forward_from(
        &SVector::from_column_slice(&r::X),
        &SVector::from(r::RNN_H0),
        &mut y,
        &mut cache,
    );
    assert_close("rnn output", y.as_slice(), &r::RNN_Y);
}
