//! The worker threads of a [`Trainer`](super::Trainer): a step hands the parts of its
//! mini-batch to threads that live as long as the trainer, and waits for all of them.
//!
//! Handing out a step allocates nothing (a mutex, two condition variables and a pointer to
//! the step's closure), where spawning threads or pushing onto a work-stealing queue
//! allocates now and then. Part `0` runs on the calling thread, part `i` on worker `i`;
//! which thread runs a part never changes its result, since each part writes only its own
//! buffers.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::vec::Vec;

/// The work of one step: called once with each part's index.
pub(crate) type Job<'a> = dyn Fn(usize) + Sync + 'a;

/// A job's address, its lifetime erased so workers that outlive the step can hold it.
#[derive(Clone, Copy)]
struct JobPtr(*const Job<'static>);

// SAFETY: the pointee is `Sync`, so calling it from another thread is sound; `Pool::run`
// keeps it alive until every worker has finished with it.
unsafe impl Send for JobPtr {}

struct State {
    job: Option<JobPtr>,
    /// Incremented for every job, so a worker runs each job once.
    generation: u64,
    /// Workers `1..=helpers` take part in the current job.
    helpers: usize,
    /// Helpers still running the current job.
    pending: usize,
    panicked: bool,
    quit: bool,
}

struct Shared {
    state: Mutex<State>,
    start: Condvar,
    done: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic inside a job is caught before it could poison the lock.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `threads - 1` worker threads; the caller's thread is the first of the `threads`.
pub(crate) struct Pool {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

impl Pool {
    /// Starts up to `threads - 1` workers (fewer if the system refuses to start more: the
    /// caller's thread then runs their parts, with the same results).
    pub fn new(threads: usize) -> Self {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                job: None,
                generation: 0,
                helpers: 0,
                pending: 0,
                panicked: false,
                quit: false,
            }),
            start: Condvar::new(),
            done: Condvar::new(),
        });
        let mut workers = Vec::new();
        for index in 1..threads {
            let s = Arc::clone(&shared);
            match std::thread::Builder::new()
                .name(std::format!("nn-train-{index}"))
                .spawn(move || worker(&s, index))
            {
                Ok(h) => workers.push(h),
                Err(_) => break,
            }
        }
        Self { shared, workers }
    }

    /// Calls `job(i)` for every `i < parts`, in parallel, and returns when all calls have
    /// returned. Panics (after every call has ended) if a call panicked.
    pub fn run(&self, parts: usize, job: &Job<'_>) {
        let helpers = parts.saturating_sub(1).min(self.workers.len());
        if helpers == 0 {
            (0..parts).for_each(job);
            return;
        }
        // SAFETY: only the lifetime changes. The pointer is used by workers while
        // `pending > 0`, and this function does not return or unwind before `pending` is 0
        // (the `Wait` guard below), so `job` outlives every use.
        let ptr = JobPtr(unsafe {
            core::mem::transmute::<*const Job<'_>, *const Job<'static>>(job as *const Job<'_>)
        });
        {
            let mut s = self.shared.lock();
            s.job = Some(ptr);
            s.helpers = helpers;
            s.pending = helpers;
            s.generation = s.generation.wrapping_add(1);
        }
        self.shared.start.notify_all();

        /// Waits for the helpers also when a part on this thread panics.
        struct Wait<'p>(&'p Shared);
        impl Drop for Wait<'_> {
            fn drop(&mut self) {
                let mut s = self.0.lock();
                while s.pending > 0 {
                    s = self.0.done.wait(s).unwrap_or_else(|e| e.into_inner());
                }
                s.job = None;
            }
        }
        let wait = Wait(&self.shared);
        job(0);
        (helpers + 1..parts).for_each(job);
        drop(wait);
        let panicked = core::mem::take(&mut self.shared.lock().panicked);
        if panicked {
            panic!("a training thread panicked while computing its part of the batch");
        }
    }
}

fn worker(shared: &Shared, index: usize) {
    let mut seen = 0u64;
    loop {
        let job = {
            let mut s = shared.lock();
            loop {
                if s.quit {
                    return;
                }
                if s.generation != seen {
                    seen = s.generation;
                    if index <= s.helpers {
                        break s.job;
                    }
                }
                s = shared.start.wait(s).unwrap_or_else(|e| e.into_inner());
            }
        };
        let Some(JobPtr(p)) = job else { continue };
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            // SAFETY: `Pool::run` keeps the job alive until `pending` is 0, which this
            // worker brings about only after the call has returned.
            unsafe { (*p)(index) }
        }));
        let mut s = shared.lock();
        s.panicked |= result.is_err();
        s.pending -= 1;
        if s.pending == 0 {
            shared.done.notify_one();
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shared.lock().quit = true;
        self.shared.start.notify_all();
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}
