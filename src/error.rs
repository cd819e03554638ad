//! The one error type of the core, and the one mapping from it to errno numbers
//! (`errno_of`: what `ffi` sets as the C `errno`, and what monitor events carry). Only
//! `ffi::errno` writes the C `errno`.

use libc::c_int;
use std::fmt;
use std::io;

/// Why an operation failed, in the vocabulary of libzmq's documented errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// Non-blocking mode was requested and the operation would block (`EAGAIN`).
    Again,
    /// The context was terminated (`ETERM`).
    Term,
    /// The operation is not allowed in the socket's current state (`EFSM`).
    Fsm,
    /// A socket handle was expected and something else was given (`ENOTSOCK`).
    NotSock,
    /// An argument was invalid (`EINVAL`).
    Inval,
    /// A pointer argument was NULL or not a valid object (`EFAULT`).
    Fault,
    /// The message cannot be routed to its destination (`EHOSTUNREACH`).
    HostUnreach,
    /// The peer's protocol is not compatible with this socket type (`ENOCOMPATPROTO`).
    NoCompatProto,
    /// The requested transport or protocol is not supported (`EPROTONOSUPPORT`).
    ProtoNoSupport,
    /// The operation is not supported by this socket type (`ENOTSUP`).
    NotSup,
    /// No I/O thread is available for the operation (`EMTHREAD`).
    MThread,
    /// The limit on open sockets was reached (`EMFILE`).
    MFile,
    /// The endpoint is not bound or connected (`ENOENT`).
    NoEnt,
    /// The endpoint is already in use (`EADDRINUSE`).
    AddrInUse,
    /// The requested address is not local / not available (`EADDRNOTAVAIL`).
    AddrNotAvail,
    /// No device with that name (`ENODEV`).
    NoDev,
    /// Out of memory (`ENOMEM`).
    NoMem,
    /// The call was interrupted by a signal (`EINTR`).
    Intr,
    /// The message is too large (`EMSGSIZE`).
    MsgSize,
    /// Another operating-system error, by its raw errno value.
    Os(i32),
}

/// Result alias used throughout the core.
pub type Result<T> = std::result::Result<T, Error>;

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        match e.raw_os_error() {
            Some(libc::EAGAIN) => Error::Again,
            Some(libc::EINTR) => Error::Intr,
            Some(libc::EINVAL) => Error::Inval,
            Some(libc::EADDRINUSE) => Error::AddrInUse,
            Some(libc::EADDRNOTAVAIL) => Error::AddrNotAvail,
            Some(libc::ENODEV) => Error::NoDev,
            Some(libc::ENOMEM) => Error::NoMem,
            Some(libc::EMFILE) => Error::MFile,
            Some(code) => Error::Os(code),
            None if e.kind() == io::ErrorKind::WouldBlock => Error::Again,
            None if e.kind() == io::ErrorKind::InvalidInput => Error::Inval,
            None => Error::Os(libc::EIO),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for Error {}

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
