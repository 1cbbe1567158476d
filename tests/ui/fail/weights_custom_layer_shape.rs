// `Scale` describes its tensor `s` as (1, 3), but the file holds `scale.s` of shape (3,):
// one error, naming the tensor, spanned on the type.
use core::marker::PhantomData;
use nn_core::init::Init;
use nn_core::layer::{CustomLayer, Layer};
use nn_core::nalgebra::SVector;
use nn_core::{network, ParamInfo, ParamKind, Parameters, Scalar, Shape};

#[derive(Clone, Debug)]
struct Scale<T: Scalar, const N: usize>(SVector<T, N>);

impl<T: Scalar, const N: usize> Layer<T> for Scale<T, N> {
    const KIND: &'static str = "scale";
    const TENSORS: usize = 1;
    const PARAMETERS: usize = N;
    fn zeros() -> Self {
        Scale(SVector::zeros())
    }
    fn init<R: rand::Rng + ?Sized>(&mut self, _: Init, _: &mut R) {}
}

impl<T: Scalar, const N: usize> Parameters<T> for Scale<T, N> {
    fn tensor_count(&self) -> usize {
        1
    }
    fn tensor_info(&self, i: usize) -> Option<ParamInfo> {
        <Self as CustomLayer<T>>::TENSOR_INFO.get(i).copied()
    }
    fn tensor(&self, i: usize) -> Option<&[T]> {
        (i == 0).then(|| self.0.as_slice())
    }
    fn tensor_mut(&mut self, i: usize) -> Option<&mut [T]> {
        (i == 0).then(|| self.0.as_mut_slice())
    }
}

impl<T: Scalar, const N: usize> CustomLayer<T> for Scale<T, N> {
    const INPUTS: usize = N;
    const OUTPUTS: usize = N;
    type Cache = ();
    const TENSOR_INFO: &'static [ParamInfo] = &[ParamInfo {
        layer: "",
        name: "s",
        shape: Shape::new(&[1, N]),
        kind: ParamKind::Weight,
    }];
    fn empty_cache() {}
    fn forward(&self, x: &[T], y: &mut [T], _: &mut ()) {
        for i in 0..N {
            y[i] = self.0[i] * x[i];
        }
    }
    fn backward(&self, x: &[T], _: &[T], _: &(), dy: &[T], g: &mut Self, dx: &mut [T]) {
        for i in 0..N {
            g.0[i] = dy[i] * x[i];
            dx[i] = dy[i] * self.0[i];
        }
    }
}

/// `y_j = x_{2j} x_{2j+1}`, no tensors.
#[derive(Clone, Debug)]
struct Pair<T, const N: usize>(PhantomData<T>);

impl<T: Scalar, const N: usize> Layer<T> for Pair<T, N> {
    const KIND: &'static str = "pair";
    const TENSORS: usize = 0;
    const PARAMETERS: usize = 0;
    fn zeros() -> Self {
        Pair(PhantomData)
    }
    fn init<R: rand::Rng + ?Sized>(&mut self, _: Init, _: &mut R) {}
}

impl<T: Scalar, const N: usize> Parameters<T> for Pair<T, N> {
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

impl<T: Scalar, const N: usize> CustomLayer<T> for Pair<T, N> {
    const INPUTS: usize = N;
    const OUTPUTS: usize = N / 2;
    type Cache = ();
    fn empty_cache() {}
    fn forward(&self, x: &[T], y: &mut [T], _: &mut ()) {
        for (j, y) in y.iter_mut().enumerate() {
            *y = x[2 * j] * x[2 * j + 1];
        }
    }
    fn backward(&self, x: &[T], _: &[T], _: &(), dy: &[T], _: &mut Self, dx: &mut [T]) {
        for (j, &d) in dy.iter().enumerate() {
            dx[2 * j] = d * x[2 * j + 1];
            dx[2 * j + 1] = d * x[2 * j];
        }
    }
}

network! {
    #[weights = "../../../../tests/fixtures/custom_layer.safetensors"]
    struct Net {
        input: 6,
        h: dense(6, tanh),
        pair: custom(Pair<T, 6>),
        scale: custom(Scale<T, 3>),
        out: dense(2),
    }
}

fn main() {
    let _ = Net::new().forward(&SVector::zeros());
}
