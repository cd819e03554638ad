//! Drives a [`SocksClient`] over a connection to the proxy: writes what it has to
//! send, reads no more than it wants (whatever follows the proxy's reply belongs to
//! the engine), and keeps going until the socket would block, since readiness events
//! are edge-triggered.

use crate::transport::socks::{SocksClient, SocksError};
use crate::transport::stream::Stream;
use std::io::{self, IoSlice};

/// Where the handshake stands after [`advance`].
#[derive(Debug, PartialEq, Eq)]
pub enum Progress {
    /// Waiting for the socket to become readable or writable.
    Pending,
    /// The proxy connected us to the target: the stream now carries ZMTP.
    Done,
}

/// Why the proxied connection attempt failed.
#[derive(Debug)]
pub enum HandshakeError {
    Io(io::Error),
    /// The proxy closed the connection in the middle of the handshake.
    Closed,
    Socks(SocksError),
}

/// Moves the handshake as far as the socket allows.
pub fn advance(stream: &mut Stream, client: &mut SocksClient) -> Result<Progress, HandshakeError> {
    let mut buffer = [0u8; 262];
    loop {
        while !client.output().is_empty() {
            match stream.write_vectored(&[IoSlice::new(client.output())]) {
                Ok(n) => client.consume_output(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Progress::Pending),
                Err(e) => return Err(HandshakeError::Io(e)),
            }
        }
        if client.is_done() {
            return Ok(Progress::Done);
        }
        let wanted = client.wanted().min(buffer.len());
        if wanted == 0 {
            return Ok(Progress::Pending);
        }
        let Some(chunk) = buffer.get_mut(..wanted) else {
            return Ok(Progress::Pending);
        };
        match stream.read(chunk) {
            Ok(0) => return Err(HandshakeError::Closed),
            Ok(n) => {
                let received = chunk.get(..n).unwrap_or_default();
                client.receive(received).map_err(HandshakeError::Socks)?;
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Progress::Pending),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(HandshakeError::Io(e)),
        }
    }
}
