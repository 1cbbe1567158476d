//! Value parsers for the examples' flags (clap's `value_parser`): counts are whole numbers
//! (`128`, `1e3`), and a value that does not fit is an error that says what was expected and
//! what was found, e.g. `invalid value '2.7' for '--epochs <N>': expected a whole number of
//! at least 0, found 2.7`.
#![allow(dead_code)] // each example uses the parsers of its own flags

/// A whole number of at least `min`, written plainly or in exponent notation (`1e12`).
/// Values above the data (a batch size of `1e12`) pass; `Fit` caps a batch size at the
/// number of training samples.
fn whole(v: &str, min: u64) -> Result<u64, String> {
    match v.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x.fract() == 0.0 && x >= min as f64 && x < u64::MAX as f64 => {
            Ok(x as u64)
        }
        _ => Err(format!(
            "expected a whole number of at least {min}, found {v}"
        )),
    }
}

/// A count that may be 0 (`--epochs 0` evaluates the untrained network).
pub fn count(v: &str) -> Result<usize, String> {
    whole(v, 0).map(saturate)
}

/// A count of at least 1 (batch sizes, steps).
pub fn positive(v: &str) -> Result<usize, String> {
    whole(v, 1).map(saturate)
}

/// A seed: any whole number from 0 to 2^64 - 1.
pub fn seed(v: &str) -> Result<u64, String> {
    v.trim()
        .parse::<u64>()
        .or_else(|_| whole(v, 0))
        .map_err(|_| format!("expected a whole number from 0 to {}, found {v}", u64::MAX))
}

/// A finite number above 0 (learning rates, margins, thresholds).
pub fn positive_real(v: &str) -> Result<f64, String> {
    match v.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!("expected a number above 0, found {v}")),
    }
}

/// A finite number of at least 0 (weight decay, loss weights).
pub fn non_negative(v: &str) -> Result<f64, String> {
    match v.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(format!("expected a number of at least 0, found {v}")),
    }
}

/// A number from 0 to 1 (probabilities, exploration rates).
pub fn fraction(v: &str) -> Result<f64, String> {
    match v.trim().parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(format!("expected a number from 0 to 1, found {v}")),
    }
}

/// A `usize` from a `u64` (saturating on 32-bit targets, where a count that large could not
/// be used anyway).
fn saturate(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}
