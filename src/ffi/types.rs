//! The C types of `zmq.h`, declared once in Rust. cbindgen writes `zmq_msg_t` and
//! `zmq_pollitem_t` into the header from these declarations; the typedefs marked
//! `cbindgen:no-export` are written by hand in `cbindgen.toml` because C spells them in
//! a way Rust cannot (a function type, not a function pointer; a platform-chosen fd).
//! Exported functions take these types, and cast `zmq_msg_t` to the core's message.
//!
//! A callback parameter of an exported function must spell its type out, e.g.
//! `ffn: Option<unsafe extern "C" fn(data: *mut c_void, hint: *mut c_void)>`: cbindgen
//! cannot see through an alias inside `Option` and would write `Option_zmq_free_fn`.
//! It then writes `void (*ffn)(void *data, void *hint)`, the same C type as libzmq's
//! `zmq_free_fn *ffn_`. The aliases below are for the function bodies.

#![allow(non_camel_case_types)]

use libc::{c_int, c_short, c_uchar, c_void};

/// The caller-owned storage of a message: 64 opaque bytes, aligned to 8. C programs
/// allocate it (often on the stack) and may move it with `memcpy`; only the library
/// gives the bytes meaning.
/// cbindgen:field-names=[_]
#[repr(C, align(8))]
pub struct zmq_msg_t(pub [c_uchar; 64]);

const _: () = assert!(core::mem::size_of::<zmq_msg_t>() == 64);
const _: () = assert!(core::mem::align_of::<zmq_msg_t>() == 8);

/// A socket or a plain file descriptor on Unix; `SOCKET` on Windows, hence hand-written.
/// cbindgen:no-export
pub type zmq_fd_t = c_int;

/// One entry of `zmq_poll`: either `socket` (a ZeroMQ socket) or, when it is NULL, `fd`.
#[repr(C)]
pub struct zmq_pollitem_t {
    pub socket: *mut c_void,
    pub fd: zmq_fd_t,
    pub events: c_short,
    pub revents: c_short,
}

const _: () = assert!(core::mem::size_of::<zmq_pollitem_t>() == 16);

/// One ready entry of the draft poller (`zmq_poller_wait`, `zmq_poller_wait_all`): the
/// socket (NULL for a plain descriptor), the descriptor (-1 for a socket), the user
/// value given when it was added, and the events present.
#[cfg(zmq_draft_api)]
#[repr(C)]
pub struct zmq_poller_event_t {
    pub socket: *mut c_void,
    pub fd: zmq_fd_t,
    pub user_data: *mut c_void,
    pub events: c_short,
}

#[cfg(zmq_draft_api)]
const _: () = assert!(core::mem::size_of::<zmq_poller_event_t>() == 32);

/// Releases the data given to `zmq_msg_init_data`, called once with `(data, hint)`.
/// In C this is a function type (`typedef void(zmq_free_fn)(void*, void*)`), so that
/// callers can write `zmq_free_fn *`; a parameter of that type is a pointer in both.
/// cbindgen:no-export
pub type zmq_free_fn = unsafe extern "C" fn(data: *mut c_void, hint: *mut c_void);

/// A timer callback for `zmq_timers_add`, called with the timer id and its argument.
/// cbindgen:no-export
pub type zmq_timer_fn = unsafe extern "C" fn(timer_id: c_int, arg: *mut c_void);

/// The body of a thread started by `zmq_threadstart`.
/// cbindgen:no-export
pub type zmq_thread_fn = unsafe extern "C" fn(arg: *mut c_void);
