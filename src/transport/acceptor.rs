//! A listening socket of either network transport, as `tcp::listen`/`ipc::listen`
//! create it and an I/O thread's listener accepts from it.

use super::ipc_address::IpcBind;
use mio::net::{TcpListener, UnixListener};

pub enum Acceptor {
    Tcp(TcpListener),
    /// A wildcard (`ipc://*`) socket and its directory are removed when it closes.
    Unix(UnixListener, IpcBind),
}
