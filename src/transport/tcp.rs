//! tcp://: creating listening sockets and starting non-blocking connections, with the
//! socket options libzmq applies (SO_REUSEADDR, dual-stack v6, BACKLOG, BINDTODEVICE,
//! TCP_NODELAY and the keepalive/TOS/buffer options).

use super::acceptor::Acceptor;
use super::socket_options::{
    enable_ipv4_mapping, prepare_socket, set_reuse_address, tune_connection,
};
use super::stream::Stream;
use super::tcp_address::{endpoint_string, resolve_bind, resolve_connect};
use super::ConnectFailure;
use crate::error::{Error, Result};
use crate::options::Options;
use std::io;
use std::mem::size_of;
use std::net::SocketAddr;
use std::os::unix::io::{FromRawFd, RawFd};

/// Turns -1 from a libc call into the OS error.
fn check(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

/// A socket address as the C structure the kernel takes.
fn raw_address(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: an all-zero sockaddr_storage is a valid value.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from_ne_bytes(a.ip().octets()),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_in.
            unsafe { std::ptr::write(&mut storage as *mut _ as *mut libc::sockaddr_in, sin) };
            size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: a.flowinfo(),
                sin6_addr: libc::in6_addr {
                    s6_addr: a.ip().octets(),
                },
                sin6_scope_id: a.scope_id(),
            };
            // SAFETY: sockaddr_storage is large and aligned enough for sockaddr_in6.
            unsafe { std::ptr::write(&mut storage as *mut _ as *mut libc::sockaddr_in6, sin6) };
            size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

fn new_socket(addr: &SocketAddr) -> io::Result<RawFd> {
    let family = if addr.is_ipv4() {
        libc::AF_INET
    } else {
        libc::AF_INET6
    };
    // SAFETY: plain syscall.
    check(unsafe {
        libc::socket(
            family,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
        )
    })
}

fn set_int(fd: RawFd, level: libc::c_int, name: libc::c_int, value: libc::c_int) -> io::Result<()> {
    // SAFETY: a live int of the size passed.
    check(unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (&value as *const libc::c_int).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    })
    .map(|_| ())
}

fn close_fd(fd: RawFd) {
    // SAFETY: we own fd and drop it on this error path.
    unsafe { libc::close(fd) };
}

/// Binds and listens; returns the acceptor and the endpoint as ZMQ_LAST_ENDPOINT shows it.
/// With `ZMQ_USE_FD` the application's listening socket is taken over instead and
/// `address` is not looked at, as in libzmq.
pub fn listen(address: &str, options: &Options) -> Result<(Acceptor, String)> {
    if options.use_fd != -1 {
        return adopt_listener(options.use_fd);
    }
    let addr = resolve_bind(address, options.ipv6)?;
    let fd = new_socket(&addr)?;
    let setup = || -> io::Result<()> {
        prepare_socket(fd, options)?;
        set_reuse_address(fd)?;
        if addr.is_ipv6() {
            enable_ipv4_mapping(fd)?;
        }
        let (raw, len) = raw_address(&addr);
        // SAFETY: raw holds a valid address of length len.
        check(unsafe { libc::bind(fd, &raw as *const _ as *const libc::sockaddr, len) })?;
        // SAFETY: plain syscall.
        check(unsafe { libc::listen(fd, options.backlog.max(1)) })?;
        Ok(())
    };
    if let Err(e) = setup() {
        close_fd(fd);
        return Err(Error::from(e));
    }
    // SAFETY: fd is a listening socket we own.
    let std_listener = unsafe { std::net::TcpListener::from_raw_fd(fd) };
    let local = std_listener.local_addr().map_err(Error::from)?;
    Ok((
        Acceptor::Tcp(mio::net::TcpListener::from_std(std_listener)),
        endpoint_string(&local),
    ))
}

/// Takes over the application's bound and listening socket `fd` (`ZMQ_USE_FD`): from
/// now on it belongs to the listener, which closes it, as libzmq's does. The endpoint
/// is the socket's own address.
fn adopt_listener(fd: RawFd) -> Result<(Acceptor, String)> {
    set_nonblocking(fd)?;
    // SAFETY: the application handed this descriptor over with ZMQ_USE_FD; it is a
    // listening tcp socket by the option's contract, and ours from here on.
    let std_listener = unsafe { std::net::TcpListener::from_raw_fd(fd) };
    let local = std_listener.local_addr().map_err(Error::from)?;
    Ok((
        Acceptor::Tcp(mio::net::TcpListener::from_std(std_listener)),
        endpoint_string(&local),
    ))
}

/// Puts a descriptor the application created into non-blocking mode (the I/O thread
/// only accepts when it is ready, but must never block on a connection that is gone
/// by then).
pub(super) fn set_nonblocking(fd: RawFd) -> Result<()> {
    // SAFETY: plain syscalls on a descriptor number; a bad one fails with EBADF.
    let flags = check(unsafe { libc::fcntl(fd, libc::F_GETFL) }).map_err(Error::from)?;
    // SAFETY: as above.
    check(unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) })
        .map_err(Error::from)?;
    Ok(())
}

/// Resolves `address` (names are looked up at every attempt, as libzmq does) and starts
/// a non-blocking connect. Returns the stream and whether it is still in progress.
pub fn connect(
    address: &str,
    options: &Options,
) -> std::result::Result<(Stream, bool), ConnectFailure> {
    let target = resolve_connect(address, options.ipv6)
        .map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    let fd = new_socket(&target.peer)?;
    let start = || -> io::Result<bool> {
        prepare_socket(fd, options)?;
        if let Some(source) = &target.source {
            set_int(fd, libc::SOL_SOCKET, libc::SO_REUSEADDR, 1)?;
            let (raw, len) = raw_address(source);
            // SAFETY: raw holds a valid address of length len.
            check(unsafe { libc::bind(fd, &raw as *const _ as *const libc::sockaddr, len) })?;
        }
        let (raw, len) = raw_address(&target.peer);
        // SAFETY: raw holds a valid address of length len.
        match check(unsafe { libc::connect(fd, &raw as *const _ as *const libc::sockaddr, len) }) {
            Ok(_) => Ok(false),
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok(true),
            Err(e) => Err(e),
        }
    };
    match start() {
        Ok(in_progress) => {
            // TCP_NODELAY and keepalives: settable before the connect completes.
            tune_connection(fd, options)?;
            // SAFETY: fd is a connected or connecting stream socket we own.
            let stream = unsafe { std::net::TcpStream::from_raw_fd(fd) };
            Ok((
                Stream::Tcp(mio::net::TcpStream::from_std(stream)),
                in_progress,
            ))
        }
        Err(e) => {
            close_fd(fd);
            Err(ConnectFailure {
                error: e,
                closed_fd: Some(fd),
            })
        }
    }
}
