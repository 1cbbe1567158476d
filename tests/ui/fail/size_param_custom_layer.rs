// A custom layer's `INPUTS` is a constant of its type: the macro cannot compare it with the
// size parameter `H` by name, and says so with the layer's type as written.
use core::marker::PhantomData;
use nn_core::init::Init;
use nn_core::layer::{CustomLayer, Layer};
use nn_core::{network, ParamInfo, Parameters, Scalar};

#[derive(Clone, Debug)]
struct Scale<T, const N: usize>(PhantomData<T>);

impl<T: Scalar, const N: usize> Layer<T> for Scale<T, N> {
    const KIND: &'static str = "scale";
    const TENSORS: usize = 0;
    const PARAMETERS: usize = 0;
    fn zeros() -> Self {
        Scale(PhantomData)
    }
    fn init<R: rand::Rng + ?Sized>(&mut self, _: Init, _: &mut R) {}
}

impl<T: Scalar, const N: usize> Parameters<T> for Scale<T, N> {
    fn tensor_count(&self) -> usize {
        0
    }
    fn tensor_info(&self, _: usize) -> Option<ParamInfo> {
        None
    }
    fn tensor(&self, _: usize) -> Option<&[T]> {
        None
    }
    fn tensor_mut(&mut self, _: usize) -> Option<&mut [T]> {
        None
    }
}

impl<T: Scalar, const N: usize> CustomLayer<T> for Scale<T, N> {
    const INPUTS: usize = N;
    const OUTPUTS: usize = N;
    type Cache = ();
    fn empty_cache() {}
    fn forward(&self, x: &[T], y: &mut [T], _: &mut ()) {
        y.copy_from_slice(x);
    }
    fn backward(&self, _: &[T], _: &[T], _: &(), dy: &[T], _: &mut Self, dx: &mut [T]) {
        dx.copy_from_slice(dy);
    }
}

network! {
    struct Net<const H: usize> {
        input: 8,
        fc1: dense(H, relu),
        scale: custom(Scale<T, 4>),
        out: dense(2),
    }
}

fn main() {}
