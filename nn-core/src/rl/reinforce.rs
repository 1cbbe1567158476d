//! REINFORCE with a baseline (Williams 1992): a policy network `π(a|s) = softmax(f(s))_a`
//! (the action network) trained by the policy-gradient theorem, and a value network `V(s)`
//! as baseline.
//!
//! After each episode `s_0, a_0, r_0, …, s_{T-1}, a_{T-1}, r_{T-1}`, with the discounted
//! returns `G_t = Σ_{k≥t} γ^{k-t} r_k` and advantages `A_t = G_t - V(s_t)` (optionally
//! standardized over the episode), one Adam step on each network:
//!
//! ```text
//! policy:  L_π = -(1/T) Σ_t A_t log π(a_t|s_t)     ∂L_π/∂f(s_t) = A_t (π(·|s_t) - e_{a_t}) / T
//! value:   L_V = (1/T) Σ_t h_δ(V(s_t) - G_t)        (Huber, δ = huber_delta)
//! ```
//!
//! The baseline lowers the variance of the gradient estimate without biasing it, since
//! `E[∇ log π(a|s)] = 0` for any function of the state alone. Actions are drawn from `π`
//! itself, so exploration needs no schedule.
//!
//! ```
//! use nn_core::network;
//! use nn_core::rl::{CartPole, Reinforce, ReinforceConfig};
//! network! { struct Policy { input: 4, h: dense(16, tanh), logits: dense(2) } }
//! network! { struct Value { input: 4, h: dense(16, tanh), v: dense(1) } }
//! use rand::{rngs::StdRng, SeedableRng};
//! let mut rng = StdRng::seed_from_u64(0);
//! let mut agent: Reinforce<f32, Policy, Value, 4, 2> =
//!     Reinforce::new(Policy::new(&mut rng), Value::new(&mut rng), ReinforceConfig::default(), 1).unwrap();
//! let episode = agent.run_episode(&mut CartPole::new(3)).unwrap();
//! assert_eq!(episode.ret, episode.steps as f64);
//! ```

use super::dqn::{to_vector, Episode};
use super::Environment;
use crate::loss::{CrossEntropy, Huber, Loss, Target};
use crate::nalgebra::SVector;
use crate::optim::{clip_global_norm, Adam};
use crate::{Batch, BatchNetwork, Error, Network, Scalar};
use alloc::vec::Vec;
use rand::{rngs::StdRng, Rng, SeedableRng};

/// REINFORCE's hyper-parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReinforceConfig {
    /// The discount `γ`.
    pub gamma: f64,
    /// Adam's step size for the policy.
    pub policy_learning_rate: f64,
    /// Adam's step size for the baseline.
    pub value_learning_rate: f64,
    /// Standardize the advantages over each episode (mean 0, deviation 1).
    pub standardize: bool,
    /// The Huber threshold of the baseline's loss.
    pub huber_delta: f64,
    /// Clip each gradient's global norm to this, if set.
    pub max_grad_norm: Option<f64>,
}

impl Default for ReinforceConfig {
    /// `γ = 0.99`, Adam `α = 0.002` (policy) and `0.005` (baseline), standardized
    /// advantages, Huber `δ = 10`, clipping at 5.
    fn default() -> Self {
        Self {
            gamma: 0.99,
            policy_learning_rate: 0.002,
            value_learning_rate: 0.005,
            standardize: true,
            huber_delta: 10.0,
            max_grad_norm: Some(5.0),
        }
    }
}

/// A REINFORCE agent with policy network `P` (`A` logits) and baseline `V` (one output);
/// see the [module documentation](self).
pub struct Reinforce<T: Scalar, P, V, const S: usize, const A: usize>
where
    P: BatchNetwork<T, S, A>,
    V: BatchNetwork<T, S, 1>,
{
    policy: P,
    value: V,
    policy_grads: P,
    value_grads: V,
    policy_adam: Adam<P>,
    value_adam: Adam<V>,
    config: ReinforceConfig,
    rng: StdRng,
    states: Vec<[f64; S]>,
    actions: Vec<usize>,
    rewards: Vec<f64>,
    scalar: core::marker::PhantomData<T>,
}

impl<T, P, V, const S: usize, const A: usize> Reinforce<T, P, V, S, A>
where
    T: Scalar,
    P: BatchNetwork<T, S, A> + Network<T, Input = SVector<T, S>, Output = SVector<T, A>>,
    V: BatchNetwork<T, S, 1>,
{
    /// An agent training `policy` and `value`; `seed` drives the action draws. Fails on a
    /// setting out of range.
    pub fn new(policy: P, value: V, config: ReinforceConfig, seed: u64) -> Result<Self, Error> {
        if !(0.0..=1.0).contains(&config.gamma) {
            return Err(Error::InvalidConfig {
                what: "reinforce gamma",
                expected: "a value in [0, 1]",
                found: config.gamma,
            });
        }
        Ok(Self {
            policy,
            value,
            policy_grads: P::zeros(),
            value_grads: V::zeros(),
            policy_adam: Adam::new(config.policy_learning_rate),
            value_adam: Adam::new(config.value_learning_rate),
            config,
            rng: StdRng::seed_from_u64(seed),
            states: Vec::new(),
            actions: Vec::new(),
            rewards: Vec::new(),
            scalar: core::marker::PhantomData,
        })
    }

    /// The policy network (its outputs are the logits of `π(·|s)`).
    pub fn policy(&self) -> &P {
        &self.policy
    }

    /// The baseline `V`.
    pub fn value(&self) -> &V {
        &self.value
    }

    /// `π(·|s)`.
    pub fn probabilities(&self, state: &[f64; S]) -> SVector<T, A> {
        let f = self.policy.forward(&to_vector(state));
        let max = f.max();
        let e = f.map(|v| (v - max).exp());
        let sum = e.sum();
        e / sum
    }

    /// An action drawn from `π(·|s)`.
    pub fn act(&mut self, state: &[f64; S]) -> usize {
        let p = self.probabilities(state);
        let mut u = T::of(self.rng.random::<f64>());
        for (a, &pa) in p.iter().enumerate() {
            if u < pa {
                return a;
            }
            u -= pa;
        }
        A - 1
    }

    /// Runs one episode with actions drawn from `π`, then updates both networks.
    pub fn run_episode<E: Environment<S>>(&mut self, env: &mut E) -> Result<Episode, Error> {
        if E::ACTIONS != A {
            return Err(Error::LengthMismatch {
                what: "actions of the environment",
                expected: A,
                found: E::ACTIONS,
            });
        }
        self.states.clear();
        self.actions.clear();
        self.rewards.clear();
        let mut state = env.reset();
        loop {
            let action = self.act(&state);
            let step = env.step(action)?;
            self.states.push(state);
            self.actions.push(action);
            self.rewards.push(step.reward);
            if step.done() {
                break;
            }
            state = step.state;
        }
        self.update()?;
        Ok(Episode {
            ret: self.rewards.iter().sum(),
            steps: self.rewards.len(),
        })
    }

    /// The policy-gradient and baseline updates for the episode just stored.
    fn update(&mut self) -> Result<(), Error> {
        let n = self.states.len();
        if n == 0 {
            return Ok(());
        }
        let x = Batch::<T, S>::from_fn(n, |i, j| T::of(self.states[j][i]));
        // G_t, from the end.
        let mut returns = alloc::vec![0.0; n];
        let mut g = 0.0;
        for t in (0..n).rev() {
            g = self.rewards[t] + self.config.gamma * g;
            returns[t] = g;
        }
        let scale = 1.0 / n as f64;

        // Baseline: V(s_t), and a Huber step towards G_t.
        let mut value_trace = V::new_trace(n);
        self.value.forward_train(&x, &mut value_trace);
        let v = V::trace_output(&value_trace);
        let mut advantages: Vec<f64> = (0..n).map(|t| returns[t] - v[(0, t)].to_f64()).collect();
        let huber = Huber::new(self.config.huber_delta);
        let mut dv = Batch::<T, 1>::zeros(n);
        for t in 0..n {
            let mut gv = [T::zero()];
            huber.eval(
                &[v[(0, t)]],
                Target::Values(&[T::of(returns[t])]),
                Some(&mut gv),
            )?;
            dv[(0, t)] = gv[0] * T::of(scale);
        }
        self.value
            .backward_params(&x, &mut value_trace, &dv, &mut self.value_grads)?;

        if self.config.standardize && n > 1 {
            let mean = advantages.iter().sum::<f64>() * scale;
            let var = advantages
                .iter()
                .map(|a| (a - mean) * (a - mean))
                .sum::<f64>()
                * scale;
            let sd = nalgebra::ComplexField::sqrt(var) + 1e-8;
            advantages.iter_mut().for_each(|a| *a = (*a - mean) / sd);
        }

        // Policy: ∂L/∂f(s_t) = A_t (π - e_{a_t}) / T, cross-entropy's gradient scaled.
        let mut policy_trace = P::new_trace(n);
        self.policy.forward_train(&x, &mut policy_trace);
        let logits = P::trace_output(&policy_trace);
        let mut df = Batch::<T, A>::zeros(n);
        let columns = df.as_mut_slice().chunks_exact_mut(A);
        let samples = logits.as_slice().chunks_exact(A);
        for (((column, f), &action), &advantage) in
            columns.zip(samples).zip(&self.actions).zip(&advantages)
        {
            CrossEntropy.eval(f, Target::Class(action), Some(&mut *column))?;
            let k = T::of(advantage * scale);
            column.iter_mut().for_each(|c| *c *= k);
        }
        self.policy
            .backward_params(&x, &mut policy_trace, &df, &mut self.policy_grads)?;

        // Both gradients are checked, and both optimizers' settings, before either network
        // moves: an update that fails leaves both networks and both optimizers as they were.
        // (The policy's gradient does not read the value network, so stepping both at the
        // end computes the same update as stepping the value network first.)
        let max_norm = self.config.max_grad_norm;
        clip_and_check(&mut self.value_grads, max_norm, "baseline update")?;
        clip_and_check(&mut self.policy_grads, max_norm, "policy-gradient update")?;
        let (v, p) = (&self.value_adam, &self.policy_adam);
        crate::optim::adam::Config::new(v.alpha, v.beta1, v.beta2, v.eps)?;
        crate::optim::adam::Config::new(p.alpha, p.beta1, p.beta2, p.eps)?;
        self.value_adam.step(&mut self.value, &self.value_grads)?;
        self.policy_adam.step(&mut self.policy, &self.policy_grads)
    }
}

/// Clips `grads` (if asked) and checks that they are finite.
fn clip_and_check<T: Scalar, N: crate::Parameters<T>>(
    grads: &mut N,
    max_norm: Option<f64>,
    what: &'static str,
) -> Result<(), Error> {
    let norm = match max_norm {
        Some(max) => clip_global_norm(grads, max)?,
        None => crate::optim::global_norm(grads),
    };
    if !norm.is_finite() {
        return Err(Error::NotFinite { what });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::testutil::bits;
    use rand::SeedableRng;

    crate::network! { struct Pi { input: 4, h: dense(8, tanh), logits: dense(2) } }
    crate::network! { struct Baseline { input: 4, h: dense(8, tanh), v: dense(1) } }

    fn agent() -> Reinforce<f64, Pi<f64>, Baseline<f64>, 4, 2> {
        let mut rng = StdRng::seed_from_u64(1);
        let mut a = Reinforce::new(
            Pi::new(&mut rng),
            Baseline::new(&mut rng),
            ReinforceConfig::default(),
            2,
        )
        .unwrap();
        // Two updates, so both optimizers have state.
        for _ in 0..2 {
            a.run_episode(&mut super::super::CartPole::new(5)).unwrap();
        }
        a
    }

    /// Defect: the value network took its step before the policy's gradient was checked,
    /// so an update whose policy part failed still moved the baseline.
    #[test]
    fn a_failed_update_moves_neither_network() {
        for case in ["policy step size", "policy weights"] {
            let mut a = agent();
            match case {
                "policy step size" => a.policy_adam.alpha = -1.0,
                _ => a.policy.logits.bias[0] = f64::NAN,
            }
            let before = (bits(&a.value), bits(&a.policy));
            let moments = |a: &Reinforce<f64, Pi<f64>, Baseline<f64>, 4, 2>| {
                let (m, v) = a.value_adam.moments().unwrap();
                (
                    bits(m),
                    bits(v),
                    a.value_adam.steps(),
                    a.policy_adam.steps(),
                )
            };
            let state = moments(&a);
            // an episode of the stored kind, then its update
            a.states = alloc::vec![[0.01, -0.02, 0.03, 0.0]; 5];
            a.actions = alloc::vec![0, 1, 0, 1, 1];
            a.rewards = alloc::vec![1.0; 5];
            assert!(a.update().is_err(), "{case}");
            assert!(bits(&a.value) == before.0, "{case}: the baseline moved");
            assert!(
                bits(&a.policy).iter().zip(&before.1).all(|(x, y)| x == y),
                "{case}: the policy moved"
            );
            assert!(moments(&a) == state, "{case}: an optimizer's state changed");
        }
    }
}
