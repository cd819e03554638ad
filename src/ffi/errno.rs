//! errno: the only place that maps `Error` to C error numbers and the only place that
//! writes the C `errno`. Also the texts of `zmq_strerror`.

use crate::error::Error;
use libc::c_int;

/// libzmq's base for error numbers the OS may not define.
pub const ZMQ_HAUSNUMERO: c_int = 156_384_712;
/// "Operation cannot be accomplished in current state".
pub const EFSM: c_int = ZMQ_HAUSNUMERO + 51;
/// "The protocol is not compatible with the socket type".
pub const ENOCOMPATPROTO: c_int = ZMQ_HAUSNUMERO + 52;
/// "Context was terminated".
pub const ETERM: c_int = ZMQ_HAUSNUMERO + 53;
/// "No thread available".
pub const EMTHREAD: c_int = ZMQ_HAUSNUMERO + 54;

/// The errno value libzmq reports for `e`.
pub fn errno_of(e: Error) -> c_int {
    match e {
        Error::Again => libc::EAGAIN,
        Error::Term => ETERM,
        Error::Fsm => EFSM,
        Error::NotSock => libc::ENOTSOCK,
        Error::Inval => libc::EINVAL,
        Error::Fault => libc::EFAULT,
        Error::HostUnreach => libc::EHOSTUNREACH,
        Error::NoCompatProto => ENOCOMPATPROTO,
        Error::ProtoNoSupport => libc::EPROTONOSUPPORT,
        Error::NotSup => libc::ENOTSUP,
        Error::MThread => EMTHREAD,
        Error::MFile => libc::EMFILE,
        Error::NoEnt => libc::ENOENT,
        Error::AddrInUse => libc::EADDRINUSE,
        Error::AddrNotAvail => libc::EADDRNOTAVAIL,
        Error::NoDev => libc::ENODEV,
        Error::NoMem => libc::ENOMEM,
        Error::Intr => libc::EINTR,
        Error::MsgSize => libc::EMSGSIZE,
        Error::Os(code) => code,
    }
}

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
