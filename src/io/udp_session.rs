//! A udp endpoint in an I/O thread: one non-blocking UDP socket and the pipe to its
//! socket, no connection. A RADIO's (`connect`) reads each message from the pipe and
//! sends it as one datagram to the target; a DISH's (`bind`) turns each datagram it
//! receives into a message with its group (the DISH filters by the groups it joined,
//! and the joins it sends down the pipe are read and dropped). The datagram is
//! libzmq's: one byte of group length, the group, then the body; at most
//! `MAX_DATAGRAM` bytes (larger messages are dropped; longer datagrams are cut).
//! A DGRAM's (`bind`) does both, raw: each datagram is the body alone, and messages
//! are two parts, the peer's "ip:port" then the body. Over an IPv6 socket (ZMQ_IPV6)
//! an IPv4 peer (v4-mapped) is still "ip:port" and an IPv6 one "[ip%zone]:port",
//! read back the same way (libzmq's DGRAM handles IPv4 only, and aborts on an IPv6
//! peer).

use super::Reactor;
use crate::msg::{Msg, GROUP_MAX_LENGTH};
use crate::pipe::{Pipe, PipeCommand};
use mio::net::UdpSocket;
use mio::{Interest, Token};
use std::io::ErrorKind;
use std::net::SocketAddr;

/// libzmq's udp engine buffer size.
pub const MAX_DATAGRAM: usize = 8192;

/// What a udp endpoint does.
#[derive(Clone, Copy)]
pub enum UdpMode {
    /// A RADIO's: sends group datagrams to the address.
    Send(SocketAddr),
    /// A DISH's: receives group datagrams.
    Receive,
    /// A DGRAM's: sends and receives raw datagrams, addressed by the message's first part.
    Raw,
}

/// What the I/O thread needs to run a udp endpoint.
pub struct UdpSpec {
    pub id: u64,
    pub socket: std::net::UdpSocket,
    pub mode: UdpMode,
    pub pipe: Pipe,
}

pub struct UdpSession {
    id: u64,
    socket: UdpSocket,
    mode: UdpMode,
    pipe: Pipe,
    /// A datagram the kernel refused for now (EAGAIN) and where it goes: sent when
    /// writable again.
    pending: Option<(Vec<u8>, SocketAddr)>,
    /// Raw mode: the address part read, waiting for its body.
    raw_address: Option<Option<SocketAddr>>,
    /// The socket is an IPv6 one: IPv4 destinations go as v4-mapped addresses.
    ipv6: bool,
    done: bool,
}

impl UdpSession {
    pub fn new(spec: UdpSpec) -> UdpSession {
        let ipv6 = spec.socket.local_addr().is_ok_and(|a| a.is_ipv6());
        UdpSession {
            id: spec.id,
            socket: UdpSocket::from_std(spec.socket),
            mode: spec.mode,
            pipe: spec.pipe,
            pending: None,
            raw_address: None,
            ipv6,
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
        let interest = match self.mode {
            UdpMode::Send(_) => Interest::WRITABLE,
            UdpMode::Receive => Interest::READABLE,
            UdpMode::Raw => Interest::READABLE | Interest::WRITABLE,
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
        match self.mode {
            UdpMode::Send(_) | UdpMode::Raw => self.send_queued(),
            UdpMode::Receive => {
                // The DISH's joins and leaves: nothing to do with them here.
                while self.pipe.read().is_some() {}
            }
        }
        if !matches!(self.mode, UdpMode::Send(_)) {
            self.receive();
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
            PipeCommand::StatsRequest(_, stats) => {
                self.pipe.answer_stats(stats);
                return;
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

    /// The next datagram to send and where, from the pipe; None when it is empty.
    fn next_datagram(&mut self) -> Option<(Vec<u8>, SocketAddr)> {
        loop {
            let msg = self.pipe.read()?;
            match self.mode {
                UdpMode::Send(target) => {
                    if let Some(d) = encode(&msg) {
                        return Some((d, target));
                    }
                }
                UdpMode::Raw => match self.raw_address.take() {
                    None if msg.more() => self.raw_address = Some(parse_raw_address(msg.data())),
                    // A body: sent if its address was valid (else dropped, as libzmq).
                    Some(address) if !msg.more() => {
                        if let Some(to) = address.filter(|_| msg.data().len() <= MAX_DATAGRAM) {
                            return Some((msg.data().to_vec(), self.in_family(to)));
                        }
                    }
                    // Not address-then-body (the DGRAM socket prevents it): skip.
                    _ => {}
                },
                UdpMode::Receive => {}
            }
        }
    }

    /// An IPv4 destination as an IPv6 socket reaches it (v4-mapped).
    fn in_family(&self, to: SocketAddr) -> SocketAddr {
        match to {
            SocketAddr::V4(v4) if self.ipv6 => {
                SocketAddr::from((v4.ip().to_ipv6_mapped(), v4.port()))
            }
            other => other,
        }
    }

    fn send_queued(&mut self) {
        loop {
            let Some((datagram, to)) = self.pending.take().or_else(|| self.next_datagram()) else {
                return;
            };
            match self.socket.send_to(&datagram, to) {
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    self.pending = Some((datagram, to));
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
                Ok((n, from)) => {
                    let Some(datagram) = buffer.get(..n) else {
                        continue;
                    };
                    if matches!(self.mode, UdpMode::Raw) {
                        let mut address = Msg::from_slice(raw_address_text(from).as_bytes());
                        address.set_flags(crate::msg::flags::MORE);
                        // Both parts or neither: check_write said there is room.
                        if self.pipe.write(address).is_ok() {
                            let _ = self.pipe.write(Msg::from_slice(datagram));
                        }
                    } else if let Some(msg) = decode(datagram) {
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

/// A DGRAM's address part, as libzmq writes it: "ip:port" and a NUL; an IPv6 peer
/// as "[ip%zone]:port" (a v4-mapped one as its IPv4 address).
fn raw_address_text(from: SocketAddr) -> String {
    match from {
        SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
            Some(v4) => format!("{v4}:{}\0", v6.port()),
            None => format!("{v6}\0"),
        },
        SocketAddr::V4(v4) => format!("{}:{}\0", v4.ip(), v4.port()),
    }
}

/// A DGRAM's address part, as libzmq reads it: a numeric IPv4 address, ':', and a
/// port read as `atoi` would (digits up to the first other byte, 0 is no port); or,
/// beyond libzmq, "[ip%zone]:port" for an IPv6 peer (the text `raw_address_text`
/// writes, NUL included).
pub fn parse_raw_address(text: &[u8]) -> Option<SocketAddr> {
    if text.first() == Some(&b'[') {
        let text = text.strip_suffix(b"\0").unwrap_or(text);
        let v6: std::net::SocketAddrV6 = std::str::from_utf8(text).ok()?.parse().ok()?;
        return (v6.port() != 0).then_some(SocketAddr::V6(v6));
    }
    let colon = text.iter().rposition(|&b| b == b':')?;
    let host = std::str::from_utf8(text.get(..colon)?).ok()?;
    let ip: std::net::Ipv4Addr = host.parse().ok()?;
    let digits: Vec<u8> = text
        .get(colon + 1..)?
        .iter()
        .copied()
        .take_while(u8::is_ascii_digit)
        .collect();
    let port: u16 = std::str::from_utf8(&digits).ok()?.parse().ok()?;
    (port != 0).then_some(SocketAddr::from((ip, port)))
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
    fn raw_addresses() {
        let a: SocketAddr = "127.0.0.1:5555".parse().unwrap();
        assert_eq!(raw_address_text(a), "127.0.0.1:5555\0");
        assert_eq!(parse_raw_address(b"127.0.0.1:5555\0"), Some(a));
        assert_eq!(parse_raw_address(b"127.0.0.1:5555"), Some(a));
        assert_eq!(parse_raw_address(b"127.0.0.1:0"), None);
        assert_eq!(parse_raw_address(b"127.0.0.1"), None);
        assert_eq!(parse_raw_address(b"localhost:5555"), None);
        assert_eq!(parse_raw_address(b""), None);
    }

    #[test]
    fn raw_ipv6_addresses() {
        let a: SocketAddr = "[::1]:5555".parse().unwrap();
        assert_eq!(raw_address_text(a), "[::1]:5555\0");
        assert_eq!(parse_raw_address(b"[::1]:5555\0"), Some(a));
        let zoned: SocketAddr = "[fe80::1%4]:5555".parse().unwrap();
        assert_eq!(raw_address_text(zoned), "[fe80::1%4]:5555\0");
        assert_eq!(parse_raw_address(b"[fe80::1%4]:5555"), Some(zoned));
        // An IPv4 peer of an IPv6 socket reads as IPv4.
        let mapped: SocketAddr = "[::ffff:127.0.0.1]:5555".parse().unwrap();
        assert_eq!(raw_address_text(mapped), "127.0.0.1:5555\0");
        assert_eq!(parse_raw_address(b"[::1]:0"), None);
        assert_eq!(parse_raw_address(b"[::1]"), None);
        assert_eq!(parse_raw_address(b"::1:5555"), None);
        assert_eq!(parse_raw_address(b"[::1]:5555x"), None);
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
