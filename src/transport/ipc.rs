//! ipc://: unix-domain stream sockets, filesystem paths and Linux abstract names.

use super::acceptor::Acceptor;
use super::ipc_address::{endpoint_string, parse, prepare_bind, to_sockaddr, IpcAddress, IpcBind};
use super::stream::Stream;
use super::ConnectFailure;
use crate::error::{Error, Result};
use socket2::{Domain, Socket, Type};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::SocketAddr as UnixAddr;

fn unix_address(address: &IpcAddress) -> io::Result<UnixAddr> {
    match address {
        IpcAddress::Path(p) => UnixAddr::from_pathname(p),
        IpcAddress::Abstract(name) => UnixAddr::from_abstract_name(name),
    }
}

/// Binds and listens (`*` makes a fresh directory; whatever was at the path is replaced,
/// as in libzmq). With `ZMQ_USE_FD` (`use_fd` != -1) the application's listening socket
/// is taken over: the address only names the endpoint, and nothing is created or
/// removed at the path, then or at close.
pub fn listen(address: &str, use_fd: RawFd) -> Result<(Acceptor, String)> {
    if use_fd != -1 {
        let bind = IpcBind {
            address: parse(address)?,
            temp_dir: None,
        };
        super::tcp::set_nonblocking(use_fd)?;
        // SAFETY: the application handed this descriptor over with ZMQ_USE_FD; it is a
        // listening unix socket by the option's contract, and ours from here on.
        let listener = unsafe { std::os::unix::net::UnixListener::from_raw_fd(use_fd) };
        let endpoint = endpoint_string(&bind.address);
        return Ok((
            Acceptor::Unix(mio::net::UnixListener::from_std(listener), bind),
            endpoint,
        ));
    }
    let bind = prepare_bind(address)?;
    let addr = unix_address(&bind.address).map_err(|_| Error::Inval)?;
    let listener = std::os::unix::net::UnixListener::bind_addr(&addr).map_err(Error::from)?;
    listener.set_nonblocking(true).map_err(Error::from)?;
    let endpoint = endpoint_string(&bind.address);
    Ok((
        Acceptor::Unix(mio::net::UnixListener::from_std(listener), bind),
        endpoint,
    ))
}

/// Starts a non-blocking connect. Returns the stream and whether it is still in progress.
pub fn connect(address: &IpcAddress) -> std::result::Result<(Stream, bool), ConnectFailure> {
    let (raw, len) =
        to_sockaddr(address).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))?;
    let socket = Socket::new(Domain::UNIX, Type::STREAM.nonblocking().cloexec(), None)?;
    let fd = socket.as_raw_fd();
    // SAFETY: raw is a valid sockaddr_un of length len; fd is our live socket.
    let rc = unsafe {
        libc::connect(
            fd,
            &raw as *const libc::sockaddr_un as *const libc::sockaddr,
            len,
        )
    };
    let in_progress = if rc == 0 {
        false
    } else {
        let e = io::Error::last_os_error();
        if matches!(
            e.raw_os_error(),
            Some(libc::EINPROGRESS) | Some(libc::EAGAIN)
        ) {
            true
        } else {
            drop(socket);
            return Err(ConnectFailure {
                error: e,
                closed_fd: Some(fd),
            });
        }
    };
    let stream = std::os::unix::net::UnixStream::from(OwnedFd::from(socket));
    Ok((
        Stream::Unix(mio::net::UnixStream::from_std(stream)),
        in_progress,
    ))
}
