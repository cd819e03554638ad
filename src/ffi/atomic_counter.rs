//! `zmq_atomic_counter_*`: the C face of `crate::atomic_counter::AtomicCounter`.
//!
//! A handle is a boxed `CounterHandle` whose first word is a tag. libzmq does not check
//! counter handles at all (NULL crashes it); here NULL or a foreign pointer sets `EFAULT`
//! and the call returns -1 (or nothing, for the `void` functions).

use super::boundary::guard;
use crate::atomic_counter::AtomicCounter;
use crate::error::{Error, Result};
use libc::{c_int, c_void};
use std::sync::atomic::{AtomicU32, Ordering};

const LIVE_TAG: u32 = 0xC0_4E_7E_12;
const DEAD_TAG: u32 = 0xDEAD_C012;

/// What a `void *counter` points to.
#[repr(C)]
struct CounterHandle {
    tag: AtomicU32,
    counter: AtomicCounter,
}

// The only place where counter handles are created, checked and freed.
impl CounterHandle {
    fn into_raw() -> *mut c_void {
        let handle = CounterHandle {
            tag: AtomicU32::new(LIVE_TAG),
            counter: AtomicCounter::new(),
        };
        Box::into_raw(Box::new(handle)).cast()
    }

    /// The handle behind `ptr`, or `Fault` if `ptr` is NULL, misaligned or not tagged
    /// as a live counter.
    ///
    /// # Safety
    /// `ptr` is NULL or points to readable memory of at least a tag word (a live handle
    /// from `into_raw` in a correct program); the handle outlives `'a`.
    unsafe fn from_ptr<'a>(ptr: *mut c_void) -> Result<&'a CounterHandle> {
        let handle = ptr.cast::<CounterHandle>();
        if handle.is_null() || (handle as usize) % std::mem::align_of::<CounterHandle>() != 0 {
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
    /// As `from_ptr`; no thread uses the handle afterwards.
    unsafe fn destroy(ptr: *mut c_void) -> Result<()> {
        // SAFETY: forwarded caller contract.
        let handle = unsafe { Self::from_ptr(ptr)? };
        handle.tag.store(DEAD_TAG, Ordering::Release);
        // SAFETY: the pointer came from `Box::into_raw` in `into_raw` (checked by the
        // tag) and is now marked dead, so it is freed exactly once.
        drop(unsafe { Box::from_raw(ptr.cast::<CounterHandle>()) });
        Ok(())
    }
}

/// `void *zmq_atomic_counter_new(void)`: a new counter set to 0.
///
/// # Safety
/// None: takes no pointers.
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_new() -> *mut c_void {
    guard(|| Ok(CounterHandle::into_raw()))
}

/// `void zmq_atomic_counter_set(void *counter, int value)`.
///
/// # Safety
/// `counter` is NULL or a live handle from `zmq_atomic_counter_new`.
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_set(counter: *mut c_void, value: c_int) {
    guard(|| {
        // SAFETY: `counter` is the caller's counter handle; checked by tag before use.
        let handle = unsafe { CounterHandle::from_ptr(counter)? };
        handle.counter.set(value);
        Ok(())
    })
}

/// `int zmq_atomic_counter_inc(void *counter)`: returns the value before the increment.
///
/// # Safety
/// `counter` is NULL or a live handle from `zmq_atomic_counter_new`.
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_inc(counter: *mut c_void) -> c_int {
    guard(|| {
        // SAFETY: `counter` is the caller's counter handle; checked by tag before use.
        let handle = unsafe { CounterHandle::from_ptr(counter)? };
        Ok(handle.counter.inc())
    })
}

/// `int zmq_atomic_counter_dec(void *counter)`: 1 if the counter is still non-zero
/// after the decrement, 0 if it reached zero.
///
/// # Safety
/// `counter` is NULL or a live handle from `zmq_atomic_counter_new`.
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_dec(counter: *mut c_void) -> c_int {
    guard(|| {
        // SAFETY: `counter` is the caller's counter handle; checked by tag before use.
        let handle = unsafe { CounterHandle::from_ptr(counter)? };
        Ok(c_int::from(handle.counter.dec()))
    })
}

/// `int zmq_atomic_counter_value(void *counter)`.
///
/// # Safety
/// `counter` is NULL or a live handle from `zmq_atomic_counter_new`.
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_value(counter: *mut c_void) -> c_int {
    guard(|| {
        // SAFETY: `counter` is the caller's counter handle; checked by tag before use.
        let handle = unsafe { CounterHandle::from_ptr(counter)? };
        Ok(handle.counter.value())
    })
}

/// `void zmq_atomic_counter_destroy(void **counter_p)`: frees the counter and NULLs
/// `*counter_p`.
///
/// # Safety
/// `counter_p` is NULL or points to a writable `void *` holding NULL or a handle from
/// `zmq_atomic_counter_new` that no thread uses afterwards.
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_destroy(counter_p: *mut *mut c_void) {
    guard(|| {
        if counter_p.is_null() {
            return Err(Error::Fault);
        }
        // SAFETY: `counter_p` is non-NULL and points to the caller's handle variable.
        let ptr = unsafe { *counter_p };
        if ptr.is_null() {
            // libzmq deletes a NULL counter as a no-op; so do we.
            return Ok(());
        }
        // SAFETY: `ptr` is the caller's counter handle; checked by tag before use.
        unsafe { CounterHandle::destroy(ptr)? };
        // SAFETY: as above, `counter_p` is a valid, writable handle variable.
        unsafe { *counter_p = std::ptr::null_mut() };
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ffi::errno::errno;

    #[test]
    fn null_counter_is_efault_and_null_destroy_is_a_no_op() {
        // SAFETY: NULL handles are checked before use.
        unsafe {
            assert_eq!(zmq_atomic_counter_inc(std::ptr::null_mut()), -1);
            assert_eq!(errno(), libc::EFAULT);
            let mut counter: *mut c_void = std::ptr::null_mut();
            crate::ffi::errno::set_errno(0);
            zmq_atomic_counter_destroy(&mut counter);
            assert_eq!(errno(), 0);
        }
    }
}
