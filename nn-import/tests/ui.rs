//! Compile-time checks of `network!`'s `tfl_*` layers against the weights file `nn-import`
//! wrote (nn-tinyml's `speech` and the operator models of `tests/network_ops`, at paths
//! relative to trybuild's project in target/): a declaration edited to disagree with the
//! file (a stride, a kernel, a layer's name, the input's dtype, a constant's shape) is one
//! error spanned on the layer, naming the tensor; a float `network!` layer among `tfl_`
//! layers is one error. `tflite_kernel_edited` (the network lowers, its file disagrees) and
//! `tflite_unknown_kind` (it does not lower) are whole programs (construct, `run`, `run_in`,
//! dequantize; `ui/program/runs_speech.rs`): the stand-in beside the error has the network's
//! surface, so each still reports one error.
//! Snapshots: `TRYBUILD=overwrite cargo test -p nn-import --test ui`, read before committing.

#[test]
fn ui() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
