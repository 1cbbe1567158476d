//! The parameter visitor: every network exposes its tensors as flat slices.
//!
//! Optimizers, weight decay, gradient clipping, serialization and gradient checks are written
//! once against [`Parameters`]: tensor `i` of a network, of its gradient (a value of the same
//! type) and of an optimizer's state (again the same type) are the same parameter, so they zip
//! by index with no allocation. Names follow PyTorch's `state_dict` (`fc1.weight` of shape
//! (out, in), `fc1.bias`); a weight's flat slice is column-major (nalgebra's order), see
//! [`ParamInfo::shape`].
//!
//! ```
//! use nn_core::{layer::Dense, Parameters};
//! let mut d = Dense::<f64, 3, 2>::zeros();
//! assert_eq!(d.tensor_count(), 2);
//! assert_eq!(d.parameter_count(), 3 * 2 + 2);
//! d.visit_mut(|info, values| values.fill(if info.kind.is_weight() { 1.0 } else { 0.5 }));
//! assert_eq!(d.bias[1], 0.5);
//! ```

use core::fmt;

/// What role a tensor plays (weight decay skips biases by default; nothing trains buffers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParamKind {
    /// A weight matrix or kernel.
    Weight,
    /// A bias vector.
    Bias,
    /// State that is saved and loaded with the parameters but not trained by gradients (a
    /// batch norm's running mean and variance, PyTorch's "buffers"). Optimizers, weight decay
    /// and gradient clipping skip it; its gradient is always zero.
    Buffer,
}

impl ParamKind {
    /// True for weights.
    pub fn is_weight(self) -> bool {
        self == ParamKind::Weight
    }

    /// True for tensors that gradients train (weights and biases, not buffers).
    ///
    /// ```
    /// use nn_core::ParamKind;
    /// assert!(ParamKind::Bias.is_trainable() && !ParamKind::Buffer.is_trainable());
    /// ```
    pub fn is_trainable(self) -> bool {
        self != ParamKind::Buffer
    }
}

/// Up to four dimensions, outermost first, as PyTorch writes a tensor's shape.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    dims: [usize; 4],
    rank: usize,
}

impl Shape {
    /// A shape from its dimensions (at most four).
    ///
    /// ```
    /// let s = nn_core::Shape::new(&[128, 784]);
    /// assert_eq!(s.dims(), &[128, 784]);
    /// assert_eq!(s.len(), 128 * 784);
    /// ```
    pub const fn new(dims: &[usize]) -> Self {
        assert!(dims.len() <= 4, "a shape has at most four dimensions");
        let mut d = [0; 4];
        let mut i = 0;
        while i < dims.len() {
            d[i] = dims[i];
            i += 1;
        }
        Self {
            dims: d,
            rank: dims.len(),
        }
    }
    /// The dimensions.
    pub const fn dims(&self) -> &[usize] {
        self.dims.split_at(self.rank).0
    }
    /// The number of values.
    pub fn len(&self) -> usize {
        self.dims().iter().product()
    }
    /// True when the tensor holds no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Debug for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(")?;
        for (i, d) in self.dims().iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{d}")?;
        }
        f.write_str(")")
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// A tensor's name, shape and role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamInfo {
    /// The layer's name in the declaration (`"fc1"`); empty for a bare layer.
    pub layer: &'static str,
    /// The tensor's name within its layer (`"weight"`, `"bias"`).
    pub name: &'static str,
    /// The shape in PyTorch's convention: a dense weight is (out, in). Its flat slice is
    /// column-major, so it holds the (out, in) matrix column by column, which is the row-major
    /// layout of the (in, out) transpose.
    pub shape: Shape,
    /// Weight, bias or buffer.
    pub kind: ParamKind,
}

impl ParamInfo {
    /// The same tensor inside a named layer.
    pub fn in_layer(self, layer: &'static str) -> Self {
        Self { layer, ..self }
    }
}

impl fmt::Display for ParamInfo {
    /// `fc1.weight`, PyTorch's `state_dict` key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.layer.is_empty() {
            f.write_str(self.name)
        } else {
            write!(f, "{}.{}", self.layer, self.name)
        }
    }
}

/// A collection of parameter tensors, addressed by index `0..tensor_count()`.
///
/// Implemented by every layer and, through `network!`, by every network. A network's
/// gradients and an optimizer's state are values of the network's own type, so index `i`
/// means the same tensor in all of them.
///
/// ```
/// use nn_core::{layer::Dense, Parameters};
/// let mut w = Dense::<f32, 2, 2>::zeros();
/// let mut g = Dense::<f32, 2, 2>::zeros();
/// g.visit_mut(|_, v| v.fill(1.0));
/// // one plain gradient step, written once for any network:
/// w.zip_mut(&g, |_, p, g| p.iter_mut().zip(g).for_each(|(p, g)| *p -= 0.1 * g));
/// assert_eq!(w.weight[(1, 0)], -0.1);
/// ```
pub trait Parameters<T> {
    /// How many tensors.
    fn tensor_count(&self) -> usize;
    /// Name, shape and role of tensor `i`, `None` past the end.
    fn tensor_info(&self, i: usize) -> Option<ParamInfo>;
    /// Values of tensor `i`.
    fn tensor(&self, i: usize) -> Option<&[T]>;
    /// Mutable values of tensor `i`.
    fn tensor_mut(&mut self, i: usize) -> Option<&mut [T]>;

    /// Total number of scalar parameters.
    fn parameter_count(&self) -> usize {
        (0..self.tensor_count())
            .filter_map(|i| self.tensor(i))
            .map(<[T]>::len)
            .sum()
    }

    /// Calls `f` with every tensor.
    fn visit(&self, mut f: impl FnMut(ParamInfo, &[T])) {
        for i in 0..self.tensor_count() {
            if let (Some(info), Some(v)) = (self.tensor_info(i), self.tensor(i)) {
                f(info, v);
            }
        }
    }

    /// Calls `f` with every tensor, mutably.
    fn visit_mut(&mut self, mut f: impl FnMut(ParamInfo, &mut [T])) {
        for i in 0..self.tensor_count() {
            if let Some(info) = self.tensor_info(i) {
                if let Some(v) = self.tensor_mut(i) {
                    f(info, v);
                }
            }
        }
    }

    /// Calls `f` with every tensor of `self` (mutably) beside the same tensor of `other`.
    fn zip_mut(&mut self, other: &Self, mut f: impl FnMut(ParamInfo, &mut [T], &[T]))
    where
        Self: Sized,
    {
        for i in 0..self.tensor_count() {
            if let (Some(info), Some(o)) = (self.tensor_info(i), other.tensor(i)) {
                if let Some(v) = self.tensor_mut(i) {
                    f(info, v, o);
                }
            }
        }
    }

    /// Whether tensor `i` is trained by gradients (not a [`ParamKind::Buffer`]).
    fn is_trainable(&self, i: usize) -> bool {
        self.tensor_info(i)
            .is_some_and(|info| info.kind.is_trainable())
    }

    /// Sets every value to `value` (e.g. zeroing gradients).
    fn fill(&mut self, value: T)
    where
        T: Copy,
    {
        self.visit_mut(|_, v| v.fill(value));
    }
}
