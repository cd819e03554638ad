//! errno: the only place that writes the C `errno`. Also the texts of `zmq_strerror`.
//! Which number an `Error` is lives with `Error` (`error::errno_of`): the core needs it
//! too, for the values of monitor events.

pub use crate::error::{errno_of, EFSM, EMTHREAD, ENOCOMPATPROTO, ETERM, ZMQ_HAUSNUMERO};
use libc::c_int;

/// Sets the calling thread's C `errno`.
pub fn set_errno(code: c_int) {
    // SAFETY: __errno_location returns the calling thread's errno slot, always valid.
    unsafe { *libc::__errno_location() = code };
}

/// Reads the calling thread's C `errno`.
pub fn errno() -> c_int {
    // SAFETY: as in `set_errno`.
    unsafe { *libc::__errno_location() }
}

/// The NUL-terminated text `zmq_strerror` returns for `code`: libzmq's own wording for
/// its own codes, the C library's for everything else.
pub fn strerror_text(code: c_int) -> *const libc::c_char {
    let own: Option<&'static [u8]> = match code {
        EFSM => Some(b"Operation cannot be accomplished in current state\0"),
        ENOCOMPATPROTO => Some(b"The protocol is not compatible with the socket type\0"),
        ETERM => Some(b"Context was terminated\0"),
        EMTHREAD => Some(b"No thread available\0"),
        libc::EHOSTUNREACH => Some(b"Host unreachable\0"),
        _ => None,
    };
    match own {
        Some(text) => text.as_ptr().cast(),
        // SAFETY: strerror returns a pointer to a static or thread-local string.
        None => unsafe { libc::strerror(code) },
    }
}
