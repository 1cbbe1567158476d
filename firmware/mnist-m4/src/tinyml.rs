//! What the `tinyml_*` binaries share: a SysTick timer that counts its wraps (person_detect
//! takes more than 2^24 ticks), and int8 outputs printed as hexadecimal bytes, the text
//! `nn-import/tests/firmware_tinyml.rs` writes on the host.

use core::sync::atomic::{AtomicU32, Ordering};
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::SYST;
use cortex_m_rt::exception;

static WRAPS: AtomicU32 = AtomicU32::new(0);

#[exception]
fn SysTick() {
    WRAPS.fetch_add(1, Ordering::Relaxed);
}

/// SysTick on the core clock with its wrap interrupt: ticks as a 64-bit count.
pub struct LongTimer {
    _syst: SYST,
}

impl LongTimer {
    /// Starts the counter and its wrap interrupt.
    pub fn new(mut syst: SYST) -> Self {
        syst.set_clock_source(SystClkSource::Core);
        syst.set_reload(0x00FF_FFFF);
        syst.clear_current();
        syst.enable_interrupt();
        syst.enable_counter();
        // Cleared, the counter reads 0 until its first reload, which raises no interrupt:
        // start counting once it has reloaded.
        while SYST::get_current() == 0 {}
        Self { _syst: syst }
    }

    fn now(&self) -> u64 {
        loop {
            let w = WRAPS.load(Ordering::Relaxed);
            let c = SYST::get_current();
            if WRAPS.load(Ordering::Relaxed) == w {
                return u64::from(w) * 0x0100_0000 + u64::from(0x00FF_FFFF - c);
            }
        }
    }

    /// Ticks taken by `f`.
    pub fn ticks<R>(&self, f: impl FnOnce() -> R) -> (R, u64) {
        let start = self.now();
        let r = f();
        (r, self.now() - start)
    }

    /// Instructions per tick, measured on a loop of 2 x 1,000,000 instructions.
    pub fn calibrate(&self) -> f32 {
        const N: u32 = 1_000_000;
        let ((), t) = self.ticks(|| unsafe {
            // SAFETY: a register-only countdown loop: `subs` and `bne`, two instructions
            // per iteration.
            core::arch::asm!("2:", "subs {0}, #1", "bne 2b", inout(reg) N => _, options(nomem, nostack));
        });
        (2 * N) as f32 / t.max(1) as f32
    }
}

/// int8 values as hexadecimal bytes, space-separated.
pub struct Bytes<'a>(pub &'a [i8]);

impl core::fmt::Display for Bytes<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{:02x}", *v as u8)?;
        }
        Ok(())
    }
}

/// The samples of `models/tinyml/samples.json` as `tests/fixtures/tflm` holds them
/// (`yes` then `no`; `person` then `no_person`), written by `nn-import/tests/firmware_tinyml.rs`.
pub static SPEECH_SAMPLES: &[u8; 2 * 1960] = include_bytes!("../tinyml-speech.bin");
/// See [`SPEECH_SAMPLES`].
pub static PERSON_SAMPLES: &[u8; 2 * 9216] = include_bytes!("../tinyml-person_detect.bin");

/// Sample `i` of `N` bytes each, as int8.
pub fn sample<const N: usize>(all: &'static [u8], i: usize) -> [i8; N] {
    let mut x = [0i8; N];
    for (d, s) in x.iter_mut().zip(&all[i * N..]) {
        *d = *s as i8;
    }
    x
}

/// What each `tinyml_*` binary (and `mnist_cnn_int8`) does: paints the stack, then for each case prints
/// `{model} {case}: {output bytes}` (the lines `firmware/run-qemu.sh` compares with the
/// host's), with [`mark`](crate::mark) right before and after each inference for
/// `benches/tinyml_vs_microflow.sh`'s counter; then `result: instructions_per_inference=...
/// stack_peak_bytes=... static_ram_bytes=... arena_bytes=...`, and exits QEMU with success
/// when every inference did.
pub fn run_cases<const I: usize, const O: usize>(
    model: &str,
    arena_bytes: usize,
    cases: &[&str],
    input: impl Fn(usize) -> [i8; I],
    infer: impl Fn(&[i8; I], &mut [i8; O]) -> bool,
) -> ! {
    let Some(p) = cortex_m::Peripherals::take() else {
        crate::exit(false)
    };
    crate::paint_stack();
    let timer = LongTimer::new(p.SYST);
    let per_tick = timer.calibrate();
    let (mut ticks, mut ok) = (0u64, true);
    for (i, name) in cases.iter().enumerate() {
        let x = core::hint::black_box(input(i));
        let mut y = [0i8; O];
        let (r, t) = timer.ticks(|| {
            crate::mark();
            let r = infer(&x, &mut y);
            crate::mark();
            r
        });
        ticks += t;
        ok &= r;
        crate::println(format_args!("{model} {name}: {}", Bytes(&y)));
    }
    crate::println(format_args!(
        "result: instructions_per_inference={} stack_peak_bytes={} static_ram_bytes={} arena_bytes={}",
        // Rounded to a whole count: printing an `f32` would link float formatting, which
        // costs more flash than the sine model itself.
        (ticks as f32 * per_tick / cases.len() as f32 + 0.5) as u64,
        crate::stack_peak(),
        crate::static_ram(),
        arena_bytes
    ));
    crate::exit(ok)
}
