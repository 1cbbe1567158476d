//! The temporal-difference target of Q-learning with fixed Q-targets.
//!
//! For a transition `(s, a, r, s', terminal)`, the network is trained to move `Q(s, a)`
//! towards
//!
//! ```text
//! y = r + γ (1 - terminal) max_a' Q̂(s', a')                  (DQN)
//! y = r + γ (1 - terminal) Q̂(s', argmax_a' Q(s', a'))        (double DQN)
//! ```
//!
//! where `Q̂` is the target network (a lagged copy of `Q`, held fixed between its updates so
//! the regression target does not move with every step) and `terminal` masks the bootstrap
//! term when `s'` ends the task. An episode cut by a time limit is not terminal: its target
//! still bootstraps. Double DQN picks the next action with the online network and values it
//! with the target network, which removes most of the max operator's overestimation.
//!
//! Shapes: `next_target` and `next_online` hold `Q̂(s'_j, ·)` and `Q(s'_j, ·)` as column `j`
//! (`A x n`, the networks' batch output); `rewards`, `terminal` and `out` have one entry per
//! sample.
//!
//! ```
//! use nn_core::{rl::td_targets, Batch};
//! let next = Batch::<f64, 2>::from_column_slice(&[1.0, 3.0, /* s'_1 */ 5.0, 2.0]);
//! let mut y = [0.0; 2];
//! td_targets(&[1.0, 1.0], &[false, true], &next, None, 0.5, &mut y).unwrap();
//! assert_eq!(y, [1.0 + 0.5 * 3.0, 1.0]); // the second s' is terminal: no bootstrap
//! ```

use super::argmax;
use crate::{Batch, Error, Scalar};

/// Writes the TD target of each sample into `out`; with `next_online` given, double DQN's.
/// Fails when the lengths disagree.
pub fn td_targets<T: Scalar, const A: usize>(
    rewards: &[T],
    terminal: &[bool],
    next_target: &Batch<T, A>,
    next_online: Option<&Batch<T, A>>,
    gamma: T,
    out: &mut [T],
) -> Result<(), Error> {
    let n = next_target.ncols();
    for (what, len) in [
        ("rewards", rewards.len()),
        ("terminal flags", terminal.len()),
        ("TD targets", out.len()),
        (
            "online next-state values",
            next_online.map_or(n, |b| b.ncols()),
        ),
    ] {
        if len != n {
            return Err(Error::LengthMismatch {
                what,
                expected: n,
                found: len,
            });
        }
    }
    fn column<T: Scalar, const A: usize>(b: &Batch<T, A>, j: usize) -> &[T] {
        &b.as_slice()[j * A..(j + 1) * A]
    }
    for j in 0..n {
        let target_q = column(next_target, j);
        let bootstrap = match next_online {
            Some(online) => target_q.get(argmax(column(online, j))).copied(),
            None => target_q.get(argmax(target_q)).copied(),
        }
        .unwrap_or_else(T::zero);
        out[j] = if terminal[j] {
            rewards[j]
        } else {
            rewards[j] + gamma * bootstrap
        };
    }
    Ok(())
}
