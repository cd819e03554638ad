//! A udp endpoint in an I/O thread: one non-blocking UDP socket and the pipe to its
//! socket, no connection. A RADIO's (`connect`) reads each message from the pipe and
//! sends it as one datagram to the target; a DISH's (`bind`) turns each datagram it
//! receives into a message with its group (the DISH filters by the groups it joined,
//! and the joins it sends down the pipe are read and dropped). The datagram is
//! libzmq's: one byte of group length, the group, then the body; at most
//! `MAX_DATAGRAM` bytes (larger messages are dropped; longer datagrams are cut).

use super::Reactor;
use crate::msg::{Msg, GROUP_MAX_LENGTH};
use crate::pipe::{Pipe, PipeCommand};
use mio::net::UdpSocket;
use mio::{Interest, Token};
use std::io::ErrorKind;
use std::net::SocketAddr;

/// libzmq's udp engine buffer size.
pub const MAX_DATAGRAM: usize = 8192;

/// What the I/O thread needs to run a udp endpoint.
pub struct UdpSpec {
    pub id: u64,
    pub socket: std::net::UdpSocket,
    /// Where to send (a RADIO); None for a receiver (a DISH).
    pub target: Option<SocketAddr>,
    pub pipe: Pipe,
}

pub struct UdpSession {
    id: u64,
    socket: UdpSocket,
    target: Option<SocketAddr>,
    pipe: Pipe,
    /// A datagram the kernel refused for now (EAGAIN): sent when writable again.
    pending: Option<Vec<u8>>,
    done: bool,
}

impl UdpSession {
    pub fn new(spec: UdpSpec) -> UdpSession {
        UdpSession {
            id: spec.id,
            socket: UdpSocket::from_std(spec.socket),
            target: spec.target,
            pipe: spec.pipe,
            pending: None,
            done: false,
        }
    }

    pub fn id(&self) -> u64 {
        self.id
    }

    pub fn is_done(&self) -> bool {
        self.done
    }

    pub fn start(&mut self, reactor: &mut Reactor, token: Token) {
        let interest = if self.target.is_some() {
            Interest::WRITABLE
        } else {
            Interest::READABLE
        };
        if reactor
            .registry()
            .register(&mut self.socket, token, interest)
            .is_err()
        {
            self.finish(reactor);
            return;
        }
        self.pump(reactor);
    }

    /// Moves what can move: pipe -> datagrams, or datagrams -> pipe.
    pub fn pump(&mut self, reactor: &mut Reactor) {
        if self.done {
            return;
        }
        match self.target {
            Some(target) => self.send_queued(target),
            None => {
                self.receive();
                // The DISH's joins and leaves: nothing to do with them here.
                while self.pipe.read().is_some() {}
            }
        }
        if self.pipe.is_done() {
            self.finish(reactor);
        }
    }

    pub fn pipe_command(&mut self, reactor: &mut Reactor, command: PipeCommand) {
        match command {
            PipeCommand::ActivateRead(_) => {
                self.pipe.activate_read();
            }
            PipeCommand::ActivateWrite(_, n) => {
                self.pipe.activate_write(n);
            }
            PipeCommand::PipeTerm(_) => {
                self.pipe.peer_terminated();
            }
            _ => {}
        }
        self.pump(reactor);
    }

    /// Closes at once (a datagram transport has nothing worth lingering for).
    pub fn close(&mut self, reactor: &mut Reactor) {
        self.finish(reactor);
    }

    fn finish(&mut self, reactor: &mut Reactor) {
        if self.done {
            return;
        }
        self.done = true;
        let _ = reactor.registry().deregister(&mut self.socket);
        self.pipe.terminate();
    }

    fn send_queued(&mut self, target: SocketAddr) {
        loop {
            let datagram = match self.pending.take() {
                Some(d) => d,
                None => match self.pipe.read() {
                    Some(msg) => match encode(&msg) {
                        Some(d) => d,
                        None => continue,
                    },
                    None => return,
                },
            };
            match self.socket.send_to(&datagram, target) {
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    self.pending = Some(datagram);
                    return;
                }
                // Datagrams are unreliable: any other failure loses this one only.
                _ => {}
            }
        }
    }

    fn receive(&mut self) {
        let mut buffer = [0u8; MAX_DATAGRAM];
        // A full pipe leaves datagrams in the kernel's buffer until the socket reads
        // (ActivateWrite pumps again).
        while self.pipe.check_write() {
            match self.socket.recv_from(&mut buffer) {
                Ok((n, _)) => {
                    if let Some(msg) = buffer.get(..n).and_then(decode) {
                        let _ = self.pipe.write(msg);
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        self.pipe.flush();
    }
}

/// A message as a datagram; None when it does not fit in one.
pub fn encode(msg: &Msg) -> Option<Vec<u8>> {
    let group = msg.group().to_bytes();
    let body = msg.data();
    let size = 1 + group.len() + body.len();
    if group.len() > GROUP_MAX_LENGTH || size > MAX_DATAGRAM {
        return None;
    }
    let mut datagram = Vec::with_capacity(size);
    datagram.push(group.len() as u8);
    datagram.extend_from_slice(group);
    datagram.extend_from_slice(body);
    Some(datagram)
}

/// A datagram as a message with its group; None when it is malformed (no length
/// byte, a group longer than the datagram, or a group with a NUL byte).
pub fn decode(datagram: &[u8]) -> Option<Msg> {
    let (&len, rest) = datagram.split_first()?;
    let group = rest.get(..len as usize)?;
    let body = rest.get(len as usize..)?;
    let mut msg = Msg::from_slice(body);
    msg.set_group(group).ok()?;
    Some(msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datagram_is_group_length_group_body() {
        let mut msg = Msg::from_slice(b"Hello");
        msg.set_group(b"TV").unwrap();
        let d = encode(&msg).unwrap();
        assert_eq!(d, b"\x02TVHello");
        let back = decode(&d).unwrap();
        assert_eq!(back.data(), b"Hello");
        assert_eq!(back.group().to_bytes(), b"TV");
    }

    #[test]
    fn empty_group_and_body() {
        let d = encode(&Msg::from_slice(b"")).unwrap();
        assert_eq!(d, b"\x00");
        assert_eq!(decode(&d).unwrap().data(), b"");
    }

    #[test]
    fn malformed_and_oversized() {
        assert!(decode(b"").is_none());
        assert!(decode(b"\x05ab").is_none());
        assert!(decode(b"\x01\x00x").is_none());
        assert!(encode(&Msg::from_slice(&[0u8; MAX_DATAGRAM])).is_none());
        assert!(encode(&Msg::from_slice(&[0u8; MAX_DATAGRAM - 1])).is_some());
    }
}
