//! Proof that `network!` works in a `#![no_std]` crate without an allocator: the parameters
//! live inline (here in a `static`), and one sample's forward and backward allocate nothing.

#![no_std]

use nn_core::loss::{LossExt, SquaredError};
use nn_core::nalgebra::SVector;
use nn_core::network;

network! {
    /// The 1-16-16-1 sine regressor of the deployment benchmarks.
    pub struct Sine {
        input: 1,
        fc1: dense(16, relu),
        fc2: dense(16, relu),
        out: dense(1),
    }
}

/// One prediction.
pub fn predict(net: &Sine, x: f32) -> f32 {
    net.forward(&SVector::from([x]))[0]
}

/// One prediction in a caller's workspace (a `static` buffer on a microcontroller): the
/// stack holds no activation, whatever the network's size.
pub fn predict_in(
    net: &Sine,
    x: f32,
    workspace: &mut [f32; Sine::<f32>::WORKSPACE_LEN],
) -> Result<f32, nn_core::Error> {
    Ok(net.forward_in(&SVector::from([x]), workspace)?[0])
}

/// One step of plain gradient descent on one sample, entirely on the stack.
pub fn train_step(
    net: &mut Sine,
    grads: &mut Sine,
    x: f32,
    y: f32,
    lr: f32,
) -> Result<f32, nn_core::Error> {
    let x = SVector::from([x]);
    let trace = net.forward_trace(&x);
    let (loss, dl_df) = SquaredError.value_and_grad(trace.output(), &SVector::from([y]))?;
    net.backward(&x, &trace, &dl_df, grads);
    use nn_core::Parameters;
    net.zip_mut(grads, |_, p, g| {
        p.iter_mut().zip(g).for_each(|(p, g)| *p -= lr * g)
    });
    Ok(loss)
}

network! {
    /// A graph with two inputs and a skip connection, for the forward chain rule on a
    /// microcontroller.
    pub struct Gated {
        x: input(2),
        gate: input(2),
        h: dense(8, tanh)(x),
        back: dense(2),
        skip: add(x, back),
        out: mul(skip, gate),
    }
}

/// The output and its tangent along `dx` (the gate held fixed): no heap.
pub fn gated_tangent(
    net: &Gated,
    x: [f32; 2],
    gate: [f32; 2],
    dx: [f32; 2],
) -> ([f32; 2], [f32; 2]) {
    let (x, gate, dx) = (SVector::from(x), SVector::from(gate), SVector::from(dx));
    let trace = net.forward_trace(&x, &gate);
    let t = net.tangent(&x, &gate, &trace, &dx, &SVector::zeros());
    let y = net.forward(&x, &gate);
    ([y[0], y[1]], [t[0], t[1]])
}

#[path = "../../support/custom_layers.rs"]
mod custom_layers;
use custom_layers::{PairProduct, ScaleTanh};

network! {
    /// A network with custom layers embedded from its weights file: with no allocator, the
    /// custom layer's tensors are viewed in static data and one sample runs on the stack.
    #[weights = "../fixtures/custom_layer.safetensors"]
    pub struct CustomStatic {
        input: 6,
        h: dense(6, tanh),
        pair: custom(PairProduct<T, 6>),
        scale: custom(ScaleTanh<T, 3>),
        out: dense(2),
    }
}

/// One prediction of the embedded network with custom layers: no heap, no allocator.
pub fn custom_predict(x: [f32; 6]) -> [f32; 2] {
    static NET: CustomStatic = CustomStatic::new();
    let y = NET.forward(&SVector::from(x));
    [y[0], y[1]]
}
