//! The `BatchOp` implementation of a recurrent layer and its variable-length
//! `forward_seq`/`backward_seq`, written once for every cell type by [`batch_ops`].

macro_rules! batch_ops {
    ($cell:ident) => {
        impl<T: Scalar, const I: usize, const H: usize, const G: usize, const SEQ: usize, const IN: usize, const OUT: usize>
            crate::layer::BatchOp<T, IN, OUT> for Recurrent<$cell<T, I, H, G>, SEQ, IN, OUT>
        {
            type BatchCache = $crate::cell::batch::BatchSeqCache<
                T,
                <$cell<T, I, H, G> as RecurrentCell<T, I, H, G>>::State,
                <$cell<T, I, H, G> as RecurrentCell<T, I, H, G>>::StepCache,
            >;

            fn empty_batch_cache() -> Self::BatchCache {
                Default::default()
            }

            fn op_forward_batch(
                &self,
                x: &crate::Batch<T, IN>,
                y: &mut crate::Batch<T, OUT>,
                cache: &mut Self::BatchCache,
                _train: bool,
            ) {
                let () = super::sequence::Fits::<I, H, SEQ, IN, OUT>::OK;
                let n = x.ncols();
                $crate::cell::batch::forward::<T, $cell<T, I, H, G>, I, H, G>(&self.cell, x.as_slice(), SEQ, n, None, cache);
                crate::__private::resize(y, n);
                $crate::cell::batch::outputs::<T, H, SEQ, OUT>(&cache.hs, n, y.as_mut_slice());
            }

            fn op_backward_batch(
                &self,
                x: &crate::Batch<T, IN>,
                _y: &crate::Batch<T, OUT>,
                cache: &Self::BatchCache,
                dy: &crate::Batch<T, OUT>,
                grad: &mut Self,
                dx: Option<&mut crate::Batch<T, IN>>,
            ) {
                let n = x.ncols();
                let dx = dx.map(|dx| {
                    crate::__private::resize(dx, n);
                    dx.as_mut_slice()
                });
                let dy = dy.as_slice();
                let dh = |t: usize, b: usize| {
                    if OUT == SEQ * H {
                        Some(&dy[b * OUT + (t - 1) * H..b * OUT + t * H])
                    } else if t == SEQ {
                        Some(&dy[b * OUT..(b + 1) * OUT])
                    } else {
                        None
                    }
                };
                $crate::cell::batch::backward::<T, $cell<T, I, H, G>, I, H, G>(
                    &self.cell, self.clip, x.as_slice(), cache, dh, &mut grad.cell, dx, None, None,
                );
            }
        }

        impl<T: Scalar, const I: usize, const H: usize, const G: usize, const SEQ: usize, const IN: usize, const OUT: usize>
            Recurrent<$cell<T, I, H, G>, SEQ, IN, OUT>
        {
            /// Runs the cell over a sequence of any length, `xs` holding `steps·I` values
            /// (step after step), from `s0` (zero when `None`).
            ///
            /// # Errors
            /// [`Error::LengthMismatch`](crate::Error::LengthMismatch) when `xs.len()` is not a multiple of `I`.
            #[allow(clippy::type_complexity)]
            pub fn forward_seq(
                &self,
                xs: &[T],
                s0: Option<&<$cell<T, I, H, G> as RecurrentCell<T, I, H, G>>::State>,
            ) -> Result<
                $crate::cell::batch::SeqRun<
                    T,
                    <$cell<T, I, H, G> as RecurrentCell<T, I, H, G>>::State,
                    <$cell<T, I, H, G> as RecurrentCell<T, I, H, G>>::StepCache,
                >,
                $crate::Error,
            > {
                if I == 0 || xs.len() % I != 0 {
                    return Err($crate::Error::LengthMismatch {
                        what: "sequence values (a multiple of the inputs per step)",
                        expected: xs.len() / I.max(1) * I,
                        found: xs.len(),
                    });
                }
                let steps = xs.len() / I;
                let mut cache = $crate::cell::batch::BatchSeqCache::default();
                $crate::cell::batch::forward::<T, $cell<T, I, H, G>, I, H, G>(
                    &self.cell, xs, steps, 1, s0.map(core::slice::from_ref), &mut cache,
                );
                let hidden = cache.hs[H..].to_vec();
                Ok($crate::cell::batch::SeqRun { cache, hidden })
            }

            /// Backward of [`forward_seq`](Self::forward_seq) given `dℓ/dh_t` for every step
            /// (`steps·H` values): the input gradient, the initial state's, the weights'.
            ///
            /// # Errors
            /// [`Error::LengthMismatch`](crate::Error::LengthMismatch) when `xs` or `dh` do not fit the run.
            #[allow(clippy::type_complexity)]
            pub fn backward_seq(
                &self,
                xs: &[T],
                run: &$crate::cell::batch::SeqRun<
                    T,
                    <$cell<T, I, H, G> as RecurrentCell<T, I, H, G>>::State,
                    <$cell<T, I, H, G> as RecurrentCell<T, I, H, G>>::StepCache,
                >,
                dh: &[T],
            ) -> Result<
                $crate::cell::batch::SeqGrads<
                    T,
                    <$cell<T, I, H, G> as RecurrentCell<T, I, H, G>>::State,
                    Self,
                >,
                $crate::Error,
            > {
                self.backward_seq_through(xs, run, dh, None)
            }

            /// [`backward_seq`](Self::backward_seq) with a gradient on the final state as
            /// well (`dℓ/dh_steps` and an LSTM's `dℓ/dc_steps`, the state
            /// [`SeqRun::final_state`](crate::cell::SeqRun::final_state) returns), for a
            /// loss that reads it directly; `dh` may then be all zeros.
            ///
            /// # Errors
            /// [`Error::LengthMismatch`](crate::Error::LengthMismatch) when `xs` or `dh` do not fit the run.
            #[allow(clippy::type_complexity)]
            pub fn backward_seq_through(
                &self,
                xs: &[T],
                run: &$crate::cell::batch::SeqRun<
                    T,
                    <$cell<T, I, H, G> as RecurrentCell<T, I, H, G>>::State,
                    <$cell<T, I, H, G> as RecurrentCell<T, I, H, G>>::StepCache,
                >,
                dh: &[T],
                ds_last: Option<&<$cell<T, I, H, G> as RecurrentCell<T, I, H, G>>::State>,
            ) -> Result<
                $crate::cell::batch::SeqGrads<
                    T,
                    <$cell<T, I, H, G> as RecurrentCell<T, I, H, G>>::State,
                    Self,
                >,
                $crate::Error,
            > {
                let steps = run.cache.seq;
                for (what, expected, found) in [("sequence values", steps * I, xs.len()), ("hidden-state gradients", steps * H, dh.len())] {
                    if expected != found {
                        return Err($crate::Error::LengthMismatch { what, expected, found });
                    }
                }
                let mut out = $crate::cell::batch::SeqGrads {
                    dx: alloc::vec![T::zero(); xs.len()],
                    ds0: <$cell<T, I, H, G> as RecurrentCell<T, I, H, G>>::zero_state(),
                    grad: <Self as crate::layer::Layer<T>>::zeros(),
                };
                let dhf = |t: usize, _b: usize| Some(&dh[(t - 1) * H..t * H]);
                $crate::cell::batch::backward::<T, $cell<T, I, H, G>, I, H, G>(
                    &self.cell, self.clip, xs, &run.cache, dhf, &mut out.grad.cell,
                    Some(&mut out.dx), ds_last.map(core::slice::from_ref),
                    Some(core::slice::from_mut(&mut out.ds0)),
                );
                Ok(out)
            }
        }
    };
}
pub(crate) use batch_ops;
