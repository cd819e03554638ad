//! `zmq_timers_*`: the C face of `crate::timers::Timers`, reading the real clock.
//!
//! A timer set is a handle (`super::handles`): NULL, a foreign pointer or a destroyed
//! set fails with `EFAULT`, as libzmq's tag check reports (libzmq reads the freed set to
//! say so). Handlers run with no lock held: a handler may call back into the same timer
//! set (add, cancel, reset...), which libzmq programs do.

use super::boundary::guard;
use super::handles;
use crate::error::Error;
use crate::timers::Timers;
use libc::{c_int, c_long, c_void, size_t};
use parking_lot::Mutex;
use std::time::Instant;

/// `typedef void (zmq_timer_fn)(int timer_id, void *arg)`.
pub(crate) type ZmqTimerFn = unsafe extern "C" fn(timer_id: c_int, arg: *mut c_void);

/// What a timer runs: the C callback and its argument.
#[derive(Clone, Copy)]
struct Handler {
    func: ZmqTimerFn,
    arg: *mut c_void,
}

/// What `zmq_timers_new` hands to C. The lock lets a handler re-enter the set while
/// `zmq_timers_execute` runs.
pub struct TimerSet(Mutex<Timers<Handler>>);

/// The timer set behind a C pointer.
///
/// # Safety
/// `ptr` is NULL or points to at least a tag word, and the set is not destroyed while
/// the reference is in use (libzmq's contract).
unsafe fn timer_set<'a>(ptr: *mut c_void) -> crate::error::Result<&'a Mutex<Timers<Handler>>> {
    // SAFETY: forwarded caller contract.
    let TimerSet(timers) = unsafe { handles::get::<TimerSet>(ptr)? };
    Ok(timers)
}

fn millis(interval: size_t) -> u64 {
    u64::try_from(interval).unwrap_or(u64::MAX)
}

/// `void *zmq_timers_new(void)`.
///
/// # Safety
/// None: takes no pointers.
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_new() -> *mut c_void {
    guard(|| Ok(handles::into_c(TimerSet(Mutex::new(Timers::new())))))
}

/// `int zmq_timers_destroy(void **timers_p)`: frees the set and NULLs `*timers_p`.
///
/// # Safety
/// `timers_p` is NULL or points to a writable `void *` holding NULL or a handle from
/// `zmq_timers_new` that is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_destroy(timers_p: *mut *mut c_void) -> c_int {
    guard(|| {
        if timers_p.is_null() {
            return Err(Error::Fault);
        }
        // SAFETY: `timers_p` is non-NULL and points to the caller's handle variable.
        let ptr = unsafe { *timers_p };
        // SAFETY: `ptr` is NULL or points to at least a tag word; no call uses the set
        // meanwhile (libzmq's contract). A racing destroy fails the tag swap.
        drop(unsafe { handles::destroy::<TimerSet>(ptr)? });
        // SAFETY: as above, `timers_p` is a valid, writable handle variable.
        unsafe { *timers_p = std::ptr::null_mut() };
        Ok(0)
    })
}

/// `int zmq_timers_add(void *timers, size_t interval, zmq_timer_fn handler, void *arg)`:
/// returns the new timer's id.
///
/// # Safety
/// `timers` is NULL or a live handle from `zmq_timers_new`; `handler` is NULL or a
/// function that may be called with `arg` on this thread during `zmq_timers_execute`.
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_add(
    timers: *mut c_void,
    interval: size_t,
    handler: Option<unsafe extern "C" fn(timer_id: c_int, arg: *mut c_void)>,
    arg: *mut c_void,
) -> c_int {
    guard(|| {
        // SAFETY: `timers` is NULL or points to at least a tag word; the set outlives
        // this call (libzmq's contract).
        let handle = unsafe { timer_set(timers)? };
        let func = handler.ok_or(Error::Fault)?;
        let handler = Handler { func, arg };
        let id = handle
            .lock()
            .add(millis(interval), handler, Instant::now())?;
        Ok(id)
    })
}

/// `int zmq_timers_cancel(void *timers, int timer_id)`.
///
/// # Safety
/// `timers` is NULL or a live handle from `zmq_timers_new`.
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_cancel(timers: *mut c_void, timer_id: c_int) -> c_int {
    guard(|| {
        // SAFETY: `timers` is NULL or points to at least a tag word; the set outlives
        // this call (libzmq's contract).
        let handle = unsafe { timer_set(timers)? };
        handle.lock().cancel(timer_id)?;
        Ok(0)
    })
}

/// `int zmq_timers_set_interval(void *timers, int timer_id, size_t interval)`.
///
/// # Safety
/// `timers` is NULL or a live handle from `zmq_timers_new`.
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_set_interval(
    timers: *mut c_void,
    timer_id: c_int,
    interval: size_t,
) -> c_int {
    guard(|| {
        // SAFETY: `timers` is NULL or points to at least a tag word; the set outlives
        // this call (libzmq's contract).
        let handle = unsafe { timer_set(timers)? };
        handle
            .lock()
            .set_interval(timer_id, millis(interval), Instant::now())?;
        Ok(0)
    })
}

/// `int zmq_timers_reset(void *timers, int timer_id)`.
///
/// # Safety
/// `timers` is NULL or a live handle from `zmq_timers_new`.
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_reset(timers: *mut c_void, timer_id: c_int) -> c_int {
    guard(|| {
        // SAFETY: `timers` is NULL or points to at least a tag word; the set outlives
        // this call (libzmq's contract).
        let handle = unsafe { timer_set(timers)? };
        handle.lock().reset(timer_id, Instant::now())?;
        Ok(0)
    })
}

/// `long zmq_timers_timeout(void *timers)`: ms until the next timer, -1 if none.
///
/// # Safety
/// `timers` is NULL or a live handle from `zmq_timers_new`.
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_timeout(timers: *mut c_void) -> c_long {
    guard(|| {
        // SAFETY: `timers` is NULL or points to at least a tag word; the set outlives
        // this call (libzmq's contract).
        let handle = unsafe { timer_set(timers)? };
        let timeout = handle.lock().timeout(Instant::now());
        Ok(timeout.map_or(-1, |ms| c_long::try_from(ms).unwrap_or(c_long::MAX)))
    })
}

/// `int zmq_timers_execute(void *timers)`: runs the handlers of all due timers.
///
/// # Safety
/// `timers` is NULL or a live handle from `zmq_timers_new`.
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_execute(timers: *mut c_void) -> c_int {
    guard(|| {
        let now = Instant::now();
        // SAFETY: `timers` is NULL or points to at least a tag word; the set is not
        // destroyed during this statement (libzmq's contract).
        let due = unsafe { timer_set(timers)? }.lock().due(now);
        for id in due {
            // The set is looked up again after every handler, which may have destroyed
            // it (then the rest is skipped, where libzmq would use the freed set); the
            // lock is released before the handler runs, so it may re-enter.
            // SAFETY: as above; the handle itself is never freed.
            let Ok(set) = (unsafe { timer_set(timers) }) else {
                break;
            };
            let fired = set.lock().fire(id, now).copied();
            if let Some(Handler { func, arg }) = fired {
                // SAFETY: `func` is the non-NULL callback the caller registered with
                // `zmq_timers_add`, called with the argument it registered.
                unsafe { func(id, arg) };
            }
        }
        Ok(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::errno::errno;

    unsafe extern "C" fn add_another(_id: c_int, timers: *mut c_void) {
        // SAFETY: `timers` is the live handle the test registered as the argument.
        unsafe { zmq_timers_add(timers, 1000, Some(add_another), timers) };
    }

    #[test]
    fn foreign_pointers_are_efault() {
        let mut not_timers = [0u64; 4];
        let foreign = not_timers.as_mut_ptr().cast::<c_void>();
        // SAFETY: `foreign` points to 32 readable bytes, more than a tag word.
        unsafe {
            assert_eq!(zmq_timers_timeout(foreign), -1);
            assert_eq!(errno(), libc::EFAULT);
            assert_eq!(zmq_timers_execute(foreign.cast::<u8>().add(1).cast()), -1);
            assert_eq!(errno(), libc::EFAULT, "misaligned");
        }
    }

    #[test]
    fn a_handler_may_add_timers_while_execute_runs() {
        // SAFETY: the handle is used while live and destroyed once.
        unsafe {
            let mut timers = zmq_timers_new();
            assert_eq!(zmq_timers_add(timers, 0, Some(add_another), timers), 1);
            assert_eq!(zmq_timers_execute(timers), 0);
            // The new timer (id 2) is not due yet; the 0-interval one is.
            assert_eq!(zmq_timers_timeout(timers), 0);
            assert_eq!(zmq_timers_cancel(timers, 2), 0);
            assert_eq!(zmq_timers_destroy(&mut timers), 0);
            assert!(timers.is_null());
        }
    }

    unsafe extern "C" fn destroy_own_set(_id: c_int, timers: *mut c_void) {
        let mut timers = timers;
        // SAFETY: `timers` is the live handle the test registered as the argument.
        assert_eq!(unsafe { zmq_timers_destroy(&mut timers) }, 0);
    }

    #[test]
    fn a_handler_may_destroy_its_own_set() {
        // SAFETY: the handle is destroyed once, by the first handler; the library
        // never frees handle memory, so the later calls only find it destroyed.
        unsafe {
            let timers = zmq_timers_new();
            assert_eq!(zmq_timers_add(timers, 0, Some(destroy_own_set), timers), 1);
            assert_eq!(zmq_timers_add(timers, 0, Some(destroy_own_set), timers), 2);
            assert_eq!(zmq_timers_execute(timers), 0);
            assert_eq!(zmq_timers_timeout(timers), -1);
            assert_eq!(errno(), libc::EFAULT);
        }
    }

    #[test]
    fn a_stale_copy_is_efault() {
        // SAFETY: handle memory is never freed, so the stale copy stays readable.
        unsafe {
            let mut timers = zmq_timers_new();
            let mut stale = timers;
            assert_eq!(zmq_timers_destroy(&mut timers), 0);
            assert_eq!(zmq_timers_destroy(&mut timers), -1);
            assert_eq!(errno(), libc::EFAULT);
            assert_eq!(zmq_timers_destroy(&mut stale), -1);
            assert_eq!(errno(), libc::EFAULT);
            assert!(!stale.is_null());
        }
    }
}
