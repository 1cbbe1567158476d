//! CartPole: balance a pole on a cart (Barto, Sutton and Anderson 1983), as in Gym's
//! `CartPole-v1`.
//!
//! State `s = (x, ẋ, θ, θ̇)`: cart position, cart velocity, pole angle from upright
//! (radians), angular velocity. Action 0 pushes the cart left with force `F = -10`, action 1
//! right with `F = +10`. With `g = 9.8`, cart mass `m_c = 1.0`, pole mass `m_p = 0.1`, pole
//! half-length `l = 0.5`, `M = m_c + m_p`:
//!
//! ```text
//! tmp = (F + m_p l θ̇² sin θ) / M
//! θ̈   = (g sin θ - cos θ · tmp) / (l (4/3 - m_p cos²θ / M))
//! ẍ   = tmp - m_p l θ̈ cos θ / M
//! ```
//!
//! integrated with explicit Euler over `τ = 0.02` s, positions first from the old
//! velocities: `x ← x + τẋ`, `ẋ ← ẋ + τẍ`, `θ ← θ + τθ̇`, `θ̇ ← θ̇ + τθ̈`.
//!
//! Every operation runs in gymnasium's order (`θ̇²` and `cos²θ` first, then left to right,
//! the constants `M = 1.0 + 0.1` and `m_p l = 0.1 · 0.5` as it forms them), so with the same
//! `sin` and `cos` the states are gymnasium's `env.unwrapped.state` bit for bit: a
//! 500-step closed-loop rollout from gymnasium's `reset(seed)` state is checked to equal
//! gymnasium's exactly (`tests/pytorch_conventions.rs`). With `std`, `sin` and `cos` are
//! the platform's (glibc's on Linux, as numpy's scalars use); a `no_std` build with the
//! `libm` feature uses the `libm` crate's, which may differ in the last bit. Every step earns
//! reward 1, the terminating one included. The episode terminates when `|x| > 2.4` or
//! `|θ| > 12°`, and is truncated after 500 steps. [`reset`](Environment::reset) draws each
//! state value uniformly from `[-0.05, 0.05]` with the environment's seeded generator.
//!
//! ```
//! use nn_core::rl::{CartPole, Environment};
//! let mut env = CartPole::new(0);
//! env.reset();
//! env.set_state([0.0, 0.0, 0.1, 0.0]); // tilted right: it falls right unless pushed
//! let s = env.step(0).unwrap().state;
//! assert!(s[3] > 0.0 && s[1] < 0.0);
//! ```

use super::env::{Environment, Step};
use crate::Error;
use rand::{rngs::StdRng, Rng, SeedableRng};

/// `g`, m/s².
pub const GRAVITY: f64 = 9.8;
/// The cart's mass `m_c`.
pub const CART_MASS: f64 = 1.0;
/// The pole's mass `m_p`.
pub const POLE_MASS: f64 = 0.1;
/// Half the pole's length, `l`.
pub const HALF_LENGTH: f64 = 0.5;
/// The magnitude of the push, `|F|`.
pub const FORCE: f64 = 10.0;
/// The Euler time step `τ`, seconds.
pub const TAU: f64 = 0.02;
/// `|x|` beyond which the episode terminates.
pub const X_LIMIT: f64 = 2.4;
/// `|θ|` beyond which the episode terminates: 12 degrees, in radians.
pub const THETA_LIMIT: f64 = 12.0 * 2.0 * core::f64::consts::PI / 360.0;
/// Steps after which an episode is truncated.
pub const MAX_STEPS: usize = 500;

/// The CartPole environment; see the [module documentation](self).
#[derive(Clone, Debug)]
pub struct CartPole {
    state: [f64; 4],
    steps: usize,
    done: bool,
    rng: StdRng,
}

impl CartPole {
    /// An environment whose resets draw from a generator seeded with `seed`. Call
    /// [`reset`](Environment::reset) before the first step.
    ///
    /// ```
    /// use nn_core::rl::{CartPole, Environment};
    /// assert_eq!(CartPole::new(3).reset(), CartPole::new(3).reset());
    /// ```
    pub fn new(seed: u64) -> Self {
        Self {
            state: [0.0; 4],
            steps: 0,
            done: true,
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// The state `(x, ẋ, θ, θ̇)`.
    ///
    /// ```
    /// let mut env = nn_core::rl::CartPole::new(0);
    /// env.set_state([1.0, 0.0, 0.0, 0.0]);
    /// assert_eq!(env.state()[0], 1.0);
    /// ```
    pub fn state(&self) -> [f64; 4] {
        self.state
    }

    /// Puts the system in state `(x, ẋ, θ, θ̇)` and starts counting a new episode's steps
    /// from 0, as if it had been reset there.
    pub fn set_state(&mut self, state: [f64; 4]) {
        self.state = state;
        self.steps = 0;
        self.done = false;
    }

    /// Steps taken in the current episode.
    ///
    /// ```
    /// use nn_core::rl::{CartPole, Environment};
    /// let mut env = CartPole::new(0);
    /// env.reset();
    /// env.step(0).unwrap();
    /// assert_eq!(env.steps(), 1);
    /// ```
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// Whether `state` is beyond the limits (`|x| > 2.4` or `|θ| > 12°`).
    ///
    /// ```
    /// use nn_core::rl::CartPole;
    /// assert!(CartPole::is_terminal(&[2.5, 0.0, 0.0, 0.0]));
    /// assert!(!CartPole::is_terminal(&[2.4, 0.0, 0.2, 0.0]));
    /// ```
    pub fn is_terminal(state: &[f64; 4]) -> bool {
        !(-X_LIMIT..=X_LIMIT).contains(&state[0])
            || !(-THETA_LIMIT..=THETA_LIMIT).contains(&state[2])
    }

    /// One Euler step of the equations of motion from `state` under `force`.
    fn dynamics(state: [f64; 4], force: f64) -> [f64; 4] {
        let [x, x_dot, theta, theta_dot] = state;
        let total = CART_MASS + POLE_MASS;
        let pole_ml = POLE_MASS * HALF_LENGTH;
        let (sin, cos) = (
            nalgebra::ComplexField::sin(theta),
            nalgebra::ComplexField::cos(theta),
        );
        // gymnasium's operation order: θ̇² and cos²θ are formed first (`np.square`), then
        // the products left to right. `m_p l θ̇ θ̇ sin θ` would round differently, and the
        // closed loop amplifies a one-ulp difference to a different trajectory.
        let theta_dot_sq = theta_dot * theta_dot;
        let cos_sq = cos * cos;
        let tmp = (force + pole_ml * theta_dot_sq * sin) / total;
        let theta_acc =
            (GRAVITY * sin - cos * tmp) / (HALF_LENGTH * (4.0 / 3.0 - POLE_MASS * cos_sq / total));
        let x_acc = tmp - pole_ml * theta_acc * cos / total;
        [
            x + TAU * x_dot,
            x_dot + TAU * x_acc,
            theta + TAU * theta_dot,
            theta_dot + TAU * theta_acc,
        ]
    }
}

impl Environment<4> for CartPole {
    const ACTIONS: usize = 2;

    fn reset(&mut self) -> [f64; 4] {
        let state: [f64; 4] = core::array::from_fn(|_| self.rng.random_range(-0.05..0.05));
        self.set_state(state);
        state
    }

    fn step(&mut self, action: usize) -> Result<Step<4>, Error> {
        let force = match action {
            0 => -FORCE,
            1 => FORCE,
            _ => {
                return Err(Error::ActionOutOfRange {
                    action,
                    actions: Self::ACTIONS,
                })
            }
        };
        if self.done {
            return Err(Error::OutOfOrder {
                call: "CartPole::step",
                expected: "reset after the episode ended (and before the first step)",
            });
        }
        self.state = Self::dynamics(self.state, force);
        self.steps += 1;
        let terminated = Self::is_terminal(&self.state);
        let truncated = !terminated && self.steps >= MAX_STEPS;
        self.done = terminated || truncated;
        Ok(Step {
            state: self.state,
            reward: 1.0,
            terminated,
            truncated,
        })
    }
}
