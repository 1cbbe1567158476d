//! A network with custom layers (`tests/support/custom_layers.rs`) saved, loaded and
//! embedded from its weights file (`#[weights = "..."]`):
//!
//! - `io`'s safetensors save and load round-trip it (the custom layer's `scale.s` too), and a
//!   file whose custom tensor has another shape, or lacks it, is a typed error naming it.
//! - The embedded network gives what the trainable network saved in the file gives, and one
//!   sample through it allocates nothing.
//!
//! The fixture holds a randomly initialized network, trained for a few epochs, written by
//! `nn_core::io::save_safetensors`; `NN_BLESS=1 cargo test --test custom_layer_embedded`
//! rewrites it from its seeds (the `#[weights]` declaration reads the committed file while
//! compiling). The embedded dense layers sum in a fixed order, the trainable ones may use the
//! host's AVX kernels, so outputs are compared within 1e-6, as `tests/embedded_graph.rs` does.

#[path = "support/heap.rs"]
mod heap;

#[path = "support/custom_layers.rs"]
mod custom_layers;

#[global_allocator]
static ALLOC: heap::Counting = heap::Counting;

use custom_layers::{Net, PairProduct, ScaleTanh};
use nn_core::io::to_safetensors_bytes;
use nn_core::io::{from_safetensors_bytes, load_safetensors, save_safetensors};
use nn_core::loss::MeanSquaredError;
use nn_core::nalgebra::SVector;
use nn_core::optim::Adam;
use nn_core::train::{Data, Fit};
use nn_core::{network, Batch, Error, ParamInfo, ParamKind, Parameters, Shape};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::path::{Path, PathBuf};

network! {
    /// `Net` embedded from the fixture.
    #[weights = "tests/fixtures/custom_layer.safetensors"]
    struct NetStatic {
        input: 6,
        h: dense(6, tanh),
        pair: custom(PairProduct<T, 6>),
        scale: custom(ScaleTanh<T, 3>),
        out: dense(2),
    }
}

/// Largest accepted difference between an embedded and a trainable output.
const TOL: f32 = 1e-6;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/custom_layer.safetensors")
}

/// The network the fixture holds: seeded, then a few epochs of `Fit` on a seeded regression.
fn fresh() -> Net<f32> {
    let mut rng = StdRng::seed_from_u64(21);
    let mut net = Net::new(&mut rng);
    let x = Batch::<f32, 6>::from_fn(64, |_, _| rng.random_range(-1.0..1.0));
    let y = Batch::<f32, 2>::from_fn(64, |i, j| x[(i, j)] * x[(i + 1, j)]);
    Fit::new(5)
        .batch_size(16)
        .seed(22)
        .run(
            &mut net,
            &mut Adam::new(0.01),
            &MeanSquaredError,
            Data::values(&x, &y),
            None,
            &mut [],
        )
        .unwrap();
    net
}

/// The trainable network in the fixture; under `NN_BLESS=1`, first rewrites the file.
fn trained() -> Net<f32> {
    if std::env::var_os("NN_BLESS").is_some() {
        save_safetensors(&fresh(), fixture()).unwrap();
    }
    let mut net = Net::zeros();
    load_safetensors(&mut net, fixture()).unwrap();
    net
}

/// Named tensors of any shape, to write files that disagree with a network.
struct Tensors(Vec<(&'static str, Vec<usize>, Vec<f32>)>);

impl Tensors {
    /// `net`'s tensors under their full names, then `edit` applied.
    fn of(
        net: &Net<f32>,
        edit: impl FnOnce(&mut Vec<(&'static str, Vec<usize>, Vec<f32>)>),
    ) -> Self {
        let mut v: Vec<_> = (0..net.tensor_count())
            .map(|i| {
                let info = net.tensor_info(i).unwrap();
                let name: &'static str = Box::leak(info.to_string().into_boxed_str());
                (
                    name,
                    info.shape.dims().to_vec(),
                    net.tensor(i).unwrap().to_vec(),
                )
            })
            .collect();
        edit(&mut v);
        Tensors(v)
    }
}

impl Parameters<f32> for Tensors {
    fn tensor_count(&self) -> usize {
        self.0.len()
    }
    fn tensor_info(&self, i: usize) -> Option<ParamInfo> {
        self.0.get(i).map(|(name, shape, _)| ParamInfo {
            layer: "",
            name,
            shape: Shape::new(shape),
            kind: ParamKind::Weight,
        })
    }
    fn tensor(&self, i: usize) -> Option<&[f32]> {
        self.0.get(i).map(|t| t.2.as_slice())
    }
    fn tensor_mut(&mut self, i: usize) -> Option<&mut [f32]> {
        self.0.get_mut(i).map(|t| t.2.as_mut_slice())
    }
}

#[test]
fn io_round_trips_the_custom_layer_and_names_a_disagreeing_tensor() {
    let net = fresh();
    let bytes = to_safetensors_bytes(&net).unwrap();
    let mut back = Net::<f32>::zeros();
    from_safetensors_bytes(&mut back, &bytes).unwrap();
    assert!(back.scale.0.s.iter().all(|&s| s != 0.0));
    back.zip_mut(&net, |info, a, b| assert_eq!(a, b, "{info}"));

    // `scale.s` of shape (4,) in the file: a shape error naming it.
    let wide = Tensors::of(&net, |v| {
        let s = v.iter_mut().find(|t| t.0 == "scale.s").unwrap();
        (s.1, s.2) = (vec![4], vec![1.0; 4]);
    });
    match from_safetensors_bytes(
        &mut Net::<f32>::zeros(),
        &to_safetensors_bytes(&wide).unwrap(),
    ) {
        Err(Error::TensorShape {
            name,
            expected,
            found,
        }) => {
            assert_eq!(
                (name.as_str(), expected.dims(), found.as_slice()),
                ("scale.s", &[3][..], &[4][..])
            );
        }
        other => panic!("expected a shape error for `scale.s`, got {other:?}"),
    }
    // Without `scale.s`: a missing tensor, named.
    let without = Tensors::of(&net, |v| v.retain(|t| t.0 != "scale.s"));
    match from_safetensors_bytes(
        &mut Net::<f32>::zeros(),
        &to_safetensors_bytes(&without).unwrap(),
    ) {
        Err(Error::MissingTensor { name, expected }) => {
            assert_eq!((name.as_str(), expected.dims()), ("scale.s", &[3][..]));
        }
        other => panic!("expected a missing `scale.s`, got {other:?}"),
    }
}

#[test]
fn the_embedded_network_gives_the_trained_networks_outputs() {
    let net = trained();
    let embedded = NetStatic::new();
    // The file is the seeded network's, and the custom layer's tensor is embedded as is.
    assert_eq!(embedded.scale.tensors()[0], net.scale.0.s.as_slice());
    assert_eq!(embedded.scale.tensors()[0], fresh().scale.0.s.as_slice());
    let mut rng = StdRng::seed_from_u64(23);
    for _ in 0..50 {
        let x = SVector::<f32, 6>::from_fn(|_, _| rng.random_range(-1.0..1.0));
        let (a, b) = (embedded.forward(&x), net.forward(&x));
        assert!(b.amax() > 0.0, "the trainable output is all zeros");
        let d = (a - b).amax();
        assert!(d <= TOL, "outputs differ by {d}");
    }
    assert_eq!(NetStatic::PARAMETERS, Net::<f32>::PARAMETERS);
    assert_eq!((NetStatic::INPUTS, NetStatic::OUTPUTS), (6, 2));
}

#[test]
fn one_embedded_sample_allocates_nothing() {
    static NET: NetStatic = NetStatic::new();
    let x = SVector::<f32, 6>::from([0.1, -0.2, 0.3, -0.4, 0.5, -0.6]);
    let (peak, y) = heap::peak_heap(|| NET.forward(&x));
    assert_eq!(peak, 0, "one embedded sample used {peak} bytes of heap");
    assert!(y.iter().any(|v| *v != 0.0));
}
