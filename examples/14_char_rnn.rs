//! A character-level language model on Tiny Shakespeare: stacked LSTM layers and a dense
//! softmax head predicting each next character.
//!
//! The text (`data/tinyshakespeare/input.txt`, 1,115,394 characters, 65 distinct) is split
//! into the first 90% for training and the last 10% for validation. Training draws random
//! windows of `seq + 1` characters (`seq` inputs, one-hot, and their next characters) in
//! batches, trains the LSTM layers by backpropagation through the `seq` steps (truncated BPTT:
//! every window starts from a zero state; Adam, global-norm clipping at 5 of the LSTM layers'
//! gradients and of the head's, a learning-rate schedule over the time budget) until the
//! budget is spent; two threads each run half of every batch, and their gradients are
//! averaged. In training, inverted dropout with rate `p` acts on every LSTM layer's output
//! (between stacked layers and before the head), as PyTorch's `nn.LSTM(dropout = p)`
//! followed by `nn.Dropout(p)` does. Validation runs the model over the whole held-out text
//! as one sequence (in chunks of 1,000 steps, each starting from the previous chunk's final
//! states) and reports the mean cross-entropy in bits per character; then a sample is drawn.
//!
//! ```sh
//! cargo run --release --example char_rnn
//! cargo run --release --example char_rnn -- --minutes 2 --seed 3
//! cargo run --release --example char_rnn -- --seconds 60 --lr 0.003
//! cargo run --release --example char_rnn -- --hidden 384 --layers 2 --dropout 0.2 --seq 128
//! cargo run --release --example char_rnn -- --help
//! ```
//!
//! The width and the window length are part of the layers' types: `--hidden` takes one of
//! [`HIDDEN`] and `--seq` one of [`SEQS`], each pair a network of its own compiled into this
//! example, all trained by the one generic `train`. The layer count, dropout, batch size and
//! schedule are run-time values. With no flags the model and training are the first
//! measured ones (256 units, one layer, 64 steps, batches of 64, cosine decay to 5%).
//!
//! `tools/char_rnn_pytorch.py` trains the same model in PyTorch with the same flags, and
//! `benches/char_rnn_vs_pytorch.sh` runs both for one budget, one after the other.
//!
//! Ends with `result: val_bpc=... train_seconds=... steps=...`.

use clap::{Parser, ValueEnum};

/// Distinct characters in the text.
const V: usize = 65;
/// The widths (`--hidden`) compiled in.
const HIDDEN: [usize; 4] = [128, 256, 384, 512];
/// The window lengths, steps of backpropagation through time (`--seq`), compiled in.
const SEQS: [usize; 3] = [32, 64, 128];
/// The most stacked LSTM layers (`--layers`).
const MAX_LAYERS: usize = 3;
/// The global-norm bound of the LSTM layers' gradients, and of the head's.
const CLIP: f64 = 5.0;

/// How the step size moves over the budget, from `--lr` down to `--lr-floor` of it.
#[derive(Clone, Copy, Debug, PartialEq, ValueEnum)]
enum Schedule {
    /// Half a cosine from the peak to the floor.
    Cosine,
    /// A straight line from the peak to the floor.
    Linear,
    /// The peak throughout (the floor is ignored).
    Constant,
}

/// Trains a character-level LSTM on Tiny Shakespeare for a wall-clock budget and reports the
/// held-out bits per character.
#[derive(Parser, Debug)]
#[command(name = "char_rnn")]
struct Args {
    /// Training budget in seconds (> 0).
    #[arg(long, allow_negative_numbers = true, default_value_t = 540.0, value_parser = positive)]
    #[arg(conflicts_with = "minutes")]
    seconds: f64,
    /// Training budget in minutes (> 0), instead of `--seconds`.
    #[arg(long, allow_negative_numbers = true, value_parser = positive)]
    minutes: Option<f64>,
    /// Seed of the initial weights, the windows drawn and dropout (a whole number >= 0).
    #[arg(long, allow_negative_numbers = true, default_value_t = 1, value_parser = seed)]
    seed: u64,
    /// Adam's peak step size (> 0).
    #[arg(long, allow_negative_numbers = true, default_value_t = 5e-3, value_parser = positive)]
    lr: f64,
    /// Hidden units per LSTM layer: 128, 256, 384 or 512.
    #[arg(long, allow_negative_numbers = true, default_value_t = 256, value_parser = hidden)]
    hidden: usize,
    /// Stacked LSTM layers, 1 to 3.
    #[arg(long, allow_negative_numbers = true, default_value_t = 1, value_parser = layers)]
    layers: usize,
    /// Dropout rate on every LSTM layer's output in training, in [0, 1).
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.0, value_parser = dropout)]
    dropout: f64,
    /// Window length, the steps of truncated backpropagation through time: 32, 64 or 128.
    #[arg(long, allow_negative_numbers = true, default_value_t = 64, value_parser = seq)]
    seq: usize,
    /// Windows per step (>= 2; each of the two threads runs half).
    #[arg(long, allow_negative_numbers = true, default_value_t = 64, value_parser = batch)]
    batch: usize,
    /// Learning-rate schedule over the budget (after the warm-up).
    #[arg(long, value_enum, default_value_t = Schedule::Cosine)]
    schedule: Schedule,
    /// The schedule's final step size, as a fraction of `--lr`, in [0, 1].
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.05, value_parser = fraction)]
    lr_floor: f64,
    /// Linear warm-up from 0 to `--lr` over this fraction of the budget, in [0, 1).
    #[arg(long, allow_negative_numbers = true, default_value_t = 0.0, value_parser = warmup)]
    warmup: f64,
}

fn number<T: std::str::FromStr>(s: &str, expected: &str) -> Result<T, String> {
    s.parse()
        .map_err(|_| format!("expected {expected}, found `{s}`"))
}

fn positive(s: &str) -> Result<f64, String> {
    let v: f64 = number(s, "a number > 0")?;
    if v > 0.0 && v.is_finite() {
        Ok(v)
    } else {
        Err(format!("expected a finite number > 0, found `{s}`"))
    }
}

fn in_range(s: &str, lo: f64, hi: f64, hi_open: bool) -> Result<f64, String> {
    let close = if hi_open { ')' } else { ']' };
    let expected = format!("a number in [{lo}, {hi}{close}");
    let v: f64 = number(s, &expected)?;
    if v >= lo && (v < hi || (!hi_open && v == hi)) {
        Ok(v)
    } else {
        Err(format!("expected {expected}, found `{s}`"))
    }
}

fn dropout(s: &str) -> Result<f64, String> {
    in_range(s, 0.0, 1.0, true)
}

fn fraction(s: &str) -> Result<f64, String> {
    in_range(s, 0.0, 1.0, false)
}

fn warmup(s: &str) -> Result<f64, String> {
    in_range(s, 0.0, 1.0, true)
}

fn one_of(s: &str, allowed: &[usize], what: &str) -> Result<usize, String> {
    let list = allowed
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let expected = format!("{what}, one of {list}");
    let v: usize = number(s, &expected)?;
    if allowed.contains(&v) {
        Ok(v)
    } else {
        Err(format!("expected {expected}, found `{s}`"))
    }
}

fn hidden(s: &str) -> Result<usize, String> {
    one_of(s, &HIDDEN, "a compiled width")
}

fn seq(s: &str) -> Result<usize, String> {
    one_of(s, &SEQS, "a compiled window length")
}

fn layers(s: &str) -> Result<usize, String> {
    let expected = format!("a whole number from 1 to {MAX_LAYERS}");
    let v: usize = number(s, &expected)?;
    if (1..=MAX_LAYERS).contains(&v) {
        Ok(v)
    } else {
        Err(format!("expected {expected}, found `{s}`"))
    }
}

fn seed(s: &str) -> Result<u64, String> {
    number(s, "a whole number >= 0")
}

fn batch(s: &str) -> Result<usize, String> {
    let v: usize = number(s, "a whole number >= 2")?;
    if v >= 2 {
        Ok(v)
    } else {
        Err(format!("expected a whole number >= 2, found `{s}`"))
    }
}

impl Args {
    fn budget(&self) -> f64 {
        self.minutes.map_or(self.seconds, |m| m * 60.0)
    }

    /// The step size after `progress` (0 to 1) of the budget.
    fn lr_at(&self, progress: f64) -> f64 {
        if progress < self.warmup {
            return self.lr * progress / self.warmup;
        }
        let q = (progress - self.warmup) / (1.0 - self.warmup);
        let f = self.lr_floor;
        match self.schedule {
            Schedule::Constant => self.lr,
            Schedule::Cosine => {
                f * self.lr + (1.0 - f) * self.lr * 0.5 * (1.0 + (std::f64::consts::PI * q).cos())
            }
            Schedule::Linear => f * self.lr + (1.0 - f) * self.lr * (1.0 - q),
        }
    }

    /// Every setting, as the flags that reproduce it (the PyTorch script prints the same).
    fn settings(&self) -> String {
        format!(
            "--hidden {} --layers {} --dropout {} --seq {} --batch {} --lr {} --schedule {} \
             --lr-floor {} --warmup {} --seconds {} --seed {}",
            self.hidden,
            self.layers,
            self.dropout,
            self.seq,
            self.batch,
            self.lr,
            format!("{:?}", self.schedule).to_lowercase(),
            self.lr_floor,
            self.warmup,
            self.budget(),
            self.seed
        )
    }
}

#[path = "14_char_rnn/model.rs"]
mod model;

/// The text as character indices, and its vocabulary.
struct Data {
    text: Vec<u8>,
    vocab: Vec<u8>,
    split: usize,
}

fn load() -> Data {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/tinyshakespeare/input.txt"
    );
    let raw = std::fs::read(path).unwrap_or_else(|e| {
        eprintln!("error: cannot read {path}: {e}");
        std::process::exit(1);
    });
    let mut vocab: Vec<u8> = raw.clone();
    vocab.sort_unstable();
    vocab.dedup();
    if vocab.len() != V {
        eprintln!(
            "error: {path} has {} distinct characters, expected {V}",
            vocab.len()
        );
        std::process::exit(1);
    }
    let mut index = [0u8; 256];
    for (k, &c) in vocab.iter().enumerate() {
        index[c as usize] = k as u8;
    }
    let text: Vec<u8> = raw.iter().map(|&c| index[c as usize]).collect();
    let split = text.len() * 9 / 10;
    Data { text, vocab, split }
}

/// Runs `train` for the compiled (width, window) pair the flags name.
macro_rules! dispatch {
    ($args:expr, $data:expr; $(($h:literal, $s:literal)),* $(,)?) => {
        match ($args.hidden, $args.seq) {
            $(($h, $s) => {
                model::train::<$h, { 4 * $h }, $s, { $s * V }, { $s * $h }>($args, $data)
            })*
            (h, s) => unreachable!("the flag parsers accept only compiled sizes, not {h} x {s}"),
        }
    };
}

fn main() {
    let args = Args::parse();
    let data = load();
    println!(
        "{} characters: {} for training, {} held out",
        data.text.len(),
        data.split,
        data.text.len() - data.split
    );
    println!("settings: {}", args.settings());
    dispatch!(&args, &data;
        (128, 32), (128, 64), (128, 128),
        (256, 32), (256, 64), (256, 128),
        (384, 32), (384, 64), (384, 128),
        (512, 32), (512, 64), (512, 128),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(flags: &[&str]) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("char_rnn").chain(flags.iter().copied()))
    }

    #[test]
    fn defaults_are_the_first_measured_settings() {
        let a = parse(&[]).unwrap();
        assert_eq!(
            a.settings(),
            "--hidden 256 --layers 1 --dropout 0 --seq 64 --batch 64 --lr 0.005 \
             --schedule cosine --lr-floor 0.05 --warmup 0 --seconds 540 --seed 1"
        );
        assert!((a.lr_at(0.0) - 5e-3).abs() < 1e-12 && (a.lr_at(1.0) - 2.5e-4).abs() < 1e-12);
    }

    #[test]
    fn invalid_values_say_what_was_expected() {
        for (flags, expected) in [
            (
                &["--hidden", "300"][..],
                "one of 128, 256, 384, 512, found `300`",
            ),
            (&["--seq", "50"], "one of 32, 64, 128, found `50`"),
            (&["--layers", "4"], "from 1 to 3, found `4`"),
            (&["--dropout", "1"], "in [0, 1), found `1`"),
            (&["--lr", "-1"], "> 0, found `-1`"),
            (&["--batch", "1"], ">= 2, found `1`"),
            (&["--seed", "-1"], "a whole number >= 0, found `-1`"),
            (&["--lr-floor", "x"], "in [0, 1], found `x`"),
            (
                &["--schedule", "step"],
                "[possible values: cosine, linear, constant]",
            ),
            (&["--seconds", "5", "--minutes", "1"], "cannot be used with"),
        ] {
            let e = parse(flags).unwrap_err().to_string();
            assert!(e.contains(expected), "{flags:?}: {e}");
        }
    }

    #[test]
    fn warm_up_then_linear_decay() {
        let a = parse(&["--schedule", "linear", "--warmup", "0.2", "--lr-floor", "0"]).unwrap();
        assert!((a.lr_at(0.1) - 2.5e-3).abs() < 1e-12);
        assert!((a.lr_at(0.2) - 5e-3).abs() < 1e-12);
        assert!((a.lr_at(0.6) - 2.5e-3).abs() < 1e-12);
        assert_eq!(parse(&["--minutes", "2"]).unwrap().budget(), 120.0);
    }
}
