//! [`CellWeights`]: the four tensors every recurrent cell has, in PyTorch's layout.
//!
//! A cell with `G` gate rows (`4H` for an LSTM, `3H` for a GRU, `H` for a plain RNN) maps the
//! input and the previous hidden state through two products,
//! `x̂ = W_ih x + b_ih` (`W_ih`: `G x I`) and `ĥ = W_hh h + b_hh` (`W_hh`: `G x H`),
//! whose row blocks are the gates in PyTorch's order. The names are PyTorch's `nn.LSTM` /
//! `nn.GRU` / `nn.RNN` keys for layer 0 (`weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`,
//! `bias_hh_l0`), with the same shapes, so a PyTorch `state_dict` loads unchanged.
//!
//! ```
//! use nn_core::{cell::CellWeights, Parameters};
//! let w = CellWeights::<f32, 3, 4, 16>::zeros();
//! let names: Vec<String> = (0..4).map(|i| w.tensor_info(i).unwrap().to_string()).collect();
//! assert_eq!(names, ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]);
//! assert_eq!(w.tensor_info(0).unwrap().shape.dims(), &[16, 3]);
//! ```

use crate::{init::Init, Param, ParamInfo, ParamKind, Parameters, Scalar, Shape};
use core::fmt;
use nalgebra::{SMatrix, SVector};

/// `W_ih` (`G x I`), `W_hh` (`G x H`), `b_ih` and `b_hh` (`G`).
pub struct CellWeights<T, const I: usize, const H: usize, const G: usize> {
    /// Input-to-gates weights, PyTorch's `weight_ih_l0`, `G x I`.
    pub weight_ih: Param<SMatrix<T, G, I>>,
    /// Hidden-to-gates weights, PyTorch's `weight_hh_l0`, `G x H`.
    pub weight_hh: Param<SMatrix<T, G, H>>,
    /// Input-side bias, `bias_ih_l0`.
    pub bias_ih: Param<SVector<T, G>>,
    /// Hidden-side bias, `bias_hh_l0`.
    pub bias_hh: Param<SVector<T, G>>,
}

impl<T: Scalar, const I: usize, const H: usize, const G: usize> CellWeights<T, I, H, G> {
    /// All four tensors zero.
    pub fn zeros() -> Self {
        Self {
            weight_ih: Param::zeroed(),
            weight_hh: Param::zeroed(),
            bias_ih: Param::zeroed(),
            bias_hh: Param::zeroed(),
        }
    }

    /// Draws both matrices with `init` (fan-in `I` and `H`); biases zero. With
    /// [`Init::Torch`] both matrices and biases are `U(-1/√H, 1/√H)`, as PyTorch's
    /// recurrent layers draw them.
    pub fn init<R: rand::Rng + ?Sized>(&mut self, init: Init, rng: &mut R) {
        init.fill::<T, R>(
            G,
            if matches!(init, Init::Torch) { H } else { I },
            self.weight_ih.as_mut_slice(),
            self.bias_ih.as_mut_slice(),
            rng,
        );
        init.fill::<T, R>(
            G,
            H,
            self.weight_hh.as_mut_slice(),
            self.bias_hh.as_mut_slice(),
            rng,
        );
    }

    /// `x̂ = W_ih x + b_ih` for one step.
    #[inline]
    pub fn project_input(&self, x: &[T], out: &mut SVector<T, G>) {
        *out = *self.bias_ih;
        T::gemv_acc(out.as_mut_slice(), self.weight_ih.as_slice(), x);
    }

    /// `ĥ = W_hh h + b_hh` for one step.
    #[inline]
    pub fn project_hidden(&self, h: &[T], out: &mut SVector<T, G>) {
        *out = *self.bias_hh;
        T::gemv_acc(out.as_mut_slice(), self.weight_hh.as_slice(), h);
    }
}

impl<T: Scalar, const I: usize, const H: usize, const G: usize> Parameters<T>
    for CellWeights<T, I, H, G>
{
    fn tensor_count(&self) -> usize {
        4
    }
    fn tensor_info(&self, i: usize) -> Option<ParamInfo> {
        let (name, shape, kind) = match i {
            0 => ("weight_ih_l0", Shape::new(&[G, I]), ParamKind::Weight),
            1 => ("weight_hh_l0", Shape::new(&[G, H]), ParamKind::Weight),
            2 => ("bias_ih_l0", Shape::new(&[G]), ParamKind::Bias),
            3 => ("bias_hh_l0", Shape::new(&[G]), ParamKind::Bias),
            _ => return None,
        };
        Some(ParamInfo {
            layer: "",
            name,
            shape,
            kind,
        })
    }
    fn tensor(&self, i: usize) -> Option<&[T]> {
        match i {
            0 => Some(self.weight_ih.as_slice()),
            1 => Some(self.weight_hh.as_slice()),
            2 => Some(self.bias_ih.as_slice()),
            3 => Some(self.bias_hh.as_slice()),
            _ => None,
        }
    }
    fn tensor_mut(&mut self, i: usize) -> Option<&mut [T]> {
        match i {
            0 => Some(self.weight_ih.as_mut_slice()),
            1 => Some(self.weight_hh.as_mut_slice()),
            2 => Some(self.bias_ih.as_mut_slice()),
            3 => Some(self.bias_hh.as_mut_slice()),
            _ => None,
        }
    }
}

impl<T: Scalar, const I: usize, const H: usize, const G: usize> Clone for CellWeights<T, I, H, G> {
    fn clone(&self) -> Self {
        Self {
            weight_ih: self.weight_ih.clone(),
            weight_hh: self.weight_hh.clone(),
            bias_ih: self.bias_ih.clone(),
            bias_hh: self.bias_hh.clone(),
        }
    }
}

impl<T: Scalar, const I: usize, const H: usize, const G: usize> PartialEq
    for CellWeights<T, I, H, G>
{
    fn eq(&self, o: &Self) -> bool {
        self.weight_ih == o.weight_ih
            && self.weight_hh == o.weight_hh
            && self.bias_ih == o.bias_ih
            && self.bias_hh == o.bias_hh
    }
}

/// Shows the sizes and the first few values of each tensor.
impl<T: Scalar, const I: usize, const H: usize, const G: usize> fmt::Debug
    for CellWeights<T, I, H, G>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CellWeights")
            .field("input", &I)
            .field("hidden", &H)
            .field("gates", &G)
            .field("weight_ih", &self.weight_ih)
            .field("weight_hh", &self.weight_hh)
            .field("bias_ih", &self.bias_ih)
            .field("bias_hh", &self.bias_hh)
            .finish()
    }
}
