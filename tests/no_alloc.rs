//! The single-sample path allocates nothing: `forward`, `forward_trace` and `backward` of a
//! 784-128-64-10 network make zero heap allocations.
//!
//! A counting global allocator wraps `System` and counts, per thread, every `alloc`,
//! `alloc_zeroed` and `realloc` (and, separately, every `dealloc`). Tests run on parallel
//! threads, so counting per thread keeps each measurement to its own test.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

use nn_core::loss::{CrossEntropy, LossExt};
use nn_core::nalgebra::SVector;
use nn_core::network;
use rand::{rngs::StdRng, Rng, SeedableRng};

thread_local! {
    /// Allocations (including reallocations) made by this thread.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    /// Deallocations made by this thread.
    static DEALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

/// `System`, counting.
struct Counting;

fn bump(counter: &'static std::thread::LocalKey<Cell<usize>>) {
    // A const-initialized `Cell<usize>` has no destructor, so this never allocates and works
    // even while the thread is being torn down.
    let _ = counter.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: every call is forwarded unchanged to `System`.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump(&ALLOCATIONS);
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        bump(&ALLOCATIONS);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump(&ALLOCATIONS);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        bump(&DEALLOCATIONS);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f`, returning how many allocations and deallocations this thread made meanwhile.
fn heap_use<R>(f: impl FnOnce() -> R) -> (usize, usize, R) {
    let (a0, d0) = (ALLOCATIONS.with(Cell::get), DEALLOCATIONS.with(Cell::get));
    let r = f();
    let (a1, d1) = (ALLOCATIONS.with(Cell::get), DEALLOCATIONS.with(Cell::get));
    (a1 - a0, d1 - d0, r)
}

network! {
    /// The MNIST multilayer perceptron.
    struct Mnist {
        input: 784,
        fc1: dense(128, relu, init = he),
        fc2: dense(64, relu, init = he),
        out: dense(10),
    }
}

const CALLS: usize = 100;

#[test]
fn the_counter_counts() {
    let (allocs, deallocs, b) = heap_use(|| black_box(Box::new(black_box(7u64))));
    assert_eq!((allocs, deallocs), (1, 0), "one Box is one allocation");
    let (allocs, deallocs, ()) = heap_use(|| drop(black_box(b)));
    assert_eq!(
        (allocs, deallocs),
        (0, 1),
        "dropping it is one deallocation"
    );
    let (allocs, _, v) = heap_use(|| {
        let mut v: Vec<u8> = Vec::with_capacity(1);
        v.extend_from_slice(black_box(&[1, 2, 3, 4, 5, 6, 7, 8, 9]));
        v
    });
    assert!(allocs >= 2, "an allocation and a growth: {allocs}");
    drop(v);
    // An empty region counts nothing.
    let (allocs, _, ()) = heap_use(|| {});
    assert_eq!(allocs, 0);
}

#[test]
fn single_sample_forward_trace_and_backward_allocate_nothing() {
    let mut rng = StdRng::seed_from_u64(5);
    let net: Mnist = Mnist::new(&mut rng);
    let mut grads = Mnist::zeros();
    let inputs: Vec<SVector<f32, 784>> = (0..4)
        .map(|_| SVector::from_fn(|_, _| rng.random_range(0.0..1.0)))
        .collect();

    // The measured regions are cold: no warm-up call runs first.
    let (allocs, deallocs, sum) = heap_use(|| {
        let mut sum = 0.0f32;
        for k in 0..CALLS {
            let f = net.forward(black_box(&inputs[k % inputs.len()]));
            sum += black_box(f).sum();
        }
        sum
    });
    assert!(sum.is_finite());
    assert_eq!((allocs, deallocs), (0, 0), "forward: {CALLS} calls");

    let (allocs, deallocs, sum) = heap_use(|| {
        let mut sum = 0.0f32;
        for k in 0..CALLS {
            let t = net.forward_trace(black_box(&inputs[k % inputs.len()]));
            sum += black_box(&t).output().sum();
        }
        sum
    });
    assert!(sum.is_finite());
    assert_eq!((allocs, deallocs), (0, 0), "forward_trace: {CALLS} calls");

    let (allocs, deallocs, sum) = heap_use(|| {
        let mut sum = 0.0f32;
        for k in 0..CALLS {
            let x = black_box(&inputs[k % inputs.len()]);
            let t = net.forward_trace(x);
            let (loss, dl_df) = CrossEntropy
                .value_and_grad(t.output(), &(k % 10))
                .unwrap_or_default();
            let dx = net.backward(x, &t, &dl_df, &mut grads);
            sum += loss + black_box(dx).sum();
        }
        sum
    });
    assert!(sum.is_finite());
    assert_eq!(
        (allocs, deallocs),
        (0, 0),
        "forward_trace + loss + backward: {CALLS} calls"
    );
    assert!(
        black_box(&grads).fc1.weight.iter().any(|&g| g != 0.0),
        "backward wrote gradients"
    );
}

network! {
    /// Every layer kind and activation, for the inference path.
    struct EveryKind {
        input: 16,
        a: dense(12, leaky_relu(0.1)),
        b: dense(12, sigmoid),
        drop: dropout(0.3),
        c: dense(8, tanh),
        d: dense(8, identity),
        e: dense(6, softmax),
    }
}

#[test]
fn every_layer_kind_and_activation_allocates_nothing_for_one_sample() {
    let mut rng = StdRng::seed_from_u64(6);
    let net: EveryKind<f64> = EveryKind::new(&mut rng);
    let mut grads = EveryKind::zeros();
    let x = SVector::<f64, 16>::from_fn(|_, _| rng.random_range(-1.0..1.0));
    let (allocs, deallocs, sum) = heap_use(|| {
        let mut sum = 0.0;
        for _ in 0..CALLS {
            let y = net.forward(black_box(&x));
            let t = net.forward_trace(black_box(&x));
            let dx = net.backward(&x, &t, &(y - SVector::from_element(0.1)), &mut grads);
            sum += y.sum() + dx.sum();
        }
        sum
    });
    assert!(sum.is_finite());
    assert_eq!(
        (allocs, deallocs),
        (0, 0),
        "forward, forward_trace and backward: {CALLS} calls each"
    );
}

network! {
    /// A graph: two inputs, two outputs, a fan-out node, every join and a flatten.
    struct Graph {
        img: input([2, 3, 3]),
        feat: input(2),
        flat: flatten()(img),
        h: dense(5, tanh),
        g: dense(5, sigmoid)(h),
        f: dense(5)(feat),
        s: add(h, g, f),
        m: mul(s, h),
        c: concat(m, feat, relu),
        v: dense(1)(c),
        a: dense(3)(c),
        q: dueling(v, a),
        r: dense(2, softmax)(c),
        output: (q, r),
    }
}

#[test]
fn a_graph_allocates_nothing_forward_backward_or_tangent() {
    let mut rng = StdRng::seed_from_u64(9);
    let net: Graph = Graph::new(&mut rng);
    let mut grads = Graph::zeros();
    let img = SVector::<f32, 18>::from_fn(|_, _| rng.random_range(-1.0..1.0));
    let feat = SVector::<f32, 2>::from_fn(|_, _| rng.random_range(-1.0..1.0));
    let (u, w) = (
        SVector::<f32, 3>::repeat(0.5),
        SVector::<f32, 2>::repeat(-0.25),
    );
    let (allocs, deallocs, sum) = heap_use(|| {
        let mut sum = 0.0f32;
        for _ in 0..CALLS {
            let (q, r) = net.forward(black_box(&img), black_box(&feat));
            let t = net.forward_trace(black_box(&img), black_box(&feat));
            let (di, df) = net.backward(&img, &feat, &t, &u, &w, &mut grads);
            let (tq, tr) = net.tangent(&img, &feat, &t, &di, &df);
            sum += q.sum() + r.sum() + tq.sum() + tr.sum();
        }
        sum
    });
    assert!(sum.is_finite());
    assert_eq!(
        (allocs, deallocs),
        (0, 0),
        "forward, forward_trace, backward and tangent: {CALLS} calls each"
    );
}

network! {
    /// Embedded from a weights file: the parameters are `static` data.
    #[weights = "tests/fixtures/mnist_784_128_10.safetensors"]
    struct Embedded {
        input: 784,
        fc1: dense(128, relu),
        fc2: dense(10),
    }
}

network! {
    /// Embedded int8 layers (`nn_core::quant`).
    #[weights = "tests/fixtures/mnist_784_128_10_q8.safetensors"]
    struct EmbeddedQ8 {
        input: 784,
        fc1: dense(128, relu),
        fc2: dense(10),
    }
}

network! {
    /// An embedded CNN (`StaticConv2d`, pooling, flatten, `StaticDense`).
    #[weights = "tests/fixtures/pytorch_cnn.safetensors"]
    struct EmbeddedCnn {
        input: [1, 28, 28],
        conv1: conv2d(8, 3, relu, pad = 1),
        pool1: max_pool2d(2),
        conv2: conv2d(16, 3, relu, pad = 1),
        pool2: max_pool2d(2),
        flat: flatten,
        fc: dense(10),
    }
}

network! {
    /// The same CNN in int8 (`StaticQConv2d`, `StaticQDense`).
    #[weights = "tests/fixtures/pytorch_cnn_q8.safetensors"]
    struct EmbeddedCnnQ8 {
        input: [1, 28, 28],
        conv1: conv2d(8, 3, relu, pad = 1),
        pool1: max_pool2d(2),
        conv2: conv2d(16, 3, relu, pad = 1),
        pool2: max_pool2d(2),
        flat: flatten,
        fc: dense(10),
    }
}

network! {
    /// An embedded graph: two inputs, two outputs, `add`, `mul`, `concat` and `dueling`.
    #[weights = "tests/fixtures/graph_two_heads.safetensors"]
    struct EmbeddedGraph {
        img: input(6),
        feat: input(2),
        h: dense(5, tanh)(img),
        g: dense(5, sigmoid)(h),
        f: dense(5)(feat),
        s: add(h, g, f),
        m: mul(s, h),
        d: dropout(0.3)(m),
        c: concat(d, feat, tanh),
        v: dense(1)(c),
        a: dense(3)(c),
        q: dueling(v, a),
        r: dense(2, softmax)(c),
        output: (q, r),
    }
}

network! {
    /// Embedded recurrent layers (`StaticLstm`, `StaticGru`, `StaticRnn`) and a dense head.
    #[weights = "tests/fixtures/recurrent_stack_f32.safetensors"]
    struct EmbeddedRecurrent {
        input: [6, 3],
        lstm1: lstm(8),
        lstm2: lstm(6),
        gru1: gru(5),
        rnn1: rnn(4, seq = last),
        head: dense(2),
    }
}

network! {
    /// Embedded stacked and bidirectional recurrent layers (`StaticRecurrentStack`) and GRUs
    /// with the reset gate before the product.
    #[weights = "tests/fixtures/recurrent_bi_f32.safetensors"]
    struct EmbeddedBi {
        input: [5, 3],
        lstm1: lstm(6, layers = 2, bidirectional = true, dropout = 0.25),
        gru1: gru(4, bidirectional = true),
        gru2: gru(3, layers = 2, reset_after = false),
        gru3: gru(3, reset_after = false),
        rnn1: rnn(3, layers = 3, bidirectional = true, seq = last),
        head: dense(2),
    }
}

network! {
    /// An embedded residual CNN with batch norm (`StaticBatchNorm2d`).
    #[weights = "tests/fixtures/graph_bn_block.safetensors"]
    struct EmbeddedBatchNorm {
        input: [2, 8, 8],
        stem: conv2d(4, 3, pad = 1, bias = false),
        stem_bn: batch_norm(relu),
        c1: conv2d(8, 3, stride = 2, pad = 1, bias = false, floor = true),
        c1_bn: batch_norm(relu),
        c2: conv2d(8, 3, pad = 1, bias = false),
        c2_bn: batch_norm,
        proj: conv2d(8, 1, stride = 2, bias = false, floor = true)(stem_bn),
        proj_bn: batch_norm,
        block: add(c2_bn, proj_bn, relu),
        gap: global_avg_pool,
        out: dense(3),
    }
}

#[test]
fn embedded_and_quantized_inference_allocate_nothing() {
    let mut rng = StdRng::seed_from_u64(9);
    let x = SVector::<f32, 784>::from_fn(|_, _| rng.random_range(-1.0..1.0));
    let (float, int8) = (Embedded::new(), EmbeddedQ8::new());
    let (cnn, cnn_q8) = (EmbeddedCnn::new(), EmbeddedCnnQ8::new());
    let graph = EmbeddedGraph::new();
    let (img, feat) = (
        x.fixed_rows::<6>(0).into_owned(),
        x.fixed_rows::<2>(6).into_owned(),
    );
    let q =
        nn_core::quant::QDense::quantize(&nn_core::layer::Dense::<f32, 784, 128>::zeros(), 0.02);
    let conv = nn_core::layer::Conv2d::<f32, 1, 28, 28, 8, 3, 3, 1, 1, 1, 1, 9, true>::new(
        nn_core::init::Init::He,
        &mut rng,
    );
    let qconv = nn_core::quant::QConv2d::quantize(&conv, 0.02);
    let mut y = SVector::<f32, 6272>::zeros();
    let recurrent = EmbeddedRecurrent::new();
    let seq = SVector::<f32, 18>::from_fn(|_, _| rng.random_range(-1.0..1.0));
    let bi = EmbeddedBi::new();
    let seq_bi = SVector::<f32, 15>::from_fn(|_, _| rng.random_range(-1.0..1.0));
    let bn = EmbeddedBatchNorm::new();
    let img_bn = x.fixed_rows::<128>(0).into_owned();
    let (allocs, deallocs, ()) = heap_use(|| {
        for _ in 0..CALLS {
            black_box(float.forward(black_box(&x)));
            black_box(int8.forward(black_box(&x)));
            black_box(q.forward(black_box(&x)));
            black_box(cnn.forward(black_box(&x)));
            black_box(cnn_q8.forward(black_box(&x)));
            black_box(graph.forward(black_box(&img), black_box(&feat)));
            black_box(recurrent.forward(black_box(&seq)));
            black_box(bi.forward(black_box(&seq_bi)));
            black_box(bn.forward(black_box(&img_bn)));
            qconv.forward(black_box(&x), &mut y);
            black_box(&y);
        }
    });
    assert_eq!((allocs, deallocs), (0, 0));
}

/// Forward, backward and tangent of one image layer, `CALLS` times, on its `Op` interface;
/// returns a sum of the outputs so nothing is optimized away.
fn run_op<T: nn_core::Scalar, L: nn_core::layer::Op<T, I, O>, const I: usize, const O: usize>(
    layer: &L,
    grad: &mut L,
    x: &SVector<T, I>,
) -> T {
    let (mut y, mut dx, mut dy) = (SVector::zeros(), SVector::zeros(), SVector::zeros());
    let mut cache = L::empty_cache();
    let mut sum = T::zero();
    for _ in 0..CALLS {
        layer.op_forward(black_box(x), &mut y, &mut cache);
        layer.op_backward(x, &y, &cache, &y, grad, &mut dx);
        layer.op_tangent(x, &y, &cache, &dx, &mut dy);
        sum += y.sum() + dx.sum() + dy.sum();
    }
    sum
}

#[test]
fn image_layers_allocate_nothing_for_one_sample() {
    use nn_core::init::Init;
    use nn_core::layer::{AvgPool2d, BatchNorm2d, Conv2d, GlobalAvgPool, Layer, MaxPool2d};
    let mut rng = StdRng::seed_from_u64(7);
    // f32 runs the vector kernels the CPU has; f64 the portable loop. Grouped, strided,
    // dilated and wide (more than 128 im2col columns) geometries cover every block path.
    let conv1 = Conv2d::<f32, 1, 28, 28, 8, 3, 3, 1, 1, 1, 1, 9, true>::new(Init::He, &mut rng);
    let conv2 = Conv2d::<f32, 8, 14, 14, 16, 3, 3, 1, 1, 1, 1, 72, true>::new(Init::He, &mut rng);
    let wide = Conv2d::<f32, 16, 6, 6, 70, 3, 3, 2, 1, 2, 1, 144, false>::new(Init::He, &mut rng);
    let grouped = Conv2d::<f64, 4, 7, 7, 6, 3, 3, 2, 1, 1, 2, 18, true>::new(Init::He, &mut rng);
    let (mut g1, mut g2, mut gw, mut gg) = (
        Layer::zeros(),
        Layer::zeros(),
        Layer::zeros(),
        Layer::zeros(),
    );
    let bn = BatchNorm2d::<f32, 8, 196>::new();
    let mut gbn = Layer::zeros();
    let x1 = SVector::<f32, 784>::from_fn(|_, _| rng.random_range(-1.0..1.0));
    let x2 = SVector::<f32, 1568>::from_fn(|_, _| rng.random_range(-1.0..1.0));
    let xw = SVector::<f32, 576>::from_fn(|_, _| rng.random_range(-1.0..1.0));
    let xg = SVector::<f64, 196>::from_fn(|_, _| rng.random_range(-1.0..1.0));
    let (allocs, deallocs, sum) = heap_use(|| {
        let mut s = run_op::<f32, _, 784, 6272>(&conv1, &mut g1, &x1)
            + run_op::<f32, _, 1568, 3136>(&conv2, &mut g2, &x2)
            + run_op::<f32, _, 576, 280>(&wide, &mut gw, &xw)
            + run_op::<f32, _, 1568, 1568>(&bn, &mut gbn, &x2)
            + run_op::<f32, _, 1568, 392>(
                &MaxPool2d::<f32, 8, 14, 14, 2, 2, 0>::new(),
                &mut MaxPool2d::new(),
                &x2,
            )
            + run_op::<f32, _, 1568, 392>(
                &AvgPool2d::<f32, 8, 14, 14, 3, 2, 1>::new(),
                &mut AvgPool2d::new(),
                &x2,
            )
            + run_op::<f32, _, 1568, 8>(
                &GlobalAvgPool::<f32, 8, 196>::new(),
                &mut GlobalAvgPool::new(),
                &x2,
            );
        s += run_op::<f64, _, 196, 96>(&grouped, &mut gg, &xg) as f32;
        s
    });
    assert!(sum.is_finite());
    assert_eq!(
        (allocs, deallocs),
        (0, 0),
        "conv2d, pooling and batch norm: {CALLS} forward, backward and tangent calls each"
    );
}

/// One recurrent layer's forward, backward (through time, with the initial state's gradient)
/// and tangent for one sample, `CALLS` times each.
fn recurrent_heap_use<L, const IN: usize, const OUT: usize>(rng: &mut StdRng) -> (usize, usize)
where
    L: nn_core::layer::Op<f32, IN, OUT>,
{
    let layer = L::new_random(rng);
    let mut grad = L::zeros();
    let x = SVector::<f32, IN>::from_fn(|_, _| rng.random_range(-1.0..1.0));
    let (allocs, deallocs, sum) = heap_use(|| {
        let mut sum = 0.0f32;
        for _ in 0..CALLS {
            let (mut y, mut cache) = (SVector::zeros(), L::empty_cache());
            layer.op_forward(black_box(&x), &mut y, &mut cache);
            let mut dx = SVector::zeros();
            layer.op_backward(&x, &y, &cache, &y, &mut grad, &mut dx);
            let mut dy = SVector::zeros();
            layer.op_tangent(&x, &y, &cache, &dx, &mut dy);
            sum += black_box(y).sum() + dx.sum() + dy.sum();
        }
        sum
    });
    assert!(sum.is_finite() && sum != 0.0);
    (allocs, deallocs)
}

/// Builds a layer from a seeded RNG (the trait keeps the test generic over the three kinds).
trait NewRandom {
    fn new_random(rng: &mut StdRng) -> Self;
}
impl<L: nn_core::layer::Layer<f32>> NewRandom for L {
    fn new_random(rng: &mut StdRng) -> Self {
        let mut l = L::zeros();
        l.init(nn_core::init::Init::LeCun, rng);
        l
    }
}

#[test]
fn recurrent_layers_allocate_nothing_for_one_sample() {
    use nn_core::cell::{Gru, Lstm, Rnn};
    let mut rng = StdRng::seed_from_u64(7);
    let lstm = recurrent_heap_use::<Lstm<f32, 8, 16, 64, 10, 80, 160>, 80, 160>(&mut rng);
    let gru = recurrent_heap_use::<Gru<f32, 8, 16, 48, 10, 80, 16>, 80, 16>(&mut rng);
    let rnn = recurrent_heap_use::<Rnn<f32, 8, 16, 16, 10, 80, 160>, 80, 160>(&mut rng);
    assert_eq!(
        (lstm, gru, rnn),
        ((0, 0), (0, 0), (0, 0)),
        "(allocations, deallocations) per kind: lstm, gru, rnn"
    );
    // Two bidirectional LSTM layers (dropout is a training-batch matter) and a GRU with the
    // reset gate before the product.
    type Bi = nn_core::cell::RecurrentStack<
        nn_core::cell::LstmCell<f32, 8, 16, 64>,
        nn_core::cell::LstmCell<f32, 32, 16, 64>,
        2,
        1,
        10,
        80,
        160,
        320,
        32,
        0x3FC0_0000_0000_0000, // 0.125
    >;
    let stack = recurrent_heap_use::<Bi, 80, 32>(&mut rng);
    use nn_core::cell::GruResetBefore;
    let before =
        recurrent_heap_use::<GruResetBefore<f32, 8, 16, 48, 10, 80, 160>, 80, 160>(&mut rng);
    assert_eq!(
        (stack, before),
        ((0, 0), (0, 0)),
        "(allocations, deallocations): stacked bidirectional lstm, reset-before gru"
    );
}
