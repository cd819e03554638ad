//! libzmq's small portability helpers for test and example programs: `zmq_sleep`, the
//! `zmq_stopwatch_*` microsecond stopwatch and `zmq_threadstart`/`zmq_threadclose`.
//!
//! Stopwatches and threads are handles (`super::handles`): NULL, a foreign pointer, or
//! one already stopped or closed fails with `EFAULT` (libzmq dereferences them blindly,
//! and frees them a second time). A panic while running a thread body is caught on that
//! thread and never unwinds into C.

use super::boundary::{guard, CFailure};
use super::handles;
use crate::error::Error;
use crate::signal_mask::spawn_with_signals_blocked;
use libc::{c_int, c_ulong, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// `typedef void (zmq_thread_fn)(void *)`.
pub(crate) type ZmqThreadFn = unsafe extern "C" fn(arg: *mut c_void);

/// libzmq names the threads it starts for applications this way.
const THREAD_NAME: &str = "ZMQapp";
/// The usual glibc default for new threads (Rust's is 2 MiB): C thread bodies may rely
/// on it.
const THREAD_STACK_SIZE: usize = 8 * 1024 * 1024;

/// What `zmq_stopwatch_start` hands to C: when it started.
pub struct Stopwatch(Instant);

/// What `zmq_threadstart` hands to C: the thread, joined by `zmq_threadclose`.
pub struct AppThread(JoinHandle<()>);

/// `unsigned long` microseconds, failing as 0.
struct Micros(c_ulong);

impl CFailure for Micros {
    const FAILURE: Self = Micros(0);
}

fn micros_since(start: Instant) -> Micros {
    let micros = start.elapsed().as_micros();
    Micros(c_ulong::try_from(micros).unwrap_or(c_ulong::MAX))
}

/// `void zmq_sleep(int seconds)`. Zero or negative does not sleep.
///
/// # Safety
/// None: takes no pointers.
#[no_mangle]
pub unsafe extern "C" fn zmq_sleep(seconds: c_int) {
    guard(|| {
        if let Ok(seconds) = u64::try_from(seconds) {
            std::thread::sleep(Duration::from_secs(seconds));
        }
        Ok(())
    })
}

/// `void *zmq_stopwatch_start(void)`: a running stopwatch.
///
/// # Safety
/// None: takes no pointers.
#[no_mangle]
pub unsafe extern "C" fn zmq_stopwatch_start() -> *mut c_void {
    guard(|| Ok(handles::into_c(Stopwatch(Instant::now()))))
}

/// `unsigned long zmq_stopwatch_intermediate(void *watch)`: microseconds since start.
///
/// # Safety
/// `watch` is NULL or a live handle from `zmq_stopwatch_start`.
#[no_mangle]
pub unsafe extern "C" fn zmq_stopwatch_intermediate(watch: *mut c_void) -> c_ulong {
    guard(|| {
        // SAFETY: `watch` is NULL or a pointer to at least a tag word; the stopwatch is
        // not stopped while this call reads it (libzmq's contract).
        let Stopwatch(start) = unsafe { handles::get::<Stopwatch>(watch)? };
        Ok(micros_since(*start))
    })
    .0
}

/// `unsigned long zmq_stopwatch_stop(void *watch)`: microseconds since start; frees
/// the stopwatch.
///
/// # Safety
/// `watch` is NULL or a live handle from `zmq_stopwatch_start`, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn zmq_stopwatch_stop(watch: *mut c_void) -> c_ulong {
    guard(|| {
        // SAFETY: `watch` is NULL or a pointer to at least a tag word; no other call
        // uses the stopwatch meanwhile.
        let Stopwatch(start) = unsafe { handles::destroy::<Stopwatch>(watch)? };
        Ok(micros_since(start))
    })
    .0
}

/// A thread body as C gave it: function and argument.
struct ThreadBody {
    func: ZmqThreadFn,
    arg: *mut c_void,
}

// SAFETY: the argument is the caller's to share with the thread it asks us to start;
// libzmq hands it to another thread the same way.
unsafe impl Send for ThreadBody {}

impl ThreadBody {
    fn run(self) {
        // SAFETY: `func` is the non-NULL thread function the caller passed to
        // `zmq_threadstart`, called once with the argument it passed.
        let outcome = catch_unwind(AssertUnwindSafe(|| unsafe { (self.func)(self.arg) }));
        // A panic ends this thread quietly; `zmq_threadclose` still joins it.
        drop(outcome);
    }
}

/// `void *zmq_threadstart(zmq_thread_fn *func, void *arg)`: runs `func(arg)` on a new
/// thread and returns a handle for `zmq_threadclose`.
///
/// # Safety
/// `func` is NULL or a function that may be called once with `arg` on another thread.
#[no_mangle]
pub unsafe extern "C" fn zmq_threadstart(
    func: Option<unsafe extern "C" fn(arg: *mut c_void)>,
    arg: *mut c_void,
) -> *mut c_void {
    guard(|| {
        let body = ThreadBody {
            func: func.ok_or(Error::Fault)?,
            arg,
        };
        // libzmq's threads, this one included, block every signal.
        let builder = std::thread::Builder::new()
            .name(THREAD_NAME.to_owned())
            .stack_size(THREAD_STACK_SIZE);
        let thread = spawn_with_signals_blocked(builder, move || body.run())?;
        Ok(handles::into_c(AppThread(thread)))
    })
}

/// `void zmq_threadclose(void *thread)`: waits for the thread to finish and frees the
/// handle.
///
/// # Safety
/// `thread` is NULL or a live handle from `zmq_threadstart`, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn zmq_threadclose(thread: *mut c_void) {
    guard(|| {
        // SAFETY: `thread` is NULL or a pointer to at least a tag word; a racing
        // zmq_threadclose fails the tag swap and never sees the thread.
        let AppThread(thread) = unsafe { handles::destroy::<AppThread>(thread)? };
        // The body's panics are caught in `ThreadBody::run`, so this cannot be `Err`.
        drop(thread.join());
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::errno::{errno, set_errno};
    use std::sync::atomic::{AtomicU32, Ordering};

    unsafe extern "C" fn store_seven(arg: *mut c_void) {
        // SAFETY: `arg` is the test's `AtomicU32`, alive until the thread is joined.
        unsafe { (*arg.cast::<AtomicU32>()).store(7, Ordering::SeqCst) };
    }

    #[test]
    #[cfg_attr(miri, ignore = "Miri cannot block signals (sigfillset)")]
    fn threadstart_runs_the_body_and_threadclose_joins_it() {
        let value = AtomicU32::new(0);
        // SAFETY: `value` outlives the thread, which `zmq_threadclose` joins.
        unsafe {
            let thread = zmq_threadstart(Some(store_seven), std::ptr::addr_of!(value) as *mut _);
            assert!(!thread.is_null());
            zmq_threadclose(thread);
        }
        assert_eq!(value.load(Ordering::SeqCst), 7);
    }

    #[test]
    fn null_and_mismatched_handles_are_efault() {
        // SAFETY: NULL and live handles of the wrong kind are both checked by tag.
        unsafe {
            assert!(zmq_threadstart(None, std::ptr::null_mut()).is_null());
            assert_eq!(errno(), libc::EFAULT);
            zmq_threadclose(std::ptr::null_mut());
            assert_eq!(errno(), libc::EFAULT);
            assert_eq!(zmq_stopwatch_stop(std::ptr::null_mut()), 0);
            assert_eq!(errno(), libc::EFAULT);
            let watch = zmq_stopwatch_start();
            zmq_threadclose(watch);
            assert_eq!(errno(), libc::EFAULT, "a stopwatch is not a thread");
            zmq_stopwatch_stop(watch);
        }
    }

    unsafe extern "C" fn do_nothing(_arg: *mut c_void) {}

    #[test]
    #[cfg_attr(miri, ignore = "Miri cannot block signals (sigfillset)")]
    fn a_second_threadclose_is_efault() {
        // SAFETY: the handle came from this library, which never frees a handle.
        unsafe {
            let thread = zmq_threadstart(Some(do_nothing), std::ptr::null_mut());
            zmq_threadclose(thread);
            set_errno(0);
            zmq_threadclose(thread);
            assert_eq!(errno(), libc::EFAULT);
        }
    }

    #[test]
    fn a_second_stopwatch_stop_is_efault() {
        // SAFETY: the handle came from this library, which never frees a handle.
        unsafe {
            let watch = zmq_stopwatch_start();
            zmq_stopwatch_stop(watch);
            set_errno(0);
            assert_eq!(zmq_stopwatch_intermediate(watch), 0);
            assert_eq!(errno(), libc::EFAULT);
            assert_eq!(zmq_stopwatch_stop(watch), 0);
            assert_eq!(errno(), libc::EFAULT);
        }
    }
}
