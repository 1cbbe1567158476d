//! The recurrent layers by cell: [`Recurrent`] over an LSTM, GRU (either reset-gate
//! placement) or plain RNN cell, `I` inputs per step, `H` units, `G` gate rows, `SEQ` steps,
//! `IN = SEQ·I` inputs and `OUT = SEQ·H` or `H` outputs.
//!
//! ```
//! use nn_core::cell::Lstm;
//! use nn_core::layer::Layer;
//! // 10 steps of 3 inputs, 8 units, the last state out.
//! assert_eq!(<Lstm<f32, 3, 8, 32, 10, 30, 8> as Layer<f32>>::PARAMETERS, 32 * (3 + 8 + 2));
//! ```

use super::{GruCell, GruResetBeforeCell, LstmCell, Recurrent, RnnCell};

/// An LSTM layer: `I` inputs per step, `H` units, `G = 4H`, `SEQ` steps.
pub type Lstm<
    T,
    const I: usize,
    const H: usize,
    const G: usize,
    const SEQ: usize,
    const IN: usize,
    const OUT: usize,
> = Recurrent<LstmCell<T, I, H, G>, SEQ, IN, OUT>;
/// A GRU layer: `I` inputs per step, `H` units, `G = 3H`, `SEQ` steps.
pub type Gru<
    T,
    const I: usize,
    const H: usize,
    const G: usize,
    const SEQ: usize,
    const IN: usize,
    const OUT: usize,
> = Recurrent<GruCell<T, I, H, G>, SEQ, IN, OUT>;
/// A GRU layer with the reset gate before the hidden product ([`GruResetBeforeCell`],
/// `network!`'s `gru(H, reset_after = false)`): `I` inputs per step, `H` units, `G = 3H`.
pub type GruResetBefore<
    T,
    const I: usize,
    const H: usize,
    const G: usize,
    const SEQ: usize,
    const IN: usize,
    const OUT: usize,
> = Recurrent<GruResetBeforeCell<T, I, H, G>, SEQ, IN, OUT>;
/// A plain tanh RNN layer: `I` inputs per step, `H` units, `G = H`, `SEQ` steps.
pub type Rnn<
    T,
    const I: usize,
    const H: usize,
    const G: usize,
    const SEQ: usize,
    const IN: usize,
    const OUT: usize,
> = Recurrent<RnnCell<T, I, H, G>, SEQ, IN, OUT>;
