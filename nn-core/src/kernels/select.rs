//! Which kernel runs the batch path's `f32` products, per host and per shape.
//!
//! The batch path (dense layers' `W X` and `Δ Xᵀ`, the recurrent layers' input
//! projections `W_ih X` and hidden products) computes `C = alpha · A B + beta · C` with `A`
//! `m x k`, `B` `k x n`, `C` `m x n`. Three kernels can run an `f32` product:
//!
//! | [`Kernel`] | needs | runs |
//! |---|---|---|
//! | `avx512` | AVX-512F | 32 x 8 register blocks, no packing |
//! | `avx2` | AVX2 and FMA | 16 x 6 register blocks, no packing |
//! | `matrixmultiply` | nothing | the crate's packed micro-kernels |
//!
//! This crate's kernels read `A` and `C` column-major (unit row stride) with `alpha = 1`
//! and `beta` 0 or 1. Any other product (a dense layer's input gradient `Wᵀ Δ` reads `A`
//! transposed) first copies `alpha · op(A)` column-major into a scratch buffer of the
//! calling thread, kept for its next products, and scales `C` by `beta`. Neither of these
//! kernels touches the heap after that buffer has grown, so a training step allocates
//! nothing; matrixmultiply allocates its packing buffers on every call, so it runs only where
//! the own kernels cannot (a host without AVX2, `f64`, a `C` whose rows are apart in memory)
//! or when pinned.
//!
//! Which of the own kernels is fastest depends on the host (the same AVX-512 code wins on
//! one Xeon and loses on another of the same model name) and on the shape, so the first
//! product of each shape (`m`, `k`, `n`, whether `B` is transposed and whether `C` is
//! accumulated) times both on the real operands, interleaved, for about 2 ms at most (a
//! product too large for that budget is timed on its first columns), and caches the
//! fastest for the rest of the process. Later products of that shape cost one table look-up.
//!
//! # What a seeded run guarantees
//!
//! The kernels add the `k` products of each value in different orders, so their results
//! differ in the last bits, and the choice itself comes from a timing. A seeded run is
//! therefore bit-for-bit the same as an earlier one on the same host when both ran the
//! same kernel on every shape: always under a pin, usually without one (a close race
//! between two kernels may go either way). To make runs bit-reproducible, pin a kernel,
//! in code with [`pin`] or from outside with the environment variable
//! `NN_GEMM_KERNEL=avx512|avx2|matrixmultiply|auto` (read at the first product; a
//! [`pin`] call overrides it). A pinned own kernel runs every product, a transposed `A`
//! after the copy, so a pinned run is reproducible on every shape. Across hosts a pin gives the same
//! arithmetic, hence the same bits, when both hosts have the pinned kernel's instructions.
//!
//! `f64` products always run matrixmultiply, and without `std` the choice is fixed (the
//! `f32` products too run matrixmultiply): there is no timer and no table. Single-sample
//! code that must not touch the heap (the recurrent layers' projection of a whole
//! sequence) always runs the widest of this crate's kernels the CPU has (AVX-512, else
//! AVX2), never the tuner (which allocates) and not the pin (reading `NN_GEMM_KERNEL`
//! allocates), so it is reproducible on a host with or without a pin.
//!
//! ```
//! use nn_core::kernels::{pin, pinned, Kernel};
//! // Every f32 product of this process through matrixmultiply, for bit-reproducible runs.
//! pin(Some(Kernel::Matrixmultiply)).unwrap();
//! assert_eq!(pinned(), Some(Kernel::Matrixmultiply));
//! // A name from a flag or a file; a kernel the CPU lacks is an error, not a crash.
//! let k: Kernel = "avx2".parse().unwrap();
//! if let Err(e) = pin(Some(k)) {
//!     eprintln!("{e}");
//! }
//! // Back to timing the kernels per shape.
//! pin(None).unwrap();
//! ```

use core::fmt;
use core::str::FromStr;
use std::collections::HashMap;
use std::string::String;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::{LazyLock, RwLock};
use std::time::{Duration, Instant};
use std::vec::Vec;

/// A matrix-product kernel for `f32` (see the [module](self) documentation).
///
/// ```
/// use nn_core::kernels::Kernel;
/// assert_eq!("matrixmultiply".parse::<Kernel>(), Ok(Kernel::Matrixmultiply));
/// assert_eq!(Kernel::Avx2.to_string(), "avx2");
/// assert!(Kernel::Matrixmultiply.is_available());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kernel {
    /// This crate's AVX-512F kernel (32 x 8 register blocks, no packing).
    Avx512,
    /// This crate's AVX2 + FMA kernel (16 x 6 register blocks, no packing).
    Avx2,
    /// The matrixmultiply crate's packed kernels (which pick their own instruction set).
    Matrixmultiply,
}

impl Kernel {
    /// Every kernel, in the order ties are broken.
    pub const ALL: [Kernel; 3] = [Kernel::Avx512, Kernel::Avx2, Kernel::Matrixmultiply];

    /// The name [`FromStr`] and `NN_GEMM_KERNEL` accept.
    pub const fn name(self) -> &'static str {
        match self {
            Kernel::Avx512 => "avx512",
            Kernel::Avx2 => "avx2",
            Kernel::Matrixmultiply => "matrixmultiply",
        }
    }

    /// Whether this CPU has the kernel's instructions.
    pub fn is_available(self) -> bool {
        match self {
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512 => super::x86::level() == super::x86::Level::Avx512,
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2 => {
                std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")
            }
            Kernel::Matrixmultiply => true,
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }

    fn index(self) -> u8 {
        self as u8
    }
}

impl fmt::Display for Kernel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Kernel {
    type Err = KernelError;
    /// A kernel's [`name`](Kernel::name), ignoring ASCII case and surrounding spaces.
    fn from_str(s: &str) -> Result<Self, KernelError> {
        let t = s.trim();
        Kernel::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(t))
            .ok_or_else(|| KernelError::Unknown {
                found: String::from(s),
            })
    }
}

/// Why a kernel cannot be pinned.
///
/// ```
/// use nn_core::kernels::{Kernel, KernelError};
/// let e = "avx1024".parse::<Kernel>().unwrap_err();
/// assert_eq!(
///     e.to_string(),
///     "unknown kernel `avx1024`: expected `avx512`, `avx2`, `matrixmultiply` or `auto`"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KernelError {
    /// The name is not a kernel's.
    Unknown {
        /// The name given.
        found: String,
    },
    /// This CPU lacks the kernel's instructions.
    Unavailable {
        /// The kernel asked for.
        kernel: Kernel,
    },
}

impl fmt::Display for KernelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KernelError::Unknown { found } => write!(
                f,
                "unknown kernel `{found}`: expected `avx512`, `avx2`, `matrixmultiply` or `auto`"
            ),
            KernelError::Unavailable { kernel } => write!(
                f,
                "kernel `{kernel}` is not available: this CPU lacks its instructions ({})\n\n       help: pin `matrixmultiply`, which runs everywhere, or leave the choice to the tuner with `auto`",
                match kernel {
                    Kernel::Avx512 => "AVX-512F",
                    _ => "AVX2 and FMA",
                }
            ),
        }
    }
}

impl std::error::Error for KernelError {}

/// The pin: 0 not read yet, 1 no pin (tune), 2 + index a pinned kernel.
static PIN: AtomicU8 = AtomicU8::new(0);
const AUTO: u8 = 1;

fn encode(k: Option<Kernel>) -> u8 {
    k.map_or(AUTO, |k| 2 + k.index())
}

fn decode(v: u8) -> Option<Kernel> {
    v.checked_sub(2).map(|i| Kernel::ALL[i as usize])
}

/// Pins one kernel for every `f32` product of the process (`None`: time the kernels per
/// shape again). Overrides `NN_GEMM_KERNEL`.
///
/// ```
/// use nn_core::kernels::{pin, Kernel, KernelError};
/// pin(Some(Kernel::Matrixmultiply)).unwrap();
/// if !Kernel::Avx512.is_available() {
///     assert_eq!(pin(Some(Kernel::Avx512)), Err(KernelError::Unavailable { kernel: Kernel::Avx512 }));
/// }
/// pin(None).unwrap();
/// ```
///
/// # Errors
/// [`KernelError::Unavailable`] when the CPU lacks the kernel's instructions (the pin is
/// left as it was).
pub fn pin(kernel: Option<Kernel>) -> Result<(), KernelError> {
    if let Some(k) = kernel {
        if !k.is_available() {
            return Err(KernelError::Unavailable { kernel: k });
        }
    }
    PIN.store(encode(kernel), Ordering::Relaxed);
    Ok(())
}

/// The pinned kernel, if any (from [`pin`] or `NN_GEMM_KERNEL`).
///
/// ```
/// use nn_core::kernels::{pin, pinned};
/// pin(None).unwrap();
/// assert_eq!(pinned(), None);
/// ```
pub fn pinned() -> Option<Kernel> {
    match PIN.load(Ordering::Relaxed) {
        0 => {
            let from_env = match std::env::var("NN_GEMM_KERNEL") {
                Ok(v) if v.trim().eq_ignore_ascii_case("auto") || v.trim().is_empty() => None,
                Ok(v) => match v.parse::<Kernel>() {
                    Ok(k) if k.is_available() => Some(k),
                    Ok(k) => {
                        std::eprintln!(
                            "warning: NN_GEMM_KERNEL: {}; timing the kernels instead",
                            KernelError::Unavailable { kernel: k }
                        );
                        None
                    }
                    Err(e) => {
                        std::eprintln!("warning: NN_GEMM_KERNEL: {e}; timing the kernels instead");
                        None
                    }
                },
                Err(_) => None,
            };
            // A `pin` call that raced this read wins.
            match PIN.compare_exchange(0, encode(from_env), Ordering::Relaxed, Ordering::Relaxed) {
                Ok(_) => from_env,
                Err(now) => decode(now),
            }
        }
        v => decode(v),
    }
}

/// One product's operands as raw column-strided memory (matrixmultiply's convention).
#[derive(Clone, Copy)]
pub(crate) struct Product {
    pub m: usize,
    pub k: usize,
    pub n: usize,
    pub alpha: f32,
    pub a: *const f32,
    pub rsa: isize,
    pub csa: isize,
    pub b: *const f32,
    pub rsb: isize,
    pub csb: isize,
    pub beta: f32,
    pub c: *mut f32,
    pub rsc: isize,
    pub csc: isize,
}

impl Product {
    /// Whether this crate's kernels can run it: `A` and `C` with unit row stride, `alpha =
    /// 1`, `beta` 0 or 1.
    fn fits_own(&self) -> bool {
        self.rsa == 1
            && self.rsc == 1
            && self.csa >= 0
            && self.csc >= 0
            && self.alpha == 1.0
            && (self.beta == 0.0 || self.beta == 1.0)
    }

    fn runs(&self, k: Kernel) -> bool {
        k == Kernel::Matrixmultiply || (self.fits_own() && k.is_available())
    }

    /// Runs the product with `kernel`, which must be available and fit it ([`Self::runs`]).
    ///
    /// # Safety
    /// The pointers and strides must describe valid memory, `C` aliasing neither input.
    pub(crate) unsafe fn run(&self, kernel: Kernel) {
        #[cfg(target_arch = "x86_64")]
        if kernel != Kernel::Matrixmultiply {
            let g = super::gemm_avx512::Gemm {
                m: self.m,
                n: self.n,
                k: self.k,
                a: self.a,
                lda: self.csa as usize,
                b: self.b,
                rsb: self.rsb,
                csb: self.csb,
                c: self.c,
                ldc: self.csc as usize,
                accumulate: self.beta == 1.0,
            };
            // SAFETY: the kernel's instructions are present and the layouts fit it (the
            // caller checked `runs`); the memory is the caller's contract.
            return unsafe {
                match kernel {
                    Kernel::Avx512 => super::gemm_avx512::gemm(g),
                    _ => super::gemm_avx2::gemm(g),
                }
            };
        }
        let p = *self;
        // SAFETY: forwarded from the caller's contract.
        unsafe {
            matrixmultiply::sgemm(
                p.m, p.k, p.n, p.alpha, p.a, p.rsa, p.csa, p.b, p.rsb, p.csb, p.beta, p.c, p.rsc,
                p.csc,
            )
        }
    }
}

/// What a tuned choice depends on besides the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Key {
    m: usize,
    k: usize,
    n: usize,
    own_fits: bool,
    b_transposed: bool,
    accumulate: bool,
}

static TABLE: LazyLock<RwLock<HashMap<Key, Kernel>>> = LazyLock::new(Default::default);

/// One tuned shape and the kernel it runs, as [`choices`] lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Choice {
    /// Rows of `A` and `C`.
    pub m: usize,
    /// Columns of `A`, rows of `B`.
    pub k: usize,
    /// Columns of `B` and `C`.
    pub n: usize,
    /// Whether `B` was read transposed (`Δ Xᵀ`).
    pub b_transposed: bool,
    /// Whether `C` was accumulated (`beta = 1`).
    pub accumulate: bool,
    /// The kernel the tuner picked.
    pub kernel: Kernel,
}

/// The shapes tuned so far in this process and the kernel each runs, sorted by shape (for
/// logs: which kernel won where on this host).
///
/// ```
/// use nn_core::kernels::choices;
/// use nn_core::{network, BatchNetwork, Batch};
/// network! { struct Net { input: 30, out: dense(40) } }
/// let net: Net = Net::zeros();
/// let y = net.forward_batch(&Batch::<f32, 30>::from_element(20, 1.0));
/// assert_eq!(y.shape(), (40, 20));
/// for ch in choices() {
///     println!("{}x{}x{}: {}", ch.m, ch.k, ch.n, ch.kernel);
/// }
/// ```
pub fn choices() -> Vec<Choice> {
    let table = TABLE.read().unwrap_or_else(|e| e.into_inner());
    let mut v: Vec<Choice> = table
        .iter()
        .filter(|(key, _)| key.own_fits)
        .map(|(key, &kernel)| Choice {
            m: key.m,
            k: key.k,
            n: key.n,
            b_transposed: key.b_transposed,
            accumulate: key.accumulate,
            kernel,
        })
        .collect();
    v.sort_by_key(|c| (c.m, c.k, c.n, c.b_transposed, c.accumulate));
    v
}

/// Runs `p` with the pinned kernel, else the tuned one. A product this crate's kernels cannot
/// run as given (a transposed `A`, `alpha` not 1, `beta` not 0 or 1) runs on them after
/// `alpha · op(A)` is copied column-major into this thread's scratch buffer (kept for the
/// next product, so a training step allocates nothing once the buffer has grown) and `C`
/// is scaled by `beta`; only a `C` with rows apart in memory, a host without AVX2, or a pin
/// of `matrixmultiply` runs matrixmultiply, which allocates its packing buffers on every
/// call.
///
/// # Safety
/// As [`Product::run`].
pub(crate) unsafe fn run(p: &Product) {
    let pin = pinned();
    let own = match pin {
        Some(Kernel::Matrixmultiply) => None,
        Some(k) => Some(k),
        None => Kernel::ALL
            .into_iter()
            .find(|&k| k != Kernel::Matrixmultiply && k.is_available()),
    };
    if own.is_none() || p.m == 0 || p.n == 0 || p.rsc != 1 || p.csc < 0 {
        // SAFETY: the caller's contract; matrixmultiply runs any product.
        return unsafe { p.run(Kernel::Matrixmultiply) };
    }
    let choose = |q: &Product| pin.unwrap_or_else(|| tuned(q));
    if p.fits_own() {
        // SAFETY: the chosen kernel is available (pins are checked) and fits `p`.
        return unsafe { p.run(choose(p)) };
    }
    PACKED.with(|cell| {
        let Ok(mut buf) = cell.try_borrow_mut() else {
            // SAFETY: the caller's contract (reached only if a product ran inside another).
            return unsafe { p.run(Kernel::Matrixmultiply) };
        };
        // SAFETY: `p`'s strides address `A` and `C` (the caller's contract).
        let q = unsafe { prepare(p, &mut buf) };
        // SAFETY: `q` reads the packed `A` (alive while `buf` is borrowed), `p`'s `B` and
        // `C`; its layouts fit the own kernels, and the chosen one is available.
        unsafe { q.run(choose(&q)) }
    })
}

std::thread_local! {
    /// `alpha · op(A)`, column-major, for products the own kernels cannot read as given.
    static PACKED: core::cell::RefCell<Vec<f32>> = const { core::cell::RefCell::new(Vec::new()) };
}

/// The largest scratch buffer any thread has grown to, in values.
static PACKED_MAX: AtomicUsize = AtomicUsize::new(0);

/// The largest scratch buffer any thread has grown to, in values: a training pool grows
/// every thread's to it ([`grow_scratch`]) in the step that raised it, so a later step
/// allocates nothing whichever thread runs which part.
pub(crate) fn scratch_max() -> usize {
    PACKED_MAX.load(Ordering::Relaxed)
}

/// Grows this thread's scratch buffer to at least `len` values.
pub(crate) fn grow_scratch(len: usize) {
    PACKED.with(|cell| {
        if let Ok(mut buf) = cell.try_borrow_mut() {
            if buf.len() < len {
                buf.resize(len, 0.0);
            }
        }
    });
}

/// `p` rewritten for the own kernels: `alpha · op(A)` copied column-major into `buf` (grown
/// if needed), `C` scaled by `beta` in place when `beta` is neither 0 nor 1 (then
/// accumulated onto).
///
/// # Safety
/// `p`'s strides must address valid memory for `A` and `C`; `C` has unit row stride.
unsafe fn prepare(p: &Product, buf: &mut Vec<f32>) -> Product {
    let (m, k) = (p.m, p.k);
    if buf.len() < m * k {
        buf.resize(m * k, 0.0);
        PACKED_MAX.fetch_max(m * k, Ordering::Relaxed);
    }
    let dst = &mut buf[..m * k];
    // Blocks of 16 x 16 keep both the reads and the writes within a few cache lines.
    const B: usize = 16;
    for q0 in (0..k).step_by(B) {
        for i0 in (0..m).step_by(B) {
            for q in q0..(q0 + B).min(k) {
                for i in i0..(i0 + B).min(m) {
                    // SAFETY: `(i, q)` is inside `op(A)`, which the caller vouches for.
                    let v = unsafe { *p.a.offset(i as isize * p.rsa + q as isize * p.csa) };
                    dst[i + q * m] = p.alpha * v;
                }
            }
        }
    }
    let mut beta = p.beta;
    if beta != 0.0 && beta != 1.0 {
        for j in 0..p.n {
            // SAFETY: column `j` of `C` holds `m` values at unit stride.
            let col = unsafe { core::slice::from_raw_parts_mut(p.c.offset(j as isize * p.csc), m) };
            col.iter_mut().for_each(|v| *v *= beta);
        }
        beta = 1.0;
    }
    Product {
        alpha: 1.0,
        a: dst.as_ptr(),
        rsa: 1,
        csa: m as isize,
        beta,
        ..*p
    }
}

/// The cached choice for `p`'s shape, timing the candidates on first use.
fn tuned(p: &Product) -> Kernel {
    let key = Key {
        m: p.m,
        k: p.k,
        n: p.n,
        own_fits: p.fits_own(),
        b_transposed: p.rsb != 1,
        accumulate: p.beta != 0.0,
    };
    if !key.own_fits {
        return Kernel::Matrixmultiply;
    }
    if let Some(&k) = TABLE.read().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return k;
    }
    // The own kernels only: matrixmultiply allocates its packing buffers on every call,
    // and a training step must not.
    let candidates: Vec<Kernel> = Kernel::ALL
        .into_iter()
        .filter(|&k| k != Kernel::Matrixmultiply && p.runs(k))
        .collect();
    let best = if candidates.is_empty() {
        Kernel::Matrixmultiply
    } else if candidates.len() == 1 {
        candidates[0]
    } else {
        // SAFETY: `p` comes from `sgemm`, whose caller vouches for its memory.
        unsafe { race(p, &candidates) }
    };
    // A thread that tuned the same shape first wins, so every caller sees one choice.
    *TABLE
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .entry(key)
        .or_insert(best)
}

/// Time spent timing one shape, beyond the first two rounds.
const BUDGET: Duration = Duration::from_micros(1500);
/// Rounds of timing at most (each kernel once per round).
const MAX_ROUNDS: usize = 6;
/// Multiply-adds per timed product: larger products are timed on their first columns.
const MAX_MACS: usize = 8 << 20;

/// Times `candidates` on `p`'s operands, interleaved round by round, into a scratch `C`;
/// the fastest (minimum over rounds, ties to the earlier candidate) wins.
///
/// # Safety
/// As [`Product::run`]; every candidate must run `p`.
unsafe fn race(p: &Product, candidates: &[Kernel]) -> Kernel {
    let per_col = (p.m * p.k).max(1);
    let n = p.n.min(MAX_MACS.div_ceil(per_col).max(8));
    let mut scratch = std::vec![0.0f32; p.m * n];
    let trial = Product {
        n,
        c: scratch.as_mut_ptr(),
        rsc: 1,
        csc: p.m as isize,
        ..*p
    };
    let mut best = std::vec![Duration::MAX; candidates.len()];
    let start = Instant::now();
    for round in 0..MAX_ROUNDS {
        for (t, &k) in best.iter_mut().zip(candidates) {
            let t0 = Instant::now();
            // SAFETY: `trial` reads the first `n` columns of `p`'s `B` and writes the
            // scratch buffer, laid out as its strides say.
            unsafe { trial.run(k) };
            *t = (*t).min(t0.elapsed());
        }
        if round >= 1 && start.elapsed() > BUDGET {
            break;
        }
    }
    let mut win = 0;
    for (i, t) in best.iter().enumerate() {
        if *t < best[win] {
            win = i;
        }
    }
    candidates[win]
}

#[cfg(test)]
#[path = "select_tests.rs"]
mod tests;
