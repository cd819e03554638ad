//! A connected byte stream of either transport, as the engine sees it.

use mio::event::Source;
use mio::net::{TcpStream, UnixStream};
use mio::{Interest, Registry, Token};
use std::io::{self, IoSlice, Read};
use std::os::unix::io::{AsRawFd, RawFd};

pub enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Stream {
    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Tcp(s) => s.read(buf),
            Stream::Unix(s) => s.read(buf),
        }
    }

    /// Gathers `bufs` into one `sendmsg` with `MSG_NOSIGNAL`: a peer that has gone away
    /// must come back as `EPIPE`, never as a SIGPIPE that kills the host program (a C
    /// program, unlike a Rust one, does not ignore that signal).
    pub fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        // SAFETY: msghdr is plain data; an all-zero value is a valid empty header.
        let mut header: libc::msghdr = unsafe { std::mem::zeroed() };
        // IoSlice is guaranteed ABI-compatible with iovec on Unix.
        header.msg_iov = bufs.as_ptr() as *mut libc::iovec;
        header.msg_iovlen = bufs.len() as _;
        loop {
            // SAFETY: the header points at `bufs`, which outlives the call; sendmsg only
            // reads from the buffers.
            let sent = unsafe { libc::sendmsg(self.fd(), &header, libc::MSG_NOSIGNAL) };
            if sent >= 0 {
                return Ok(sent as usize);
            }
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                return Err(err);
            }
        }
    }

    /// True when input, end of stream or an error is waiting to be read: events the
    /// I/O thread may not have seen yet (one `recv` with `MSG_PEEK`, nothing consumed).
    pub fn has_pending_input(&self) -> bool {
        let mut byte = 0u8;
        // SAFETY: peeks at most one byte into a live local; nothing is consumed.
        let n = unsafe {
            libc::recv(
                self.fd(),
                (&mut byte as *mut u8).cast(),
                1,
                libc::MSG_PEEK | libc::MSG_DONTWAIT,
            )
        };
        !(n < 0 && io::Error::last_os_error().kind() == io::ErrorKind::WouldBlock)
    }

    pub fn is_unix(&self) -> bool {
        matches!(self, Stream::Unix(_))
    }

    pub fn fd(&self) -> RawFd {
        match self {
            Stream::Tcp(s) => s.as_raw_fd(),
            Stream::Unix(s) => s.as_raw_fd(),
        }
    }

    /// The pending error of a non-blocking connect, if it failed.
    pub fn take_error(&self) -> io::Result<Option<io::Error>> {
        match self {
            Stream::Tcp(s) => s.take_error(),
            Stream::Unix(s) => s.take_error(),
        }
    }

    /// True once a non-blocking connect has completed.
    pub fn is_connected(&self) -> bool {
        match self {
            Stream::Tcp(s) => s.peer_addr().is_ok(),
            Stream::Unix(s) => s.peer_addr().is_ok(),
        }
    }

    /// The peer's address as libzmq reports it in "Peer-Address": the IP for tcp, the
    /// peer's credentials (`localhost:uid:gid:pid`) for ipc.
    pub fn peer_address(&self) -> String {
        super::socket_options::peer_address_string(self.fd()).unwrap_or_default()
    }

    /// The local and remote endpoints as libzmq's monitor v2 names them
    /// (`tcp://127.0.0.1:5555`, `ipc://path`, `ipc://` for an unnamed unix end); empty
    /// where the system has none.
    pub fn endpoint_addresses(&self) -> (String, String) {
        match self {
            Stream::Tcp(s) => {
                let text = |a: std::io::Result<std::net::SocketAddr>| {
                    a.map(|a| super::tcp_address::endpoint_string(&a))
                        .unwrap_or_default()
                };
                (text(s.local_addr()), text(s.peer_addr()))
            }
            Stream::Unix(s) => {
                use super::ipc_address::{connection_end, SocketEnd};
                (
                    connection_end(s.as_raw_fd(), SocketEnd::Local),
                    connection_end(s.as_raw_fd(), SocketEnd::Peer),
                )
            }
        }
    }

    pub fn register(&mut self, registry: &Registry, token: Token) -> io::Result<()> {
        let interest = Interest::READABLE | Interest::WRITABLE;
        match self {
            Stream::Tcp(s) => s.register(registry, token, interest),
            Stream::Unix(s) => s.register(registry, token, interest),
        }
    }

    pub fn deregister(&mut self, registry: &Registry) {
        let _ = match self {
            Stream::Tcp(s) => s.deregister(registry),
            Stream::Unix(s) => s.deregister(registry),
        };
    }
}
