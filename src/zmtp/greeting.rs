//! The greeting: the first bytes each side sends, and how the peer's ZMTP version is
//! told from them.
//!
//! libzmq sends its greeting in three steps so that old peers can be served: the 10-byte
//! signature at once (`0xFF`, a 1.0-compatible length, `0x7F`); the major version (3) once
//! the peer's signature shows it is versioned; then, once the peer's revision byte is
//! known, either the socket type (1.0/2.0 peers, a 12-byte greeting) or the rest of the
//! 64-byte 3.x greeting. [`GreetingExchange`] reproduces exactly that byte sequence.
//! A first byte other than `0xFF`, or bit 0 of byte 9 clear, means an unversioned ZMTP
//! 1.0 peer whose bytes so far already belong to its first (identity) frame.

use super::ProtocolError;

/// Length of the full ZMTP 3.x greeting.
pub const GREETING_LEN: usize = 64;
/// Length of the signature (`0xFF`, 8 padding bytes, `0x7F`).
pub const SIGNATURE_LEN: usize = 10;
/// Length of the ZMTP 1.0/2.0 versioned greeting (signature, revision, socket type).
pub const V2_GREETING_LEN: usize = 12;
/// Length of the mechanism name field.
pub const MECHANISM_LEN: usize = 20;

const REVISION_POS: usize = 10;
const MINOR_POS: usize = 11;
const MECHANISM_POS: usize = 12;
const AS_SERVER_POS: usize = 32;

/// The security mechanisms libzmq knows, by their greeting names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mechanism {
    Null,
    Plain,
    Curve,
    Gssapi,
}

impl Mechanism {
    /// The ASCII name carried in the greeting.
    pub fn name(self) -> &'static [u8] {
        match self {
            Mechanism::Null => b"NULL",
            Mechanism::Plain => b"PLAIN",
            Mechanism::Curve => b"CURVE",
            Mechanism::Gssapi => b"GSSAPI",
        }
    }

    /// The 20-byte NUL-padded field.
    pub fn field(self) -> [u8; MECHANISM_LEN] {
        let mut field = [0u8; MECHANISM_LEN];
        let name = self.name();
        field[..name.len()].copy_from_slice(name);
        field
    }
}

/// A ZMTP 3.x greeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Greeting {
    pub major: u8,
    pub minor: u8,
    /// The raw 20-byte mechanism field (NUL padded).
    pub mechanism: [u8; MECHANISM_LEN],
    pub as_server: bool,
}

impl Greeting {
    /// A version 3.1 greeting, as libzmq 4.3.5 sends it.
    pub fn new(mechanism: Mechanism, as_server: bool) -> Self {
        Greeting {
            major: 3,
            minor: 1,
            mechanism: mechanism.field(),
            as_server,
        }
    }

    /// The 64 bytes on the wire. The padding carries a 1.0-compatible length of 1
    /// (as libzmq does for an empty routing id).
    pub fn encode(&self) -> [u8; GREETING_LEN] {
        let mut out = [0u8; GREETING_LEN];
        out[0] = 0xFF;
        out[8] = 0x01;
        out[9] = 0x7F;
        out[REVISION_POS] = self.major;
        out[MINOR_POS] = self.minor;
        out[MECHANISM_POS..AS_SERVER_POS].copy_from_slice(&self.mechanism);
        out[AS_SERVER_POS] = u8::from(self.as_server);
        out
    }

    /// Parses a full 3.x greeting. Only the signature and version are checked, as libzmq
    /// does; the mechanism is compared by the caller ([`Greeting::mechanism_is`]).
    pub fn parse(bytes: &[u8]) -> Result<Greeting, ProtocolError> {
        let bytes: &[u8; GREETING_LEN] = bytes
            .get(..GREETING_LEN)
            .and_then(|b| b.try_into().ok())
            .ok_or(ProtocolError::MalformedGreeting)?;
        if bytes[0] != 0xFF || bytes[9] & 0x01 == 0 || bytes[REVISION_POS] < 3 {
            return Err(ProtocolError::MalformedGreeting);
        }
        let mut mechanism = [0u8; MECHANISM_LEN];
        mechanism.copy_from_slice(&bytes[MECHANISM_POS..AS_SERVER_POS]);
        Ok(Greeting {
            major: bytes[REVISION_POS],
            minor: bytes[MINOR_POS],
            mechanism,
            as_server: bytes[AS_SERVER_POS] != 0,
        })
    }

    /// The mechanism name without its NUL padding.
    pub fn mechanism_name(&self) -> &[u8] {
        let end = self
            .mechanism
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(MECHANISM_LEN);
        &self.mechanism[..end]
    }

    /// Whether the field is exactly `mechanism`'s (name and NUL padding, as libzmq
    /// compares it).
    pub fn mechanism_is(&self, mechanism: Mechanism) -> bool {
        self.mechanism == mechanism.field()
    }
}

/// The protocol the peer speaks, as libzmq decides it from the greeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeerVersion {
    /// ZMTP 1.0 without a signature: the greeting bytes are its identity frame.
    V1Unversioned,
    /// Signature with revision 0: ZMTP 1.0 framing after a 12-byte greeting.
    V1,
    /// Revision 1: ZMTP 2.0.
    V2,
    /// 3.0: commands, but subscriptions as `0x01`/`0x00` messages.
    V3_0,
    /// 3.1 or later (also any revision libzmq does not know).
    V3_1,
}

/// What our side of the exchange is configured with.
#[derive(Debug, Clone, Copy)]
pub struct GreetingConfig {
    /// Our `ZMQ_*` socket type (sent to 1.0/2.0 peers).
    pub socket_type: u8,
    /// Length of our routing id (announced in the 1.0-compatible padding).
    pub routing_id_len: usize,
    pub mechanism: Mechanism,
    /// libzmq 4.3.5 always sends 0 here; set it only to deviate deliberately.
    pub as_server: bool,
    /// ZAP is in use (`ZMQ_ZAP_DOMAIN` set): old peers are then refused, as they are
    /// with any mechanism other than NULL.
    pub zap_enabled: bool,
}

/// The outcome of a completed greeting exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    pub version: PeerVersion,
    /// The peer's 3.x greeting (for `V3_0`/`V3_1`).
    pub greeting: Option<Greeting>,
    /// The socket type byte of a 1.0/2.0 versioned peer.
    pub peer_socket_type: Option<u8>,
    replay: [u8; SIGNATURE_LEN],
    replay_len: usize,
}

impl Detected {
    /// For `V1Unversioned`: bytes the exchange consumed that are the start of the
    /// peer's first frame; feed them to the 1.0 decoder before anything else.
    pub fn replay(&self) -> &[u8] {
        self.replay.get(..self.replay_len).unwrap_or(&[])
    }

    /// What the engine sends next: for `V1Unversioned` the frame header of our routing
    /// id is already out (the signature doubles as it), so only the id's bytes follow;
    /// for `V1`/`V2` the routing id goes out as a whole first frame; for 3.x the
    /// mechanism handshake starts.
    pub fn routing_id_header_sent(&self) -> bool {
        self.version == PeerVersion::V1Unversioned
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Receiving,
    Done,
    Failed,
}

/// Both directions of the greeting, driven by bytes: `take_output` what to send,
/// `feed` what arrived.
#[derive(Debug)]
pub struct GreetingExchange {
    config: GreetingConfig,
    state: State,
    /// Our greeting, built up as the peer's bytes permit.
    send: [u8; GREETING_LEN],
    send_len: usize,
    /// How much of `send` was handed out.
    sent: usize,
    recv: [u8; GREETING_LEN],
    recv_len: usize,
    /// How many greeting bytes we expect from the peer (12 for old peers, 64 for 3.x).
    expected: usize,
}

impl GreetingExchange {
    pub fn new(config: GreetingConfig) -> Self {
        let mut send = [0u8; GREETING_LEN];
        send[0] = 0xFF;
        let len = (config.routing_id_len as u64).saturating_add(1);
        send[1..9].copy_from_slice(&len.to_be_bytes());
        send[9] = 0x7F;
        GreetingExchange {
            config,
            state: State::Receiving,
            send,
            send_len: SIGNATURE_LEN,
            sent: 0,
            recv: [0u8; GREETING_LEN],
            recv_len: 0,
            expected: V2_GREETING_LEN,
        }
    }

    /// Appends the greeting bytes that may be sent now and were not taken before.
    pub fn take_output(&mut self, out: &mut Vec<u8>) {
        if let Some(bytes) = self.send.get(self.sent..self.send_len) {
            out.extend_from_slice(bytes);
        }
        self.sent = self.send_len;
    }

    /// Whether `take_output` has something to give.
    pub fn has_output(&self) -> bool {
        self.sent < self.send_len
    }

    /// Consumes greeting bytes from `input` (never more than the greeting) and returns
    /// how many, plus the outcome once the peer's version is known. Bytes after the
    /// returned count belong to the frame stream. Call `take_output` after each feed:
    /// the peer's bytes may release more of ours.
    pub fn feed(&mut self, input: &[u8]) -> Result<(usize, Option<Detected>), ProtocolError> {
        match self.state {
            State::Receiving => {}
            State::Done => return Ok((0, None)),
            State::Failed => return Err(ProtocolError::MalformedGreeting),
        }
        let mut consumed = 0;
        for &byte in input {
            if self.recv_len >= self.expected {
                break;
            }
            if let Some(slot) = self.recv.get_mut(self.recv_len) {
                *slot = byte;
            }
            self.recv_len += 1;
            consumed += 1;
            if let Some(detected) = self.step() {
                return match detected {
                    Ok(d) => {
                        self.state = State::Done;
                        Ok((consumed, Some(d)))
                    }
                    Err(e) => {
                        self.state = State::Failed;
                        Err(e)
                    }
                };
            }
        }
        Ok((consumed, None))
    }

    /// Reacts to the byte just received; `Some` once the exchange is decided.
    fn step(&mut self) -> Option<Result<Detected, ProtocolError>> {
        let n = self.recv_len;
        if self.recv[0] != 0xFF || (n == SIGNATURE_LEN && self.recv[9] & 0x01 == 0) {
            return Some(self.finish(PeerVersion::V1Unversioned));
        }
        if n == SIGNATURE_LEN {
            // Versioned peer: announce our major version.
            self.push_send(&[3]);
        } else if n == REVISION_POS + 1 {
            let revision = self.recv[REVISION_POS];
            if revision == 0 || revision == 1 {
                self.push_send(&[self.config.socket_type]);
            } else {
                self.push_send(&[1]);
                self.push_send(&self.config.mechanism.field());
                self.push_send(&[u8::from(self.config.as_server)]);
                self.push_send(&[0u8; 31]);
                self.expected = GREETING_LEN;
            }
        }
        if n < self.expected {
            return None;
        }
        let version = match (self.recv[REVISION_POS], self.recv[MINOR_POS]) {
            (0, _) => PeerVersion::V1,
            (1, _) => PeerVersion::V2,
            (3, 0) => PeerVersion::V3_0,
            _ => PeerVersion::V3_1,
        };
        Some(self.finish(version))
    }

    fn finish(&self, version: PeerVersion) -> Result<Detected, ProtocolError> {
        let mut detected = Detected {
            version,
            greeting: None,
            peer_socket_type: None,
            replay: [0u8; SIGNATURE_LEN],
            replay_len: 0,
        };
        match version {
            PeerVersion::V1Unversioned | PeerVersion::V1 | PeerVersion::V2 => {
                if self.config.zap_enabled || self.config.mechanism != Mechanism::Null {
                    return Err(ProtocolError::OldPeerRejected);
                }
                if version == PeerVersion::V1Unversioned {
                    let len = self.recv_len.min(SIGNATURE_LEN);
                    detected.replay[..len].copy_from_slice(&self.recv[..len]);
                    detected.replay_len = len;
                } else {
                    detected.peer_socket_type = Some(self.recv[MINOR_POS]);
                }
            }
            PeerVersion::V3_0 | PeerVersion::V3_1 => {
                // A revision-2 peer is treated as 3.1 like libzmq does; parse() wants
                // major >= 3, so only the mechanism comes from the raw bytes here.
                let mut mechanism = [0u8; MECHANISM_LEN];
                mechanism.copy_from_slice(&self.recv[MECHANISM_POS..AS_SERVER_POS]);
                let greeting = Greeting {
                    major: self.recv[REVISION_POS],
                    minor: self.recv[MINOR_POS],
                    mechanism,
                    as_server: self.recv[AS_SERVER_POS] != 0,
                };
                if !greeting.mechanism_is(self.config.mechanism) {
                    return Err(ProtocolError::MechanismMismatch);
                }
                detected.greeting = Some(greeting);
            }
        }
        Ok(detected)
    }

    fn push_send(&mut self, bytes: &[u8]) {
        let end = self.send_len + bytes.len();
        if let Some(dst) = self.send.get_mut(self.send_len..end) {
            dst.copy_from_slice(bytes);
            self.send_len = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> GreetingConfig {
        GreetingConfig {
            socket_type: 5,
            routing_id_len: 0,
            mechanism: Mechanism::Null,
            as_server: false,
            zap_enabled: false,
        }
    }

    /// The exact 64 bytes libzmq 4.3.5 sends with NULL and an empty routing id.
    fn libzmq_null_greeting() -> Vec<u8> {
        let mut g = vec![0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 3, 1];
        g.extend_from_slice(b"NULL");
        g.extend_from_slice(&[0u8; 16]);
        g.extend_from_slice(&[0u8; 32]);
        g
    }

    #[test]
    fn greeting_bytes_match_libzmq() {
        let g = Greeting::new(Mechanism::Null, false);
        assert_eq!(g.encode().to_vec(), libzmq_null_greeting());
        assert_eq!(Greeting::parse(&libzmq_null_greeting()), Ok(g));
        assert_eq!(g.mechanism_name(), b"NULL");
    }

    #[test]
    fn plain_as_server_round_trips() {
        let g = Greeting::new(Mechanism::Plain, true);
        let bytes = g.encode();
        assert_eq!(bytes[32], 1);
        assert_eq!(&bytes[12..17], b"PLAIN");
        let parsed = Greeting::parse(&bytes).unwrap();
        assert!(parsed.as_server && parsed.mechanism_is(Mechanism::Plain));
    }

    #[test]
    fn parse_rejects_bad_signature_and_short_input() {
        let good = libzmq_null_greeting();
        for n in 0..GREETING_LEN {
            assert_eq!(
                Greeting::parse(&good[..n]),
                Err(ProtocolError::MalformedGreeting)
            );
        }
        let mut bad = good.clone();
        bad[0] = 0xFE;
        assert!(Greeting::parse(&bad).is_err());
        let mut bad = good.clone();
        bad[9] = 0x7E;
        assert!(Greeting::parse(&bad).is_err());
        let mut bad = good;
        bad[10] = 2;
        assert!(Greeting::parse(&bad).is_err());
    }

    #[test]
    fn exchange_sends_in_libzmq_steps_and_detects_3_1() {
        let mut ex = GreetingExchange::new(config());
        let mut out = Vec::new();
        ex.take_output(&mut out);
        assert_eq!(out, [0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F]);
        let peer = libzmq_null_greeting();
        assert_eq!(ex.feed(&peer[..10]), Ok((10, None)));
        ex.take_output(&mut out);
        assert_eq!(out.len(), 11);
        let mut stream = peer[10..].to_vec();
        stream.extend_from_slice(b"frames");
        let (n, detected) = ex.feed(&stream).unwrap();
        assert_eq!(n, 54);
        let detected = detected.unwrap();
        assert_eq!(detected.version, PeerVersion::V3_1);
        assert!(detected.replay().is_empty());
        ex.take_output(&mut out);
        assert_eq!(out, libzmq_null_greeting());
        assert_eq!(ex.feed(b"more"), Ok((0, None)));
    }

    #[test]
    fn exchange_detects_3_0_and_mechanism_mismatch() {
        let mut peer = libzmq_null_greeting();
        peer[11] = 0;
        let mut ex = GreetingExchange::new(config());
        let detected = ex.feed(&peer).unwrap().1.unwrap();
        assert_eq!(detected.version, PeerVersion::V3_0);

        let plain = Greeting::new(Mechanism::Plain, false).encode();
        let mut ex = GreetingExchange::new(config());
        assert_eq!(ex.feed(&plain), Err(ProtocolError::MechanismMismatch));
        assert!(ex.feed(&plain).is_err());
    }

    #[test]
    fn exchange_serves_zmtp_2_0_peer() {
        let mut cfg = config();
        cfg.routing_id_len = 3;
        let mut ex = GreetingExchange::new(cfg);
        let peer = [0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 1, 8, 0, 0];
        let (n, detected) = ex.feed(&peer).unwrap();
        assert_eq!(n, 12);
        let detected = detected.unwrap();
        assert_eq!(detected.version, PeerVersion::V2);
        assert_eq!(detected.peer_socket_type, Some(8));
        assert!(!detected.routing_id_header_sent());
        let mut out = Vec::new();
        ex.take_output(&mut out);
        assert_eq!(out, [0xFF, 0, 0, 0, 0, 0, 0, 0, 4, 0x7F, 3, 5]);
    }

    #[test]
    fn exchange_detects_versioned_1_0() {
        let mut ex = GreetingExchange::new(config());
        let peer = [0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 0, 8];
        let detected = ex.feed(&peer).unwrap().1.unwrap();
        assert_eq!(detected.version, PeerVersion::V1);
    }

    #[test]
    fn exchange_detects_unversioned_1_0() {
        // A short identity frame: length 1 (flags only), flags 0.
        let mut ex = GreetingExchange::new(config());
        let (n, detected) = ex.feed(&[0x01, 0x00, 0x05]).unwrap();
        assert_eq!(n, 1);
        let detected = detected.unwrap();
        assert_eq!(detected.version, PeerVersion::V1Unversioned);
        assert_eq!(detected.replay(), [0x01]);
        assert!(detected.routing_id_header_sent());

        // A long identity frame: 0xFF, 8-byte length, flags 0 at byte 9.
        let mut ex = GreetingExchange::new(config());
        let peer = [0xFF, 0, 0, 0, 0, 0, 0, 1, 0, 0x00, 0xAA];
        let (n, detected) = ex.feed(&peer).unwrap();
        assert_eq!(n, 10);
        assert_eq!(detected.unwrap().replay(), &peer[..10]);
    }

    #[test]
    fn old_peers_refused_with_security_or_zap() {
        let mut cfg = config();
        cfg.zap_enabled = true;
        let mut ex = GreetingExchange::new(cfg);
        assert_eq!(ex.feed(&[0x01]), Err(ProtocolError::OldPeerRejected));
        let mut cfg = config();
        cfg.mechanism = Mechanism::Curve;
        let mut ex = GreetingExchange::new(cfg);
        let peer = [0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 1, 8];
        assert_eq!(ex.feed(&peer), Err(ProtocolError::OldPeerRejected));
    }

    #[test]
    fn byte_by_byte_equals_whole() {
        let peer = libzmq_null_greeting();
        let mut ex = GreetingExchange::new(config());
        let mut out = Vec::new();
        let mut result = None;
        for (i, b) in peer.iter().enumerate() {
            let (n, d) = ex.feed(std::slice::from_ref(b)).unwrap();
            assert_eq!(n, 1);
            ex.take_output(&mut out);
            if i < 63 {
                assert!(d.is_none());
            }
            result = result.or(d);
        }
        assert_eq!(result.unwrap().version, PeerVersion::V3_1);
        assert_eq!(out, peer);
    }

    #[test]
    fn two_exchanges_agree_on_3_1() {
        let mut a = GreetingExchange::new(config());
        let mut b = GreetingExchange::new(config());
        let (mut a_out, mut b_out) = (Vec::new(), Vec::new());
        let (mut a_done, mut b_done) = (None, None);
        for _ in 0..4 {
            a.take_output(&mut a_out);
            b.take_output(&mut b_out);
            let (n, d) = b.feed(&a_out).unwrap();
            a_out.drain(..n);
            b_done = b_done.or(d);
            let (n, d) = a.feed(&b_out).unwrap();
            b_out.drain(..n);
            a_done = a_done.or(d);
        }
        assert_eq!(a_done.unwrap().version, PeerVersion::V3_1);
        assert_eq!(b_done.unwrap().version, PeerVersion::V3_1);
    }

    #[test]
    fn unversioned_replay_feeds_the_1_0_decoder() {
        use super::super::frame::{Decoded, Decoder, Framing};
        // A ZMTP 1.0 peer's identity frame "abc" (length 4 = flags + 3), then data.
        let stream = b"\x04\x00abc\x03\x00hi";
        let mut ex = GreetingExchange::new(config());
        let (n, detected) = ex.feed(stream).unwrap();
        let detected = detected.unwrap();
        let mut dec = Decoder::new(Framing::V1, -1);
        let (m, event) = dec.decode(detected.replay()).unwrap();
        assert_eq!((m, event), (1, None));
        let rest = &stream[n..];
        let (m, event) = dec.decode(rest).unwrap();
        assert!(
            matches!(event, Some(Decoded::Frame { ref body, .. }) if &rest[body.clone()] == b"abc")
        );
        let (_, event) = dec.decode(&rest[m..]).unwrap();
        assert!(
            matches!(event, Some(Decoded::Frame { ref body, .. }) if &rest[m..][body.clone()] == b"hi")
        );
    }
}
