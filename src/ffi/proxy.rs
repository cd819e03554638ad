//! `zmq_proxy`, `zmq_proxy_steerable` and the deprecated `zmq_device`.

use super::boundary::guard;
use super::handles::Locked;
use super::socket::locked;
use crate::error::{Error, Result};
use crate::proxy::Proxy;
use crate::socket::Socket;
use libc::{c_int, c_void};

/// An optional socket argument: NULL is "none"; a socket equal to one already taken
/// cannot be borrowed twice and is refused.
///
/// # Safety
/// `s` is NULL or has a readable tag word, and the socket is used by this thread alone
/// while the reference lives (libzmq's contract).
unsafe fn optional(s: *mut c_void, taken: &[*mut c_void]) -> Result<Option<Locked<Socket>>> {
    if s.is_null() {
        return Ok(None);
    }
    if taken.contains(&s) {
        return Err(Error::Inval);
    }
    // SAFETY: the caller's contract above; `s` is none of the sockets already taken.
    Ok(Some(unsafe { locked(s)? }))
}

/// # Safety
/// Each pointer is NULL or has a readable tag word, and its socket is used by this
/// thread alone during the call (libzmq's contract).
unsafe fn run(
    frontend: *mut c_void,
    backend: *mut c_void,
    capture: *mut c_void,
    control: *mut c_void,
) -> Result<c_int> {
    // libzmq checks for a missing frontend or backend before anything else.
    if frontend.is_null() || backend.is_null() {
        return Err(Error::Fault);
    }
    // SAFETY: the caller's contract above.
    let mut front = unsafe { locked(frontend)? };
    // One socket as both ends is borrowed once (and is already checked).
    let mut back = if backend == frontend {
        None
    } else {
        // SAFETY: as above; a different socket from `frontend`.
        Some(unsafe { locked(backend)? })
    };
    // SAFETY: as above; `optional` refuses the sockets already borrowed.
    let mut capture_socket = unsafe { optional(capture, &[frontend, backend])? };
    // SAFETY: as above.
    let mut control = unsafe { optional(control, &[frontend, backend, capture])? };
    // Each distinct socket stays locked for the whole run.
    Proxy {
        frontend: &mut front,
        backend: back.as_deref_mut(),
        capture: capture_socket.as_deref_mut(),
        control: control.as_deref_mut(),
    }
    .run()?;
    Ok(0)
}

#[no_mangle]
pub unsafe extern "C" fn zmq_proxy(
    frontend: *mut c_void,
    backend: *mut c_void,
    capture: *mut c_void,
) -> c_int {
    // SAFETY: every handle is tag-checked in `run`.
    guard(|| unsafe { run(frontend, backend, capture, std::ptr::null_mut()) })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_proxy_steerable(
    frontend: *mut c_void,
    backend: *mut c_void,
    capture: *mut c_void,
    control: *mut c_void,
) -> c_int {
    // SAFETY: every handle is tag-checked in `run`.
    guard(|| unsafe { run(frontend, backend, capture, control) })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_device(
    _type: c_int,
    frontend: *mut c_void,
    backend: *mut c_void,
) -> c_int {
    // SAFETY: every handle is tag-checked in `run`.
    guard(|| unsafe {
        run(
            frontend,
            backend,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    })
}
