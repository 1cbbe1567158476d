//! The schedules and reduce-on-plateau against PyTorch's own schedulers: the rates in
//! `fixtures/lr_schedules.json`, written by `tools/lr_schedule_fixtures.py` from
//! `torch.optim.lr_scheduler` (PyTorch multiplies step by step, this library uses the closed
//! form: they agree to rounding).

use nn_core::optim::Schedule;
use nn_core::train::ReduceOnPlateau;
use serde_json::Value;

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/lr_schedules.json")).unwrap()
}

fn list(v: &Value, key: &str) -> Vec<f64> {
    v[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs()
}

#[test]
fn schedules_give_pytorchs_rates() {
    let f = fixture();
    let eta0 = f["eta0"].as_f64().unwrap();
    for (key, s) in [
        ("step", Schedule::step_decay(eta0, 0.5, 3)),
        ("exponential", Schedule::exponential(eta0, 0.9)),
        ("cosine", Schedule::cosine(eta0, 0.001, 12)),
        ("warmup", Schedule::warmup(eta0, 0.1, 6)),
    ] {
        let want = list(&f, key);
        assert!(want.len() >= 13, "{key}");
        for (t, w) in want.iter().enumerate() {
            let got = s.rate(t as u64);
            assert!(
                close(got, *w),
                "{key}, t = {t}: {got} against PyTorch's {w}"
            );
        }
    }
}

#[test]
fn reduce_on_plateau_gives_pytorchs_rates() {
    let f = fixture();
    let eta0 = f["eta0"].as_f64().unwrap();
    let mut p = ReduceOnPlateau::new(0.5, 2).with_threshold(0.1);
    let want = list(&f, "plateau");
    for (i, (loss, w)) in list(&f, "plateau_losses").iter().zip(&want).enumerate() {
        p.observe(*loss);
        assert!(
            close(eta0 * p.scale(), *w),
            "epoch {i}: {} against PyTorch's {w}",
            eta0 * p.scale()
        );
    }
    assert!(want.last().unwrap() < &(eta0 / 4.0)); // the fixture does reduce, several times
}
