//! Compile-time behaviour of `network!` and of the size-checked API: every mistake in
//! `tests/ui/fail` must be rejected with the message in its `.stderr` snapshot, and every
//! declaration in `tests/ui/pass` must compile.
//!
//! Regenerate the snapshots with `TRYBUILD=overwrite cargo test --test ui`, then read every
//! changed `.stderr` as a user would before committing it. The snapshots depend on the
//! compiler's wording: they are written for the toolchain this workspace is tested with.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
