//! Deep reinforcement learning: an environment, experience replay, and agents built on
//! `network!` networks.
//!
//! | piece | what |
//! |---|---|
//! | [`Environment`], [`CartPole`] | episodic tasks; the classic cart-pole balancing task |
//! | [`ReplayBuffer`] | uniform experience replay (ring buffer) |
//! | [`PrioritizedReplay`], [`SumTree`] | replay with `P(i) ∝ p_i^α` and importance-sampling weights |
//! | [`EpsilonGreedy`], [`Anneal`] | exploration with an annealed `ε` |
//! | [`td_targets`] | `y = r + γ (1 - terminal) max_a' Q̂(s', a')`, or double DQN's |
//! | [`Dqn`] | the value network `Q(s, ·)`: replay, fixed Q-targets (copy or Polyak), Huber loss, Adam |
//! | [`Reinforce`] | the action network `π(a\|s)`: policy gradient with a learned baseline |
//!
//! States are `[f64; S]`; networks see them as `SVector<T, S>` (a batch as `Batch<T, S>`,
//! one state per column) and output one value per action (`A`).

pub mod anneal;
pub mod cartpole;
pub mod dqn;
pub mod env;
pub mod epsilon;
pub mod prioritized;
pub mod reinforce;
pub mod replay;
pub mod sum_tree;
pub mod td;

pub use anneal::Anneal;
pub use cartpole::CartPole;
pub use dqn::{Dqn, DqnConfig, Episode, PrioritizedConfig, TargetUpdate};
pub use env::{Environment, Step};
pub use epsilon::{argmax, EpsilonGreedy};
pub use prioritized::{PrioritizedReplay, PRIORITY_EPS};
pub use reinforce::{Reinforce, ReinforceConfig};
pub use replay::{ReplayBuffer, Transition};
pub use sum_tree::SumTree;
pub use td::td_targets;
