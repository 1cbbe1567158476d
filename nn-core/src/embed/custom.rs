//! [`StaticCustom`]: a `custom(Type)` layer embedded from a weights file, `y = f(x; θ)` with
//! `θ` the layer's `K` tensors viewed as `&'static [T]` in static bytes.
//!
//! The type describes its tensors at compile time ([`CustomLayer::TENSOR_INFO`]: name under
//! the layer's, shape); `network!` checks the file against that description with
//! [`custom_tensors_mismatch`] in a `const` item (so a disagreement is a compile error
//! naming the tensor) and passes the views in the file's order, by name, which
//! [`StaticCustom::new`] puts in the description's order. One sample runs through
//! [`CustomLayer::forward_embedded`] with no heap.

use super::Infer;
use crate::__private::ConstMessage;
use crate::layer::CustomLayer;
use crate::{ParamInfo, Scalar};
use core::marker::PhantomData;
use nalgebra::SVector;

/// A custom layer `L` whose `K` tensors are `'static` (embedded) data.
///
/// ```
/// use nn_core::embed::{Infer, StaticCustom};
/// use nn_core::layer::{CustomLayer, Layer};
/// use nn_core::nalgebra::SVector;
/// use nn_core::{init::Init, ParamInfo, ParamKind, Parameters, Shape};
///
/// /// `y = b + x`, `b` learned.
/// #[derive(Clone, Debug)]
/// struct Shift(SVector<f32, 2>);
/// impl Layer<f32> for Shift {
///     const KIND: &'static str = "shift";
///     const TENSORS: usize = 1;
///     const PARAMETERS: usize = 2;
///     fn zeros() -> Self { Shift(SVector::zeros()) }
///     fn init<R: rand::Rng + ?Sized>(&mut self, _: Init, _: &mut R) {}
/// }
/// impl Parameters<f32> for Shift {
///     fn tensor_count(&self) -> usize { 1 }
///     fn tensor_info(&self, i: usize) -> Option<ParamInfo> { Self::TENSOR_INFO.get(i).copied() }
///     fn tensor(&self, i: usize) -> Option<&[f32]> { (i == 0).then(|| self.0.as_slice()) }
///     fn tensor_mut(&mut self, i: usize) -> Option<&mut [f32]> { (i == 0).then(|| self.0.as_mut_slice()) }
/// }
/// impl CustomLayer<f32> for Shift {
///     const INPUTS: usize = 2;
///     const OUTPUTS: usize = 2;
///     type Cache = ();
///     const TENSOR_INFO: &'static [ParamInfo] = &[ParamInfo {
///         layer: "", name: "b", shape: Shape::new(&[2]), kind: ParamKind::Bias,
///     }];
///     fn empty_cache() {}
///     fn forward(&self, x: &[f32], y: &mut [f32], _: &mut ()) {
///         y.iter_mut().zip(x).zip(self.0.iter()).for_each(|((y, x), b)| *y = x + b);
///     }
///     fn backward(&self, _: &[f32], _: &[f32], _: &(), dy: &[f32], g: &mut Self, dx: &mut [f32]) {
///         g.0.copy_from_slice(dy);
///         dx.copy_from_slice(dy);
///     }
/// }
///
/// static B: [f32; 2] = [0.5, -1.0];
/// const LAYER: StaticCustom<Shift, f32, 1> = StaticCustom::new([&B]);
/// let mut y = SVector::<f32, 2>::zeros();
/// LAYER.infer(&SVector::from([1.0, 1.0]), &mut y);
/// assert_eq!(y, SVector::from([1.5, 0.0]));
/// ```
pub struct StaticCustom<L, T: 'static, const K: usize> {
    tensors: [&'static [T]; K],
    layer: PhantomData<fn() -> L>,
}

impl<L: CustomLayer<T>, T: Scalar, const K: usize> StaticCustom<L, T, K> {
    /// The layer over views of its tensors in the order of their names (as a safetensors
    /// header sorts them), which it puts in the order of `L::TENSOR_INFO`. `N` is the
    /// number of views, `K` that of `L::TENSOR_INFO`; `network!` checks that the two
    /// describe the same tensors, and a tensor without a view here is empty.
    pub const fn new<const N: usize>(by_name: [&'static [T]; N]) -> Self {
        let info = L::TENSOR_INFO;
        let k = if info.len() < K { info.len() } else { K };
        let mut tensors: [&'static [T]; K] = [&[]; K];
        let mut i = 0;
        while i < k {
            // Tensor `i` is at its name's rank among all the names.
            let mut rank = 0;
            let mut j = 0;
            while j < k {
                if less(info[j].name, info[i].name) {
                    rank += 1;
                }
                j += 1;
            }
            if rank < N {
                tensors[i] = by_name[rank];
            }
            i += 1;
        }
        Self {
            tensors,
            layer: PhantomData,
        }
    }

    /// The tensors, in the order of `L::TENSOR_INFO`.
    pub const fn tensors(&self) -> &[&'static [T]; K] {
        &self.tensors
    }
}

impl<L, T, const K: usize> Clone for StaticCustom<L, T, K> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<L, T, const K: usize> Copy for StaticCustom<L, T, K> {}

impl<L, T, const K: usize> core::fmt::Debug for StaticCustom<L, T, K> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StaticCustom")
            .field("layer", &core::any::type_name::<L>())
            .field("tensors", &K)
            .finish()
    }
}

impl<L: CustomLayer<T>, T: Scalar, const K: usize, const IN: usize, const OUT: usize>
    Infer<T, IN, OUT> for StaticCustom<L, T, K>
{
    fn infer(&self, x: &SVector<T, IN>, y: &mut SVector<T, OUT>) {
        L::forward_embedded(&self.tensors, x.as_slice(), y.as_mut_slice());
    }
}

/// `a < b`, byte by byte (the order of a safetensors header's names).
const fn less(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
        i += 1;
    }
    a.len() < b.len()
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Appends `(a, b)`, PyTorch's way of writing a shape.
const fn push_shape(mut m: ConstMessage, dims: &[usize]) -> ConstMessage {
    m = m.push("(");
    let mut i = 0;
    while i < dims.len() {
        if i > 0 {
            m = m.push(", ");
        }
        m = m.push_usize(dims[i]);
        i += 1;
    }
    m.push(if dims.len() == 1 { ",)" } else { ")" })
}

/// The first disagreement between a custom layer's description of its tensors and the
/// tensors a weights file holds under the layer, as the error `network!` reports; `None`
/// when they agree.
///
/// `described` is the type's `TENSOR_INFO` and `tensors` its `Layer::TENSORS`; `held` the
/// file's tensors under `layer` (name after `layer.`, shape); `ty` the type as written and
/// `file` the file's path, for the message.
pub const fn custom_tensors_mismatch(
    described: &[ParamInfo],
    tensors: usize,
    held: &[(&str, &[usize])],
    layer: &str,
    ty: &str,
    file: &str,
) -> Option<ConstMessage> {
    if described.len() != tensors {
        let m = intro(ConstMessage::new(), layer, ty)
            .push("`) has `Layer::TENSORS` = ")
            .push_usize(tensors)
            .push(", but its `CustomLayer::TENSOR_INFO` describes ")
            .push_usize(described.len())
            .push("\n\nhelp: list each tensor in `TENSOR_INFO` (name and shape), in the order of `Parameters::tensor`, to embed it from a weights file");
        return Some(m);
    }
    let mut i = 0;
    while i < described.len() {
        let (name, want) = (described[i].name, described[i].shape.dims());
        let mut j = 0;
        while j < held.len() && !same(held[j].0.as_bytes(), name.as_bytes()) {
            j += 1;
        }
        let head = ConstMessage::new()
            .push("`")
            .push(layer)
            .push(".")
            .push(name);
        if j == held.len() {
            let mut m = head.push("` is missing from `").push(file).push("`: ");
            m = push_shape(
                intro(m, layer, ty).push("`) expects a tensor of shape "),
                want,
            );
            m = m.push("; under `").push(layer).push("` the file holds ");
            if held.is_empty() {
                m = m.push("no tensors");
            }
            let mut k = 0;
            while k < held.len() {
                if k > 0 {
                    m = m.push(", ");
                }
                m = m.push("`").push(layer).push(".").push(held[k].0).push("`");
                k += 1;
            }
            return Some(m);
        }
        let found = held[j].1;
        if !same_dims(found, want) {
            let m = push_shape(head.push("` has shape "), found);
            let m = intro(m.push(" in `").push(file).push("`, but "), layer, ty);
            let m = push_shape(m.push("`) expects "), want);
            return Some(m.push(
                "\n\nhelp: change the shape in `TENSOR_INFO`, or save the file from this layer",
            ));
        }
        i += 1;
    }
    let mut j = 0;
    while j < held.len() {
        let mut i = 0;
        while i < described.len() && !same(held[j].0.as_bytes(), described[i].name.as_bytes()) {
            i += 1;
        }
        if i == described.len() {
            let m = ConstMessage::new()
                .push("`")
                .push(file)
                .push("` holds `")
                .push(layer);
            let m = m.push(".").push(held[j].0).push("`, which `").push(ty);
            return Some(m.push("` does not describe (its `CustomLayer::TENSOR_INFO`)"));
        }
        j += 1;
    }
    None
}

/// Appends `` `layer` (a custom `ty`` ``.
const fn intro(m: ConstMessage, layer: &str, ty: &str) -> ConstMessage {
    m.push("`").push(layer).push("` (a custom `").push(ty)
}

const fn same_dims(a: &[usize], b: &[usize]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ParamKind, Shape};

    const INFO: &[ParamInfo] = &[
        ParamInfo {
            layer: "",
            name: "s",
            shape: Shape::new(&[3]),
            kind: ParamKind::Weight,
        },
        ParamInfo {
            layer: "",
            name: "a",
            shape: Shape::new(&[2, 3]),
            kind: ParamKind::Weight,
        },
    ];

    fn check(held: &[(&str, &[usize])], tensors: usize) -> Option<std::string::String> {
        custom_tensors_mismatch(INFO, tensors, held, "scale", "Scale<T, 3>", "w.safetensors")
            .map(|m| m.as_str().into())
    }

    #[test]
    fn agreeing_tensors_pass_in_any_order() {
        assert_eq!(check(&[("a", &[2, 3]), ("s", &[3])], 2), None);
        assert_eq!(check(&[("s", &[3]), ("a", &[2, 3])], 2), None);
    }

    #[test]
    fn each_disagreement_names_the_tensor() {
        let m = check(&[("a", &[2, 3]), ("s", &[4])], 2).unwrap();
        assert!(
            m.starts_with("`scale.s` has shape (4,) in `w.safetensors`, but `scale` (a custom `Scale<T, 3>`) expects (3,)"),
            "{m}"
        );
        let m = check(&[("a", &[2, 3])], 2).unwrap();
        assert!(
            m.starts_with("`scale.s` is missing from `w.safetensors`: `scale` (a custom `Scale<T, 3>`) expects a tensor of shape (3,); under `scale` the file holds `scale.a`"),
            "{m}"
        );
        let m = check(&[("a", &[2, 3]), ("s", &[3]), ("t", &[1])], 2).unwrap();
        assert_eq!(
            m,
            "`w.safetensors` holds `scale.t`, which `Scale<T, 3>` does not describe (its `CustomLayer::TENSOR_INFO`)"
        );
        let m = check(&[("a", &[2, 3]), ("s", &[3])], 3).unwrap();
        assert!(
            m.contains("has `Layer::TENSORS` = 3, but its `CustomLayer::TENSOR_INFO` describes 2"),
            "{m}"
        );
    }

    /// `y = w ∘ x + b` over 2 values, its tensors described `w` then `b`.
    #[derive(Clone, Debug)]
    struct Affine {
        w: [f32; 2],
        b: [f32; 2],
    }

    impl crate::layer::Layer<f32> for Affine {
        const KIND: &'static str = "affine";
        const TENSORS: usize = 2;
        const PARAMETERS: usize = 4;
        fn zeros() -> Self {
            Affine {
                w: [0.0; 2],
                b: [0.0; 2],
            }
        }
        fn init<R: rand::Rng + ?Sized>(&mut self, _: crate::init::Init, _: &mut R) {}
    }

    impl crate::Parameters<f32> for Affine {
        fn tensor_count(&self) -> usize {
            2
        }
        fn tensor_info(&self, i: usize) -> Option<ParamInfo> {
            <Self as CustomLayer<f32>>::TENSOR_INFO.get(i).copied()
        }
        fn tensor(&self, i: usize) -> Option<&[f32]> {
            [&self.w[..], &self.b[..]].get(i).copied()
        }
        fn tensor_mut(&mut self, i: usize) -> Option<&mut [f32]> {
            match i {
                0 => Some(&mut self.w),
                1 => Some(&mut self.b),
                _ => None,
            }
        }
    }

    impl CustomLayer<f32> for Affine {
        const INPUTS: usize = 2;
        const OUTPUTS: usize = 2;
        type Cache = ();
        const TENSOR_INFO: &'static [ParamInfo] = &[
            ParamInfo {
                layer: "",
                name: "w",
                shape: Shape::new(&[2]),
                kind: ParamKind::Weight,
            },
            ParamInfo {
                layer: "",
                name: "b",
                shape: Shape::new(&[2]),
                kind: ParamKind::Bias,
            },
        ];
        fn empty_cache() {}
        fn forward(&self, x: &[f32], y: &mut [f32], _: &mut ()) {
            for i in 0..2 {
                y[i] = self.w[i] * x[i] + self.b[i];
            }
        }
        fn backward(&self, _: &[f32], _: &[f32], _: &(), _: &[f32], _: &mut Self, _: &mut [f32]) {}
    }

    #[test]
    fn views_in_name_order_are_put_in_the_described_order() {
        static B: [f32; 2] = [0.5, -0.5];
        static W: [f32; 2] = [2.0, 3.0];
        // A header sorts `b` before `w`; the layer describes `w` first.
        const LAYER: StaticCustom<Affine, f32, 2> = StaticCustom::new([&B, &W]);
        assert_eq!(LAYER.tensors(), &[&W[..], &B[..]]);
        let mut y = SVector::<f32, 2>::zeros();
        LAYER.infer(&SVector::from([1.0, 1.0]), &mut y);
        assert_eq!(y, SVector::from([2.5, 2.5]));
    }

    #[test]
    fn name_order_is_byte_order() {
        assert!(less("a", "b") && less("s", "s2") && !less("s2", "s") && !less("s", "s"));
        assert!(less("B", "a"));
    }
}
