//! Deep Q-learning (Mnih et al. 2015): a value network `Q(s, ·)` with one output per action,
//! trained from experience replay towards TD targets from a lagged target network.
//!
//! Each environment step: act ε-greedily on `Q(s, ·)` ([`EpsilonGreedy`]), store the
//! transition in the replay buffer ([`ReplayBuffer`], or [`PrioritizedReplay`]); every
//! `train_every` steps once `learning_starts` transitions are stored, draw a mini-batch of
//! `n` and take one Adam step on
//!
//! ```text
//! L = (1/n) Σ_j w_j h_δ(Q(s_j, a_j) - y_j),     y_j = td_targets(...)   (see [`td`](super::td))
//! ```
//!
//! with `h_δ` the [`Huber`] loss (the gradient of a sample is its TD error capped at `δ`)
//! and `w_j` the importance-sampling weights (1 with uniform replay). Only the output of the
//! action taken receives a gradient. The gradient's global norm is optionally clipped. The
//! target network `Q̂` follows the online one either by a copy every `C` updates (fixed
//! Q-targets) or by Polyak averaging `θ̂ ← (1 - τ)θ̂ + τθ` after every update
//! ([`TargetUpdate`]).
//!
//! The agent is generic over any network with `S` inputs and `A` outputs declared with
//! `network!` (the [`BatchNetwork`] and [`Network`] traits), in `f32` or `f64`.
//!
//! ```
//! use nn_core::network;
//! use nn_core::rl::{Anneal, CartPole, Dqn, DqnConfig};
//! network! { struct QNet { input: 4, h: dense(16, relu, init = he), q: dense(2) } }
//!
//! let config = DqnConfig { learning_starts: 50, epsilon: Anneal::new(1.0, 0.1, 200), ..DqnConfig::default() };
//! let mut agent: Dqn<f32, QNet, 4, 2> = Dqn::new(QNet::new(&mut rand::rngs::StdRng::seed_from_u64(0)), config, 1).unwrap();
//! # use rand::SeedableRng;
//! let mut env = CartPole::new(2);
//! let episode = agent.run_episode(&mut env).unwrap();
//! assert!(episode.steps >= 1 && episode.ret == episode.steps as f64);
//! ```

use super::{
    td_targets, Anneal, Environment, EpsilonGreedy, PrioritizedReplay, ReplayBuffer, Transition,
};
use crate::loss::{Huber, Loss, Target};
use crate::nalgebra::SVector;
use crate::optim::{clip_global_norm, Adam};
use crate::{Batch, BatchNetwork, Error, Network, Scalar};
use alloc::vec::Vec;
use rand::{rngs::StdRng, SeedableRng};

/// How the target network follows the online network.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TargetUpdate {
    /// Copy the online weights every `every` updates (fixed Q-targets).
    Copy {
        /// `C`, in gradient updates (at least 1).
        every: u64,
    },
    /// `θ̂ ← (1 - τ)θ̂ + τθ` after every update.
    Polyak {
        /// `τ`, in `(0, 1]`.
        tau: f64,
    },
}

/// Prioritized replay's settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PrioritizedConfig {
    /// The priority exponent `α`.
    pub alpha: f64,
    /// The importance-sampling exponent `β` per environment step (annealed towards 1).
    pub beta: Anneal,
}

impl Default for PrioritizedConfig {
    /// `α = 0.6`, `β` from 0.4 to 1 over 100,000 steps (Schaul et al.'s proportional
    /// variant).
    fn default() -> Self {
        Self {
            alpha: 0.6,
            beta: Anneal::new(0.4, 1.0, 100_000),
        }
    }
}

/// The agent's hyper-parameters. [`Default`] gives settings that solve CartPole.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DqnConfig {
    /// The discount `γ`.
    pub gamma: f64,
    /// Adam's step size `α` per environment step (a constant or a linear decay).
    pub learning_rate: Anneal,
    /// Transitions per update.
    pub batch_size: usize,
    /// The replay buffer's capacity.
    pub replay_capacity: usize,
    /// Environment steps before the first update.
    pub learning_starts: u64,
    /// Environment steps between training rounds.
    pub train_every: u64,
    /// Gradient updates per training round.
    pub gradient_steps: u64,
    /// How the target network follows.
    pub target_update: TargetUpdate,
    /// The Huber threshold `δ`.
    pub huber_delta: f64,
    /// Clip the gradient's global norm to this, if set.
    pub max_grad_norm: Option<f64>,
    /// `ε_t` of ε-greedy, per environment step.
    pub epsilon: Anneal,
    /// Double DQN's target (next action chosen by the online network).
    pub double: bool,
    /// Prioritized replay instead of uniform, if set.
    pub prioritized: Option<PrioritizedConfig>,
}

impl Default for DqnConfig {
    /// `γ = 0.99`, Adam `α = 5·10⁻⁴`, batches of 64, 100,000 transitions, one update per
    /// step from step 1,000 on, Polyak `τ = 0.005`, Huber `δ = 10`, clipping at 10, `ε` from
    /// 1 to 0.01 over 10,000 steps, double DQN, uniform replay.
    ///
    /// `δ` is set against the scale of the values: CartPole's returns reach 100 (`1/(1-γ)`),
    /// and with `δ = 1` most TD errors fall in Huber's linear part, where every sample pulls
    /// with the same force and the rare terminal transitions cannot pull their values down.
    fn default() -> Self {
        Self {
            gamma: 0.99,
            learning_rate: Anneal::constant(5e-4),
            batch_size: 64,
            replay_capacity: 100_000,
            learning_starts: 1_000,
            train_every: 1,
            gradient_steps: 1,
            target_update: TargetUpdate::Polyak { tau: 0.005 },
            huber_delta: 10.0,
            max_grad_norm: Some(10.0),
            epsilon: Anneal::new(1.0, 0.01, 10_000),
            double: true,
            prioritized: None,
        }
    }
}

impl DqnConfig {
    /// `Err(InvalidConfig)` naming the first setting out of range.
    pub fn validate(&self) -> Result<(), Error> {
        let bad = |what, expected, found: f64| {
            Err(Error::InvalidConfig {
                what,
                expected,
                found,
            })
        };
        if !(0.0..=1.0).contains(&self.gamma) {
            return bad("dqn gamma", "a value in [0, 1]", self.gamma);
        }
        if !self.learning_rate.within(0.0, f64::MAX) {
            return bad(
                "dqn learning rate",
                "finite values >= 0",
                self.learning_rate.start,
            );
        }
        if self.batch_size == 0 {
            return bad("dqn batch size", "at least 1", 0.0);
        }
        if self.train_every == 0 {
            return bad("dqn train_every", "at least 1 step", 0.0);
        }
        match self.target_update {
            TargetUpdate::Copy { every: 0 } => {
                return bad("dqn target copy interval", "at least 1 update", 0.0)
            }
            TargetUpdate::Polyak { tau } if !(tau > 0.0 && tau <= 1.0) => {
                return bad("dqn polyak tau", "a value in (0, 1]", tau)
            }
            _ => {}
        }
        if !self.epsilon.within(0.0, 1.0) {
            return bad("dqn epsilon", "values in [0, 1]", self.epsilon.start);
        }
        if let Some(p) = self.prioritized {
            if !p.beta.within(0.0, 1.0) {
                return bad("prioritized replay beta", "values in [0, 1]", p.beta.start);
            }
        }
        Ok(())
    }
}

/// One finished episode.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Episode {
    /// The undiscounted return `Σ_t r_t`.
    pub ret: f64,
    /// The number of environment steps.
    pub steps: usize,
}

/// Uniform or prioritized replay.
#[derive(Clone, Debug)]
enum Replay<const S: usize> {
    Uniform(ReplayBuffer<S>),
    Prioritized(PrioritizedReplay<S>, PrioritizedConfig),
}

impl<const S: usize> Replay<S> {
    fn len(&self) -> usize {
        match self {
            Replay::Uniform(b) => b.len(),
            Replay::Prioritized(b, _) => b.len(),
        }
    }
    fn get(&self, slot: usize) -> Option<&Transition<S>> {
        match self {
            Replay::Uniform(b) => b.get(slot),
            Replay::Prioritized(b, _) => b.get(slot),
        }
    }
}

/// A DQN agent; see the [module documentation](self).
pub struct Dqn<T: Scalar, N: BatchNetwork<T, S, A>, const S: usize, const A: usize> {
    online: N,
    target: N,
    grads: N,
    adam: Adam<N>,
    config: DqnConfig,
    policy: EpsilonGreedy,
    replay: Replay<S>,
    rng: StdRng,
    steps: u64,
    updates: u64,
    trace: N::Trace,
    next_target_trace: N::Trace,
    next_online_trace: N::Trace,
    x: Batch<T, S>,
    x_next: Batch<T, S>,
    dl_df: Batch<T, A>,
    actions: Vec<usize>,
    rewards: Vec<T>,
    terminal: Vec<bool>,
    y: Vec<T>,
    slots: Vec<usize>,
    weights: Vec<f64>,
    td: Vec<f64>,
}

impl<T, N, const S: usize, const A: usize> Dqn<T, N, S, A>
where
    T: Scalar,
    N: BatchNetwork<T, S, A> + Network<T, Input = SVector<T, S>, Output = SVector<T, A>>,
{
    /// An agent training `online` (the target network starts as its copy); `seed` drives
    /// exploration and replay sampling. Fails on a setting out of range.
    pub fn new(online: N, config: DqnConfig, seed: u64) -> Result<Self, Error> {
        config.validate()?;
        let replay = match config.prioritized {
            Some(p) => {
                Replay::Prioritized(PrioritizedReplay::new(config.replay_capacity, p.alpha)?, p)
            }
            None => Replay::Uniform(ReplayBuffer::new(config.replay_capacity)?),
        };
        let n = config.batch_size;
        Ok(Self {
            target: online.clone(),
            online,
            grads: N::zeros(),
            adam: Adam::new(config.learning_rate.start),
            config,
            policy: EpsilonGreedy::new(config.epsilon),
            replay,
            rng: StdRng::seed_from_u64(seed),
            steps: 0,
            updates: 0,
            trace: N::new_trace(n),
            next_target_trace: N::new_trace(n),
            next_online_trace: N::new_trace(n),
            x: Batch::zeros(n),
            x_next: Batch::zeros(n),
            dl_df: Batch::zeros(n),
            actions: Vec::with_capacity(n),
            rewards: Vec::with_capacity(n),
            terminal: Vec::with_capacity(n),
            y: Vec::with_capacity(n),
            slots: Vec::with_capacity(n),
            weights: Vec::with_capacity(n),
            td: Vec::with_capacity(n),
        })
    }

    /// The online network `Q`.
    pub fn network(&self) -> &N {
        &self.online
    }

    /// The target network `Q̂`.
    pub fn target_network(&self) -> &N {
        &self.target
    }

    /// Environment steps observed so far.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Gradient updates taken so far.
    pub fn updates(&self) -> u64 {
        self.updates
    }

    /// The current exploration rate `ε_t`.
    pub fn epsilon(&self) -> f64 {
        self.config.epsilon.at(self.steps)
    }

    /// The settings.
    pub fn config(&self) -> &DqnConfig {
        &self.config
    }

    /// `Q(s, ·)` of the online network.
    pub fn q_values(&self, state: &[f64; S]) -> SVector<T, A> {
        self.online.forward(&to_vector(state))
    }

    /// `argmax_a Q(s, a)`.
    pub fn greedy(&self, state: &[f64; S]) -> usize {
        super::argmax(self.q_values(state).as_slice())
    }

    /// The ε-greedy action at the current step.
    pub fn act(&mut self, state: &[f64; S]) -> usize {
        let q = self.q_values(state);
        self.policy.select(q.as_slice(), self.steps, &mut self.rng)
    }

    /// Stores a transition, counts the step and, when due, takes `gradient_steps` updates;
    /// returns the last one's loss. Fails on an action out of range.
    pub fn observe(&mut self, t: Transition<S>) -> Result<Option<f64>, Error> {
        if t.action >= A {
            return Err(Error::ActionOutOfRange {
                action: t.action,
                actions: A,
            });
        }
        match &mut self.replay {
            Replay::Uniform(b) => {
                b.push(t);
            }
            Replay::Prioritized(b, _) => {
                b.push(t);
            }
        }
        self.steps += 1;
        let due = self.steps >= self.config.learning_starts
            && self.replay.len() >= self.config.batch_size
            && self.steps.is_multiple_of(self.config.train_every);
        if !due {
            return Ok(None);
        }
        let mut loss = 0.0;
        for _ in 0..self.config.gradient_steps {
            loss = self.update()?;
        }
        Ok(Some(loss))
    }

    /// Runs one episode in `env`, acting, storing and learning as it goes.
    pub fn run_episode<E: Environment<S>>(&mut self, env: &mut E) -> Result<Episode, Error> {
        if E::ACTIONS != A {
            return Err(Error::LengthMismatch {
                what: "actions of the environment",
                expected: A,
                found: E::ACTIONS,
            });
        }
        let mut state = env.reset();
        let mut episode = Episode { ret: 0.0, steps: 0 };
        loop {
            let action = self.act(&state);
            let step = env.step(action)?;
            episode.ret += step.reward;
            episode.steps += 1;
            self.observe(Transition {
                state,
                action,
                reward: step.reward,
                next_state: step.state,
                terminal: step.terminated,
            })?;
            if step.done() {
                return Ok(episode);
            }
            state = step.state;
        }
    }

    /// One gradient update on a mini-batch from the replay buffer; returns the loss `L`.
    /// Fails when the buffer is empty, or, leaving the network unchanged, when the loss or
    /// gradient is not finite.
    pub fn update(&mut self) -> Result<f64, Error> {
        self.draw()?;
        let n = self.slots.len();
        let gamma = T::of(self.config.gamma);

        // TD targets from the target network (and the online one for double DQN).
        self.target
            .forward_train(&self.x_next, &mut self.next_target_trace);
        if self.config.double {
            self.online
                .forward_train(&self.x_next, &mut self.next_online_trace);
        }
        self.y.resize(n, T::zero());
        td_targets(
            &self.rewards,
            &self.terminal,
            N::trace_output(&self.next_target_trace),
            self.config
                .double
                .then(|| N::trace_output(&self.next_online_trace)),
            gamma,
            &mut self.y,
        )?;

        // The weighted Huber loss on Q(s_j, a_j); other outputs get no gradient.
        self.online.forward_train(&self.x, &mut self.trace);
        let q = N::trace_output(&self.trace);
        let huber = Huber::new(self.config.huber_delta);
        let scale = 1.0 / n as f64;
        self.dl_df.fill(T::zero());
        self.td.clear();
        let mut loss = 0.0;
        for j in 0..n {
            let a = self.actions[j];
            let (qa, y) = (q[(a, j)], self.y[j]);
            let mut g = [T::zero()];
            let l = huber.eval(&[qa], Target::Values(&[y]), Some(&mut g))?;
            let w = self.weights[j] * scale;
            loss += w * l.to_f64();
            self.dl_df[(a, j)] = T::of(w) * g[0];
            self.td.push((qa - y).to_f64());
        }
        if !loss.is_finite() {
            return Err(Error::NotFinite { what: "DQN loss" });
        }
        self.online
            .backward_params(&self.x, &mut self.trace, &self.dl_df, &mut self.grads)?;
        let norm = match self.config.max_grad_norm {
            Some(max) => clip_global_norm(&mut self.grads, max)?,
            None => crate::optim::global_norm(&self.grads),
        };
        if !norm.is_finite() {
            return Err(Error::NotFinite {
                what: "DQN gradient",
            });
        }
        self.adam.alpha = self.config.learning_rate.at(self.steps);
        self.adam.step(&mut self.online, &self.grads)?;
        if let Replay::Prioritized(b, _) = &mut self.replay {
            b.update_priorities(&self.slots, &self.td)?;
        }
        self.updates += 1;
        match self.config.target_update {
            TargetUpdate::Copy { every } => {
                if self.updates.is_multiple_of(every) {
                    self.target.clone_from(&self.online);
                }
            }
            TargetUpdate::Polyak { tau } => {
                let (tau, keep) = (T::of(tau), T::of(1.0 - tau));
                self.target.zip_mut(&self.online, |_, t, o| {
                    t.iter_mut()
                        .zip(o)
                        .for_each(|(t, &o)| *t = keep * *t + tau * o)
                });
            }
        }
        Ok(loss)
    }

    /// Draws a mini-batch into the buffers: slots, weights, states, actions, rewards.
    fn draw(&mut self) -> Result<(), Error> {
        let n = self.config.batch_size;
        match &self.replay {
            Replay::Uniform(b) => {
                b.sample(n, &mut self.rng, &mut self.slots)?;
                self.weights.clear();
                self.weights.resize(n, 1.0);
            }
            Replay::Prioritized(b, p) => {
                let beta = p.beta.at(self.steps);
                b.sample(n, beta, &mut self.rng, &mut self.slots, &mut self.weights)?;
            }
        }
        if self.x.ncols() != n {
            self.x = Batch::zeros(n);
            self.x_next = Batch::zeros(n);
            self.dl_df = Batch::zeros(n);
        }
        self.actions.clear();
        self.rewards.clear();
        self.terminal.clear();
        for (j, &slot) in self.slots.iter().enumerate() {
            let t = self.replay.get(slot).ok_or(Error::IndexOutOfRange {
                index: slot,
                len: self.replay.len(),
            })?;
            for i in 0..S {
                self.x[(i, j)] = T::of(t.state[i]);
                self.x_next[(i, j)] = T::of(t.next_state[i]);
            }
            self.actions.push(t.action);
            self.rewards.push(T::of(t.reward));
            self.terminal.push(t.terminal);
        }
        Ok(())
    }
}

/// A state as the network's input vector.
pub(crate) fn to_vector<T: Scalar, const S: usize>(state: &[f64; S]) -> SVector<T, S> {
    SVector::from_fn(|i, _| T::of(state[i]))
}
