//! `zmq_timers_*`: the C face of `crate::timers::Timers`, reading the real clock.
//!
//! A handle is a boxed `TimersHandle` whose first word is a tag, so that NULL, a foreign
//! pointer or (usually) a destroyed handle fails with `EFAULT` as in libzmq instead of
//! being used. Handlers run with no lock held: a handler may call back into the same
//! timer set (add, cancel, reset...), which libzmq programs do.

use super::boundary::guard;
use crate::error::{Error, Result};
use crate::timers::Timers;
use libc::{c_int, c_long, c_void, size_t};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;

/// `typedef void (zmq_timer_fn)(int timer_id, void *arg)`.
pub(crate) type ZmqTimerFn = unsafe extern "C" fn(timer_id: c_int, arg: *mut c_void);

/// What a timer runs: the C callback and its argument.
#[derive(Clone, Copy)]
struct Handler {
    func: ZmqTimerFn,
    arg: *mut c_void,
}

const LIVE_TAG: u32 = 0x7A71_3E75;
const DEAD_TAG: u32 = 0xDEAD_7E75;

/// What a `void *timers` points to.
#[repr(C)]
struct TimersHandle {
    tag: AtomicU32,
    timers: Mutex<Timers<Handler>>,
}

// The only place where timer handles are created, checked and freed.
impl TimersHandle {
    fn into_raw() -> *mut c_void {
        let handle = TimersHandle {
            tag: AtomicU32::new(LIVE_TAG),
            timers: Mutex::new(Timers::new()),
        };
        Box::into_raw(Box::new(handle)).cast()
    }

    /// The handle behind `ptr`, or `Fault` if `ptr` is NULL, misaligned or not tagged
    /// as a live timer set.
    ///
    /// # Safety
    /// `ptr` is NULL or points to readable memory of at least a tag word (a live handle
    /// from `into_raw` in a correct program); the handle outlives `'a`.
    unsafe fn from_ptr<'a>(ptr: *mut c_void) -> Result<&'a TimersHandle> {
        let handle = ptr.cast::<TimersHandle>();
        if handle.is_null() || (handle as usize) % std::mem::align_of::<TimersHandle>() != 0 {
            return Err(Error::Fault);
        }
        // SAFETY: non-NULL and aligned; the caller promises the tag word is readable.
        let tag = unsafe { (*handle).tag.load(Ordering::Acquire) };
        if tag != LIVE_TAG {
            return Err(Error::Fault);
        }
        // SAFETY: the tag says this is a live handle made by `into_raw`.
        Ok(unsafe { &*handle })
    }

    /// Frees the handle behind `ptr` after checking it like `from_ptr`.
    ///
    /// # Safety
    /// As `from_ptr`; nobody uses the handle afterwards.
    unsafe fn destroy(ptr: *mut c_void) -> Result<()> {
        // SAFETY: forwarded caller contract.
        let handle = unsafe { Self::from_ptr(ptr)? };
        handle.tag.store(DEAD_TAG, Ordering::Release);
        // SAFETY: the pointer came from `Box::into_raw` in `into_raw` (checked by the
        // tag) and is now marked dead, so it is freed exactly once.
        drop(unsafe { Box::from_raw(ptr.cast::<TimersHandle>()) });
        Ok(())
    }
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
    guard(|| Ok(TimersHandle::into_raw()))
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
        // SAFETY: `ptr` is the caller's timer handle; checked by tag before use.
        unsafe { TimersHandle::destroy(ptr)? };
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
        // SAFETY: `timers` is the caller's timer handle; checked by tag before use.
        let handle = unsafe { TimersHandle::from_ptr(timers)? };
        let func = handler.ok_or(Error::Fault)?;
        let handler = Handler { func, arg };
        let id = handle
            .timers
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
        // SAFETY: `timers` is the caller's timer handle; checked by tag before use.
        let handle = unsafe { TimersHandle::from_ptr(timers)? };
        handle.timers.lock().cancel(timer_id)?;
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
        // SAFETY: `timers` is the caller's timer handle; checked by tag before use.
        let handle = unsafe { TimersHandle::from_ptr(timers)? };
        handle
            .timers
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
        // SAFETY: `timers` is the caller's timer handle; checked by tag before use.
        let handle = unsafe { TimersHandle::from_ptr(timers)? };
        handle.timers.lock().reset(timer_id, Instant::now())?;
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
        // SAFETY: `timers` is the caller's timer handle; checked by tag before use.
        let handle = unsafe { TimersHandle::from_ptr(timers)? };
        let timeout = handle.timers.lock().timeout(Instant::now());
        Ok(timeout.map_or(-1, |ms| c_long::try_from(ms).unwrap_or(c_long::MAX)))
    })
}

/// `int zmq_timers_execute(void *timers)`: runs the handlers of all due timers.
///
/// # Safety
/// `timers` is NULL or a live handle from `zmq_timers_new`, not destroyed by a handler
/// while this call runs.
#[no_mangle]
pub unsafe extern "C" fn zmq_timers_execute(timers: *mut c_void) -> c_int {
    guard(|| {
        // SAFETY: `timers` is the caller's timer handle; checked by tag before use.
        let handle = unsafe { TimersHandle::from_ptr(timers)? };
        let now = Instant::now();
        let due = handle.timers.lock().due(now);
        for id in due {
            // The lock is released before the handler runs, so it may re-enter.
            let fired = handle.timers.lock().fire(id, now).copied();
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
}
