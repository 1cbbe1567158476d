//! [`StaticRecurrentStack`]: stacked and bidirectional recurrent layers over weights in
//! `static` bytes, computing what [`RecurrentStack`](crate::cell::RecurrentStack) computes at
//! inference (dropout off).
//!
//! Layer 0 reads `I` values per step, every layer above it `IU = DIRS·H` (both directions'
//! hidden states at that step, `[h→_t, h←_t]`); the reverse direction reads the steps in
//! reverse order. Each direction of each layer is a [`StaticRecurrent`] over its four tensors
//! (`weight_ih_l1_reverse`, ...). Out: the last layer's `MID = SEQ·DIRS·H` values, or
//! `[h→_SEQ, h←_1]` (`OUT = DIRS·H`). Shapes per sample: `IN = SEQ·I`, `SH = SEQ·H`; the
//! buffers live on the stack, so no heap.

use super::{Infer, StaticRecurrent};
use crate::cell::stack::{pick_out, reverse_steps, scatter};
use crate::Scalar;
use nalgebra::SVector;

/// `UP + 1` layers of `DIRS` embedded recurrent directions: cell `C0` over `I` inputs per
/// step for layer 0, `CU` over `IU = DIRS·H` for the layers above; `H` units and `G` gate rows
/// each; `SEQ` steps, `SH = SEQ·H`, `MID = SEQ·DIRS·H`.
///
/// ```
/// use nn_core::cell::RnnCell;
/// use nn_core::embed::{Infer, StaticRecurrent, StaticRecurrentStack};
/// use nn_core::nalgebra::{ArrayStorage, SMatrix, SVector};
/// // One unit, bidirectional, h_t = tanh(x_t + h_{t-1}) in both directions, 2 steps.
/// static ONE: SMatrix<f64, 1, 1> = SMatrix::from_array_storage(ArrayStorage([[1.0]]));
/// static ZERO: SVector<f64, 1> = SVector::from_array_storage(ArrayStorage([[0.0]]));
/// type Dir = StaticRecurrent<RnnCell<f64, 1, 1, 1>, f64, 1, 1, 1, 2>;
/// const D: Dir = StaticRecurrent::new(&ONE, &ONE, &ZERO, &ZERO);
/// type S = StaticRecurrentStack<RnnCell<f64, 1, 1, 1>, RnnCell<f64, 2, 1, 1>, f64, 1, 2, 1, 1, 2, 2, 0, 2, 4>;
/// const BI: S = StaticRecurrentStack::new([D, D], []);
/// let mut y = SVector::<f64, 4>::zeros();
/// BI.infer(&SVector::from([0.5, -0.25]), &mut y);
/// let (f1, b1) = (0.5f64.tanh(), (-0.25f64).tanh());
/// assert_eq!(y.as_slice(), &[f1, (b1 + 0.5).tanh(), (f1 - 0.25).tanh(), b1]);
/// ```
pub struct StaticRecurrentStack<
    C0,
    CU,
    T: Scalar,
    const I: usize,
    const IU: usize,
    const H: usize,
    const G: usize,
    const SEQ: usize,
    const DIRS: usize,
    const UP: usize,
    const SH: usize,
    const MID: usize,
> {
    /// Layer 0: the forward direction, then the reverse one.
    pub first: [StaticRecurrent<C0, T, I, H, G, SEQ>; DIRS],
    /// Layers 1 to `UP`, each with its directions.
    pub upper: [[StaticRecurrent<CU, T, IU, H, G, SEQ>; DIRS]; UP],
}

impl<
        C0,
        CU,
        T: Scalar,
        const I: usize,
        const IU: usize,
        const H: usize,
        const G: usize,
        const SEQ: usize,
        const DIRS: usize,
        const UP: usize,
        const SH: usize,
        const MID: usize,
    > StaticRecurrentStack<C0, CU, T, I, IU, H, G, SEQ, DIRS, UP, SH, MID>
{
    /// A stack of the given directions (each over its file's four tensors).
    pub const fn new(
        first: [StaticRecurrent<C0, T, I, H, G, SEQ>; DIRS],
        upper: [[StaticRecurrent<CU, T, IU, H, G, SEQ>; DIRS]; UP],
    ) -> Self {
        Self { first, upper }
    }
}

impl<
        C0,
        CU,
        T: Scalar,
        const I: usize,
        const IU: usize,
        const H: usize,
        const G: usize,
        const SEQ: usize,
        const DIRS: usize,
        const UP: usize,
        const SH: usize,
        const MID: usize,
    > Clone for StaticRecurrentStack<C0, CU, T, I, IU, H, G, SEQ, DIRS, UP, SH, MID>
{
    fn clone(&self) -> Self {
        *self
    }
}

impl<
        C0,
        CU,
        T: Scalar,
        const I: usize,
        const IU: usize,
        const H: usize,
        const G: usize,
        const SEQ: usize,
        const DIRS: usize,
        const UP: usize,
        const SH: usize,
        const MID: usize,
    > Copy for StaticRecurrentStack<C0, CU, T, I, IU, H, G, SEQ, DIRS, UP, SH, MID>
{
}

impl<
        C0,
        CU,
        T: Scalar,
        const I: usize,
        const IU: usize,
        const H: usize,
        const G: usize,
        const SEQ: usize,
        const DIRS: usize,
        const UP: usize,
        const SH: usize,
        const MID: usize,
    > core::fmt::Debug for StaticRecurrentStack<C0, CU, T, I, IU, H, G, SEQ, DIRS, UP, SH, MID>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StaticRecurrentStack")
            .field("layers", &(UP + 1))
            .field("directions", &DIRS)
            .field("first", &self.first)
            .field("upper", &self.upper)
            .finish()
    }
}

/// One direction: `x` (reversed first for `d = 1`) through `layer`, into its place in `out`.
fn direction<T: Scalar, L: Infer<T, N, SH>, const N: usize, const SH: usize, const MID: usize>(
    layer: &L,
    x: &SVector<T, N>,
    d: usize,
    (h, dirs, steps): (usize, usize, usize),
    out: &mut SVector<T, MID>,
) {
    let mut y = SVector::<T, SH>::zeros();
    if d == 1 {
        let mut xr = SVector::<T, N>::zeros();
        reverse_steps(x.as_slice(), xr.as_mut_slice(), N / steps);
        layer.infer(&xr, &mut y);
    } else {
        layer.infer(x, &mut y);
    }
    scatter(y.as_slice(), out.as_mut_slice(), h, dirs, d, d == 1);
}

impl<
        C0,
        CU,
        T: Scalar,
        const I: usize,
        const IU: usize,
        const H: usize,
        const G: usize,
        const SEQ: usize,
        const DIRS: usize,
        const UP: usize,
        const SH: usize,
        const MID: usize,
        const IN: usize,
        const OUT: usize,
    > Infer<T, IN, OUT> for StaticRecurrentStack<C0, CU, T, I, IU, H, G, SEQ, DIRS, UP, SH, MID>
where
    StaticRecurrent<C0, T, I, H, G, SEQ>: Infer<T, IN, SH>,
    StaticRecurrent<CU, T, IU, H, G, SEQ>: Infer<T, MID, SH>,
{
    fn infer(&self, x: &SVector<T, IN>, y: &mut SVector<T, OUT>) {
        const {
            assert!(
                SEQ > 0
                    && (DIRS == 1 || DIRS == 2)
                    && IU == DIRS * H
                    && SH == SEQ * H
                    && MID == SEQ * IU
                    && IN == SEQ * I
                    && (OUT == MID || OUT == DIRS * H),
                "an embedded recurrent stack has IU = DIRS * H, SH = SEQ * H, MID = SEQ * IU, \
                 IN = SEQ * I and OUT = MID or DIRS * H"
            )
        };
        let dims = (H, DIRS, SEQ);
        let mut cur = SVector::<T, MID>::zeros();
        for (d, l) in self.first.iter().enumerate() {
            direction::<T, _, IN, SH, MID>(l, x, d, dims, &mut cur);
        }
        for layer in &self.upper {
            let below = cur;
            for (d, l) in layer.iter().enumerate() {
                direction::<T, _, MID, SH, MID>(l, &below, d, dims, &mut cur);
            }
        }
        pick_out(cur.as_slice(), y.as_mut_slice(), H, DIRS);
    }
}
