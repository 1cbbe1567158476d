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
//! Flags (`--help` lists them): `--seeds 1,2,3,4,5` (or a count, `--seeds 5`), `--steps N`, `--dueling`,
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

#[path = "support/cli.rs"]
mod cli;
#[path = "support/plot.rs"]
#[allow(dead_code)] // only the learning-curve helper is used here
mod plot;

use clap::Parser;
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

/// DQN (or REINFORCE) on CartPole-v1, several seeds; ends with
/// `result: solved=K/N median_steps=M`. Settings left out keep `DqnConfig::default()`.
#[derive(Parser)]
#[command(name = "dqn_cartpole", allow_negative_numbers = true)]
struct Args {
    /// The seeds: a list (`1,2,3`) or a count (`5` means 1 to 5)
    #[arg(long, value_name = "LIST|N", default_value = "5", value_parser = seeds)]
    seeds: Seeds,
    /// Environment steps per seed, at most
    #[arg(long, value_name = "N", default_value_t = 100_000, value_parser = cli::positive)]
    steps: usize,
    /// Prioritized replay (α = 0.6, β from 0.4 to 1 over the budget)
    #[arg(long)]
    prioritized: bool,
    /// A full target copy every C updates instead of Polyak averaging
    #[arg(long, value_name = "C", value_parser = whole_u64)]
    copy_every: Option<u64>,
    /// Adam's learning rate (with --reinforce, the policy's)
    #[arg(long, value_name = "X", value_parser = cli::positive_real)]
    lr: Option<f64>,
    /// REINFORCE with a learned baseline instead of DQN
    #[arg(long)]
    reinforce: bool,
    /// Writes the 100-episode average return of every seed against environment steps to
    /// this PNG file
    #[arg(long, value_name = "FILE.png")]
    plot: Option<PathBuf>,
    /// Prints the average every 10 episodes
    #[arg(long)]
    verbose: bool,
    /// Polyak averaging's τ
    #[arg(long, value_name = "X", value_parser = cli::fraction)]
    tau: Option<f64>,
    /// The learning rate at the end of the budget, reached by a linear decay from --lr
    #[arg(long, value_name = "X", value_parser = cli::positive_real)]
    lr_end: Option<f64>,
    /// Transitions the replay buffer holds
    #[arg(long, value_name = "N", value_parser = cli::positive)]
    capacity: Option<usize>,
    /// Steps over which ε falls from 1 to --eps-end
    #[arg(long, value_name = "N", value_parser = whole_u64)]
    eps_steps: Option<u64>,
    /// The final exploration rate ε
    #[arg(long, value_name = "X", value_parser = cli::fraction)]
    eps_end: Option<f64>,
    /// Environment steps between updates
    #[arg(long, value_name = "N", value_parser = whole_u64)]
    train_every: Option<u64>,
    /// Updates each time
    #[arg(long, value_name = "N", value_parser = whole_u64)]
    gradient_steps: Option<u64>,
    /// The dueling architecture (a `network!` graph)
    #[arg(long)]
    dueling: bool,
    /// Transitions per update
    #[arg(long, value_name = "N", value_parser = cli::positive)]
    batch: Option<usize>,
    /// The Huber loss's δ
    #[arg(long, value_name = "X", value_parser = cli::positive_real)]
    huber_delta: Option<f64>,
}

/// `--seeds`: the seeds to run.
#[derive(Clone)]
struct Seeds(Vec<u64>);

impl std::ops::Deref for Seeds {
    type Target = Vec<u64>;
    fn deref(&self) -> &Vec<u64> {
        &self.0
    }
}

/// `--seeds 1,2,3` (those seeds) or `--seeds 5` (1 to 5).
fn seeds(v: &str) -> Result<Seeds, String> {
    if v.contains(',') {
        let list = v.split(',').map(cli::seed).collect::<Result<Vec<_>, _>>()?;
        Ok(Seeds(list))
    } else {
        let n = cli::positive(v).map_err(|_| {
            format!("expected a list of seeds (1,2,3) or a count of at least 1, found {v}")
        })?;
        Ok(Seeds((1..=n as u64).collect()))
    }
}

/// A whole number of at least 1, as a `u64`.
fn whole_u64(v: &str) -> Result<u64, String> {
    cli::positive(v).map(|n| n as u64)
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
    let args = Args::parse();
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
    for &seed in args.seeds.iter() {
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
