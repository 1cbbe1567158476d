//! The product kernel's pin switch, in its own process (the pin is process-wide): a pinned
//! kernel gives bit-identical results run after run, every kernel agrees with the others
//! within rounding, `NN_GEMM_KERNEL` pins from outside, and bad names are typed errors.

use nn_core::__private::kernels::{gemm, Operand};
use nn_core::kernels::{choices, pin, pinned, Kernel, KernelError};
use nn_core::{network, Batch};
use rand::{rngs::StdRng, Rng, SeedableRng};

network! {
    /// W1-W3's MLP, smaller.
    pub struct Mlp {
        input: 50,
        fc1: dense(37, relu),
        fc2: dense(10),
    }
}

fn available() -> Vec<Kernel> {
    Kernel::ALL
        .into_iter()
        .filter(|k| k.is_available())
        .collect()
}

/// One product of odd shape and a batch forward through a network, under the current pin.
fn products(seed: u64) -> (Vec<f32>, Vec<f32>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let (m, k, n) = (45, 67, 29);
    let a: Vec<f32> = (0..m * k).map(|_| rng.random_range(-1.0..1.0)).collect();
    let b: Vec<f32> = (0..k * n).map(|_| rng.random_range(-1.0..1.0)).collect();
    let mut c = vec![0.0f32; m * n];
    gemm(1.0, Operand::n(&a, m), Operand::n(&b, k), 0.0, &mut c, m);
    let net: Mlp = Mlp::new(&mut rng);
    let x = Batch::<f32, 50>::from_fn(33, |_, _| rng.random_range(-1.0..1.0));
    let y = net.forward_batch(&x);
    (c, y.as_slice().to_vec())
}

#[test]
fn a_pinned_kernel_is_bit_reproducible_and_all_kernels_agree() {
    let kernels = available();
    assert!(kernels.contains(&Kernel::Matrixmultiply));
    let mut results = Vec::new();
    for &k in &kernels {
        pin(Some(k)).unwrap();
        assert_eq!(pinned(), Some(k));
        let first = products(7);
        let second = products(7);
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(
            bits(&first.0),
            bits(&second.0),
            "{k}: product differs between runs"
        );
        assert_eq!(
            bits(&first.1),
            bits(&second.1),
            "{k}: forward differs between runs"
        );
        results.push((k, first));
    }
    // A pinned run never times the kernels, so nothing was tuned.
    assert!(choices().is_empty(), "{:?}", choices());
    let (k0, r0) = &results[0];
    for (k, r) in &results[1..] {
        for (x, y) in r0.0.iter().chain(&r0.1).zip(r.0.iter().chain(&r.1)) {
            assert!(
                (x - y).abs() <= 1e-4 * (1.0 + x.abs()),
                "{k0} {x} vs {k} {y}"
            );
        }
    }
    // Unpinned: the tuner picks, per shape, one of the available kernels.
    pin(None).unwrap();
    assert_eq!(pinned(), None);
    let tuned = products(7);
    assert!(!choices().is_empty());
    assert!(choices().iter().all(|c| kernels.contains(&c.kernel)));
    for (x, y) in r0.0.iter().zip(&tuned.0) {
        assert!((x - y).abs() <= 1e-4 * (1.0 + x.abs()));
    }
}

#[test]
fn names_parse_and_unknown_or_missing_kernels_are_errors() {
    for k in Kernel::ALL {
        assert_eq!(k.name().parse::<Kernel>(), Ok(k));
        assert_eq!(k.name().to_uppercase().parse::<Kernel>(), Ok(k));
    }
    let e = "sse".parse::<Kernel>().unwrap_err();
    assert_eq!(
        e,
        KernelError::Unknown {
            found: "sse".into()
        }
    );
    assert!(e
        .to_string()
        .contains("expected `avx512`, `avx2`, `matrixmultiply` or `auto`"));
    for k in Kernel::ALL.into_iter().filter(|k| !k.is_available()) {
        let before = pinned();
        assert_eq!(pin(Some(k)), Err(KernelError::Unavailable { kernel: k }));
        assert_eq!(pinned(), before, "a failed pin leaves the pin as it was");
    }
}

/// `NN_GEMM_KERNEL` read in a child process (this test binary, this test alone).
#[test]
fn the_environment_variable_pins_a_kernel() {
    if let Ok(want) = std::env::var("GEMM_KERNELS_CHILD_EXPECTS") {
        let want = (want != "auto").then(|| want.parse::<Kernel>().unwrap());
        assert_eq!(pinned(), want);
        // The pinned kernel runs the products.
        let _ = products(1);
        if want.is_some() {
            assert!(choices().is_empty());
        }
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let mut cases: Vec<(String, String)> = available()
        .into_iter()
        .map(|k| (k.name().to_string(), k.name().to_string()))
        .collect();
    cases.push(("auto".into(), "auto".into()));
    // An unknown name warns on stderr and leaves the choice to the tuner.
    cases.push(("fastest".into(), "auto".into()));
    for (value, expect) in cases {
        let out = std::process::Command::new(&exe)
            .args([
                "--exact",
                "the_environment_variable_pins_a_kernel",
                "--nocapture",
            ])
            .env("NN_GEMM_KERNEL", &value)
            .env("GEMM_KERNELS_CHILD_EXPECTS", &expect)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "NN_GEMM_KERNEL={value}: {}\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        );
        if value == "fastest" {
            assert!(
                stderr.contains("warning: NN_GEMM_KERNEL: unknown kernel `fastest`"),
                "{stderr}"
            );
        }
    }
}
