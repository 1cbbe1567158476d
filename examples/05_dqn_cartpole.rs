//! Deep Q-learning on CartPole-v1: a value network `Q(s, ·)` (4-128-128-2, ReLU) trained
//! from experience replay towards double-DQN targets of a Polyak-averaged target network,
//! with the Huber loss and Adam; with `--dueling`, the dueling architecture declared as a
//! `network!` graph; with `--reinforce`, a policy network trained by REINFORCE with a
//! learned baseline instead.
//!
//! CartPole-v1 counts as solved when the average return of 100 consecutive episodes reaches
//! 475 (of at most 500). For each seed the agent trains for at most `--steps` environment
//! steps (100,000) and stops when its last 100 training episodes (ε-greedy, `ε` = 0.01 by
//! then) average at least 475; the steps taken by then are the seed's steps to solve. Ends
//! with `result: solved=K/N median_steps=M`, the median over all seeds (an unsolved seed
//! counts as more than the budget).
//!
//! ```sh
//! cargo run --release --example dqn_cartpole
//! cargo run --release --example dqn_cartpole -- --dueling --huber-delta 30 --plot dqn.png
//! cargo run --release --example dqn_cartpole -- --reinforce --steps 300000
//! ```
//!
//! Hyper-parameters ([`DqnConfig::default`]): `γ = 0.99`; Adam, `α = 5·10⁻⁴`; batches of 64
//! from a replay buffer of 100,000 transitions (the whole run: nothing is forgotten); one
//! update per environment step from step 1,000 on; Huber `δ = 10`; gradient norm clipped at
//! 10; `ε` from 1 to 0.01 over the first 10,000 steps; Polyak `τ = 0.005`; double-DQN
//! targets. REINFORCE ([`ReinforceConfig::default`]): 4-64-2 tanh policy and 4-64-1 tanh
//! baseline, Adam `α = 0.002` and `0.005`, standardized advantages, one update per episode.
//!
//! Flags: `--seeds 1,2,3,4,5` (or a count, `--seeds 5`), `--steps N`, `--dueling`,
//! `--prioritized` (prioritized replay, α = 0.6, β from 0.4 to 1 over the budget),
//! `--reinforce`, `--plot FILE.png` (the 100-episode average return of every seed against
//! environment steps), `--verbose` (the average every 10 episodes). Settings:
//! `--lr X` and `--lr-end X` (a linear decay over the budget), `--huber-delta X`, `--tau X`,
//! `--copy-every C` (a full target copy every C updates instead of Polyak averaging),
//! `--capacity N`, `--batch N`, `--eps-steps N`, `--eps-end X`, `--train-every N`,
//! `--gradient-steps N`.
//!
//! [`DqnConfig::default`]: nn_core::rl::DqnConfig
//! [`ReinforceConfig::default`]: nn_core::rl::ReinforceConfig

#[path = "support/plot.rs"]
#[allow(dead_code)] // only the learning-curve helper is used here
mod plot;

use nn_core::nalgebra::SVector;
use nn_core::network;
use nn_core::rl::{
    Anneal, CartPole, Dqn, DqnConfig, Episode, PrioritizedConfig, Reinforce, ReinforceConfig,
    TargetUpdate,
};
use nn_core::{BatchNetwork, Error, Network};
use rand::{rngs::StdRng, SeedableRng};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::Instant;

network! {
    /// The value network: one Q-value per action.
    pub struct QNet {
        input: 4,
        h1: dense(128, relu, init = he),
        h2: dense(128, relu, init = he),
        q: dense(2),
    }
}

network! {
    /// The dueling architecture: a value stream V(s) and an advantage stream A(s, ·) on
    /// shared features, joined as Q = V + A - mean A.
    pub struct DuelingQNet {
        input: 4,
        h1: dense(128, relu, init = he),
        h2: dense(128, relu, init = he),
        v: dense(1)(h2),
        a: dense(2)(h2),
        q: dueling(v, a),
    }
}

network! {
    /// The action network: the logits of π(a|s).
    pub struct Policy {
        input: 4,
        h: dense(64, tanh, init = xavier),
        logits: dense(2),
    }
}

network! {
    /// REINFORCE's baseline V(s).
    pub struct Value {
        input: 4,
        h: dense(64, tanh, init = xavier),
        v: dense(1),
    }
}

/// The average return over 100 consecutive episodes that counts as solved.
const GOAL: f64 = 475.0;
/// Episodes in the moving average.
const WINDOW: usize = 100;

struct Args {
    seeds: Vec<u64>,
    steps: usize,
    prioritized: bool,
    copy_every: Option<u64>,
    lr: Option<f64>,
    reinforce: bool,
    plot: Option<PathBuf>,
    verbose: bool,
    tau: Option<f64>,
    lr_end: Option<f64>,
    capacity: Option<usize>,
    eps_steps: Option<u64>,
    eps_end: Option<f64>,
    train_every: Option<u64>,
    gradient_steps: Option<u64>,
    dueling: bool,
    batch: Option<usize>,
    huber_delta: Option<f64>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        seeds: (1..=5).collect(),
        steps: 100_000,
        prioritized: false,
        copy_every: None,
        lr: None,
        reinforce: false,
        plot: None,
        verbose: false,
        tau: None,
        lr_end: None,
        capacity: None,
        eps_steps: None,
        eps_end: None,
        train_every: None,
        gradient_steps: None,
        dueling: false,
        batch: None,
        huber_delta: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("`{flag}` needs a value"));
        let int = |v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("`{flag}` expects a whole number, found `{v}`"))
        };
        match flag.as_str() {
            "--seeds" => {
                let v = value()?;
                a.seeds = if v.contains(',') {
                    v.split(',')
                        .map(|s| int(s.trim().to_string()))
                        .collect::<Result<_, _>>()?
                } else {
                    (1..=int(v)?).collect()
                };
            }
            "--steps" => a.steps = int(value()?)? as usize,
            "--prioritized" => a.prioritized = true,
            "--copy-every" => a.copy_every = Some(int(value()?)?),
            "--lr" => {
                let v = value()?;
                a.lr = Some(
                    v.parse()
                        .map_err(|_| format!("`--lr` expects a number, found `{v}`"))?,
                );
            }
            "--reinforce" => a.reinforce = true,
            "--verbose" => a.verbose = true,
            "--lr-end" => {
                let v = value()?;
                a.lr_end = Some(
                    v.parse()
                        .map_err(|_| format!("`--lr-end` expects a number, found `{v}`"))?,
                );
            }
            "--capacity" => a.capacity = Some(int(value()?)? as usize),
            "--eps-steps" => a.eps_steps = Some(int(value()?)?),
            "--eps-end" => {
                let v = value()?;
                a.eps_end = Some(v.parse().map_err(|_| format!("bad `{v}`"))?);
            }
            "--train-every" => a.train_every = Some(int(value()?)?),
            "--gradient-steps" => a.gradient_steps = Some(int(value()?)?),
            "--huber-delta" => {
                let v = value()?;
                a.huber_delta = Some(v.parse().map_err(|_| format!("bad `{v}`"))?);
            }
            "--batch" => a.batch = Some(int(value()?)? as usize),
            "--dueling" => a.dueling = true,
            "--tau" => {
                let v = value()?;
                a.tau = Some(
                    v.parse()
                        .map_err(|_| format!("`--tau` expects a number, found `{v}`"))?,
                );
            }
            "--plot" => a.plot = Some(PathBuf::from(value()?)),
            _ => return Err(format!("unknown flag `{flag}`")),
        }
    }
    if a.seeds.is_empty() {
        return Err("`--seeds` needs at least one seed".into());
    }
    Ok(a)
}

/// One seed's run: the returns per episode (with the step count at its end) and, if solved,
/// the steps taken when the 100-episode average first reached the goal.
struct Run {
    seed: u64,
    episodes: Vec<(usize, f64)>,
    solved_at: Option<usize>,
    best_average: f64,
    seconds: f64,
}

/// Runs episodes until solved or out of steps.
fn run(
    seed: u64,
    budget: usize,
    verbose: bool,
    mut episode: impl FnMut() -> Result<Episode, Error>,
) -> Result<Run, Error> {
    let start = Instant::now();
    let mut window = VecDeque::with_capacity(WINDOW);
    let (mut steps, mut sum) = (0, 0.0);
    let mut r = Run {
        seed,
        episodes: Vec::new(),
        solved_at: None,
        best_average: 0.0,
        seconds: 0.0,
    };
    while steps < budget {
        let e = episode()?;
        steps += e.steps;
        r.episodes.push((steps, e.ret));
        window.push_back(e.ret);
        sum += e.ret;
        if window.len() > WINDOW {
            sum -= window.pop_front().unwrap_or(0.0);
        }
        if window.len() == WINDOW {
            let avg = sum / WINDOW as f64;
            r.best_average = r.best_average.max(avg);
            if verbose && r.episodes.len().is_multiple_of(10) {
                println!(
                    "  step {steps:6}  episode {:4}  average {avg:6.1}",
                    r.episodes.len()
                );
            }
            if avg >= GOAL && steps <= budget {
                r.solved_at = Some(steps);
                break;
            }
        }
    }
    r.seconds = start.elapsed().as_secs_f64();
    Ok(r)
}

fn dqn_config(args: &Args) -> DqnConfig {
    let mut c = DqnConfig::default();
    let lr = args.lr.unwrap_or(c.learning_rate.start);
    c.learning_rate = Anneal::new(lr, args.lr_end.unwrap_or(lr), args.steps as u64);
    if let Some(n) = args.capacity {
        c.replay_capacity = n;
    }
    if let Some(n) = args.eps_steps {
        c.epsilon = Anneal::new(1.0, c.epsilon.end, n);
    }
    if let Some(e) = args.eps_end {
        c.epsilon.end = e;
    }
    if let Some(n) = args.train_every {
        c.train_every = n;
    }
    if let Some(n) = args.gradient_steps {
        c.gradient_steps = n;
    }
    if let Some(d) = args.huber_delta {
        c.huber_delta = d;
    }
    if let Some(n) = args.batch {
        c.batch_size = n;
    }
    if let Some(tau) = args.tau {
        c.target_update = TargetUpdate::Polyak { tau };
    }
    if let Some(every) = args.copy_every {
        c.target_update = TargetUpdate::Copy { every };
    }
    if args.prioritized {
        c.prioritized = Some(PrioritizedConfig {
            alpha: 0.6,
            beta: Anneal::new(0.4, 1.0, args.steps as u64),
        });
    }
    c
}

/// Trains a DQN agent with value network `net` on one seed.
fn run_dqn<N>(args: &Args, seed: u64, net: N) -> Result<Run, Error>
where
    N: BatchNetwork<f32, 4, 2> + Network<f32, Input = SVector<f32, 4>, Output = SVector<f32, 2>>,
{
    let mut env = CartPole::new(seed);
    let mut agent: Dqn<f32, N, 4, 2> = Dqn::new(net, dqn_config(args), seed)?;
    run(seed, args.steps, args.verbose, || {
        agent.run_episode(&mut env)
    })
}

fn run_seed(args: &Args, seed: u64) -> Result<Run, Error> {
    let mut rng = StdRng::seed_from_u64(seed);
    if args.reinforce {
        let mut env = CartPole::new(seed);
        let mut config = ReinforceConfig::default();
        if let Some(lr) = args.lr {
            config.policy_learning_rate = lr;
        }
        let mut agent: Reinforce<f32, Policy, Value, 4, 2> =
            Reinforce::new(Policy::new(&mut rng), Value::new(&mut rng), config, seed)?;
        return run(seed, args.steps, args.verbose, || {
            agent.run_episode(&mut env)
        });
    }
    if args.dueling {
        run_dqn(args, seed, DuelingQNet::new(&mut rng))
    } else {
        run_dqn(args, seed, QNet::new(&mut rng))
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let what = if args.reinforce {
        "REINFORCE with baseline".to_string()
    } else {
        format!(
            "DQN{}, {} replay",
            if args.dueling { " (dueling)" } else { "" },
            if args.prioritized {
                "prioritized"
            } else {
                "uniform"
            }
        )
    };
    println!(
        "{what}: {} seeds, at most {} steps each",
        args.seeds.len(),
        args.steps
    );
    let mut runs = Vec::new();
    for &seed in &args.seeds {
        let r = run_seed(&args, seed)?;
        match r.solved_at {
            Some(s) => println!(
                "seed {seed}: solved at step {s} (episode {}), {:.1} s",
                r.episodes.len(),
                r.seconds
            ),
            None => println!(
                "seed {seed}: not solved in {} steps (best 100-episode average {:.1}), {:.1} s",
                r.episodes.last().map_or(0, |e| e.0),
                r.best_average,
                r.seconds
            ),
        }
        runs.push(r);
    }
    if let Some(path) = &args.plot {
        let mut curves = Vec::new();
        for r in &runs {
            let avg: Vec<(f64, f64)> = r
                .episodes
                .iter()
                .enumerate()
                .map(|(i, &(s, _))| {
                    let lo = (i + 1).saturating_sub(WINDOW);
                    let w = &r.episodes[lo..=i];
                    (
                        s as f64,
                        w.iter().map(|e| e.1).sum::<f64>() / w.len() as f64,
                    )
                })
                .collect();
            curves.push((format!("seed {} (100-episode average)", r.seed), avg));
        }
        plot::lines(
            path,
            &format!("CartPole-v1, {what}"),
            ("environment steps", "return"),
            &curves,
            Some(GOAL),
        )?;
        println!("learning curves written to {}", path.display());
    }
    let solved = runs.iter().filter(|r| r.solved_at.is_some()).count();
    let mut steps: Vec<Option<usize>> = runs.iter().map(|r| r.solved_at).collect();
    steps.sort_by_key(|s| s.unwrap_or(usize::MAX));
    let median = match steps[steps.len() / 2] {
        Some(s) => s.to_string(),
        None => format!(">{}", args.steps),
    };
    println!(
        "result: solved={solved}/{} median_steps={median}",
        runs.len()
    );
    Ok(())
}
