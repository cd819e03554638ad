//! ipc://: unix-domain stream sockets, filesystem paths and Linux abstract names.

use super::ipc_address::{endpoint_string, prepare_bind, IpcAddress};
use crate::error::{Error, Result};
use crate::io::listener::Acceptor;
use crate::io::stream::Stream;
use std::io;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::SocketAddr as UnixAddr;

fn unix_address(address: &IpcAddress) -> io::Result<UnixAddr> {
    match address {
        IpcAddress::Path(p) => UnixAddr::from_pathname(p),
        IpcAddress::Abstract(name) => UnixAddr::from_abstract_name(name),
    }
}

/// Binds and listens (`*` makes a fresh directory; whatever was at the path is replaced,
/// as in libzmq).
pub fn listen(address: &str) -> Result<(Acceptor, String)> {
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
pub fn connect(address: &IpcAddress) -> io::Result<(Stream, bool)> {
    let addr = unix_address(address)?;
    let stream = mio::net::UnixStream::connect_addr(&addr)?;
    Ok((Stream::Unix(stream), false))
}
