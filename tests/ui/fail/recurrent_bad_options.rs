// Each network has one mistake in a recurrent layer's options.
use nn_core::network;

network! { struct NoLayers { input: [5, 3], l: lstm(8, layers = 0) } }
network! { struct TooMany { input: [5, 3], l: gru(8, layers = 9) } }
network! { struct NotAFlag { input: [5, 3], l: rnn(8, bidirectional = yes) } }
network! { struct Rate { input: [5, 3], l: lstm(8, layers = 2, dropout = 1.5) } }
network! { struct OneLayer { input: [5, 3], l: lstm(8, dropout = 0.2) } }
network! { struct Torch { input: [5, 3], l: lstm(8, num_layers = 2) } }
network! { struct Typo { input: [5, 3], l: gru(8, bidirectonal = true) } }
network! { struct NoReset { input: [5, 3], l: lstm(8, reset_after = false) } }

fn main() {}
