//! What the firmware binaries share: the MNIST digits and the loop that classifies them,
//! counting instructions with SysTick, measuring the peak stack, printing a network's outputs
//! exactly (as the bits of each `f32`), a panic handler that exits QEMU with a failure.
//!
//! Instructions: under `qemu-system-arm -icount shift=0` every instruction takes 1 ns of
//! virtual time, and SysTick counts the 25 MHz system clock of the MPS2 board, so one tick is
//! 40 instructions. [`Timer::calibrate`] measures that ratio on a loop of known length instead
//! of assuming it. On real hardware the same code counts cycles.
//!
//! Stack: [`paint_stack`] fills the free RAM below the stack with a pattern and
//! [`stack_peak`] finds the deepest word that was overwritten since.

#![no_std]

pub mod tinyml;

use core::fmt::Write;
use cortex_m::peripheral::{syst::SystClkSource, SYST};
use cortex_m_semihosting::{debug, hio};

/// MNIST's pixel statistics on the `[0, 1]` scale (`nn_core::data::MEAN` and `STD`).
pub const MEAN: f32 = 0.1307;
/// See [`MEAN`].
pub const STD: f32 = 0.3081;

/// A pixel as the host's data reader standardizes it: `(p / 255 - MEAN) / STD`.
pub fn pixel(p: u8) -> f32 {
    (f32::from(p) / 255.0 - MEAN) * (1.0 / STD)
}

/// SysTick as a free-running 24-bit down-counter on the core clock.
pub struct Timer {
    _syst: SYST,
}

impl Timer {
    /// Starts the counter.
    pub fn new(mut syst: SYST) -> Self {
        syst.set_clock_source(SystClkSource::Core);
        syst.set_reload(0x00FF_FFFF);
        syst.clear_current();
        syst.enable_counter();
        Self { _syst: syst }
    }

    /// Ticks taken by `f` (less than 2^24 of them).
    pub fn ticks<R>(&self, f: impl FnOnce() -> R) -> (R, u32) {
        let start = SYST::get_current();
        let r = f();
        let end = SYST::get_current();
        (r, start.wrapping_sub(end) & 0x00FF_FFFF)
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

extern "C" {
    static mut __sheap: u32;
    static _stack_start: u32;
}

const PAINT: u32 = 0xA5A5_A5A5;

/// Fills the RAM between the end of the static data and the current stack pointer (less a
/// margin) with a pattern, for [`stack_peak`].
pub fn paint_stack() {
    let sp = cortex_m::register::msp::read() as usize - 64;
    let mut p = core::ptr::addr_of_mut!(__sheap);
    while (p as usize) < sp {
        // SAFETY: the words between the end of `.bss` (cortex-m-rt's `__sheap`) and the
        // stack pointer belong to no object: there is no heap, and the stack grows down from
        // above `sp`.
        unsafe {
            p.write_volatile(PAINT);
            p = p.add(1);
        }
    }
}

/// The deepest stack use since [`paint_stack`], in bytes.
pub fn stack_peak() -> usize {
    let mut p = core::ptr::addr_of_mut!(__sheap);
    // SAFETY: reads words of the painted region (see `paint_stack`), stopping at the first
    // one that was overwritten, which lies below the stack top.
    unsafe {
        while p.read_volatile() == PAINT {
            p = p.add(1);
        }
    }
    core::ptr::addr_of!(_stack_start) as usize - p as usize
}

/// Static RAM (`.data` + `.bss`) in bytes.
pub fn static_ram() -> usize {
    extern "C" {
        static __sdata: u32;
    }
    core::ptr::addr_of!(__sheap) as usize - core::ptr::addr_of!(__sdata) as usize
}

/// The marker instruction `mov r12, r12` (a no-op): `benches/qemu_insn_marks.c`, a QEMU
/// plugin, reports its exact instruction count each time this executes, so the instructions
/// between two calls are known exactly (`benches/tinyml_vs_microflow.sh`).
#[inline(always)]
pub fn mark() {
    // SAFETY: a register move of r12 onto itself, declared as clobbering r12; no memory,
    // no stack. Without `nomem` it also orders the memory accesses around it.
    unsafe { core::arch::asm!("mov r12, r12", out("r12") _, options(nostack)) };
}

/// Writes a line to the host's stdout.
pub fn println(args: core::fmt::Arguments) {
    if let Ok(mut out) = hio::hstdout() {
        let _ = out.write_fmt(args);
        let _ = out.write_str("\n");
    }
}

/// `f32` values as the hexadecimal bits of each, space-separated: exact, and the same text
/// the host's test writes.
pub struct Bits<'a>(pub &'a [f32]);

impl core::fmt::Display for Bits<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{:08x}", v.to_bits())?;
        }
        Ok(())
    }
}

/// Ends the QEMU run with the given outcome.
pub fn exit(ok: bool) -> ! {
    debug::exit(if ok {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    loop {
        cortex_m::asm::bkpt();
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    println(format_args!("panic: {info}"));
    exit(false)
}

/// The first 20 MNIST test images: a label byte, then 784 pixels, each.
pub static DIGITS: &[u8; 20 * 785] = include_bytes!("../test-digits.bin");

/// The index of the largest value (the first one on ties).
pub fn argmax(v: &[f32]) -> usize {
    (0..v.len()).fold(0, |best, i| if v[i] > v[best] { i } else { best })
}

/// What both MNIST binaries run: classifies [`DIGITS`] with `forward`, prints each prediction
/// and its logits (lines starting with `prefix`, compared with the host's by
/// `firmware/run-qemu.sh`), then the instructions per inference and the memory used, and
/// exits QEMU with success when at least 18 of the 20 digits are right.
pub fn classify_digits(
    prefix: &str,
    forward: impl Fn(&nn_core::nalgebra::SVector<f32, 784>) -> nn_core::nalgebra::SVector<f32, 10>,
) -> ! {
    let Some(p) = cortex_m::Peripherals::take() else {
        exit(false)
    };
    paint_stack();
    let timer = Timer::new(p.SYST);
    let per_tick = timer.calibrate();
    let (mut correct, mut ticks) = (0, 0u32);
    for (i, d) in DIGITS.chunks_exact(785).enumerate() {
        let x = nn_core::nalgebra::SVector::<f32, 784>::from_fn(|j, _| pixel(d[1 + j]));
        let x = core::hint::black_box(x);
        let (y, t) = timer.ticks(|| forward(&x));
        ticks += t;
        let prediction = argmax(y.as_slice());
        correct += usize::from(prediction == usize::from(d[0]));
        println(format_args!(
            "{prefix} {i}: label {} prediction {prediction} logits {}",
            d[0],
            Bits(y.as_slice())
        ));
    }
    let instructions = ticks as f32 * per_tick / 20.0;
    println(format_args!(
        "result: correct={correct}/20 instructions_per_inference={instructions:.0} instructions_per_tick={per_tick:.2} stack_peak_bytes={} static_ram_bytes={}",
        stack_peak(),
        static_ram()
    ));
    exit(correct >= 18)
}
