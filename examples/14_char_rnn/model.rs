//! The stacked LSTM and its training, generic over the width `H` and the window `SEQ`
//! (`G = 4H` gate rows, `IN = SEQ·V` inputs and `SH = SEQ·H` hidden states per window).
//!
//! Layer 0 reads `V` one-hot values per step, each layer above reads the `H` hidden states of
//! the one below; the head maps every step's top hidden state to `V` logits. Dropout (rate
//! `p`, inverted: kept values times `1/(1-p)`) multiplies each layer's output by a fresh mask
//! in training, and the backward multiplies the gradient reaching that output by the same mask.

use super::{Args, Data, CLIP, V};
use nn_core::activation::softmax_in_place;
use nn_core::cell::Lstm;
use nn_core::init::Init;
use nn_core::layer::{BatchOp, Dense, Layer};
use nn_core::optim::{global_norm, Adam};
use nn_core::{Batch, Parameters};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::time::Instant;

type First<const H: usize, const G: usize, const SEQ: usize, const IN: usize, const SH: usize> =
    Lstm<f32, V, H, G, SEQ, IN, SH>;
type Upper<const H: usize, const G: usize, const SEQ: usize, const SH: usize> =
    Lstm<f32, H, H, G, SEQ, SH, SH>;

struct Model<const H: usize, const G: usize, const SEQ: usize, const IN: usize, const SH: usize> {
    first: First<H, G, SEQ, IN, SH>,
    upper: Vec<Upper<H, G, SEQ, SH>>,
    head: Dense<f32, H, V>,
}

/// One thread's share of a training step: its buffers, caches and gradients.
struct Step<const H: usize, const G: usize, const SEQ: usize, const IN: usize, const SH: usize> {
    x: Batch<f32, IN>,
    /// Each layer's output, before dropout.
    outs: Vec<Batch<f32, SH>>,
    /// Each upper layer's input, after dropout.
    ins: Vec<Batch<f32, SH>>,
    /// Each layer's dropout mask (`0` or `1/(1-p)`), when `p > 0`.
    masks: Vec<Vec<f32>>,
    c0: <First<H, G, SEQ, IN, SH> as BatchOp<f32, IN, SH>>::BatchCache,
    cu: Vec<<Upper<H, G, SEQ, SH> as BatchOp<f32, SH, SH>>::BatchCache>,
    g0: First<H, G, SEQ, IN, SH>,
    gu: Vec<Upper<H, G, SEQ, SH>>,
    gh: Dense<f32, H, V>,
    rng: StdRng,
}

impl<const H: usize, const G: usize, const SEQ: usize, const IN: usize, const SH: usize>
    Step<H, G, SEQ, IN, SH>
{
    /// Buffers for `n` windows a step through `layers` layers.
    fn new(n: usize, layers: usize, seed: u64) -> Self {
        Self {
            x: Batch::zeros(n),
            outs: (0..layers).map(|_| Batch::zeros(n)).collect(),
            ins: (1..layers).map(|_| Batch::zeros(n)).collect(),
            masks: vec![Vec::new(); layers],
            c0: First::<H, G, SEQ, IN, SH>::empty_batch_cache(),
            cu: (1..layers)
                .map(|_| Upper::<H, G, SEQ, SH>::empty_batch_cache())
                .collect(),
            g0: First::zeros(),
            gu: (1..layers).map(|_| Upper::zeros()).collect(),
            gh: Dense::zeros(),
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// Draws layer `k`'s mask and applies it to `v`.
    fn drop(&mut self, k: usize, p: f64, v: &mut [f32]) {
        let keep = 1.0 / (1.0 - p) as f32;
        let rng = &mut self.rng;
        self.masks[k].clear();
        self.masks[k].extend(v.iter_mut().map(|x| {
            let m = if rng.random::<f64>() < p { 0.0 } else { keep };
            *x *= m;
            m
        }));
    }

    /// Forward and backward on the windows starting at `starts`; the gradients are left in
    /// `g0`, `gu` and `gh`, and the mean loss in nats is returned.
    fn run(&mut self, m: &Model<H, G, SEQ, IN, SH>, text: &[u8], starts: &[usize], p: f64) -> f64 {
        let n = starts.len();
        assert_eq!(n, self.x.ncols(), "one window per column");
        self.x.fill(0.0);
        for (j, &s) in starts.iter().enumerate() {
            for t in 0..SEQ {
                self.x[(t * V + text[s + t] as usize, j)] = 1.0;
            }
        }
        m.first
            .op_forward_batch(&self.x, &mut self.outs[0], &mut self.c0, true);
        for k in 0..m.upper.len() {
            let mut input = self.outs[k].clone();
            if p > 0.0 {
                self.drop(k, p, input.as_mut_slice());
            }
            self.ins[k] = input;
            m.upper[k].op_forward_batch(&self.ins[k], &mut self.outs[k + 1], &mut self.cu[k], true);
        }
        let top = self.outs.len() - 1;
        let mut top_out = self.outs[top].as_slice().to_vec();
        if p > 0.0 {
            self.drop(top, p, &mut top_out);
        }
        // Every step of every window as one column of the head's batch.
        let h = Batch::<f32, H>::from_column_slice(&top_out);
        let mut z = m.head.forward_batch(&h);
        let mut loss = 0.0;
        let scale = 1.0 / (SEQ * n) as f32;
        for (j, &s) in starts.iter().enumerate() {
            for t in 0..SEQ {
                let c = j * SEQ + t;
                let col = &mut z.as_mut_slice()[c * V..(c + 1) * V];
                softmax_in_place(col);
                let target = text[s + t + 1] as usize;
                loss -= (col[target].max(1e-30) as f64).ln();
                col[target] -= 1.0;
                col.iter_mut().for_each(|v| *v *= scale);
            }
        }
        m.head.backward_params_batch(&h, &z, &mut self.gh, 0.0);
        let mut dh = Batch::<f32, H>::zeros(0);
        m.head.backward_input_batch(&z, &mut dh);
        let mut d = Batch::<f32, SH>::from_column_slice(dh.as_slice());
        let mut dx = Batch::<f32, SH>::zeros(n);
        for k in (0..=top).rev() {
            if p > 0.0 {
                d.as_mut_slice()
                    .iter_mut()
                    .zip(&self.masks[k])
                    .for_each(|(g, &m)| *g *= m);
            }
            if k == 0 {
                m.first
                    .op_backward_batch(&self.x, &self.outs[0], &self.c0, &d, &mut self.g0, None);
            } else {
                let u = k - 1;
                m.upper[u].op_backward_batch(
                    &self.ins[u],
                    &self.outs[k],
                    &self.cu[u],
                    &d,
                    &mut self.gu[u],
                    Some(&mut dx),
                );
                std::mem::swap(&mut d, &mut dx);
            }
        }
        loss / (SEQ * n) as f64
    }
}

/// `a = wa·a + wb·b`, tensor by tensor.
fn blend<P: Parameters<f32>>(a: &mut P, b: &P, wa: f32, wb: f32) {
    a.zip_mut(b, |_, x, y| {
        x.iter_mut()
            .zip(y)
            .for_each(|(x, &y)| *x = wa * *x + wb * y);
    });
}

/// Scales the trainable tensors of `p` by `s`.
fn scale<P: Parameters<f32>>(p: &mut P, s: f32) {
    p.visit_mut(|info, g| {
        if info.kind.is_trainable() {
            g.iter_mut().for_each(|x| *x *= s);
        }
    });
}

/// Mean cross-entropy (nats) of the next character over `text`, run as one sequence.
fn evaluate<const H: usize, const G: usize, const SEQ: usize, const IN: usize, const SH: usize>(
    m: &Model<H, G, SEQ, IN, SH>,
    text: &[u8],
) -> f64 {
    let mut states = (None, vec![None; m.upper.len()]);
    let mut total = 0.0;
    let mut count = 0usize;
    for (k, chunk) in text[..text.len() - 1].chunks(1000).enumerate() {
        let mut xs = vec![0.0f32; chunk.len() * V];
        for (t, &c) in chunk.iter().enumerate() {
            xs[t * V + c as usize] = 1.0;
        }
        let hs = m.run_seq(&xs, &mut states);
        let h = Batch::<f32, H>::from_column_slice(&hs);
        let mut p = m.head.forward_batch(&h);
        for t in 0..chunk.len() {
            let col = &mut p.as_mut_slice()[t * V..(t + 1) * V];
            softmax_in_place(col);
            let target = text[k * 1000 + t + 1] as usize;
            total -= (col[target].max(1e-30) as f64).ln();
            count += 1;
        }
    }
    total / count as f64
}

/// An LSTM layer's state, `h` then `c`.
type State<const H: usize> = nn_core::nalgebra::SMatrix<f32, H, 2>;

impl<const H: usize, const G: usize, const SEQ: usize, const IN: usize, const SH: usize>
    Model<H, G, SEQ, IN, SH>
{
    /// Every layer over `xs` (`steps·V` one-hot values) from `states`, which it updates;
    /// returns the top layer's hidden states, `steps·H` values.
    #[allow(clippy::type_complexity)]
    fn run_seq(
        &self,
        xs: &[f32],
        states: &mut (Option<State<H>>, Vec<Option<State<H>>>),
    ) -> Vec<f32> {
        let mut hs = self.first.run_seq(xs, &mut states.0);
        for (l, s) in self.upper.iter().zip(&mut states.1) {
            hs = l.run_seq(&hs, s);
        }
        hs
    }
}

/// [`forward_seq`](nn_core::cell::Recurrent::forward_seq) of an LSTM layer with its state
/// carried in and out.
trait RunSeq<const H: usize> {
    fn run_seq(&self, xs: &[f32], state: &mut Option<State<H>>) -> Vec<f32>;
}

impl<
        const I: usize,
        const H: usize,
        const G: usize,
        const S: usize,
        const IN: usize,
        const O: usize,
    > RunSeq<H> for Lstm<f32, I, H, G, S, IN, O>
{
    fn run_seq(&self, xs: &[f32], state: &mut Option<State<H>>) -> Vec<f32> {
        let run = self.forward_seq(xs, state.as_ref()).expect("whole steps");
        *state = Some(run.final_state());
        run.hidden().to_vec()
    }
}

/// Draws `len` characters after `prompt`, sampling from the softmax at temperature 0.8.
fn sample<const H: usize, const G: usize, const SEQ: usize, const IN: usize, const SH: usize>(
    m: &Model<H, G, SEQ, IN, SH>,
    vocab: &[u8],
    prompt: &[u8],
    len: usize,
    rng: &mut StdRng,
) -> String {
    let mut out = prompt.to_vec();
    let onehot = |c: u8| {
        let mut x = vec![0.0f32; V];
        x[c as usize] = 1.0;
        x
    };
    let mut xs: Vec<f32> = prompt.iter().flat_map(|&c| onehot(c)).collect();
    let mut states = (None, vec![None; m.upper.len()]);
    for _ in 0..len {
        let hs = m.run_seq(&xs, &mut states);
        let last = &hs[hs.len() - H..];
        let mut z = m
            .head
            .forward(&nn_core::nalgebra::SVector::from_column_slice(last));
        z.iter_mut().for_each(|v| *v /= 0.8);
        softmax_in_place(z.as_mut_slice());
        let mut u: f32 = rng.random();
        let mut c = V - 1;
        for (k, &p) in z.iter().enumerate() {
            if u < p {
                c = k;
                break;
            }
            u -= p;
        }
        out.push(c as u8);
        xs = onehot(c as u8);
    }
    out.iter().map(|&c| vocab[c as usize] as char).collect()
}

/// Trains the model the flags describe for their budget, validates it and prints a sample.
pub(super) fn train<
    const H: usize,
    const G: usize,
    const SEQ: usize,
    const IN: usize,
    const SH: usize,
>(
    a: &Args,
    data: &Data,
) {
    const { assert!(G == 4 * H && IN == SEQ * V && SH == SEQ * H) };
    let (train, val) = data.text.split_at(data.split);
    let (budget, batch, p) = (a.budget(), a.batch, a.dropout);
    let mut rng = StdRng::seed_from_u64(a.seed);
    let mut model = Model::<H, G, SEQ, IN, SH> {
        first: First::new(Init::Xavier, &mut rng),
        upper: Vec::new(),
        head: Dense::new(Init::Xavier, &mut rng),
    };
    // Layers above the first are drawn after the head, so one layer draws what it always has.
    model.upper = (1..a.layers)
        .map(|_| Upper::new(Init::Xavier, &mut rng))
        .collect();
    // Forget-gate biases at 1 (rows H..2H).
    model.first.cell.bias_ih.as_mut_slice()[H..2 * H].fill(1.0);
    for l in &mut model.upper {
        l.cell.bias_ih.as_mut_slice()[H..2 * H].fill(1.0);
    }
    let mut adam0 = Adam::new(a.lr);
    let mut adam_u: Vec<_> = model.upper.iter().map(|_| Adam::new(a.lr)).collect();
    let mut adam_h = Adam::new(a.lr);
    // Both cores: each thread runs its share of every batch; the gradients are averaged,
    // weighted by the shares.
    let (na, nb) = (batch / 2, batch - batch / 2);
    let (wa, wb) = (na as f32 / batch as f32, nb as f32 / batch as f32);
    let mut halves = [
        Step::<H, G, SEQ, IN, SH>::new(na, a.layers, a.seed.wrapping_add(1)),
        Step::new(nb, a.layers, a.seed.wrapping_add(2)),
    ];
    let start = Instant::now();
    let (mut steps, mut running) = (0usize, f64::NAN);
    loop {
        let elapsed = start.elapsed().as_secs_f64();
        if elapsed >= budget {
            break;
        }
        let lr_now = a.lr_at(elapsed / budget);
        adam0.alpha = lr_now;
        adam_u.iter_mut().for_each(|o| o.alpha = lr_now);
        adam_h.alpha = lr_now;
        let starts: Vec<usize> = (0..batch)
            .map(|_| rng.random_range(0..train.len() - SEQ - 1))
            .collect();
        let (first, second) = starts.split_at(na);
        let [ha, hb] = &mut halves;
        let loss = std::thread::scope(|s| {
            let other = s.spawn(|| hb.run(&model, train, second, p));
            let la = ha.run(&model, train, first, p);
            wa as f64 * la + wb as f64 * other.join().expect("the second share's thread")
        });
        blend(&mut ha.g0, &hb.g0, wa, wb);
        for (x, y) in ha.gu.iter_mut().zip(&hb.gu) {
            blend(x, y, wa, wb);
        }
        blend(&mut ha.gh, &hb.gh, wa, wb);
        // The LSTM layers' gradients together to norm CLIP, the head's on its own.
        let norm = (global_norm(&ha.g0).powi(2)
            + ha.gu.iter().map(|g| global_norm(g).powi(2)).sum::<f64>())
        .sqrt();
        if norm > CLIP {
            let s = (CLIP / norm) as f32;
            scale(&mut ha.g0, s);
            ha.gu.iter_mut().for_each(|g| scale(g, s));
        }
        let head_norm = global_norm(&ha.gh);
        if head_norm > CLIP {
            scale(&mut ha.gh, (CLIP / head_norm) as f32);
        }
        adam0.step(&mut model.first, &ha.g0).expect("same shapes");
        for ((o, l), g) in adam_u.iter_mut().zip(&mut model.upper).zip(&ha.gu) {
            o.step(l, g).expect("same shapes");
        }
        adam_h.step(&mut model.head, &ha.gh).expect("same shapes");
        running = if running.is_nan() {
            loss
        } else {
            0.98 * running + 0.02 * loss
        };
        steps += 1;
        if steps % 200 == 0 {
            eprintln!(
                "step {steps:>5} ({elapsed:>5.0} s): train loss {:.3} bits/char",
                running / std::f64::consts::LN_2
            );
        }
    }
    let train_seconds = start.elapsed().as_secs_f64();
    let val_bpc = evaluate(&model, val) / std::f64::consts::LN_2;
    println!("{steps} steps of {batch} windows x {SEQ} characters in {train_seconds:.0} s");
    println!("validation: {val_bpc:.3} bits/char");
    println!(
        "sample:\n{}\n",
        sample(&model, &data.vocab, &data.text[..1], 400, &mut rng)
    );
    println!("result: val_bpc={val_bpc:.3} train_seconds={train_seconds:.0} steps={steps}");
}
