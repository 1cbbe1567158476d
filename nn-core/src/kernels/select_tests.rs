//! Every candidate against an `f64` reference on odd shapes, and the tuner's cache.
//! (The pin is process-wide state: it is tested in its own process, `tests/gemm_kernels.rs`.)

use super::*;
use rand::{rngs::StdRng, Rng, SeedableRng};

/// `C = alpha A B + beta C` in `f64` through explicit strides.
#[allow(clippy::too_many_arguments)]
fn reference(
    (m, k, n): (usize, usize, usize),
    alpha: f32,
    a: &[f32],
    (rsa, csa): (usize, usize),
    b: &[f32],
    (rsb, csb): (usize, usize),
    beta: f32,
    c: &[f32],
    ldc: usize,
) -> Vec<f64> {
    let mut out: Vec<f64> = c.iter().map(|&v| v as f64).collect();
    for j in 0..n {
        for i in 0..m {
            let s: f64 = (0..k)
                .map(|q| a[i * rsa + q * csa] as f64 * b[q * rsb + j * csb] as f64)
                .sum();
            out[j * ldc + i] = alpha as f64 * s + beta as f64 * c[j * ldc + i] as f64;
        }
    }
    out
}

fn random(rng: &mut StdRng, len: usize) -> Vec<f32> {
    (0..len).map(|_| rng.random_range(-1.0..1.0)).collect()
}

/// Odd shapes around every kernel's block edges (8, 16, 32 rows; 6 and 8 columns), depth
/// from 0, `B` as stored or transposed, `A` with a leading dimension above its rows,
/// overwrite and accumulate: every available kernel within `f32` rounding of the reference.
#[test]
fn every_candidate_agrees_with_the_reference_on_odd_shapes() {
    let mut rng = StdRng::seed_from_u64(18);
    let available: Vec<Kernel> = Kernel::ALL
        .into_iter()
        .filter(|k| k.is_available())
        .collect();
    assert!(available.contains(&Kernel::Matrixmultiply));
    let mut shapes = std::vec![
        (1, 1, 1),
        (7, 5, 3),
        (33, 17, 13),
        (128, 784, 64),
        (10, 64, 64)
    ];
    for _ in 0..150 {
        shapes.push((
            rng.random_range(1..70),
            rng.random_range(0..40),
            rng.random_range(1..20),
        ));
    }
    for (case, &(m, k, n)) in shapes.iter().enumerate() {
        let lda = m + case % 3;
        let ldc = m + case % 2;
        let a = random(&mut rng, lda * k);
        let bm = random(&mut rng, k * n);
        let c0 = random(&mut rng, ldc * n);
        let b_t = case % 2 == 1;
        let (rsb, csb) = if b_t { (n, 1) } else { (1, k) };
        let beta = if case % 4 < 2 { 0.0 } else { 1.0 };
        let want = reference(
            (m, k, n),
            1.0,
            &a,
            (1, lda),
            &bm,
            (rsb, csb),
            beta,
            &c0,
            ldc,
        );
        for &kernel in &available {
            let mut c = c0.clone();
            let p = Product {
                m,
                k,
                n,
                alpha: 1.0,
                a: a.as_ptr(),
                rsa: 1,
                csa: lda as isize,
                b: bm.as_ptr(),
                rsb: rsb as isize,
                csb: csb as isize,
                beta,
                c: c.as_mut_ptr(),
                rsc: 1,
                csc: ldc as isize,
            };
            assert!(p.runs(kernel));
            // SAFETY: the buffers hold the matrices the strides describe; `kernel` runs `p`.
            unsafe { p.run(kernel) };
            for (idx, (&got, &w)) in c.iter().zip(&want).enumerate() {
                let padding = idx % ldc >= m;
                let w = if padding { c0[idx] as f64 } else { w };
                assert!(
                    (got as f64 - w).abs() <= 1e-5 * (1.0 + k as f64).sqrt() * (1.0 + w.abs())
                        && (!padding || got == c0[idx]),
                    "{kernel} case {case}: {m}x{k}x{n} lda {lda} ldc {ldc} bᵀ={b_t} beta {beta}, value {idx}: {got} vs {w}"
                );
            }
        }
    }
}

/// Products the own kernels cannot read as given (a transposed `A`, `alpha` 2, `beta` 0.5,
/// and the transposed `A` alone, as a dense layer's `Wᵀ Δ`) run on them after the copy into
/// the thread's scratch buffer, and agree with the reference on odd shapes.
#[test]
fn products_the_own_kernels_cannot_read_run_on_them_after_a_copy() {
    let mut rng = StdRng::seed_from_u64(3);
    for (case, &(m, k, n)) in [
        (9, 11, 7),
        (1, 1, 1),
        (33, 17, 13),
        (784, 128, 64),
        (5, 0, 3),
    ]
    .iter()
    .enumerate()
    {
        for (alpha, beta) in [(2.0f32, 0.5f32), (1.0, 0.0), (1.0, 1.0), (-1.0, 0.0)] {
            let a = random(&mut rng, k * m); // stored k x m, used transposed
            let b = random(&mut rng, k * n);
            let c0 = random(&mut rng, m * n);
            let mut c = c0.clone();
            let p = Product {
                m,
                k,
                n,
                alpha,
                a: a.as_ptr(),
                rsa: k as isize,
                csa: 1,
                b: b.as_ptr(),
                rsb: 1,
                csb: k as isize,
                beta,
                c: c.as_mut_ptr(),
                rsc: 1,
                csc: m as isize,
            };
            // (With one row of depth the transposed `A` is also a column-major one.)
            assert!(k == 1 || (!p.runs(Kernel::Avx512) && !p.runs(Kernel::Avx2)));
            // SAFETY: the buffers hold the matrices the strides describe.
            unsafe { run(&p) };
            let want = reference((m, k, n), alpha, &a, (k, 1), &b, (1, k), beta, &c0, m);
            for (got, w) in c.iter().zip(&want) {
                assert!(
                    (*got as f64 - w).abs() <= 1e-5 * (1.0 + k as f64).sqrt() * (1.0 + w.abs()),
                    "case {case} {m}x{k}x{n} alpha {alpha} beta {beta}: {got} vs {w}"
                );
            }
        }
    }
}

/// The tuner times the own kernels only (matrixmultiply allocates on every call): on a
/// host with AVX2 its choice is never matrixmultiply.
#[test]
fn the_tuner_never_picks_matrixmultiply_where_an_own_kernel_runs() {
    let (m, k, n) = (10, 64, 64);
    let a = std::vec![0.5f32; m * k];
    let b = std::vec![0.25f32; k * n];
    let mut c = std::vec![0.0f32; m * n];
    let p = Product {
        m,
        k,
        n,
        alpha: 1.0,
        a: a.as_ptr(),
        rsa: 1,
        csa: m as isize,
        b: b.as_ptr(),
        rsb: n as isize,
        csb: 1,
        beta: 1.0,
        c: c.as_mut_ptr(),
        rsc: 1,
        csc: m as isize,
    };
    let chosen = tuned(&p);
    let own = Kernel::Avx512.is_available() || Kernel::Avx2.is_available();
    assert_eq!(chosen == Kernel::Matrixmultiply, !own, "{chosen}");
}

/// The first product of a shape picks an available kernel that runs it, records it, and
/// every later product of that shape (from any thread) gets the same one; another shape
/// gets its own entry.
#[test]
fn the_tuned_choice_is_cached_and_consistent_across_threads() {
    let (m, k, n) = (61, 37, 23);
    let a = std::vec![0.5f32; m * k];
    let b = std::vec![0.25f32; k * n];
    let mut c = std::vec![0.0f32; m * n];
    let p = Product {
        m,
        k,
        n,
        alpha: 1.0,
        a: a.as_ptr(),
        rsa: 1,
        csa: m as isize,
        b: b.as_ptr(),
        rsb: 1,
        csb: k as isize,
        beta: 0.0,
        c: c.as_mut_ptr(),
        rsc: 1,
        csc: m as isize,
    };
    let first = tuned(&p);
    assert!(first.is_available() && p.runs(first));
    let listed = choices();
    let entry = listed
        .iter()
        .find(|ch| (ch.m, ch.k, ch.n, ch.b_transposed, ch.accumulate) == (m, k, n, false, false))
        .expect("the tuned shape is listed");
    assert_eq!(entry.kernel, first);
    let again: Vec<Kernel> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..4)
            .map(|_| {
                let q = Product {
                    c: core::ptr::null_mut(),
                    ..p
                };
                // Only the table is read: nothing is computed through `q`.
                let q = SendProduct(q);
                s.spawn(move || {
                    let q = q;
                    tuned(&q.0)
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(again.iter().all(|&k| k == first), "{first} then {again:?}");
    // An accumulating product of the same sizes is a different entry.
    let acc = Product { beta: 1.0, ..p };
    let second = tuned(&acc);
    assert!(choices()
        .iter()
        .any(|ch| (ch.m, ch.k, ch.n, ch.accumulate, ch.kernel) == (m, k, n, true, second)));
    assert_eq!(tuned(&acc), second);
}

/// A `Product` moved to another thread for a table look-up only.
struct SendProduct(Product);
// SAFETY: the look-up reads the sizes and strides, never the pointers.
unsafe impl Send for SendProduct {}
