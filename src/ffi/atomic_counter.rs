//! `zmq_atomic_counter_*`: the C face of `crate::atomic_counter::AtomicCounter`.
//!
//! A counter is a handle (`super::handles`). libzmq does not check counter pointers at
//! all (NULL crashes it, a stale copy is deleted twice); here NULL, a foreign pointer or
//! a destroyed counter sets `EFAULT` and the call returns -1 (or nothing, for the `void`
//! functions).

use super::boundary::guard;
use super::handles;
use crate::atomic_counter::AtomicCounter;
use crate::error::Error;
use libc::{c_int, c_void};

/// `void *zmq_atomic_counter_new(void)`: a new counter set to 0.
///
/// # Safety
/// None: takes no pointers.
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_new() -> *mut c_void {
    guard(|| Ok(handles::into_c(AtomicCounter::new())))
}

/// `void zmq_atomic_counter_set(void *counter, int value)`.
///
/// # Safety
/// `counter` is NULL or a live handle from `zmq_atomic_counter_new`.
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_set(counter: *mut c_void, value: c_int) {
    guard(|| {
        // SAFETY: `counter` is NULL or points to at least a tag word, and is not
        // destroyed during this call (libzmq's contract).
        let counter = unsafe { handles::get::<AtomicCounter>(counter)? };
        counter.set(value);
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
        // SAFETY: `counter` is NULL or points to at least a tag word, and is not
        // destroyed during this call (libzmq's contract).
        let counter = unsafe { handles::get::<AtomicCounter>(counter)? };
        Ok(counter.inc())
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
        // SAFETY: `counter` is NULL or points to at least a tag word, and is not
        // destroyed during this call (libzmq's contract).
        let counter = unsafe { handles::get::<AtomicCounter>(counter)? };
        Ok(c_int::from(counter.dec()))
    })
}

/// `int zmq_atomic_counter_value(void *counter)`.
///
/// # Safety
/// `counter` is NULL or a live handle from `zmq_atomic_counter_new`.
#[no_mangle]
pub unsafe extern "C" fn zmq_atomic_counter_value(counter: *mut c_void) -> c_int {
    guard(|| {
        // SAFETY: `counter` is NULL or points to at least a tag word, and is not
        // destroyed during this call (libzmq's contract).
        let counter = unsafe { handles::get::<AtomicCounter>(counter)? };
        Ok(counter.value())
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
        // SAFETY: `ptr` is NULL or points to at least a tag word; no call uses the
        // counter meanwhile (libzmq's contract). A racing destroy fails the tag swap.
        unsafe { handles::destroy::<AtomicCounter>(ptr)? };
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

    #[test]
    fn a_stale_copy_is_efault() {
        // SAFETY: handle memory is never freed, so the stale copy stays readable.
        unsafe {
            let mut counter = zmq_atomic_counter_new();
            let mut stale = counter;
            zmq_atomic_counter_destroy(&mut counter);
            assert!(counter.is_null());
            crate::ffi::errno::set_errno(0);
            zmq_atomic_counter_destroy(&mut stale);
            assert_eq!(errno(), libc::EFAULT);
            assert!(
                !stale.is_null(),
                "a failed destroy leaves the variable alone"
            );
            assert_eq!(zmq_atomic_counter_inc(stale), -1);
            assert_eq!(errno(), libc::EFAULT);
        }
    }
}
