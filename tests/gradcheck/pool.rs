//! Pooling: max pooling on inputs without ties (distinct values at least 0.01 apart, far
//! more than the finite-difference step), its tie rule on its own, average and global
//! average pooling, with and without padding and overlapping windows.

use crate::layers::{check_op, output};
use crate::{random_vector, rng};
use nn_core::layer::{AvgPool2d, GlobalAvgPool, MaxPool2d, Op};
use nn_core::nalgebra::SVector;
use rand::{rngs::StdRng, seq::SliceRandom};

/// A random arrangement of the distinct values `0.01 k - N/200`, `k < N`: no two are closer
/// than 0.01.
fn distinct<const N: usize>(rng: &mut StdRng) -> SVector<f64, N> {
    let mut v: Vec<f64> = (0..N).map(|k| 0.01 * k as f64 - N as f64 / 200.0).collect();
    v.shuffle(rng);
    SVector::from_column_slice(&v)
}

#[test]
fn max_pool_2x2_stride_2() {
    let mut pool = MaxPool2d::<f64, 2, 6, 6, 2, 2, 0>::new();
    let x = SVector::<f64, 72>::from_fn(|i, _| i as f64);
    // Each window's largest is its bottom-right value.
    let y = output::<_, 72, 18>(&pool, &x);
    assert_eq!((y[0], y[1], y[17]), (7.0, 9.0, 71.0));
    check_op::<_, 72, 18>("max 2x2/2", &mut pool, &mut rng(20), distinct);
}

#[test]
fn max_pool_3x3_stride_2_padding_1_overlapping() {
    let mut pool = MaxPool2d::<f64, 2, 5, 5, 3, 2, 1>::new();
    check_op::<_, 50, 18>("max 3x3/2 pad 1", &mut pool, &mut rng(21), distinct);
}

#[test]
fn max_pool_ties_send_the_gradient_to_the_first_maximum_in_row_major_order() {
    let pool = MaxPool2d::<f64, 1, 2, 2, 2, 1, 0>::new();
    let mut dx = SVector::<f64, 4>::zeros();
    for (x, winner) in [
        ([1.0, 1.0, 1.0, 1.0], 0),
        ([0.0, 3.0, 3.0, 3.0], 1),
        ([0.0, 1.0, 3.0, 3.0], 2),
        ([-1.0, -2.0, -3.0, -1.0], 0),
    ] {
        let x = SVector::from(x);
        let y = output::<_, 4, 1>(&pool, &x);
        pool.op_backward(
            &x,
            &y,
            &(),
            &SVector::from([2.0]),
            &mut MaxPool2d::new(),
            &mut dx,
        );
        let mut want = [0.0; 4];
        want[winner] = 2.0;
        assert_eq!(dx.as_slice(), want, "input {x:?}");
        let mut dy = SVector::<f64, 1>::zeros();
        pool.op_tangent(&x, &y, &(), &SVector::from([1.0, 2.0, 3.0, 4.0]), &mut dy);
        assert_eq!(dy[0], (winner + 1) as f64, "tangent at {x:?}");
    }
}

#[test]
fn avg_pool_2x2_stride_2() {
    let mut pool = AvgPool2d::<f64, 2, 6, 6, 2, 2, 0>::new();
    let x = SVector::<f64, 72>::from_fn(|i, _| i as f64);
    let y = output::<_, 72, 18>(&pool, &x);
    assert_eq!((y[0], y[17]), (3.5, (64.0 + 65.0 + 70.0 + 71.0) / 4.0));
    check_op::<_, 72, 18>("avg 2x2/2", &mut pool, &mut rng(22), random_vector);
}

#[test]
fn avg_pool_counts_the_padding_in_the_divisor() {
    let mut pool = AvgPool2d::<f64, 2, 5, 5, 3, 2, 1>::new();
    let x = SVector::<f64, 50>::from_element(1.0);
    let y = output::<_, 50, 18>(&pool, &x);
    // A corner window covers 2x2 of the image: 4 ones over 9.
    assert!((y[0] - 4.0 / 9.0).abs() < 1e-15 && (y[4] - 1.0).abs() < 1e-15);
    check_op::<_, 50, 18>("avg 3x3/2 pad 1", &mut pool, &mut rng(23), random_vector);
}

#[test]
fn global_avg_pool() {
    let mut pool = GlobalAvgPool::<f64, 3, 10>::new();
    let x = SVector::<f64, 30>::from_fn(|i, _| (i / 10) as f64 + 0.1 * (i % 10) as f64);
    let y = output::<_, 30, 3>(&pool, &x);
    assert!((y - SVector::from([0.45, 1.45, 2.45])).norm() < 1e-14);
    check_op::<_, 30, 3>("global avg", &mut pool, &mut rng(24), random_vector);
}

/// The training batch path (winners kept by the forward) against central differences of
/// the batch forward, at batch 3, with and without padding; ties go to the first value as
/// in the single-sample path.
fn max_pool_training_batch<
    const C: usize,
    const H: usize,
    const W: usize,
    const K: usize,
    const S: usize,
    const P: usize,
    const I: usize,
    const O: usize,
>(
    seed: u64,
) {
    use nn_core::gradcheck::{numeric_gradient_of, relative_error};
    use nn_core::layer::BatchOp;
    use nn_core::Batch;
    use rand::Rng;
    let pool = MaxPool2d::<f64, C, H, W, K, S, P>::new();
    let mut rng = rng(seed);
    let cols = [
        distinct::<I>(&mut rng),
        distinct(&mut rng),
        distinct(&mut rng),
    ];
    let x = Batch::<f64, I>::from_columns(&cols);
    let r = Batch::<f64, O>::from_fn(3, |_, _| rng.random_range(-1.0..=1.0));
    let forward = |x: &Batch<f64, I>, at: &mut Vec<usize>| {
        let mut y = Batch::<f64, O>::zeros(0);
        BatchOp::<f64, I, O>::op_forward_batch(&pool, x, &mut y, at, true);
        y
    };
    let mut at = Vec::new();
    let y = forward(&x, &mut at);
    let mut dx = Batch::<f64, I>::from_element(3, f64::NAN);
    BatchOp::<f64, I, O>::op_backward_batch(
        &pool,
        &x,
        &y,
        &at,
        &r,
        &mut MaxPool2d::new(),
        Some(&mut dx),
    );
    let num = numeric_gradient_of(x.as_slice(), crate::EPS, |v| {
        r.dot(&forward(&Batch::from_column_slice(v), &mut Vec::new()))
    });
    let e = relative_error(dx.as_slice(), &num);
    assert!(
        e < crate::TOL,
        "max pool training batch: dℓ/dX relative error {e:e}"
    );
    // Ties: a constant input sends each window's gradient to its first value, as one sample does.
    let ones = Batch::<f64, I>::from_element(3, 1.0);
    let y = forward(&ones, &mut at);
    BatchOp::<f64, I, O>::op_backward_batch(
        &pool,
        &ones,
        &y,
        &at,
        &r,
        &mut MaxPool2d::new(),
        Some(&mut dx),
    );
    for s in 0..3 {
        let (mut d1, rs) = (
            SVector::<f64, I>::zeros(),
            SVector::<f64, O>::from(r.column(s)),
        );
        let one = SVector::<f64, I>::from_element(1.0);
        let y1 = output::<_, I, O>(&pool, &one);
        pool.op_backward(&one, &y1, &(), &rs, &mut MaxPool2d::new(), &mut d1);
        assert_eq!(dx.column(s), d1.column(0), "ties, sample {s}");
    }
}

#[test]
fn max_pool_training_batch_path() {
    max_pool_training_batch::<2, 6, 6, 2, 2, 0, 72, 18>(30);
    max_pool_training_batch::<2, 5, 5, 3, 2, 1, 50, 18>(31);
}
