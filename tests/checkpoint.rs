//! Checkpoints: 4 epochs in one go give bit for bit the weights of 2 epochs, a checkpoint,
//! a load into fresh objects and 2 more (SGD momentum, Adam, Nadam; dropout; batch norm; 1
//! and 2 threads), and a damaged or mismatched file is a typed error.

use nn_core::loss::CrossEntropy;
use nn_core::optim::{Adam, Momentum, Nadam, Optimizer, Sgd};
use nn_core::train::{load_checkpoint, save_checkpoint, Data, Fit, ReduceOnPlateau, TrainError};
use nn_core::{network, Batch, BatchNetwork, Error, Parameters};
use rand::{rngs::StdRng, SeedableRng};
use std::path::PathBuf;

network! {
    struct Mlp { input: 6, fc1: dense(24, relu, init = he), drop: dropout(0.3), out: dense(3) }
}

network! {
    struct Bn { input: [2, 4, 4], conv: conv2d(3, 3, relu, pad = 1), bn: batch_norm, flat: flatten, drop: dropout(0.2), out: dense(3) }
}

fn path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "nn-test-ckpt-{name}-{}.safetensors",
        std::process::id()
    ))
}

fn bits<P: Parameters<f32>>(p: &P) -> Vec<u32> {
    let mut v = vec![];
    p.visit(|_, x| v.extend(x.iter().map(|x| x.to_bits())));
    v
}

fn data<const IN: usize>() -> (Batch<f32, IN>, Vec<usize>) {
    let x = Batch::<f32, IN>::from_fn(200, |r, c| ((r * 7 + c * 13) % 17) as f32 / 17.0 - 0.4);
    let y = (0..200).map(|c| (c * 7 % 11) % 3).collect();
    (x, y)
}

/// 4 epochs against 2 + save + load into fresh objects + 2; returns both networks' bits.
fn resume_matches<const IN: usize, N, O>(
    name: &str,
    new_net: impl Fn() -> N,
    new_opt: impl Fn() -> O,
    threads: usize,
    fit: impl Fn(usize) -> Fit,
) where
    N: BatchNetwork<f32, IN, 3> + Parameters<f32> + Clone,
    O: Optimizer<f32, N>,
{
    let (x, y) = data::<IN>();
    let file = path(&format!("{name}-{threads}"));
    let run = |fit: Fit, net: &mut N, opt: &mut O| {
        fit.batch_size(32)
            .threads(threads)
            .seed(9)
            .run(
                net,
                opt,
                &CrossEntropy,
                Data::classes(&x, &y),
                Some(Data::classes(&x, &y)),
                &mut [],
            )
            .unwrap()
    };
    let (mut a, mut opt_a) = (new_net(), new_opt());
    let whole = run(fit(4), &mut a, &mut opt_a);
    run(fit(2).checkpoint(&file, 2), &mut new_net(), &mut new_opt());
    let (mut b, mut opt_b) = (new_net(), new_opt());
    b.fill(0.0);
    let rest = run(fit(4).resume(&file), &mut b, &mut opt_b);
    std::fs::remove_file(&file).unwrap();
    assert_eq!(
        bits(&a),
        bits(&b),
        "{name}, {threads} threads: weights differ"
    );
    assert_eq!(opt_a.steps(), opt_b.steps(), "{name}");
    assert_eq!(rest.epochs.len(), 2);
    assert_eq!(rest.epochs[0].epoch, 3);
    assert_eq!(
        rest.epochs[1].train, whole.epochs[3].train,
        "{name}: epoch 4's figures"
    );
    // And the weights moved in epochs 3 and 4: the check is not vacuous.
    let mut two = new_net();
    run(fit(2), &mut two, &mut new_opt());
    assert_ne!(bits(&two), bits(&a), "{name}");
}

fn mlp() -> Mlp<f32> {
    Mlp::new(&mut StdRng::seed_from_u64(5))
}

#[test]
fn resume_is_bit_exact_for_momentum_and_adam_with_dropout_on_1_and_2_threads() {
    for threads in [1, 2] {
        resume_matches(
            "momentum",
            mlp,
            || Momentum::new(0.05, 0.9),
            threads,
            Fit::new,
        );
        resume_matches("adam", mlp, || Adam::new(0.01), threads, Fit::new);
        resume_matches("nadam", mlp, || Nadam::new(0.01), threads, Fit::new);
    }
}

#[test]
fn resume_is_bit_exact_with_schedules_decay_and_plateau() {
    let fit = |n| {
        Fit::new(n)
            .schedule(nn_core::optim::Schedule::cosine(0.02, 0.001, 20))
            .reduce_on_plateau(ReduceOnPlateau::new(0.5, 0).with_threshold(0.5))
            .decoupled_weight_decay(0.01)
            .clip_norm(1.0)
    };
    for threads in [1, 2] {
        resume_matches("adamw-plateau", mlp, || Adam::new(0.01), threads, fit);
    }
}

#[test]
fn resume_is_bit_exact_with_batch_norm() {
    let bn = || Bn::<f32>::new(&mut StdRng::seed_from_u64(2));
    resume_matches("bn-momentum", bn, || Momentum::new(0.05, 0.9), 1, Fit::new);
    resume_matches("bn-adam", bn, || Adam::new(0.01), 2, Fit::new);
}

/// A checkpoint of 1 epoch of `mlp` with Adam.
fn saved(name: &str) -> PathBuf {
    let (x, y) = data::<6>();
    let file = path(name);
    Fit::new(1)
        .seed(9)
        .checkpoint(&file, 1)
        .run(
            &mut mlp(),
            &mut Adam::new(0.01),
            &CrossEntropy,
            Data::classes(&x, &y),
            None,
            &mut [],
        )
        .unwrap();
    file
}

#[test]
fn damaged_or_mismatched_files_are_typed_errors_and_change_nothing() {
    let file = saved("damaged");
    let bytes = std::fs::read(&file).unwrap();
    let check = |what: &str, bytes: &[u8], ok: &dyn Fn(&Error) -> bool| {
        let f = path(&format!("damaged-{}", what.replace(' ', "-")));
        std::fs::write(&f, bytes).unwrap();
        let mut net = mlp();
        let before = bits(&net);
        let e = load_checkpoint(&f, &mut net, &mut Adam::new(0.01)).unwrap_err();
        std::fs::remove_file(&f).unwrap();
        assert!(ok(&e), "{what}: {e}");
        assert_eq!(bits(&net), before, "{what}: the network changed");
        assert!(!e.to_string().is_empty());
    };
    check("truncated", &bytes[..bytes.len() - 5], &|e| {
        matches!(e, Error::Truncated { .. })
    });
    check("header only", &bytes[..20], &|e| {
        matches!(e, Error::Truncated { .. } | Error::Corrupt { .. })
    });
    check("empty", &[], &|e| matches!(e, Error::Truncated { .. }));
    let mut longer = bytes.clone();
    longer.extend_from_slice(&[0; 3]);
    check("trailing bytes", &longer, &|e| {
        matches!(e, Error::TrailingBytes { .. })
    });
    let mut garbled = bytes.clone();
    garbled[12] = b'!';
    check("garbled header", &garbled, &|e| {
        matches!(e, Error::Corrupt { .. })
    });
    // The format version is the first value of the `checkpoint` tensor.
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = std::str::from_utf8(&bytes[8..8 + n]).unwrap();
    let at = header.find("\"checkpoint\"").unwrap();
    let offs = &header[at..];
    let offs = &offs[offs.find("data_offsets\":[").unwrap() + 15..];
    let start: usize = offs[..offs.find(',').unwrap()].parse().unwrap();
    let mut v2 = bytes.clone();
    v2[8 + n + start..8 + n + start + 8].copy_from_slice(&2.0f64.to_le_bytes());
    check(
        "version 2",
        &v2,
        &|e| matches!(e, Error::Corrupt { field, .. } if field == "format version"),
    );
    // A weights file is not a checkpoint.
    check(
        "weights file",
        &nn_core::io::to_safetensors_bytes(&mlp()).unwrap(),
        &|e| matches!(e, Error::Corrupt { field, .. } if field == "checkpoint"),
    );

    // Another optimizer, another network, another scalar type, another seed.
    let e = load_checkpoint(&file, &mut mlp(), &mut Momentum::new(0.1, 0.9)).unwrap_err();
    assert!(
        matches!(&e, Error::MissingTensor { name, .. } if name == "opt/velocity/fc1.weight"),
        "{e}"
    );
    let e = load_checkpoint(&file, &mut mlp(), &mut Sgd::new(0.1)).unwrap_err();
    assert!(
        matches!(&e, Error::UnexpectedTensor { name, .. } if name.starts_with("opt/m/")),
        "{e}"
    );
    network! { struct Other { input: 6, fc1: dense(20, relu), drop: dropout(0.3), out: dense(3) } }
    let e = load_checkpoint(&file, &mut Other::<f32>::zeros(), &mut Adam::new(0.1)).unwrap_err();
    assert!(
        matches!(&e, Error::TensorShape { name, .. } if name == "net/fc1.weight"),
        "{e}"
    );
    let e = load_checkpoint(&file, &mut Mlp::<f64>::zeros(), &mut Adam::new(0.1)).unwrap_err();
    assert!(matches!(e, Error::TensorDtype { .. }), "{e}");
    let (x, y) = data::<6>();
    let mut net = mlp();
    let before = bits(&net);
    let r = Fit::new(3).seed(10).resume(&file).run(
        &mut net,
        &mut Adam::new(0.01),
        &CrossEntropy,
        Data::classes(&x, &y),
        None,
        &mut [],
    );
    assert!(
        matches!(&r, Err(TrainError::Core(Error::Corrupt { field, .. })) if field == "seed"),
        "{r:?}"
    );
    assert_eq!(bits(&net), before);
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn a_zero_period_and_an_optimizer_without_saved_state_are_errors() {
    let (x, y) = data::<6>();
    let r = Fit::new(1).checkpoint(path("zero"), 0).run(
        &mut mlp(),
        &mut Adam::new(0.01),
        &CrossEntropy,
        Data::classes(&x, &y),
        None,
        &mut [],
    );
    assert!(
        matches!(r, Err(TrainError::Core(Error::InvalidConfig { .. }))),
        "{r:?}"
    );
    let net = mlp();
    let lbfgs = nn_core::optim::Lbfgs::fixed_step(&net, 0.1).unwrap();
    let file = path("lbfgs");
    let e = save_checkpoint(&file, &net, &lbfgs, 1, 0).unwrap_err();
    assert!(matches!(e, Error::Unsupported { .. }), "{e}");
    assert!(!file.exists());
}
