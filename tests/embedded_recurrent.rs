//! Recurrent layers embedded from a weights file (`#[weights = "..."]`) compute what the
//! trainable networks saved in those files compute.
//!
//! The three fixtures are the trainable networks below (one of them with stacked and
//! bidirectional layers, whose every direction views its own tensors), drawn from fixed seeds (with random
//! biases too, so every tensor matters) and saved with `nn_core::io`'s safetensors writer:
//! `fixtures_are_what_the_trainable_networks_save` checks that they still are, and
//! `NN_BLESS=1 cargo test --test embedded_recurrent` rewrites them.
//!
//! The embedded and the trainable forwards agree to rounding, not bit for bit: both run the
//! cells' one gate arithmetic, but sum the products `W_ih x_t` and `W_hh h_{t-1}` in different
//! orders (the embedded layer as dot products over PyTorch's rows, the same on every target;
//! the trainable one column by column, with fused multiply-adds where the CPU has them).
//! Measured: at most 4.5e-7 in `f32` (outputs up to 0.6; the test allows 5e-6), 6.6e-7 for the
//! stacked, bidirectional and reset-before network (outputs up to 0.53; allowed: 5e-6), and 1.1e-16 in `f64`
//! (allowed: 1e-14).

use nn_core::io::{load_safetensors, to_safetensors_bytes};
use nn_core::nalgebra::SVector;
use nn_core::{network, Parameters, Scalar};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::path::{Path, PathBuf};

#[macro_use]
#[path = "support/twins.rs"]
mod twins;

twins! {
    /// Stacked recurrent layers (every state passed on), the last state into a dense head.
    struct Stack, StackStatic = "tests/fixtures/recurrent_stack_f32.safetensors" {
        input: [6, 3],
        lstm1: lstm(8),
        lstm2: lstm(6),
        gru1: gru(5),
        rnn1: rnn(4, seq = last),
        head: dense(2),
    }
}

twins! {
    /// Stacked and bidirectional layers: two bidirectional LSTM layers, a bidirectional GRU,
    /// GRUs with the reset gate before the product (two stacked, then one) and three stacked
    /// bidirectional RNN layers giving each direction's last state.
    struct Bi, BiStatic = "tests/fixtures/recurrent_bi_f32.safetensors" {
        input: [5, 3],
        lstm1: lstm(6, layers = 2, bidirectional = true, dropout = 0.25),
        gru1: gru(HIDDEN, bidirectional = true),
        gru2: gru(3, layers = 2, reset_after = false),
        gru3: gru(3, reset_after = false),
        rnn1: rnn(3, layers = 3, bidirectional = true, seq = last),
        head: dense(2),
    }
}

network! {
    /// A sequence out: the last layer passes on every hidden state.
    struct Seq {
        input: [5, 2],
        rnn1: rnn(4),
        gru1: gru(4),
        lstm1: lstm(3),
    }
}

const HIDDEN: usize = 4;

network! {
    /// `Seq` embedded in `f64`, one size given as a `const` (checked by the compiler).
    #[weights = "tests/fixtures/recurrent_seq_f64.safetensors"]
    struct SeqStatic {
        input: [5, 2],
        rnn1: rnn(4),
        gru1: gru(HIDDEN),
        lstm1: lstm(3),
    }
}

/// Built at compile time, like any embedded network.
static STACK: StackStatic = StackStatic::new();

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The default initialization, then every bias drawn from `[-0.5, 0.5]` (they start at 0).
fn randomize<T: Scalar>(net: &mut impl Parameters<T>, rng: &mut StdRng) {
    net.visit_mut(|info, v| {
        if !info.kind.is_weight() {
            v.iter_mut()
                .for_each(|b| *b = T::of(rng.random_range(-0.5..0.5)));
        }
    });
}

fn stack() -> Stack<f32> {
    let mut rng = StdRng::seed_from_u64(21);
    let mut net = Stack::new(&mut rng);
    randomize(&mut net, &mut rng);
    net
}

fn bi() -> Bi<f32> {
    let mut rng = StdRng::seed_from_u64(23);
    let mut net = Bi::new(&mut rng);
    randomize(&mut net, &mut rng);
    net
}

fn seq() -> Seq<f64> {
    let mut rng = StdRng::seed_from_u64(22);
    let mut net = Seq::new(&mut rng);
    randomize(&mut net, &mut rng);
    net
}

/// The committed file holds exactly what the network saves (rewritten under `NN_BLESS=1`).
fn check_fixture<T: Scalar>(name: &str, net: &impl Parameters<T>) {
    let bytes = to_safetensors_bytes(net).unwrap();
    if std::env::var_os("NN_BLESS").is_some() {
        std::fs::write(fixture(name), &bytes).unwrap();
    }
    let committed = std::fs::read(fixture(name)).unwrap();
    assert!(
        committed == bytes,
        "{name} is not what the network saves; NN_BLESS=1 rewrites it"
    );
}

#[test]
fn fixtures_are_what_the_trainable_networks_save() {
    check_fixture("recurrent_stack_f32.safetensors", &stack());
    check_fixture("recurrent_seq_f64.safetensors", &seq());
    check_fixture("recurrent_bi_f32.safetensors", &bi());
}

/// The largest difference between the two forwards over 20 random sequences in `[-2, 2]`,
/// and the largest output.
fn compare<T: Scalar, const IN: usize, const OUT: usize>(
    a: impl Fn(&SVector<T, IN>) -> SVector<T, OUT>,
    b: impl Fn(&SVector<T, IN>) -> SVector<T, OUT>,
) -> (T, T) {
    let mut rng = StdRng::seed_from_u64(5);
    let (mut diff, mut size) = (T::zero(), T::zero());
    for _ in 0..20 {
        let x = SVector::from_fn(|_, _| T::of(rng.random_range(-2.0..2.0)));
        let (ya, yb) = (a(&x), b(&x));
        diff = diff.max((ya - yb).amax());
        size = size.max(ya.amax());
    }
    (diff, size)
}

#[test]
fn stacked_lstm_gru_rnn_and_dense_head_match_the_trainable_network() {
    let mut trained = Stack::<f32>::zeros();
    load_safetensors(&mut trained, fixture("recurrent_stack_f32.safetensors")).unwrap();
    // The embedded parameters are the file's, bit for bit.
    assert_eq!(STACK.lstm1.input.weight(), *trained.lstm1.cell.weight_ih);
    assert_eq!(STACK.gru1.hidden.weight(), *trained.gru1.cell.weight_hh);
    assert_eq!(*STACK.rnn1.hidden.bias, *trained.rnn1.cell.bias_hh);
    let (diff, size) = compare(|x| STACK.forward(x), |x| trained.forward(x));
    assert!(diff < 5e-6, "outputs differ by up to {diff}");
    assert!(size > 0.1, "outputs up to {size} only: a trivial test");
    assert_eq!(StackStatic::PARAMETERS, Stack::<f32>::PARAMETERS);
    assert_eq!(
        (StackStatic::INPUTS, StackStatic::OUTPUTS),
        (Stack::<f32>::INPUTS, Stack::<f32>::OUTPUTS)
    );
}

/// Every direction of every layer views its own four tensors (`weight_ih_l1_reverse`, ...)
/// and the stack computes what the trainable network computes at inference, the reset-before
/// GRUs too.
#[test]
fn stacked_and_bidirectional_layers_match_the_trainable_network() {
    static BI: BiStatic = BiStatic::new();
    let mut trained = Bi::<f32>::zeros();
    load_safetensors(&mut trained, fixture("recurrent_bi_f32.safetensors")).unwrap();
    let (l, t) = (&BI.lstm1, &trained.lstm1);
    assert_eq!(l.first[1].input.weight(), *t.first[1].cell.weight_ih);
    assert_eq!(l.upper[0][1].hidden.weight(), *t.upper[0][1].cell.weight_hh);
    assert_eq!(
        *BI.rnn1.upper[1][0].input.bias,
        *trained.rnn1.upper[1][0].cell.bias_ih
    );
    let (diff, size) = compare(|x| BI.forward(x), |x| trained.forward(x));
    assert!(diff < 5e-6, "outputs differ by up to {diff}");
    assert!(size > 0.1, "outputs up to {size} only: a trivial test");
    assert_eq!(BiStatic::PARAMETERS, Bi::<f32>::PARAMETERS);
    assert_eq!(BiStatic::OUTPUTS, 2);
}

#[test]
fn a_sequence_output_matches_the_trainable_network_in_f64() {
    let mut trained = Seq::<f64>::zeros();
    load_safetensors(&mut trained, fixture("recurrent_seq_f64.safetensors")).unwrap();
    let net = SeqStatic::new();
    let (diff, size) = compare(|x| net.forward(x), |x| trained.forward(x));
    assert!(diff < 1e-14, "outputs differ by up to {diff}");
    assert!(size > 0.1, "outputs up to {size} only: a trivial test");
    assert_eq!(SeqStatic::OUTPUTS, 5 * 3);
    assert_eq!(SeqStatic::PARAMETERS, Seq::<f64>::PARAMETERS);
}

#[test]
fn an_embedded_recurrent_layer_is_four_references() {
    assert_eq!(
        std::mem::size_of::<StackStatic>(),
        (4 * 4 + 2) * std::mem::size_of::<usize>()
    );
}
