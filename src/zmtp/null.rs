//! The NULL security mechanism: each side sends READY with its metadata and checks the
//! peer's READY.
//!
//! Driving it: after a 3.x greeting, the engine sends what [`NullHandshake::poll_command`]
//! writes (as COMMAND frames) and passes every COMMAND frame body it receives to
//! [`NullHandshake::handle_command`] until [`NullHandshake::is_complete`]. On an error
//! the engine still drains `poll_command` (it may hold an ERROR for the peer), reports
//! the error and closes. ZAP for NULL (only with `ZMQ_ZAP_DOMAIN`) is the engine's.

use super::command::Command;
use super::metadata::{self, Metadata};
use super::ProtocolError;
use crate::constants::*;
use crate::error::Error;

/// Draft socket types (not in the stable `constants`), numbered as in libzmq's zmq.h.
const ZMQ_SERVER: i32 = 12;
const ZMQ_CLIENT: i32 = 13;
const ZMQ_RADIO: i32 = 14;
const ZMQ_DISH: i32 = 15;
const ZMQ_GATHER: i32 = 16;
const ZMQ_SCATTER: i32 = 17;
const ZMQ_DGRAM: i32 = 18;
const ZMQ_PEER: i32 = 19;
const ZMQ_CHANNEL: i32 = 20;

/// The reason we send in ERROR when the peer's socket type does not fit ours.
pub const INVALID_SOCKET_TYPE_REASON: &[u8] = b"Invalid socket type";

/// The `Socket-Type` property value of a `ZMQ_*` socket type.
pub fn socket_type_name(socket_type: i32) -> Option<&'static str> {
    Some(match socket_type {
        ZMQ_PAIR => "PAIR",
        ZMQ_PUB => "PUB",
        ZMQ_SUB => "SUB",
        ZMQ_REQ => "REQ",
        ZMQ_REP => "REP",
        ZMQ_DEALER => "DEALER",
        ZMQ_ROUTER => "ROUTER",
        ZMQ_PULL => "PULL",
        ZMQ_PUSH => "PUSH",
        ZMQ_XPUB => "XPUB",
        ZMQ_XSUB => "XSUB",
        ZMQ_STREAM => "STREAM",
        ZMQ_SERVER => "SERVER",
        ZMQ_CLIENT => "CLIENT",
        ZMQ_RADIO => "RADIO",
        ZMQ_DISH => "DISH",
        ZMQ_GATHER => "GATHER",
        ZMQ_SCATTER => "SCATTER",
        ZMQ_DGRAM => "DGRAM",
        ZMQ_PEER => "PEER",
        ZMQ_CHANNEL => "CHANNEL",
        _ => return None,
    })
}

/// Whether a peer announcing `peer` may talk to a socket of type `ours` (ZMTP 3.x
/// valid-peers table; names compare exactly, as libzmq does).
pub fn is_valid_peer(ours: i32, peer: &[u8]) -> bool {
    let valid: &[&str] = match ours {
        ZMQ_REQ => &["REP", "ROUTER"],
        ZMQ_REP => &["REQ", "DEALER"],
        ZMQ_DEALER => &["REP", "DEALER", "ROUTER"],
        ZMQ_ROUTER => &["REQ", "DEALER", "ROUTER"],
        ZMQ_PUSH => &["PULL"],
        ZMQ_PULL => &["PUSH"],
        ZMQ_PUB | ZMQ_XPUB => &["SUB", "XSUB"],
        ZMQ_SUB | ZMQ_XSUB => &["PUB", "XPUB"],
        ZMQ_PAIR => &["PAIR"],
        ZMQ_SERVER => &["CLIENT"],
        ZMQ_CLIENT => &["SERVER"],
        ZMQ_RADIO => &["DISH"],
        ZMQ_DISH => &["RADIO"],
        ZMQ_GATHER => &["SCATTER"],
        ZMQ_SCATTER => &["GATHER"],
        ZMQ_PEER => &["PEER"],
        ZMQ_CHANNEL => &["CHANNEL"],
        _ => &[],
    };
    valid.iter().any(|name| name.as_bytes() == peer)
}

/// Builds our READY property list: `Socket-Type`, `Identity` (REQ, DEALER and ROUTER
/// only, even when empty, as libzmq does), then the caller's extra properties.
/// Shared with the other mechanisms, which send the same list in READY/INITIATE.
pub fn build_ready_metadata(
    socket_type: i32,
    routing_id: &[u8],
    extra: &Metadata,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    let name = socket_type_name(socket_type).ok_or(Error::Inval)?;
    metadata::write_property(out, metadata::SOCKET_TYPE.as_bytes(), name.as_bytes())
        .map_err(|_| Error::Inval)?;
    if matches!(socket_type, ZMQ_REQ | ZMQ_DEALER | ZMQ_ROUTER) {
        if routing_id.len() > 255 {
            return Err(Error::Inval);
        }
        metadata::write_property(out, metadata::IDENTITY.as_bytes(), routing_id)
            .map_err(|_| Error::Inval)?;
    }
    extra.encode(out);
    Ok(())
}

/// Parses a peer's READY/INITIATE property list and checks its `Socket-Type`.
pub fn check_peer_metadata(socket_type: i32, data: &[u8]) -> Result<Metadata, ProtocolError> {
    let peer = Metadata::parse(data)?;
    match peer.get(metadata::SOCKET_TYPE) {
        Some(name) if is_valid_peer(socket_type, name) => Ok(peer),
        _ => Err(ProtocolError::InvalidSocketType),
    }
}

/// What the NULL mechanism is configured with.
#[derive(Debug, Clone, Default)]
pub struct NullConfig {
    pub socket_type: i32,
    /// `ZMQ_ROUTING_ID` (sent as `Identity` by REQ, DEALER, ROUTER).
    pub routing_id: Vec<u8>,
    /// `ZMQ_METADATA` properties (`X-*` names), sent after the standard ones.
    pub properties: Metadata,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Handshaking,
    Complete,
    Failed,
}

/// The NULL handshake of one connection.
#[derive(Debug)]
pub struct NullHandshake {
    socket_type: i32,
    ready: Option<Vec<u8>>,
    error: Option<Vec<u8>>,
    ready_sent: bool,
    peer: Option<Metadata>,
    state: State,
}

impl NullHandshake {
    /// Fails with `Inval` for a socket type that cannot speak ZMTP or an over-long
    /// routing id.
    pub fn new(config: &NullConfig) -> Result<Self, Error> {
        let mut ready = Vec::new();
        Command::Ready(&[]).encode(&mut ready);
        build_ready_metadata(
            config.socket_type,
            &config.routing_id,
            &config.properties,
            &mut ready,
        )?;
        Ok(NullHandshake {
            socket_type: config.socket_type,
            ready: Some(ready),
            error: None,
            ready_sent: false,
            peer: None,
            state: State::Handshaking,
        })
    }

    /// Appends the next command body to send (frame it with `FrameFlags::COMMAND`) and
    /// returns true, or returns false when there is nothing to send.
    pub fn poll_command(&mut self, out: &mut Vec<u8>) -> bool {
        if let Some(error) = self.error.take() {
            Command::Error(&error).encode(out);
            return true;
        }
        if self.state == State::Failed {
            return false;
        }
        match self.ready.take() {
            Some(ready) => {
                out.extend_from_slice(&ready);
                self.ready_sent = true;
                self.update();
                true
            }
            None => false,
        }
    }

    /// Processes one COMMAND frame body from the peer.
    pub fn handle_command(&mut self, body: &[u8]) -> Result<(), ProtocolError> {
        if self.state != State::Handshaking {
            return Err(ProtocolError::UnexpectedCommand);
        }
        let result = self.process(body);
        if let Err(e) = &result {
            self.state = State::Failed;
            if *e == ProtocolError::InvalidSocketType {
                self.error = Some(INVALID_SOCKET_TYPE_REASON.to_vec());
            }
        }
        result
    }

    fn process(&mut self, body: &[u8]) -> Result<(), ProtocolError> {
        match Command::parse(body)? {
            Command::Ready(props) if self.peer.is_none() => {
                self.peer = Some(check_peer_metadata(self.socket_type, props)?);
                self.update();
                Ok(())
            }
            Command::Error(reason) => Err(ProtocolError::PeerError(reason.to_vec())),
            _ => Err(ProtocolError::UnexpectedCommand),
        }
    }

    fn update(&mut self) {
        if self.ready_sent && self.peer.is_some() && self.state == State::Handshaking {
            self.state = State::Complete;
        }
    }

    /// Both READYs exchanged: frames are now messages.
    pub fn is_complete(&self) -> bool {
        self.state == State::Complete
    }

    pub fn is_failed(&self) -> bool {
        self.state == State::Failed
    }

    /// The peer's READY properties (including `Socket-Type`, `Identity`, `X-*`).
    pub fn peer_metadata(&self) -> Option<&Metadata> {
        self.peer.as_ref()
    }

    pub fn take_peer_metadata(&mut self) -> Option<Metadata> {
        self.peer.take()
    }
}

#[cfg(test)]
mod tests {
    use super::super::frame::{Decoded, Decoder, Encoder, FrameFlags, Framing};
    use super::*;

    fn config(socket_type: i32, routing_id: &[u8]) -> NullConfig {
        NullConfig {
            socket_type,
            routing_id: routing_id.to_vec(),
            properties: Metadata::new(),
        }
    }

    /// Moves every pending command of `from` through the 3.x frame codec into `to`.
    fn pump(from: &mut NullHandshake, to: &mut NullHandshake) -> Result<usize, ProtocolError> {
        let enc = Encoder::new(Framing::V3);
        let mut wire = Vec::new();
        let mut body = Vec::new();
        while from.poll_command(&mut body) {
            enc.encode(FrameFlags::COMMAND, &body, &mut wire)?;
            body.clear();
        }
        let mut dec = Decoder::new(Framing::V3, -1);
        let mut pos = 0;
        let mut count = 0;
        while pos < wire.len() {
            let (n, event) = dec.decode(&wire[pos..])?;
            if let Some(Decoded::Frame { flags, body }) = event {
                assert!(flags.command);
                to.handle_command(&wire[pos..][body])?;
                count += 1;
            }
            pos += n;
        }
        Ok(count)
    }

    #[test]
    fn ready_bytes_match_libzmq() {
        let mut hs = NullHandshake::new(&config(ZMQ_DEALER, b"")).unwrap();
        let mut out = Vec::new();
        assert!(hs.poll_command(&mut out));
        assert_eq!(
            out,
            b"\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER\x08Identity\x00\x00\x00\x00"
        );
        assert!(!hs.poll_command(&mut out));

        let mut cfg = config(ZMQ_PUB, b"ignored");
        cfg.properties.push(b"X-Hello", b"World").unwrap();
        let mut hs = NullHandshake::new(&cfg).unwrap();
        let mut out = Vec::new();
        hs.poll_command(&mut out);
        assert_eq!(
            out,
            b"\x05READY\x0bSocket-Type\x00\x00\x00\x03PUB\x07X-Hello\x00\x00\x00\x05World"
        );
    }

    #[test]
    fn full_handshake_between_two_machines() {
        let mut client = NullHandshake::new(&config(ZMQ_REQ, b"me")).unwrap();
        let mut cfg = config(ZMQ_ROUTER, b"");
        cfg.properties.push(b"X-Who", b"router").unwrap();
        let mut server = NullHandshake::new(&cfg).unwrap();
        assert_eq!(pump(&mut client, &mut server), Ok(1));
        assert!(!server.is_complete(), "server has not sent READY yet");
        assert_eq!(pump(&mut server, &mut client), Ok(1));
        assert!(client.is_complete() && server.is_complete());
        let peer = server.peer_metadata().unwrap();
        assert_eq!(peer.get("Socket-Type"), Some(&b"REQ"[..]));
        assert_eq!(peer.get("identity"), Some(&b"me"[..]));
        assert_eq!(
            client.peer_metadata().unwrap().get("x-who"),
            Some(&b"router"[..])
        );
        // A second READY after completion is unexpected.
        assert_eq!(
            client.handle_command(b"\x05READY"),
            Err(ProtocolError::UnexpectedCommand)
        );
    }

    #[test]
    fn socket_type_mismatch_sends_error() {
        let mut sub = NullHandshake::new(&config(ZMQ_SUB, b"")).unwrap();
        let mut push = NullHandshake::new(&config(ZMQ_PUSH, b"")).unwrap();
        assert_eq!(
            pump(&mut push, &mut sub),
            Err(ProtocolError::InvalidSocketType)
        );
        assert!(sub.is_failed());
        // sub still owes its READY? No: after failure only the ERROR goes out.
        let mut out = Vec::new();
        assert!(sub.poll_command(&mut out));
        assert_eq!(out, b"\x05ERROR\x13Invalid socket type");
        assert!(!sub.poll_command(&mut out));
        // The peer receiving that ERROR fails with the reason.
        push.poll_command(&mut Vec::new());
        assert_eq!(
            push.handle_command(&out),
            Err(ProtocolError::PeerError(b"Invalid socket type".to_vec()))
        );
    }

    #[test]
    fn bad_peer_commands() {
        let new = || NullHandshake::new(&config(ZMQ_PAIR, b"")).unwrap();
        assert_eq!(
            new().handle_command(b"\x05HELLO"),
            Err(ProtocolError::UnexpectedCommand)
        );
        assert_eq!(
            new().handle_command(b"\x05READY\x01"),
            Err(ProtocolError::InvalidMetadata)
        );
        assert_eq!(
            new().handle_command(b"\x05READY"),
            Err(ProtocolError::InvalidSocketType)
        );
        assert!(matches!(
            new().handle_command(b"\x07"),
            Err(ProtocolError::MalformedCommand(_))
        ));
        let ready = b"\x05READY\x0bsocket-type\x00\x00\x00\x04PAIR";
        assert_eq!(new().handle_command(ready), Ok(()));
        let mut hs = new();
        for n in 0..ready.len() {
            assert!(new().handle_command(&ready[..n]).is_err());
        }
        assert!(hs.handle_command(ready).is_ok());
        assert_eq!(
            hs.handle_command(ready),
            Err(ProtocolError::UnexpectedCommand)
        );
    }

    #[test]
    fn valid_peer_table() {
        assert!(is_valid_peer(ZMQ_REQ, b"ROUTER"));
        assert!(!is_valid_peer(ZMQ_REQ, b"REQ"));
        assert!(is_valid_peer(ZMQ_XPUB, b"SUB"));
        assert!(!is_valid_peer(ZMQ_STREAM, b"STREAM"));
        assert!(!is_valid_peer(ZMQ_PAIR, b"pair"));
        assert!(NullHandshake::new(&config(99, b"")).is_err());
        assert!(NullHandshake::new(&config(ZMQ_DEALER, &[1u8; 256])).is_err());
    }
}
