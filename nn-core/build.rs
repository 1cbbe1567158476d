//! Sets `cfg(nn_unoptimized)` when this crate is compiled without optimization (`OPT_LEVEL`
//! 0, a debug build's default), so `Fit` can warn that training runs many times slower than
//! it would optimized.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(nn_unoptimized)");
    println!("cargo::rerun-if-changed=build.rs");
    if std::env::var("OPT_LEVEL").is_ok_and(|o| o == "0") {
        println!("cargo::rustc-cfg=nn_unoptimized");
    }
}
