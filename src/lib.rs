//! The root package holds the integration tests and the benchmarks of the workspace (the
//! examples are the `examples/` package). Its library only compiles the README's code blocks as doctests, so the
//! quickstart there cannot drift from the API.

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
