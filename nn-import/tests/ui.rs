//! Compile-time checks of `network!`'s `tfl_*` layers against the weights file `nn-import`
//! wrote (nn-tinyml's `speech`, at a path relative to trybuild's project in target/): a declaration edited to disagree with the file is an error
//! spanned on the layer, naming the tensor. Snapshots: `TRYBUILD=overwrite cargo test -p
//! nn-import --test ui`, read before committing.

#[test]
fn ui() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
