//! [`RecurrentStack`]: stacked and bidirectional recurrent layers as one layer, as PyTorch's
//! `nn.LSTM(..., num_layers = L, bidirectional = True, dropout = p)` computes them.
//!
//! Layer `l` runs `D` directions (`D = 1`, or 2 when bidirectional) over the same sequence:
//! the forward one over `x_1 .. x_SEQ`, the reverse one over `x_SEQ .. x_1`. Its output at
//! step `t` is both directions' hidden states there, concatenated, `[h→_t, h←_t]` (`D·H`
//! values), which is the next layer's input at step `t`:
//!
//! ```text
//! layer 0:      I    -> D·H per step       (weight_ih_l0: G x I)
//! layer l ≥ 1:  D·H  -> D·H per step       (weight_ih_l1: G x D·H)
//! between layers, in training: inverted dropout with rate p on each layer's output but the last
//! ```
//!
//! Shapes: the input is `IN = SEQ·I` values (step after step); every direction of every layer
//! gives `SH = SEQ·H`; a layer's concatenated output is `MID = SEQ·D·H`. The stack's output is
//! the last layer's, `OUT = MID` (`seq = full`), or each direction's final state,
//! `OUT = D·H` (`seq = last`): `[h→_SEQ, h←_1]`, PyTorch's `h_n` of the last layer, the
//! reverse direction's state after it has read the whole sequence.
//!
//! Parameters, in PyTorch's `state_dict` order and names: `weight_ih_l0`, `weight_hh_l0`,
//! `bias_ih_l0`, `bias_hh_l0`, then `..._l0_reverse` when bidirectional, then layer 1, ... Each
//! direction of each layer is a [`Recurrent`] with its own cell; the backward runs each one's
//! backpropagation through time and sums what reaches a layer's input from both directions.
//!
//! Dropout is drawn in the batch (training) path only, from a seeded generator in the batch
//! cache ([`BatchOp::op_seed`](crate::layer::BatchOp::op_seed)); one sample's forward is
//! inference, where dropout is the identity. The rate is a type parameter, as the bits of an
//! `f64` (`DROP = p.to_bits()`), so `network!` can state it in the layer's type.
//!
//! ```
//! use nn_core::cell::{LstmCell, RecurrentStack};
//! use nn_core::layer::{Layer, Op};
//! use nn_core::nalgebra::SVector;
//! use nn_core::Parameters;
//! // 2 layers, bidirectional, 4 steps of 3 inputs, 5 units: layer 1 reads 2·5 per step.
//! type S = RecurrentStack<LstmCell<f64, 3, 5, 20>, LstmCell<f64, 10, 5, 20>, 2, 1, 4, 12, 20, 40, 40, 0>;
//! let stack = S::new(Default::default(), &mut rand::rngs::StdRng::seed_from_u64(0));
//! # use rand::SeedableRng;
//! assert_eq!(stack.tensor_info(4).unwrap().to_string(), "weight_ih_l0_reverse");
//! assert_eq!(stack.tensor_info(8).unwrap().shape.dims(), &[20, 10]); // weight_ih_l1
//! let x = SVector::<f64, 12>::from_fn(|i, _| (i as f64).sin());
//! let (mut y, mut cache) = (SVector::zeros(), S::empty_cache());
//! stack.op_forward(&x, &mut y, &mut cache);
//! assert!(y.iter().all(|v| v.abs() < 1.0));
//! ```

use super::Recurrent;
use crate::layer::{Layer, Op};
use crate::{init::Init, ParamInfo, Parameters, Scalar};
use nalgebra::SVector;

/// The most layers a stack holds (PyTorch's names are kept in a table up to it).
pub const MAX_LAYERS: usize = 8;

macro_rules! names {
    ($($l:literal),*) => {
        [$([
            [
                concat!("weight_ih_l", $l),
                concat!("weight_hh_l", $l),
                concat!("bias_ih_l", $l),
                concat!("bias_hh_l", $l),
            ],
            [
                concat!("weight_ih_l", $l, "_reverse"),
                concat!("weight_hh_l", $l, "_reverse"),
                concat!("bias_ih_l", $l, "_reverse"),
                concat!("bias_hh_l", $l, "_reverse"),
            ],
        ]),*]
    };
}

/// PyTorch's tensor names by layer, direction and tensor.
const NAMES: [[[&str; 4]; 2]; MAX_LAYERS] = names!(0, 1, 2, 3, 4, 5, 6, 7);

/// `L = UP + 1` stacked recurrent layers of `DIRS` directions each (see the
/// [module](crate::cell::stack)): cell `C0` for layer 0 (`I` inputs per step), `CU` for the layers above it
/// (`DIRS·H` inputs per step); `SEQ` steps, `IN = SEQ·I`, `SH = SEQ·H`, `MID = SEQ·DIRS·H`,
/// `OUT = MID` or `DIRS·H`; dropout rate `f64::from_bits(DROP)` between layers.
pub struct RecurrentStack<
    C0,
    CU,
    const DIRS: usize,
    const UP: usize,
    const SEQ: usize,
    const IN: usize,
    const SH: usize,
    const MID: usize,
    const OUT: usize,
    const DROP: u64,
> {
    /// Layer 0: the forward direction, then the reverse one.
    pub first: [Recurrent<C0, SEQ, IN, SH>; DIRS],
    /// Layers 1 to `UP`, each with its directions.
    pub upper: [[Recurrent<CU, SEQ, MID, SH>; DIRS]; UP],
}

/// The compile-time shape check of a stack.
struct StackFits<
    const DIRS: usize,
    const UP: usize,
    const SEQ: usize,
    const IN: usize,
    const SH: usize,
    const MID: usize,
    const OUT: usize,
>;
impl<
        const DIRS: usize,
        const UP: usize,
        const SEQ: usize,
        const IN: usize,
        const SH: usize,
        const MID: usize,
        const OUT: usize,
    > StackFits<DIRS, UP, SEQ, IN, SH, MID, OUT>
{
    const OK: () = assert!(
        SEQ > 0
            && (DIRS == 1 || DIRS == 2)
            && UP < MAX_LAYERS
            && IN.is_multiple_of(SEQ)
            && SH.is_multiple_of(SEQ)
            && MID == DIRS * SH
            && (OUT == MID || OUT == DIRS * (SH / SEQ)),
        "a recurrent stack has 1 or 2 directions, at most 8 layers, SH = SEQ * H, \
         MID = DIRS * SH and OUT = MID (every step) or DIRS * H (the final states)"
    );
}

/// What one sample's forward keeps: each direction's cache, and each layer's output.
#[derive(Clone, Copy, Debug)]
pub struct StackCache<K0, KU, T: Scalar, const DIRS: usize, const UP: usize, const MID: usize> {
    /// Layer 0's caches, one per direction.
    pub first: [K0; DIRS],
    /// The upper layers' caches.
    pub upper: [[KU; DIRS]; UP],
    /// Each layer's concatenated output, `[h→_t, h←_t]` step after step (layer 0 first).
    pub outs: [SVector<T, MID>; UP],
    /// The last layer's output.
    pub last: SVector<T, MID>,
}

impl<
        C0,
        CU,
        const DIRS: usize,
        const UP: usize,
        const SEQ: usize,
        const IN: usize,
        const SH: usize,
        const MID: usize,
        const OUT: usize,
        const DROP: u64,
    > RecurrentStack<C0, CU, DIRS, UP, SEQ, IN, SH, MID, OUT, DROP>
{
    /// Hidden units per direction.
    pub const HIDDEN: usize = SH / SEQ;
    /// The dropout rate between layers, `f64::from_bits(DROP)`.
    pub fn dropout(&self) -> f64 {
        f64::from_bits(DROP)
    }

    /// Sets every direction's gradient clipping ([`Recurrent::clip`]).
    pub fn set_clip(&mut self, clip: Option<f64>) {
        self.first.iter_mut().for_each(|l| l.clip = clip);
        self.upper.iter_mut().flatten().for_each(|l| l.clip = clip);
    }

    /// A stack drawn with `init`, layer after layer, each direction's cell as
    /// [`Recurrent::new`] draws it.
    pub fn new<T: Scalar, R: rand::Rng + ?Sized>(init: Init, rng: &mut R) -> Self
    where
        Self: Layer<T>,
    {
        let mut s = <Self as Layer<T>>::zeros();
        s.init(init, rng);
        s
    }
}

/// One direction's forward: `x` (reversed first when `d = 1`) through `layer`, its hidden
/// states into their place in `out`.
fn dir_forward<T: Scalar, L: Op<T, N, SH>, const N: usize, const SH: usize, const MID: usize>(
    layer: &L,
    x: &SVector<T, N>,
    d: usize,
    h: usize,
    dirs: usize,
    cache: &mut L::Cache,
    out: &mut SVector<T, MID>,
) {
    let mut y = SVector::<T, SH>::zeros();
    if d == 1 {
        let mut xr = SVector::<T, N>::zeros();
        reverse_steps(x.as_slice(), xr.as_mut_slice(), N / (SH / h));
        layer.op_forward(&xr, &mut y, cache);
    } else {
        layer.op_forward(x, &mut y, cache);
    }
    scatter(y.as_slice(), out.as_mut_slice(), h, dirs, d, d == 1);
}

/// One direction's backward: `dout` (the layer's output gradient) for direction `d`, the
/// weight gradients into `grad`, and `dℓ/dx` added into `dx`.
#[allow(clippy::too_many_arguments)]
fn dir_backward<T: Scalar, L: Op<T, N, SH>, const N: usize, const SH: usize, const MID: usize>(
    layer: &L,
    x: &SVector<T, N>,
    out: &SVector<T, MID>,
    d: usize,
    h: usize,
    dirs: usize,
    cache: &L::Cache,
    dout: &SVector<T, MID>,
    grad: &mut L,
    dx: &mut SVector<T, N>,
) {
    let rev = d == 1;
    let (mut y, mut dy, mut dxd) = (
        SVector::<T, SH>::zeros(),
        SVector::<T, SH>::zeros(),
        SVector::<T, N>::zeros(),
    );
    gather(out.as_slice(), y.as_mut_slice(), h, dirs, d, rev);
    gather(dout.as_slice(), dy.as_mut_slice(), h, dirs, d, rev);
    let w = N / (SH / h);
    if rev {
        let mut xr = SVector::<T, N>::zeros();
        reverse_steps(x.as_slice(), xr.as_mut_slice(), w);
        layer.op_backward(&xr, &y, cache, &dy, grad, &mut dxd);
    } else {
        layer.op_backward(x, &y, cache, &dy, grad, &mut dxd);
    }
    add_steps(dxd.as_slice(), dx.as_mut_slice(), w, rev);
}

/// One direction's tangent, written into its place in `dout`.
#[allow(clippy::too_many_arguments)]
fn dir_tangent<T: Scalar, L: Op<T, N, SH>, const N: usize, const SH: usize, const MID: usize>(
    layer: &L,
    x: &SVector<T, N>,
    out: &SVector<T, MID>,
    d: usize,
    h: usize,
    dirs: usize,
    cache: &L::Cache,
    dx: &SVector<T, N>,
    dout: &mut SVector<T, MID>,
) {
    let rev = d == 1;
    let (mut y, mut dy) = (SVector::<T, SH>::zeros(), SVector::<T, SH>::zeros());
    gather(out.as_slice(), y.as_mut_slice(), h, dirs, d, rev);
    let w = N / (SH / h);
    if rev {
        let (mut xr, mut dxr) = (SVector::<T, N>::zeros(), SVector::<T, N>::zeros());
        reverse_steps(x.as_slice(), xr.as_mut_slice(), w);
        reverse_steps(dx.as_slice(), dxr.as_mut_slice(), w);
        layer.op_tangent(&xr, &y, cache, &dxr, &mut dy);
    } else {
        layer.op_tangent(x, &y, cache, dx, &mut dy);
    }
    scatter(dy.as_slice(), dout.as_mut_slice(), h, dirs, d, rev);
}

impl<
        T: Scalar,
        C0,
        CU,
        const DIRS: usize,
        const UP: usize,
        const SEQ: usize,
        const IN: usize,
        const SH: usize,
        const MID: usize,
        const OUT: usize,
        const DROP: u64,
    > Op<T, IN, OUT> for RecurrentStack<C0, CU, DIRS, UP, SEQ, IN, SH, MID, OUT, DROP>
where
    C0: Layer<T>,
    CU: Layer<T>,
    Recurrent<C0, SEQ, IN, SH>: Op<T, IN, SH>,
    Recurrent<CU, SEQ, MID, SH>: Op<T, MID, SH>,
{
    type Cache = StackCache<
        <Recurrent<C0, SEQ, IN, SH> as Op<T, IN, SH>>::Cache,
        <Recurrent<CU, SEQ, MID, SH> as Op<T, MID, SH>>::Cache,
        T,
        DIRS,
        UP,
        MID,
    >;

    fn empty_cache() -> Self::Cache {
        StackCache {
            first: [<Recurrent<C0, SEQ, IN, SH> as Op<T, IN, SH>>::empty_cache(); DIRS],
            upper: [[<Recurrent<CU, SEQ, MID, SH> as Op<T, MID, SH>>::empty_cache(); DIRS]; UP],
            outs: [SVector::zeros(); UP],
            last: SVector::zeros(),
        }
    }

    fn op_forward(&self, x: &SVector<T, IN>, y: &mut SVector<T, OUT>, cache: &mut Self::Cache) {
        let () = StackFits::<DIRS, UP, SEQ, IN, SH, MID, OUT>::OK;
        let h = SH / SEQ;
        let mut cur = SVector::<T, MID>::zeros();
        for (d, l) in self.first.iter().enumerate() {
            dir_forward(l, x, d, h, DIRS, &mut cache.first[d], &mut cur);
        }
        for (k, layer) in self.upper.iter().enumerate() {
            cache.outs[k] = cur;
            for (d, l) in layer.iter().enumerate() {
                dir_forward(
                    l,
                    &cache.outs[k],
                    d,
                    h,
                    DIRS,
                    &mut cache.upper[k][d],
                    &mut cur,
                );
            }
        }
        cache.last = cur;
        pick_out(cur.as_slice(), y.as_mut_slice(), h, DIRS);
    }

    fn op_backward(
        &self,
        x: &SVector<T, IN>,
        _y: &SVector<T, OUT>,
        cache: &Self::Cache,
        dy: &SVector<T, OUT>,
        grad: &mut Self,
        dx: &mut SVector<T, IN>,
    ) {
        let () = StackFits::<DIRS, UP, SEQ, IN, SH, MID, OUT>::OK;
        let h = SH / SEQ;
        let mut dcur = SVector::<T, MID>::zeros();
        spread_out(dy.as_slice(), dcur.as_mut_slice(), h, DIRS);
        for k in (0..UP).rev() {
            let out = if k + 1 == UP {
                &cache.last
            } else {
                &cache.outs[k + 1]
            };
            let mut din = SVector::<T, MID>::zeros();
            for (d, l) in self.upper[k].iter().enumerate() {
                let (c, g) = (&cache.upper[k][d], &mut grad.upper[k][d]);
                dir_backward(l, &cache.outs[k], out, d, h, DIRS, c, &dcur, g, &mut din);
            }
            dcur = din;
        }
        let out = if UP == 0 { &cache.last } else { &cache.outs[0] };
        dx.fill(T::zero());
        for (d, l) in self.first.iter().enumerate() {
            let (c, g) = (&cache.first[d], &mut grad.first[d]);
            dir_backward(l, x, out, d, h, DIRS, c, &dcur, g, dx);
        }
    }

    fn op_tangent(
        &self,
        x: &SVector<T, IN>,
        _y: &SVector<T, OUT>,
        cache: &Self::Cache,
        dx: &SVector<T, IN>,
        dy: &mut SVector<T, OUT>,
    ) {
        let () = StackFits::<DIRS, UP, SEQ, IN, SH, MID, OUT>::OK;
        let h = SH / SEQ;
        let out = if UP == 0 { &cache.last } else { &cache.outs[0] };
        let mut dcur = SVector::<T, MID>::zeros();
        for (d, l) in self.first.iter().enumerate() {
            dir_tangent(l, x, out, d, h, DIRS, &cache.first[d], dx, &mut dcur);
        }
        for (k, layer) in self.upper.iter().enumerate() {
            let out = if k + 1 == UP {
                &cache.last
            } else {
                &cache.outs[k + 1]
            };
            let din = dcur;
            for (d, l) in layer.iter().enumerate() {
                let c = &cache.upper[k][d];
                dir_tangent(l, &cache.outs[k], out, d, h, DIRS, c, &din, &mut dcur);
            }
        }
        pick_out(dcur.as_slice(), dy.as_mut_slice(), h, DIRS);
    }
}

impl<
        T: Scalar,
        C0: Layer<T>,
        CU: Layer<T>,
        const DIRS: usize,
        const UP: usize,
        const SEQ: usize,
        const IN: usize,
        const SH: usize,
        const MID: usize,
        const OUT: usize,
        const DROP: u64,
    > Layer<T> for RecurrentStack<C0, CU, DIRS, UP, SEQ, IN, SH, MID, OUT, DROP>
{
    const KIND: &'static str = C0::KIND;
    const TENSORS: usize = 4 * DIRS * (UP + 1);
    const PARAMETERS: usize = DIRS * (C0::PARAMETERS + UP * CU::PARAMETERS);
    fn zeros() -> Self {
        Self {
            first: core::array::from_fn(|_| Recurrent::from_cell(C0::zeros())),
            upper: core::array::from_fn(|_| {
                core::array::from_fn(|_| Recurrent::from_cell(CU::zeros()))
            }),
        }
    }
    fn init<R: rand::Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
        self.first.iter_mut().for_each(|l| l.cell.init(init, rng));
        self.upper
            .iter_mut()
            .flatten()
            .for_each(|l| l.cell.init(init, rng));
    }
}

impl<
        T,
        C0: Parameters<T>,
        CU: Parameters<T>,
        const DIRS: usize,
        const UP: usize,
        const SEQ: usize,
        const IN: usize,
        const SH: usize,
        const MID: usize,
        const OUT: usize,
        const DROP: u64,
    > Parameters<T> for RecurrentStack<C0, CU, DIRS, UP, SEQ, IN, SH, MID, OUT, DROP>
{
    fn tensor_count(&self) -> usize {
        4 * DIRS * (UP + 1)
    }
    fn tensor_info(&self, i: usize) -> Option<ParamInfo> {
        let (layer, d, j) = (i / (4 * DIRS), (i / 4) % DIRS, i % 4);
        let info = if layer == 0 {
            self.first.get(d)?.cell.tensor_info(j)?
        } else {
            self.upper.get(layer - 1)?[d].cell.tensor_info(j)?
        };
        Some(ParamInfo {
            name: NAMES.get(layer)?[d][j],
            ..info
        })
    }
    fn tensor(&self, i: usize) -> Option<&[T]> {
        let (layer, d, j) = (i / (4 * DIRS), (i / 4) % DIRS, i % 4);
        if layer == 0 {
            self.first.get(d)?.cell.tensor(j)
        } else {
            self.upper.get(layer - 1)?[d].cell.tensor(j)
        }
    }
    fn tensor_mut(&mut self, i: usize) -> Option<&mut [T]> {
        let (layer, d, j) = (i / (4 * DIRS), (i / 4) % DIRS, i % 4);
        if layer == 0 {
            self.first.get_mut(d)?.cell.tensor_mut(j)
        } else {
            self.upper.get_mut(layer - 1)?[d].cell.tensor_mut(j)
        }
    }
}

impl<
        C0: Clone,
        CU: Clone,
        const DIRS: usize,
        const UP: usize,
        const SEQ: usize,
        const IN: usize,
        const SH: usize,
        const MID: usize,
        const OUT: usize,
        const DROP: u64,
    > Clone for RecurrentStack<C0, CU, DIRS, UP, SEQ, IN, SH, MID, OUT, DROP>
{
    fn clone(&self) -> Self {
        Self {
            first: self.first.clone(),
            upper: self.upper.clone(),
        }
    }
}

impl<
        C0: PartialEq,
        CU: PartialEq,
        const DIRS: usize,
        const UP: usize,
        const SEQ: usize,
        const IN: usize,
        const SH: usize,
        const MID: usize,
        const OUT: usize,
        const DROP: u64,
    > PartialEq for RecurrentStack<C0, CU, DIRS, UP, SEQ, IN, SH, MID, OUT, DROP>
{
    fn eq(&self, o: &Self) -> bool {
        self.first == o.first && self.upper == o.upper
    }
}

impl<
        C0: core::fmt::Debug,
        CU: core::fmt::Debug,
        const DIRS: usize,
        const UP: usize,
        const SEQ: usize,
        const IN: usize,
        const SH: usize,
        const MID: usize,
        const OUT: usize,
        const DROP: u64,
    > core::fmt::Debug for RecurrentStack<C0, CU, DIRS, UP, SEQ, IN, SH, MID, OUT, DROP>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RecurrentStack")
            .field("layers", &(UP + 1))
            .field("directions", &DIRS)
            .field("dropout", &f64::from_bits(DROP))
            .field("first", &self.first)
            .field("upper", &self.upper)
            .finish()
    }
}

#[cfg(feature = "alloc")]
mod batch;
mod steps;
#[cfg(feature = "alloc")]
pub use batch::StackBatchCache;
use steps::{add_steps, gather, spread_out};
pub(crate) use steps::{pick_out, reverse_steps, scatter};
