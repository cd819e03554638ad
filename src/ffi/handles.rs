//! Handles given to C: every `Box::into_raw`/`from_raw` of the ABI lives here. A handle
//! starts with a tag word so that a closed or foreign pointer is recognised (ENOTSOCK for
//! sockets, EFAULT for contexts) instead of being used, as libzmq's tag checks do.
//! Closed handles are never returned to the allocator: they are recycled for the next
//! object of the same kind, so a stale pointer always points at a tagged handle.

use crate::ctx::Context;
use crate::error::{Error, Result};
use crate::socket::Socket;
use parking_lot::Mutex;
use std::ffi::c_void;

const CTX_ALIVE: u32 = 0xABAD_CAFE;
const SOCKET_ALIVE: u32 = 0xBADC_AFE0;
const DEAD: u32 = 0xDEAD_BEEF;

#[repr(C)]
pub struct CtxHandle {
    tag: u32,
    ctx: Option<Context>,
}

#[repr(C)]
pub struct SocketHandle {
    tag: u32,
    socket: Option<Socket>,
}

/// Handle memory kept for reuse (addresses stored as usize so the pools are Send).
static FREE_CTX: Mutex<Vec<usize>> = Mutex::new(Vec::new());
static FREE_SOCKETS: Mutex<Vec<usize>> = Mutex::new(Vec::new());

pub fn new_ctx(ctx: Context) -> *mut c_void {
    let reused = FREE_CTX.lock().pop();
    let handle = match reused {
        Some(addr) => {
            let h = addr as *mut CtxHandle;
            // SAFETY: pooled handles are live allocations we own and nobody else uses.
            unsafe {
                (*h).ctx = Some(ctx);
                (*h).tag = CTX_ALIVE;
            }
            h
        }
        None => Box::into_raw(Box::new(CtxHandle {
            tag: CTX_ALIVE,
            ctx: Some(ctx),
        })),
    };
    handle.cast()
}

/// The context behind a C pointer; EFAULT for NULL or a pointer that is not a live context.
///
/// # Safety
/// `ptr` must be NULL or point to at least 4 readable bytes (as libzmq requires).
pub unsafe fn ctx<'a>(ptr: *mut c_void) -> Result<&'a Context> {
    let h = ptr as *mut CtxHandle;
    if h.is_null() || (*h).tag != CTX_ALIVE {
        return Err(Error::Fault);
    }
    (*h).ctx.as_ref().ok_or(Error::Fault)
}

/// Destroys a context handle after termination.
///
/// # Safety
/// `ptr` must have passed `ctx()` and must not be used by C afterwards.
pub unsafe fn release_ctx(ptr: *mut c_void) {
    let h = ptr as *mut CtxHandle;
    if (*h).tag != CTX_ALIVE {
        return;
    }
    (*h).tag = DEAD;
    (*h).ctx = None;
    FREE_CTX.lock().push(h as usize);
}

pub fn new_socket(socket: Socket) -> *mut c_void {
    let reused = FREE_SOCKETS.lock().pop();
    let handle = match reused {
        Some(addr) => {
            let h = addr as *mut SocketHandle;
            // SAFETY: pooled handles are live allocations we own and nobody else uses.
            unsafe {
                (*h).socket = Some(socket);
                (*h).tag = SOCKET_ALIVE;
            }
            h
        }
        None => Box::into_raw(Box::new(SocketHandle {
            tag: SOCKET_ALIVE,
            socket: Some(socket),
        })),
    };
    handle.cast()
}

/// True when `ptr` is a live socket handle.
///
/// # Safety
/// `ptr` must be NULL or point to at least 4 readable bytes.
pub unsafe fn is_socket(ptr: *mut c_void) -> bool {
    let h = ptr as *mut SocketHandle;
    !h.is_null() && (*h).tag == SOCKET_ALIVE
}

/// The socket behind a C pointer; ENOTSOCK for NULL or anything but a live socket.
///
/// # Safety
/// `ptr` must be NULL or point to at least 4 readable bytes; the caller (C) uses each
/// socket from one thread at a time, as libzmq requires.
pub unsafe fn socket<'a>(ptr: *mut c_void) -> Result<&'a mut Socket> {
    if !is_socket(ptr) {
        return Err(Error::NotSock);
    }
    let h = ptr as *mut SocketHandle;
    (*h).socket.as_mut().ok_or(Error::NotSock)
}

/// Closes the socket behind a handle.
///
/// # Safety
/// As for `socket()`.
pub unsafe fn close_socket(ptr: *mut c_void) -> Result<()> {
    if !is_socket(ptr) {
        return Err(Error::NotSock);
    }
    let h = ptr as *mut SocketHandle;
    (*h).tag = DEAD;
    let socket = (*h).socket.take();
    drop(socket);
    FREE_SOCKETS.lock().push(h as usize);
    Ok(())
}
