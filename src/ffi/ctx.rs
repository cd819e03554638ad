//! Context functions: `zmq_ctx_*`, the legacy `zmq_init`/`zmq_term`, and `zmq_socket`.

use super::boundary::guard;
use super::handles;
use crate::constants::ZMQ_IO_THREADS;
use crate::ctx::{Context, ExtValue};
use crate::error::Error;
use libc::{c_int, c_void};

#[no_mangle]
pub extern "C" fn zmq_ctx_new() -> *mut c_void {
    guard(|| Ok(handles::into_c(Context::new())))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_term(context: *mut c_void) -> c_int {
    guard(|| {
        // SAFETY: C passes NULL or a pointer to at least a tag word; the context is
        // borrowed only until `term` returns.
        unsafe { handles::get::<Context>(context)? }.term();
        // SAFETY: as above; every socket is closed, so nothing borrows the context now
        // except a racing zmq_ctx_term, which libzmq forbids too.
        drop(unsafe { handles::destroy::<Context>(context)? });
        Ok(0)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_shutdown(context: *mut c_void) -> c_int {
    guard(|| {
        // SAFETY: C passes NULL or a pointer to at least a tag word (libzmq's contract).
        unsafe { handles::get::<Context>(context)? }.shutdown();
        Ok(0)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_set(context: *mut c_void, option: c_int, optval: c_int) -> c_int {
    guard(|| {
        // SAFETY: C passes NULL or a pointer to at least a tag word (libzmq's contract).
        unsafe { handles::get::<Context>(context)? }.set(option, optval)?;
        Ok(0)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_get(context: *mut c_void, option: c_int) -> c_int {
    // SAFETY: C passes NULL or a pointer to at least a tag word (libzmq's contract).
    guard(|| unsafe { handles::get::<Context>(context)? }.get(option))
}

/// `int zmq_ctx_set_ext(void *context, int option, const void *optval, size_t
/// optvallen)` (draft): an int-sized value is `zmq_ctx_set`'s int; ZMQ_THREAD_NAME_PREFIX
/// also takes 1 to 16 bytes. EFAULT for a bad context, or a NULL value with a length
/// (where libzmq would crash).
#[cfg(zmq_draft_api)]
#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_set_ext(
    context: *mut c_void,
    option: c_int,
    optval: *const c_void,
    optvallen: usize,
) -> c_int {
    guard(|| {
        // SAFETY: C passes NULL or a pointer to at least a tag word (libzmq's contract).
        let ctx = unsafe { handles::get::<Context>(context)? };
        let value: &[u8] = if optvallen == 0 {
            &[]
        } else if optval.is_null() {
            return Err(Error::Fault);
        } else {
            // SAFETY: the caller provides `optvallen` readable bytes at `optval`.
            unsafe { std::slice::from_raw_parts(optval.cast::<u8>(), optvallen) }
        };
        ctx.set_ext(option, value)?;
        Ok(0)
    })
}

/// `int zmq_ctx_get_ext(void *context, int option, void *optval, size_t *optvallen)`
/// (draft): with `*optvallen` the size of an int, `zmq_ctx_get`'s int; otherwise
/// ZMQ_THREAD_NAME_PREFIX's bytes if they fit. As libzmq 4.3.5, `*optvallen` is left
/// as it was and no terminating NUL is written.
#[cfg(zmq_draft_api)]
#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_get_ext(
    context: *mut c_void,
    option: c_int,
    optval: *mut c_void,
    optvallen: *mut usize,
) -> c_int {
    guard(|| {
        // SAFETY: C passes NULL or a pointer to at least a tag word (libzmq's contract).
        let ctx = unsafe { handles::get::<Context>(context)? };
        if optvallen.is_null() {
            return Err(Error::Fault);
        }
        // SAFETY: non-NULL, and the caller's size_t.
        let room = unsafe { optvallen.read() };
        let value = ctx.get_ext(option, room)?;
        if optval.is_null() && room > 0 {
            return Err(Error::Fault);
        }
        match value {
            // SAFETY: `room` (an int's size) writable bytes at `optval`, any alignment.
            ExtValue::Int(v) => unsafe { optval.cast::<c_int>().write_unaligned(v) },
            ExtValue::Bytes(bytes) => {
                // SAFETY: `bytes.len() <= room` writable bytes at `optval`.
                unsafe {
                    std::ptr::copy_nonoverlapping(bytes.as_ptr(), optval.cast::<u8>(), bytes.len())
                }
            }
        }
        Ok(0)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_destroy(context: *mut c_void) -> c_int {
    // SAFETY: same contract as zmq_ctx_term.
    unsafe { zmq_ctx_term(context) }
}

#[no_mangle]
pub extern "C" fn zmq_init(io_threads: c_int) -> *mut c_void {
    guard(|| {
        if io_threads < 0 {
            return Err(Error::Inval);
        }
        let ctx = Context::new();
        ctx.set(ZMQ_IO_THREADS, io_threads)?;
        Ok(handles::into_c(ctx))
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_term(context: *mut c_void) -> c_int {
    // SAFETY: same contract as zmq_ctx_term.
    unsafe { zmq_ctx_term(context) }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_socket(context: *mut c_void, socket_type: c_int) -> *mut c_void {
    guard(|| {
        // SAFETY: C passes NULL or a pointer to at least a tag word (libzmq's contract).
        let socket = unsafe { handles::get::<Context>(context)? }.socket(socket_type)?;
        Ok(handles::into_c(socket))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constants::ZMQ_PAIR;
    use crate::ffi::errno::errno;
    use crate::ffi::socket::{zmq_close, zmq_send};

    #[test]
    fn a_closed_socket_and_a_terminated_context_fail_with_libzmqs_errno() {
        // SAFETY: every pointer came from this library, which never frees a handle.
        unsafe {
            let ctx = zmq_ctx_new();
            let socket = zmq_socket(ctx, ZMQ_PAIR);
            assert!(!socket.is_null());
            assert_eq!(zmq_close(socket), 0);
            assert_eq!(zmq_close(socket), -1);
            assert_eq!(errno(), libc::ENOTSOCK);
            assert_eq!(zmq_send(socket, std::ptr::null(), 0, 0), -1);
            assert_eq!(errno(), libc::ENOTSOCK);
            assert_eq!(zmq_ctx_term(socket), -1, "a socket is not a context");
            assert_eq!(errno(), libc::EFAULT);
            assert_eq!(zmq_ctx_term(ctx), 0);
            assert_eq!(zmq_ctx_term(ctx), -1);
            assert_eq!(errno(), libc::EFAULT);
            assert!(zmq_socket(ctx, ZMQ_PAIR).is_null());
            assert_eq!(errno(), libc::EFAULT);
        }
    }
}
