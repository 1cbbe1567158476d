//! [`Environment`]: what an agent interacts with, one action at a time.
//!
//! An episode starts with [`reset`](Environment::reset), which returns the first state
//! `s_0`; each [`step`](Environment::step)`(a_t)` returns the next state `s_{t+1}`, the
//! reward `r_t` and whether the episode is over. It ends in one of two ways, and learning
//! must tell them apart:
//!
//! - `terminated`: the task reached a terminal state (the pole fell); nothing follows, so a
//!   TD target uses `r_t` alone;
//! - `truncated`: a time limit cut the episode; the state is not terminal, so a TD target
//!   still bootstraps from `s_{t+1}`.

use crate::Error;

/// The outcome of one action.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step<const S: usize> {
    /// The state after the action, `s_{t+1}`.
    pub state: [f64; S],
    /// The reward `r_t`.
    pub reward: f64,
    /// The episode reached a terminal state.
    pub terminated: bool,
    /// The episode was cut by a time limit (in a non-terminal state).
    pub truncated: bool,
}

impl<const S: usize> Step<S> {
    /// Whether the episode is over, either way.
    ///
    /// ```
    /// let s = nn_core::rl::Step { state: [0.0; 4], reward: 1.0, terminated: false, truncated: true };
    /// assert!(s.done());
    /// ```
    pub fn done(&self) -> bool {
        self.terminated || self.truncated
    }
}

/// An episodic task with a state of `S` numbers and [`ACTIONS`](Environment::ACTIONS)
/// discrete actions `0..ACTIONS`.
///
/// ```
/// use nn_core::rl::{CartPole, Environment};
/// let mut env = CartPole::new(7);
/// let s0 = env.reset();
/// let step = env.step(1).unwrap();
/// assert_eq!(step.reward, 1.0);
/// assert!(step.state[1] > s0[1]); // pushing right speeds the cart up to the right
/// assert!(env.step(2).is_err());   // CartPole has actions 0 and 1
/// ```
pub trait Environment<const S: usize> {
    /// How many actions there are.
    const ACTIONS: usize;
    /// Starts a new episode and returns its first state.
    fn reset(&mut self) -> [f64; S];
    /// Applies `action`. Fails on an action out of range, or when the episode is over and
    /// [`reset`](Environment::reset) has not been called.
    fn step(&mut self, action: usize) -> Result<Step<S>, Error>;
}
