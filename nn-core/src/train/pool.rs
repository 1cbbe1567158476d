//! The worker threads of a [`Trainer`](super::Trainer): a step hands the parts of its
//! mini-batch to threads that live as long as the trainer, and waits for all of them.
//!
//! The caller's thread and the workers claim parts from one counter, so a part goes to
//! whichever thread is free first: when no core is free for a worker, the caller computes
//! every part itself instead of waiting for the worker to be scheduled. Which thread runs
//! a part never changes its result, since each part writes only its own buffers.
//!
//! Between steps a worker spins for a while (yielding its core to any other thread that
//! wants it) before it parks on a condition variable, since waking a parked thread takes
//! longer than a small network's step; the caller likewise spins before it parks while it
//! waits for a part that a worker claimed. Handing out a step allocates nothing.

use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use std::vec::Vec;

/// The work of one step: called once with each part's index.
pub(crate) type Job<'a> = dyn Fn(usize) + Sync + 'a;

/// A job's address, its lifetime erased so workers that outlive the step can hold it.
#[derive(Clone, Copy)]
struct JobPtr(*const Job<'static>);

// SAFETY: the pointee is `Sync`, so calling it from another thread is sound; `Pool::run`
// keeps it alive until every claimed part has finished, and a part can only be claimed
// while its job runs (the claim counter carries the job's generation).
unsafe impl Send for JobPtr {}

/// How long a worker spins for the next job, and the caller for the last part, before
/// parking.
const SPIN: Duration = Duration::from_micros(300);

/// The job of the current generation, read under the lock by a worker that saw the
/// generation change.
struct State {
    /// The generation `job` belongs to.
    generation: u64,
    job: Option<JobPtr>,
    parts: usize,
    quit: bool,
}

struct Shared {
    state: Mutex<State>,
    /// Workers park here between jobs.
    start: Condvar,
    /// The caller parks here for the last parts.
    done: Condvar,
    /// The generation in the high 32 bits, the next unclaimed part in the low 32: a claim
    /// is a compare-and-swap, so a part of an old job can never be claimed for a new one.
    claim: AtomicU64,
    /// Parts of the current job that have returned.
    finished: AtomicUsize,
    /// Workers parked on `start`.
    parked: AtomicUsize,
    /// Whether the caller is parked (or about to park) on `done`.
    waiting: AtomicBool,
    panicked: AtomicBool,
    quit: AtomicBool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic inside a job is caught before it could poison the lock.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Claims the next part of generation `generation`, if any is left.
    fn next_part(&self, generation: u64, parts: usize) -> Option<usize> {
        let mut v = self.claim.load(SeqCst);
        loop {
            let i = (v & 0xFFFF_FFFF) as usize;
            if v >> 32 != generation || i >= parts {
                return None;
            }
            match self.claim.compare_exchange_weak(v, v + 1, SeqCst, SeqCst) {
                Ok(_) => return Some(i),
                Err(now) => v = now,
            }
        }
    }

    /// Runs parts of generation `generation` until none is left to claim.
    fn work(&self, generation: u64, parts: usize, job: &Job<'_>) {
        while let Some(i) = self.next_part(generation, parts) {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(i)));
            if result.is_err() {
                self.panicked.store(true, SeqCst);
            }
            if self.finished.fetch_add(1, SeqCst) + 1 == parts && self.waiting.load(SeqCst) {
                // Taking the lock orders this wake-up after the caller's last check.
                drop(self.lock());
                self.done.notify_one();
            }
        }
    }
}

/// `threads - 1` worker threads; the caller's thread is the first of the `threads`.
pub(crate) struct Pool {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
    generation: u64,
    /// The scratch size every thread's kernel buffer has been grown to (see [`Pool::run`]).
    scratch: usize,
}

impl Pool {
    /// Starts up to `threads - 1` workers (fewer if the system refuses to start more: the
    /// caller's thread then runs their parts, with the same results).
    pub fn new(threads: usize) -> Self {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                generation: 0,
                job: None,
                parts: 0,
                quit: false,
            }),
            start: Condvar::new(),
            done: Condvar::new(),
            claim: AtomicU64::new(0),
            finished: AtomicUsize::new(0),
            parked: AtomicUsize::new(0),
            waiting: AtomicBool::new(false),
            panicked: AtomicBool::new(false),
            quit: AtomicBool::new(false),
        });
        let mut workers = Vec::new();
        for index in 1..threads {
            let s = Arc::clone(&shared);
            match std::thread::Builder::new()
                .name(std::format!("nn-train-{index}"))
                .spawn(move || worker(&s))
            {
                Ok(h) => workers.push(h),
                Err(_) => break,
            }
        }
        let mut pool = Self {
            shared,
            workers,
            generation: 0,
            scratch: 0,
        };
        // A thread's start-up allocates (its name, its signal stack): wait for it here, so
        // no step after the first sees it.
        pool.on_every_thread(&|| {});
        pool
    }

    /// Calls `f` once on the caller's thread and once on every worker: each call waits
    /// until all have started, so no thread can claim two parts.
    fn on_every_thread(&mut self, f: &(dyn Fn() + Sync)) {
        if self.workers.is_empty() {
            return;
        }
        let threads = self.workers.len() + 1;
        let started = AtomicUsize::new(0);
        self.run_parts(threads, &|_| {
            f();
            started.fetch_add(1, SeqCst);
            while started.load(SeqCst) < threads {
                std::thread::yield_now();
            }
        });
    }

    /// Calls `job(i)` for every `i < parts`, in parallel, and returns when all calls have
    /// returned. Panics (after every call has ended) if a call panicked.
    ///
    /// When a part grew its thread's scratch buffer for the matrix kernels, every thread's
    /// is grown to the same size before returning, so the steps after the first allocate
    /// nothing whichever thread claims which part.
    pub fn run(&mut self, parts: usize, job: &Job<'_>) {
        self.run_parts(parts, job);
        let max = crate::kernels::select::scratch_max();
        if max > self.scratch {
            self.scratch = max;
            self.on_every_thread(&|| crate::kernels::select::grow_scratch(max));
        }
    }

    fn run_parts(&mut self, parts: usize, job: &Job<'_>) {
        if self.workers.is_empty() || parts <= 1 {
            (0..parts).for_each(job);
            return;
        }
        let parts = parts.min(u32::MAX as usize);
        let s = &*self.shared;
        self.generation = (self.generation + 1) & 0xFFFF_FFFF;
        let generation = self.generation;
        // SAFETY: only the lifetime changes. Workers call the job only for parts they
        // claimed in this generation, and this function returns only once every part has
        // finished (parts are claimed before they run, and all are claimed by then).
        let ptr = JobPtr(unsafe {
            core::mem::transmute::<*const Job<'_>, *const Job<'static>>(job as *const Job<'_>)
        });
        {
            let mut st = s.lock();
            st.generation = generation;
            st.job = Some(ptr);
            st.parts = parts;
        }
        s.finished.store(0, SeqCst);
        s.claim.store(generation << 32, SeqCst);
        if s.parked.load(SeqCst) > 0 {
            drop(s.lock());
            s.start.notify_all();
        }
        s.work(generation, parts, job);
        // Every part is claimed; wait for those still running on workers.
        let t0 = Instant::now();
        while s.finished.load(SeqCst) < parts {
            if t0.elapsed() < SPIN {
                core::hint::spin_loop();
                continue;
            }
            let mut st = s.lock();
            s.waiting.store(true, SeqCst);
            while s.finished.load(SeqCst) < parts {
                st = s.done.wait(st).unwrap_or_else(|e| e.into_inner());
            }
            s.waiting.store(false, SeqCst);
        }
        s.lock().job = None;
        if s.panicked.swap(false, SeqCst) {
            panic!("a training thread panicked while computing its part of the batch");
        }
    }
}

/// An optimizer's element-wise update shared by every thread of the pool.
impl crate::optim::Parts for Pool {
    fn count(&self) -> usize {
        self.workers.len() + 1
    }
    fn run(&mut self, job: &(dyn Fn(usize) + Sync)) {
        Pool::run(self, self.workers.len() + 1, job)
    }
}

fn worker(shared: &Shared) {
    let mut seen = 0u64;
    loop {
        // Spin for the next generation, then park.
        let t0 = Instant::now();
        let mut spins = 0u32;
        let generation = loop {
            let g = shared.claim.load(SeqCst) >> 32;
            if shared.quit.load(SeqCst) {
                return;
            }
            if g != seen {
                break g;
            }
            if t0.elapsed() < SPIN {
                spins = spins.wrapping_add(1);
                if spins.is_multiple_of(64) {
                    // Lets the caller (or anything else) have this core if it needs it.
                    std::thread::yield_now();
                } else {
                    core::hint::spin_loop();
                }
                continue;
            }
            let mut st = shared.lock();
            shared.parked.fetch_add(1, SeqCst);
            while shared.claim.load(SeqCst) >> 32 == seen && !st.quit {
                st = shared.start.wait(st).unwrap_or_else(|e| e.into_inner());
            }
            shared.parked.fetch_sub(1, SeqCst);
            if st.quit {
                return;
            }
            break shared.claim.load(SeqCst) >> 32;
        };
        seen = generation;
        let (job, parts) = {
            let st = shared.lock();
            if st.generation != generation {
                // A later job is being set up: wait for its generation.
                continue;
            }
            (st.job, st.parts)
        };
        let Some(JobPtr(p)) = job else { continue };
        // SAFETY: `Pool::run` keeps the job alive until every part claimed in its
        // generation has finished, and `work` calls it only for such parts.
        shared.work(generation, parts, unsafe { &*p });
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shared.quit.store(true, SeqCst);
        self.shared.lock().quit = true;
        self.shared.start.notify_all();
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every part of every job runs exactly once, whichever thread claims it, also when
    /// jobs follow each other with no pause and their part counts change.
    #[test]
    fn every_part_runs_once_per_job() {
        let mut pool = Pool::new(3);
        let counts: Vec<AtomicUsize> = (0..5).map(|_| AtomicUsize::new(0)).collect();
        let mut expected = [0usize; 5];
        for round in 0..3000 {
            let parts = 2 + round % 4;
            pool.run(parts, &|i| {
                counts[i].fetch_add(1, SeqCst);
            });
            expected.iter_mut().take(parts).for_each(|e| *e += 1);
            if round % 1000 == 999 {
                // Long enough for the workers to park.
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        let got: Vec<usize> = counts.iter().map(|c| c.load(SeqCst)).collect();
        assert_eq!(got, expected);
    }
}
