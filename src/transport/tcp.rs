//! tcp://: creating listening sockets and starting non-blocking connections, with the
//! socket options libzmq applies (SO_REUSEADDR, dual-stack v6, BACKLOG, BINDTODEVICE,
//! TCP_NODELAY and the keepalive/TOS/buffer options).

use super::acceptor::Acceptor;
use super::socket_options::{
    enable_ipv4_mapping, prepare_socket, set_reuse_address, syscall, tune_connection,
};
use super::stream::Stream;
use super::tcp_address::{endpoint_string, resolve_bind, resolve_connect};
use super::ConnectFailure;
use crate::error::{Error, Result};
use crate::options::Options;
use socket2::{Domain, SockAddr, Socket, Type};
use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// A new non-blocking, close-on-exec stream socket for `addr`'s family; closed when
/// dropped, so every error path below releases it.
fn new_socket(addr: &SocketAddr) -> io::Result<Socket> {
    Socket::new(
        Domain::for_address(*addr),
        Type::STREAM.nonblocking().cloexec(),
        None,
    )
}

/// Binds and listens; returns the acceptor and the endpoint as ZMQ_LAST_ENDPOINT shows it.
/// With `ZMQ_USE_FD` the application's listening socket is taken over instead and
/// `address` is not looked at, as in libzmq.
pub fn listen(address: &str, options: &Options) -> Result<(Acceptor, String)> {
    if options.use_fd != -1 {
        return adopt_listener(options.use_fd);
    }
    let addr = resolve_bind(address, options.ipv6)?;
    let socket = new_socket(&addr)?;
    let setup = || -> io::Result<()> {
        let fd = socket.as_raw_fd();
        prepare_socket(fd, options)?;
        set_reuse_address(fd)?;
        if addr.is_ipv6() {
            enable_ipv4_mapping(fd)?;
        }
        socket.bind(&SockAddr::from(addr))?;
        socket.listen(options.backlog.max(1))
    };
    setup().map_err(Error::from)?;
    let std_listener = std::net::TcpListener::from(OwnedFd::from(socket));
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
    let flags = syscall!(fcntl(fd, libc::F_GETFL)).map_err(Error::from)?;
    // SAFETY: as above.
    syscall!(fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK)).map_err(Error::from)?;
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
    let socket = new_socket(&target.peer)?;
    let fd = socket.as_raw_fd();
    let start = || -> io::Result<bool> {
        prepare_socket(socket.as_raw_fd(), options)?;
        if let Some(source) = &target.source {
            socket.set_reuse_address(true)?;
            socket.bind(&SockAddr::from(*source))?;
        }
        match socket.connect(&SockAddr::from(target.peer)) {
            Ok(()) => Ok(false),
            Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok(true),
            Err(e) => Err(e),
        }
    };
    match start() {
        Ok(in_progress) => {
            // TCP_NODELAY and keepalives: settable before the connect completes.
            tune_connection(socket.as_raw_fd(), options)?;
            let stream = std::net::TcpStream::from(OwnedFd::from(socket));
            Ok((
                Stream::Tcp(mio::net::TcpStream::from_std(stream)),
                in_progress,
            ))
        }
        Err(e) => {
            drop(socket);
            Err(ConnectFailure {
                error: e,
                closed_fd: Some(fd),
            })
        }
    }
}
