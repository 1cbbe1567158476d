//! Reinforcement learning: the CartPole dynamics against the equations of Barto, Sutton and
//! Anderson (1983) written out here independently; replay buffers (capacity, wrap-around,
//! the sampling distribution of prioritized replay, importance-sampling weights); the TD
//! target with and without terminal states; and the agents learning on fixed seeds.

use nn_core::network;
use nn_core::rl::{
    td_targets, Anneal, CartPole, Dqn, DqnConfig, Environment, EpsilonGreedy, PrioritizedReplay,
    Reinforce, ReinforceConfig, ReplayBuffer, SumTree, TargetUpdate, Transition,
};
use nn_core::{Batch, Error};
use rand::{rngs::StdRng, Rng, SeedableRng};

fn transition(action: usize, reward: f64) -> Transition<4> {
    Transition {
        state: [reward; 4],
        action,
        reward,
        next_state: [0.0; 4],
        terminal: false,
    }
}

// ---------------------------------------------------------------- CartPole

/// One step of the cart-pole equations as the 1983 paper writes them (no friction):
///
/// θ̈ = [g sin θ + cos θ (-F - m l θ̇² sin θ)/(m_c + m)] / [l (4/3 - m cos²θ/(m_c + m))]
/// ẍ = [F + m l (θ̇² sin θ - θ̈ cos θ)] / (m_c + m)
///
/// then explicit Euler with τ = 0.02, positions from the old velocities.
fn paper_step(s: [f64; 4], force: f64) -> [f64; 4] {
    let (g, mc, m, l, tau) = (9.8, 1.0, 0.1, 0.5, 0.02);
    let [x, xd, th, thd] = s;
    let thdd = (g * th.sin() + th.cos() * (-force - m * l * thd * thd * th.sin()) / (mc + m))
        / (l * (4.0 / 3.0 - m * th.cos().powi(2) / (mc + m)));
    let xdd = (force + m * l * (thd * thd * th.sin() - thdd * th.cos())) / (mc + m);
    [
        x + tau * xd,
        xd + tau * xdd,
        th + tau * thd,
        thd + tau * thdd,
    ]
}

#[test]
fn cartpole_follows_the_equations_of_motion_on_known_states() {
    let states = [
        [0.0, 0.0, 0.0, 0.0],
        [0.1, -0.3, 0.05, 0.2],
        [-1.5, 1.2, -0.18, -1.1],
        [2.0, 0.5, 0.2, 2.5],
    ];
    let mut env = CartPole::new(0);
    for s in states {
        for (action, force) in [(0, -10.0), (1, 10.0)] {
            env.set_state(s);
            let step = env.step(action).unwrap();
            let want = paper_step(s, force);
            for (i, (got, want)) in step.state.iter().zip(want).enumerate() {
                assert!(
                    (got - want).abs() < 1e-12,
                    "state {s:?}, action {action}, component {i}: {got} vs {want}"
                );
            }
            assert_eq!(env.state(), step.state);
            assert_eq!(step.reward, 1.0);
        }
    }
    // At rest and upright, a push only moves the cart: ẍ = F / (m_c + m_p) - m l θ̈ / M with
    // θ̈ = -F / (M l (4/3 - m/M)).
    env.set_state([0.0; 4]);
    let s = env.step(1).unwrap().state;
    let big_m = 1.1;
    let thdd = -10.0 / big_m / (0.5 * (4.0 / 3.0 - 0.1 / big_m));
    let xdd = 10.0 / big_m - 0.05 * thdd / big_m;
    assert_eq!(s[0], 0.0);
    assert!((s[1] - 0.02 * xdd).abs() < 1e-15 && (s[3] - 0.02 * thdd).abs() < 1e-15);
}

#[test]
fn cartpole_terminates_beyond_12_degrees_or_2_4_units() {
    let mut env = CartPole::new(0);
    let limit = 12f64.to_radians();
    // Just inside, moving outwards fast enough to cross in one step.
    for (s, crosses) in [
        ([0.0, 0.0, limit - 1e-3, 1.0], true),
        ([0.0, 0.0, -(limit - 1e-3), -1.0], true),
        ([2.39, 1.0, 0.0, 0.0], true),
        ([-2.39, -1.0, 0.0, 0.0], true),
        ([2.3, 1.0, 0.0, 0.0], false),
    ] {
        env.set_state(s);
        let step = env.step(0).unwrap();
        assert_eq!(step.terminated, crosses, "from {s:?}");
        assert!(!step.truncated);
        if crosses {
            let e = env.step(0).unwrap_err();
            assert!(matches!(e, Error::OutOfOrder { .. }), "{e}");
        }
    }
    assert!(!CartPole::is_terminal(&[2.4, 0.0, limit - 1e-12, 0.0]));
    assert!(CartPole::is_terminal(&[0.0, 0.0, limit + 1e-9, 0.0]));
}

#[test]
fn cartpole_is_truncated_after_500_steps() {
    let mut env = CartPole::new(4);
    let mut s = env.reset();
    let mut steps = 0;
    loop {
        // A linear controller that keeps the pole up and the cart near the centre.
        let u = s[2] + 0.5 * s[3] + 0.01 * s[0] + 0.1 * s[1];
        let step = env.step(usize::from(u > 0.0)).unwrap();
        steps += 1;
        assert!(
            !step.terminated,
            "the controller dropped the pole at step {steps}"
        );
        if step.truncated {
            break;
        }
        s = step.state;
    }
    assert_eq!((steps, env.steps()), (500, 500));
    assert!(env.step(0).is_err());
}

#[test]
fn cartpole_resets_are_seeded_and_small() {
    let (mut a, mut b, mut c) = (CartPole::new(9), CartPole::new(9), CartPole::new(10));
    for _ in 0..20 {
        let (sa, sb, sc) = (a.reset(), b.reset(), c.reset());
        assert_eq!(sa, sb);
        assert_ne!(sa, sc);
        assert!(sa.iter().all(|v| (-0.05..0.05).contains(v)));
    }
    assert_eq!(
        a.step(2).unwrap_err(),
        Error::ActionOutOfRange {
            action: 2,
            actions: 2
        }
    );
    assert!(CartPole::new(0).step(0).is_err(), "a step before reset");
}

// ---------------------------------------------------------------- replay

#[test]
fn replay_buffer_keeps_the_last_capacity_transitions() {
    let mut buf = ReplayBuffer::<4>::new(5).unwrap();
    assert!(buf.is_empty());
    for k in 0..12 {
        let slot = buf.push(transition(k, k as f64));
        assert_eq!(slot, k % 5);
        assert_eq!(buf.len(), (k + 1).min(5));
    }
    assert_eq!(buf.capacity(), 5);
    // Pushes 7..12 overwrote slots 2, 3, 4, 0, 1: slot i holds the last push k ≡ i (mod 5).
    let held: Vec<usize> = (0..5).map(|i| buf.get(i).unwrap().action).collect();
    assert_eq!(held, [10, 11, 7, 8, 9]);
    assert!(buf.get(5).is_none());
}

#[test]
fn uniform_replay_samples_every_slot_equally() {
    let mut buf = ReplayBuffer::<4>::new(8).unwrap();
    let mut idx = Vec::new();
    assert!(buf
        .sample(4, &mut StdRng::seed_from_u64(0), &mut idx)
        .is_err());
    for k in 0..8 {
        buf.push(transition(k, 0.0));
    }
    let mut counts = [0usize; 8];
    let mut rng = StdRng::seed_from_u64(1);
    for _ in 0..1000 {
        buf.sample(64, &mut rng, &mut idx).unwrap();
        assert_eq!(idx.len(), 64);
        idx.iter().for_each(|&i| counts[i] += 1);
    }
    // 64,000 draws, 8,000 expected per slot, standard deviation ~84.
    for c in counts {
        assert!((c as f64 - 8000.0).abs() < 400.0, "{counts:?}");
    }
}

#[test]
fn sum_tree_finds_cumulative_ranges_and_totals_after_updates() {
    let mut rng = StdRng::seed_from_u64(2);
    for n in [1, 2, 3, 5, 8, 13] {
        let mut t = SumTree::new(n);
        let mut w = vec![0.0; n];
        for _ in 0..50 {
            let i = rng.random_range(0..n);
            w[i] = if rng.random_bool(0.2) {
                0.0
            } else {
                rng.random_range(0.0..3.0)
            };
            t.set(i, w[i]);
        }
        let total: f64 = w.iter().sum();
        assert!((t.total() - total).abs() < 1e-12);
        if total == 0.0 {
            continue;
        }
        // find(u) is the index whose cumulative range holds u.
        let mut lo = 0.0;
        for (i, &wi) in w.iter().enumerate() {
            if wi > 0.0 {
                assert_eq!(t.find(lo + 0.5 * wi), i, "n = {n}, weights {w:?}");
                assert_eq!(t.find(lo + 1e-9 * wi), i);
            }
            lo += wi;
        }
        // Past the end: the last index with weight.
        let last = w.iter().rposition(|&x| x > 0.0).unwrap();
        assert_eq!(t.find(total * 1.5), last);
    }
}

/// Draws `batches` batches of 32 and returns each slot's frequency.
fn frequencies(buf: &PrioritizedReplay<4>, batches: usize, seed: u64) -> Vec<f64> {
    let mut counts = vec![0usize; buf.len()];
    let (mut idx, mut w) = (Vec::new(), Vec::new());
    let mut rng = StdRng::seed_from_u64(seed);
    for _ in 0..batches {
        buf.sample(32, 0.5, &mut rng, &mut idx, &mut w).unwrap();
        idx.iter().for_each(|&i| counts[i] += 1);
    }
    let n = (batches * 32) as f64;
    counts.into_iter().map(|c| c as f64 / n).collect()
}

#[test]
fn prioritized_replay_samples_in_proportion_to_priority_to_the_alpha() {
    let alpha = 0.7;
    let mut buf = PrioritizedReplay::<4>::new(6, alpha).unwrap();
    for k in 0..6 {
        buf.push(transition(k, 0.0));
    }
    // New transitions share the largest priority: uniform so far.
    for f in frequencies(&buf, 2000, 3) {
        assert!((f - 1.0 / 6.0).abs() < 0.01, "{f}");
    }
    let td = [0.5, 1.0, 2.0, 4.0, 0.1, 3.0];
    buf.update_priorities(&[0, 1, 2, 3, 4, 5], &td).unwrap();
    let p: Vec<f64> = td
        .iter()
        .map(|d: &f64| (d.abs() + 1e-6).powf(alpha))
        .collect();
    let sum: f64 = p.iter().sum();
    let f = frequencies(&buf, 5000, 4);
    for i in 0..6 {
        let want = p[i] / sum;
        assert!((buf.probability(i) - want).abs() < 1e-12);
        // 160,000 draws: the standard deviation of a frequency is below 0.0013.
        assert!(
            (f[i] - want).abs() < 0.005,
            "slot {i}: frequency {} vs P(i) = {want}",
            f[i]
        );
    }
    // A new transition gets the largest priority seen (|δ| = 4), so it is as likely as slot 3.
    buf.push(transition(9, 0.0)); // overwrites slot 0
    assert!((buf.probability(0) - buf.probability(3)).abs() < 1e-12);
}

#[test]
fn prioritized_replay_weights_undo_the_sampling_bias() {
    let mut buf = PrioritizedReplay::<4>::new(4, 1.0).unwrap();
    for k in 0..4 {
        buf.push(transition(k, 0.0));
    }
    buf.update_priorities(&[0, 1, 2, 3], &[1.0, 2.0, 3.0, 4.0])
        .unwrap();
    let (mut idx, mut w) = (Vec::new(), Vec::new());
    let mut rng = StdRng::seed_from_u64(5);
    for beta in [0.0, 0.4, 1.0] {
        buf.sample(64, beta, &mut rng, &mut idx, &mut w).unwrap();
        // w_i = (N P(i))^-β / max_j w_j over the batch.
        let raw: Vec<f64> = idx
            .iter()
            .map(|&i| (4.0 * buf.probability(i)).powf(-beta))
            .collect();
        let max = raw.iter().cloned().fold(0.0, f64::max);
        for (k, (&got, r)) in w.iter().zip(&raw).enumerate() {
            assert!((got - r / max).abs() < 1e-12, "β = {beta}, draw {k}");
        }
        assert!(w.iter().all(|&x| x > 0.0 && x <= 1.0));
    }
    // With β = 1, weight times probability is the same for every draw of a batch: the
    // weighted draws are unbiased for a uniform average.
    buf.sample(64, 1.0, &mut rng, &mut idx, &mut w).unwrap();
    let products: Vec<f64> = idx
        .iter()
        .zip(&w)
        .map(|(&i, &wi)| wi * buf.probability(i))
        .collect();
    assert!(products.iter().all(|p| (p - products[0]).abs() < 1e-12));
    assert!(buf.update_priorities(&[0], &[1.0, 2.0]).is_err());
    assert!(buf.update_priorities(&[7], &[1.0]).is_err());
    assert!(buf.sample(4, 1.5, &mut rng, &mut idx, &mut w).is_err());
}

// ---------------------------------------------------------------- TD targets, exploration

#[test]
fn td_target_bootstraps_unless_terminal() {
    // Q̂(s'_j, ·) for three samples, two actions.
    let next_target = Batch::<f64, 2>::from_column_slice(&[1.0, 4.0, 2.0, -1.0, 3.0, 3.5]);
    let rewards = [1.0, 0.5, -2.0];
    let gamma = 0.9;
    let mut y = [0.0; 3];
    td_targets(
        &rewards,
        &[false, false, false],
        &next_target,
        None,
        gamma,
        &mut y,
    )
    .unwrap();
    assert_eq!(y, [1.0 + 0.9 * 4.0, 0.5 + 0.9 * 2.0, -2.0 + 0.9 * 3.5]);
    td_targets(
        &rewards,
        &[true, false, true],
        &next_target,
        None,
        gamma,
        &mut y,
    )
    .unwrap();
    assert_eq!(y, [1.0, 0.5 + 0.9 * 2.0, -2.0]);

    // Double DQN: the online network picks the action, the target network values it.
    let next_online = Batch::<f64, 2>::from_column_slice(&[5.0, 0.0, 0.0, 5.0, 1.0, 0.0]);
    td_targets(
        &rewards,
        &[false, false, true],
        &next_target,
        Some(&next_online),
        gamma,
        &mut y,
    )
    .unwrap();
    assert_eq!(y, [1.0 + 0.9 * 1.0, 0.5 - 0.9 * 1.0, -2.0]);

    assert!(td_targets(&rewards, &[false; 2], &next_target, None, gamma, &mut y).is_err());
    assert!(td_targets(
        &rewards[..2],
        &[false; 3],
        &next_target,
        None,
        gamma,
        &mut y
    )
    .is_err());
}

#[test]
fn epsilon_greedy_explores_with_probability_epsilon() {
    let policy = EpsilonGreedy::new(Anneal::new(1.0, 0.2, 1000));
    let q = [0.0f32, 1.0, 0.5, -1.0];
    let mut rng = StdRng::seed_from_u64(6);
    let count = |t: u64, rng: &mut StdRng| {
        let mut c = [0usize; 4];
        (0..40_000).for_each(|_| c[policy.select(&q, t, rng)] += 1);
        c.map(|c| c as f64 / 40_000.0)
    };
    // ε = 1: uniform.
    for f in count(0, &mut rng) {
        assert!((f - 0.25).abs() < 0.01);
    }
    // ε = 0.2 from step 1000 on: the greedy action 1 with 0.8 + 0.2/4.
    let f = count(5000, &mut rng);
    assert!(
        (f[1] - 0.85).abs() < 0.01 && (f[0] - 0.05).abs() < 0.01,
        "{f:?}"
    );
    assert_eq!(policy.epsilon.at(500), 0.6);
}

// ---------------------------------------------------------------- agents

network! {
    /// Q(s, ·) for the tabular check: one-hot states.
    struct TabularQ { input: 2, h: dense(32, relu, init = he), q: dense(2) }
}
network! {
    /// The same with a dueling head: Q = V + A - mean A.
    struct TabularDueling {
        input: 2,
        h: dense(32, relu, init = he),
        v: dense(1)(h),
        a: dense(2)(h),
        q: dueling(v, a),
    }
}

/// Trains on the transitions of a two-state problem and checks the learned values.
///
/// State A = (1, 0): action 0 ends with reward 1, action 1 moves to B with reward 0.
/// State B = (0, 1): action 0 ends with reward 2, action 1 stays with reward 0.5.
/// With γ = 0.9: Q(B, 1) = 0.5 / (1 - 0.9) = 5, Q(B, 0) = 2, Q(A, 0) = 1,
/// Q(A, 1) = 0.9 · 5 = 4.5. Terminal masking matters: without it Q(A, 0) would be 5.5.
fn learns_two_state_values<N>(what: &str, net: N, target_update: TargetUpdate)
where
    N: nn_core::BatchNetwork<f64, 2, 2>
        + nn_core::Network<
            f64,
            Input = nn_core::nalgebra::SVector<f64, 2>,
            Output = nn_core::nalgebra::SVector<f64, 2>,
        >,
{
    let config = DqnConfig {
        gamma: 0.9,
        learning_starts: 100,
        target_update,
        ..DqnConfig::default()
    };
    let mut agent: Dqn<f64, N, 2, 2> = Dqn::new(net, config, 1).unwrap();
    let (a, b) = ([1.0, 0.0], [0.0, 1.0]);
    let t = |state, action, reward, next_state, terminal| Transition {
        state,
        action,
        reward,
        next_state,
        terminal,
    };
    for k in 0..8000 {
        let tr = match k % 4 {
            0 => t(a, 0, 1.0, b, true),
            1 => t(a, 1, 0.0, b, false),
            2 => t(b, 0, 2.0, a, true),
            _ => t(b, 1, 0.5, b, false),
        };
        agent.observe(tr).unwrap();
    }
    assert_eq!(agent.updates(), 8000 - 99);
    let (qa, qb) = (agent.q_values(&a), agent.q_values(&b));
    let want = [(qa[0], 1.0), (qa[1], 4.5), (qb[0], 2.0), (qb[1], 5.0)];
    for (got, want) in want {
        assert!(
            (got - want).abs() < 0.05,
            "{what}, {target_update:?}: {qa:?} {qb:?}"
        );
    }
    assert_eq!((agent.greedy(&a), agent.greedy(&b)), (1, 1));
}

#[test]
fn dqn_learns_the_values_of_a_small_known_problem() {
    for target_update in [
        TargetUpdate::Polyak { tau: 0.01 },
        TargetUpdate::Copy { every: 100 },
    ] {
        let mut rng = StdRng::seed_from_u64(0);
        learns_two_state_values("plain", TabularQ::new(&mut rng), target_update);
        learns_two_state_values("dueling", TabularDueling::new(&mut rng), target_update);
    }
    let agent = Dqn::<f64, TabularQ<f64>, 2, 2>::new(
        TabularQ::zeros(),
        DqnConfig {
            gamma: 1.5,
            ..DqnConfig::default()
        },
        0,
    );
    assert!(agent.is_err());
}

network! {
    /// A small value network for CartPole.
    struct SmallQ { input: 4, h1: dense(64, relu, init = he), h2: dense(64, relu, init = he), q: dense(2) }
}

/// Runs `episodes` of `agent` and returns the mean return of the first and of the last ten.
fn first_and_last(returns: &[f64]) -> (f64, f64) {
    let k = 10.min(returns.len());
    let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len() as f64;
    (mean(&returns[..k]), mean(&returns[returns.len() - k..]))
}

#[test]
fn dqn_learns_to_balance_the_pole_on_a_fixed_seed() {
    for prioritized in [false, true] {
        let config = DqnConfig {
            epsilon: Anneal::new(1.0, 0.01, 5_000),
            learning_rate: Anneal::constant(1e-3),
            prioritized: prioritized.then(Default::default),
            ..DqnConfig::default()
        };
        let mut rng = StdRng::seed_from_u64(11);
        let mut agent: Dqn<f32, SmallQ, 4, 2> =
            Dqn::new(SmallQ::new(&mut rng), config, 11).unwrap();
        let mut env = CartPole::new(11);
        let mut returns = Vec::new();
        while agent.steps() < 15_000 {
            returns.push(agent.run_episode(&mut env).unwrap().ret);
        }
        let (first, last) = first_and_last(&returns);
        assert!(
            last > 100.0 && last > 4.0 * first,
            "prioritized = {prioritized}: first ten average {first}, last ten {last}"
        );
    }
}

network! {
    /// The action network.
    struct Pi { input: 4, h: dense(32, tanh, init = xavier), logits: dense(2) }
}
network! {
    /// REINFORCE's baseline.
    struct Baseline { input: 4, h: dense(32, tanh, init = xavier), v: dense(1) }
}

#[test]
fn reinforce_improves_on_a_fixed_seed() {
    let mut rng = StdRng::seed_from_u64(12);
    let mut agent: Reinforce<f32, Pi, Baseline, 4, 2> = Reinforce::new(
        Pi::new(&mut rng),
        Baseline::new(&mut rng),
        ReinforceConfig::default(),
        12,
    )
    .unwrap();
    let mut env = CartPole::new(12);
    let returns: Vec<f64> = (0..300)
        .map(|_| agent.run_episode(&mut env).unwrap().ret)
        .collect();
    let (first, last) = first_and_last(&returns);
    assert!(
        last > 150.0 && last > 4.0 * first,
        "first ten average {first}, last ten {last}"
    );
    // π is a distribution.
    let p = agent.probabilities(&[0.0, 0.0, 0.1, 0.0]);
    assert!((p.sum() - 1.0).abs() < 1e-6 && p.iter().all(|&x| x > 0.0));
}
