//! The custom layers of `tests/custom_layer.rs` and `tests/custom_layer_embedded.rs`, and
//! the network they are used in: one with parameters (`y_i = s_i·tanh(x_i)`, with its own
//! tangent and a batch forward and backward over the whole batch) and one without that
//! changes the size (`y_j = x_{2j}·x_{2j+1}`, tangent from backward passes, batches sample
//! by sample).

#![allow(dead_code)]

use core::marker::PhantomData;
use nn_core::init::Init;
use nn_core::layer::{CustomLayer, Layer};
use nn_core::nalgebra::SVector;
use nn_core::{network, ParamInfo, ParamKind, Parameters, Scalar, Shape};

/// `y_i = s_i · tanh(x_i)`, `s` learned.
#[derive(Clone, Debug, PartialEq)]
pub struct ScaleTanh<T: Scalar, const N: usize> {
    pub s: SVector<T, N>,
}

impl<T: Scalar, const N: usize> Layer<T> for ScaleTanh<T, N> {
    const KIND: &'static str = "scale_tanh";
    const TENSORS: usize = 1;
    const PARAMETERS: usize = N;
    fn zeros() -> Self {
        ScaleTanh {
            s: SVector::zeros(),
        }
    }
    fn init<R: nn_core::rand::Rng + ?Sized>(&mut self, _: Init, rng: &mut R) {
        self.s = SVector::from_fn(|_, _| T::of(rng.random_range(0.5..1.5)));
    }
}

impl<T: Scalar, const N: usize> Parameters<T> for ScaleTanh<T, N> {
    fn tensor_count(&self) -> usize {
        1
    }
    fn tensor_info(&self, i: usize) -> Option<ParamInfo> {
        <Self as CustomLayer<T>>::TENSOR_INFO.get(i).copied()
    }
    fn tensor(&self, i: usize) -> Option<&[T]> {
        (i == 0).then(|| self.s.as_slice())
    }
    fn tensor_mut(&mut self, i: usize) -> Option<&mut [T]> {
        (i == 0).then(|| self.s.as_mut_slice())
    }
}

impl<T: Scalar, const N: usize> CustomLayer<T> for ScaleTanh<T, N> {
    const INPUTS: usize = N;
    const OUTPUTS: usize = N;
    type Cache = ();
    const TENSOR_INFO: &'static [ParamInfo] = &[ParamInfo {
        layer: "",
        name: "s",
        shape: Shape::new(&[N]),
        kind: ParamKind::Weight,
    }];
    fn empty_cache() {}
    fn forward(&self, x: &[T], y: &mut [T], _: &mut ()) {
        for i in 0..N {
            y[i] = self.s[i] * x[i].tanh();
        }
    }
    fn backward(&self, x: &[T], _: &[T], _: &(), dy: &[T], grad: &mut Self, dx: &mut [T]) {
        for i in 0..N {
            let t = x[i].tanh();
            grad.s[i] = dy[i] * t;
            dx[i] = dy[i] * self.s[i] * (T::one() - t * t);
        }
    }
    /// The whole batch in one pass over its values: value `k` is unit `k mod N`.
    fn forward_batch(&self, x: &[T], y: &mut [T], _: &mut [()]) -> bool {
        let s = self.s.iter().cycle();
        for ((y, x), s) in y.iter_mut().zip(x).zip(s) {
            *y = *s * x.tanh();
        }
        true
    }
    fn backward_batch(
        &self,
        x: &[T],
        _: &[T],
        _: &[()],
        dy: &[T],
        grad: &mut Self,
        mut dx: Option<&mut [T]>,
    ) -> bool {
        grad.s.fill(T::zero());
        for (k, (x, dy)) in x.iter().zip(dy).enumerate() {
            let (t, i) = (x.tanh(), k % N);
            grad.s[i] += *dy * t;
            if let Some(dx) = dx.as_deref_mut() {
                dx[k] = *dy * self.s[i] * (T::one() - t * t);
            }
        }
        true
    }
    fn tangent(&self, x: &[T], _: &[T], _: &(), dx: &[T], dy: &mut [T]) -> bool {
        for i in 0..N {
            let t = x[i].tanh();
            dy[i] = self.s[i] * (T::one() - t * t) * dx[i];
        }
        true
    }
}

/// `y_j = x_{2j} · x_{2j+1}`: `N` values in, `N / 2` out, no parameters.
#[derive(Clone, Debug, Default)]
pub struct PairProduct<T, const N: usize>(PhantomData<T>);

impl<T: Scalar, const N: usize> Layer<T> for PairProduct<T, N> {
    const KIND: &'static str = "pair_product";
    const TENSORS: usize = 0;
    const PARAMETERS: usize = 0;
    fn zeros() -> Self {
        PairProduct(PhantomData)
    }
    fn init<R: nn_core::rand::Rng + ?Sized>(&mut self, _: Init, _: &mut R) {}
}

impl<T: Scalar, const N: usize> Parameters<T> for PairProduct<T, N> {
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

impl<T: Scalar, const N: usize> CustomLayer<T> for PairProduct<T, N> {
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
    /// Six inputs, a dense layer, the two custom layers, two classes.
    pub struct Net {
        input: 6,
        h: dense(6, tanh),
        pair: custom(PairProduct<T, 6>),
        scale: custom(ScaleTanh<T, 3>),
        out: dense(2),
    }
}
