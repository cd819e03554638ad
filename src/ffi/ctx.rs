//! Context functions: `zmq_ctx_*`, the legacy `zmq_init`/`zmq_term`, and `zmq_socket`.

use super::boundary::guard;
use super::handles;
use crate::constants::ZMQ_IO_THREADS;
use crate::ctx::Context;
use crate::error::Error;
use libc::{c_int, c_void};

#[no_mangle]
pub extern "C" fn zmq_ctx_new() -> *mut c_void {
    guard(|| Ok(handles::new_ctx(Context::new())))
}

#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_term(context: *mut c_void) -> c_int {
    guard(|| {
        // SAFETY: tag-checked handle; released only after every socket is closed.
        unsafe {
            handles::ctx(context)?.term();
            handles::release_ctx(context);
        }
        Ok(0)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_shutdown(context: *mut c_void) -> c_int {
    guard(|| {
        // SAFETY: tag-checked handle.
        unsafe { handles::ctx(context)? }.shutdown();
        Ok(0)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_set(context: *mut c_void, option: c_int, optval: c_int) -> c_int {
    guard(|| {
        // SAFETY: tag-checked handle.
        unsafe { handles::ctx(context)? }.set(option, optval)?;
        Ok(0)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_ctx_get(context: *mut c_void, option: c_int) -> c_int {
    // SAFETY: tag-checked handle.
    guard(|| unsafe { handles::ctx(context)? }.get(option))
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
        Ok(handles::new_ctx(ctx))
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
        // SAFETY: tag-checked handle.
        let socket = unsafe { handles::ctx(context)? }.socket(socket_type)?;
        Ok(handles::new_socket(socket))
    })
}
