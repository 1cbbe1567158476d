//! What the `tinyml_*` binaries share: the loop over the cases, with the instruction
//! counter's marker ([`mark`](crate::mark)) around each inference, and int8 outputs printed
//! as hexadecimal bytes, the text `nn-import/tests/firmware_tinyml.rs` writes on the host.
//!
//! The harness is what `benches/tinyml_vs_microflow.sh` builds around MicroFlow, the same
//! kind of code, so that the two binaries differ by the engine: stack painting, the marker,
//! printing through semihosting, a panic handler. No timer: the instructions per inference
//! are counted exactly outside the firmware, by the QEMU plugin `benches/qemu_insn_marks.c`
//! at each marker.

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

/// What each `tinyml_*` binary does: paints the stack, then for each case prints
/// `{model} {case}: {output bytes}` (the lines `firmware/run-qemu.sh` compares with the
/// host's), with [`mark`](crate::mark) right before and after each inference for
/// `benches/tinyml_vs_microflow.sh`'s counter; then `result: stack_peak_bytes=...
/// static_ram_bytes=... arena_bytes=...`, and exits QEMU with success when every inference
/// did.
pub fn run_cases<const I: usize, const O: usize>(
    model: &str,
    arena_bytes: usize,
    cases: &[&str],
    input: impl Fn(usize) -> [i8; I],
    infer: impl Fn(&[i8; I], &mut [i8; O]) -> bool,
) -> ! {
    crate::paint_stack();
    let ok = each_case(model, cases, input, infer);
    finish(ok, arena_bytes)
}

/// [`run_cases`] with SysTick around each inference, for binaries outside the MicroFlow
/// comparison (`mnist_cnn_int8`), whose table in the README gives the instructions per
/// inference as the other firmware binaries do: the result line adds
/// `instructions_per_inference=` (ticks times the calibrated instructions per tick).
pub fn run_cases_timed<const I: usize, const O: usize>(
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
    let timer = crate::Timer::new(p.SYST);
    let per_tick = timer.calibrate();
    let mut ticks = 0u32;
    let ok = each_case(model, cases, input, |x, y| {
        let (ok, t) = timer.ticks(|| infer(x, y));
        ticks += t;
        ok
    });
    let instructions = ticks as f32 * per_tick / cases.len().max(1) as f32;
    crate::println(format_args!(
        "result: instructions_per_inference={instructions:.0} instructions_per_tick={per_tick:.2} stack_peak_bytes={} static_ram_bytes={} arena_bytes={}",
        crate::stack_peak(),
        crate::static_ram(),
        arena_bytes
    ));
    crate::exit(ok)
}

/// Runs and prints every case; whether every inference succeeded.
fn each_case<const I: usize, const O: usize>(
    model: &str,
    cases: &[&str],
    input: impl Fn(usize) -> [i8; I],
    mut infer: impl FnMut(&[i8; I], &mut [i8; O]) -> bool,
) -> bool {
    let mut ok = true;
    for (i, name) in cases.iter().enumerate() {
        let x = core::hint::black_box(input(i));
        let mut y = [0i8; O];
        crate::mark();
        ok &= infer(&x, &mut y);
        crate::mark();
        crate::println(format_args!("{model} {name}: {}", Bytes(&y)));
    }
    ok
}

/// The result line, then the exit.
fn finish(ok: bool, arena_bytes: usize) -> ! {
    crate::println(format_args!(
        "result: stack_peak_bytes={} static_ram_bytes={} arena_bytes={}",
        crate::stack_peak(),
        crate::static_ram(),
        arena_bytes
    ));
    crate::exit(ok)
}
