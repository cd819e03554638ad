//! A whole `zmtp::Connection`, either role, every mechanism: ours talks to a second
//! connection (the honest peer) through input-chosen chunking, and the input may flip
//! one byte of what the peer sends, or replace the peer with raw bytes. ZAP requests
//! are answered from the input, heartbeats and the handshake deadline run on a fake
//! clock.
//!
//! Checked besides "no panic": without tampering, both sides finish the handshake (or
//! both fail when ZAP refuses) and every message arrives whole, in order, with its MORE
//! flag; a failure always has a monitor mapping and is never followed by frames.

use std::time::{Duration, Instant};

use zmq::constants::*;
use zmq::msg::Msg;
use zmq::zmtp::connection::{Connection, ConnectionConfig, Event, Failure, PeerInfo};
use zmq::zmtp::curve::CurveClientConfig;
use zmq::zmtp::curve::CurveKey;
use zmq::zmtp::heartbeat::HeartbeatConfig;
use zmq::zmtp::mechanism::Security;
use zmq::zmtp::metadata::Metadata;
use zmq::zmtp::plain::PlainCredentials;
use zmq::zmtp::zap::ZapReply;

use crate::common::{chunk_sizes, Reader, Script};

/// (our socket type, the peer's).
const PAIRS: &[(i32, i32)] = &[
    (ZMQ_DEALER, ZMQ_ROUTER),
    (ZMQ_REQ, ZMQ_REP),
    (ZMQ_PUB, ZMQ_SUB),
    (ZMQ_PUSH, ZMQ_PULL),
    (ZMQ_PAIR, ZMQ_PAIR),
    (ZMQ_XPUB, ZMQ_XSUB),
    (ZMQ_DEALER, ZMQ_DEALER),
];

// libzmq's test keys (tests/testutil_security.cpp).
const CLIENT_PUBLIC: &[u8] = b"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
const CLIENT_SECRET: &[u8] = b"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";
const SERVER_PUBLIC: &[u8] = b"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
const SERVER_SECRET: &[u8] = b"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";

/// Mode bits of the first input byte.
pub const MECHANISM_MASK: u8 = 0b11; // 0 NULL, 1 PLAIN, 2 CURVE, 3 NULL with ZAP
pub const OURS_IS_SERVER: u8 = 1 << 2;
pub const ZAP_DENIES: u8 = 1 << 3;
pub const TAMPER: u8 = 1 << 4;
pub const RAW_PEER: u8 = 1 << 5;
pub const HEARTBEATS: u8 = 1 << 6;

fn key(text: &[u8]) -> CurveKey {
    let mut key = CurveKey::default();
    let _ = key.set(text);
    key
}

fn config(socket_type: i32, mechanism: u8, server: bool) -> ConnectionConfig {
    let security = match (mechanism, server) {
        (1, true) => Security::PlainServer,
        (1, false) => Security::PlainClient(PlainCredentials {
            username: b"admin".to_vec(),
            password: b"secret".to_vec(),
        }),
        (2, true) => Security::CurveServer(key(SERVER_SECRET)),
        (2, false) => Security::CurveClient(CurveClientConfig {
            public_key: key(CLIENT_PUBLIC),
            secret_key: key(CLIENT_SECRET),
            server_key: key(SERVER_PUBLIC),
        }),
        _ => Security::Null,
    };
    let zap = server && mechanism != 0;
    ConnectionConfig {
        socket_type,
        routing_id: Vec::new(),
        properties: Metadata::new(),
        maxmsgsize: -1,
        heartbeat: HeartbeatConfig {
            interval: None,
            timeout: None,
            ttl: Duration::ZERO,
        },
        handshake_ivl: Some(Duration::from_secs(30)),
        in_batch: 8192,
        out_batch: 8192,
        raw: false,
        zero_copy_recv: true,
        security,
        zap_domain: if zap { b"fuzz".to_vec() } else { Vec::new() },
        zap_enforce_domain: false,
        zap_handler_available: zap,
    }
}

struct Side {
    conn: Connection,
    inbox: Vec<(Vec<u8>, bool)>,
    done: bool,
    failure: Option<Failure>,
    zap_status: &'static [u8],
}

impl Side {
    fn new(config: ConnectionConfig, now: Instant, zap_status: &'static [u8]) -> Side {
        let peer = PeerInfo {
            address: "10.0.0.1".into(),
            fd: 3,
        };
        Side {
            conn: Connection::new(config, peer, now),
            inbox: Vec::new(),
            done: false,
            failure: None,
            zap_status,
        }
    }

    fn output(&mut self, now: Instant) -> Vec<u8> {
        let mut out = Vec::new();
        if self.failure.is_some() && !self.conn.take_farewell() {
            return out;
        }
        self.conn.queue_control(now);
        while !self.conn.output_drained() {
            let (head, body) = self.conn.output();
            out.extend_from_slice(head);
            out.extend_from_slice(body);
            let n = head.len() + body.len();
            self.conn.output_written(n);
        }
        out
    }

    fn feed(&mut self, bytes: &[u8], chunk_seed: u8, now: Instant) {
        let mut pos = 0;
        for size in chunk_sizes(bytes.len(), chunk_seed) {
            let end = pos + size;
            while pos < end && self.failure.is_none() {
                let dest = match self.conn.receive_buffer() {
                    Ok(dest) => dest,
                    Err(f) => return self.fail(f),
                };
                let n = dest.len().min(end - pos);
                dest[..n].copy_from_slice(&bytes[pos..pos + n]);
                self.conn.received(n, now);
                pos += n;
                self.process(now);
            }
        }
    }

    fn process(&mut self, now: Instant) {
        while self.failure.is_none() {
            let inbox = &mut self.inbox;
            let result = self.conn.handle_input(now, &mut |msg: Msg| {
                inbox.push((msg.data().to_vec(), msg.more()));
                true
            });
            let progress = match result {
                Ok(p) => p,
                Err(f) => return self.fail(f),
            };
            while let Some(event) = self.conn.poll_event() {
                match event {
                    Event::HandshakeDone => self.done = true,
                    Event::ZapRequest(_) => {
                        let reply = ZapReply::frames(self.zap_status, b"user", b"");
                        if let Err(f) = self.conn.handle_zap_reply(&reply, now) {
                            return self.fail(f);
                        }
                    }
                }
            }
            if !progress {
                return;
            }
        }
    }

    fn fail(&mut self, f: Failure) {
        let _ = f.handshake_event(self.done);
        let _ = f.ends_session(self.done);
        self.failure = Some(f);
    }
}

pub fn run(data: &[u8]) {
    let mut r = Reader::new(data);
    let mode = r.u8();
    let (ours_type, peer_type) = PAIRS[usize::from(r.u8()) % PAIRS.len()];
    let chunk_seed = r.u8();
    let tamper_at = usize::from(r.u16());
    let tamper_xor = r.u8() | 1;
    let mechanism = mode & MECHANISM_MASK;
    let server = mode & OURS_IS_SERVER != 0;
    let zap_status: &'static [u8] = if mode & ZAP_DENIES != 0 {
        b"400"
    } else {
        b"200"
    };
    let start = Instant::now();
    let mut now = start;

    let (mut ours_config, mut peer_config) = match mechanism {
        3 => {
            // NULL, with a ZAP domain on the "server" side.
            let with_zap = |socket_type| {
                let mut c = config(socket_type, 0, true);
                c.zap_domain = b"fuzz".to_vec();
                c.zap_handler_available = true;
                c
            };
            if server {
                (with_zap(ours_type), config(peer_type, 0, false))
            } else {
                (config(ours_type, 0, false), with_zap(peer_type))
            }
        }
        m => (config(ours_type, m, server), config(peer_type, m, !server)),
    };
    if mode & HEARTBEATS != 0 {
        let hb = HeartbeatConfig {
            interval: Some(Duration::from_millis(100)),
            timeout: Some(Duration::from_millis(250)),
            ttl: Duration::from_millis(500),
        };
        ours_config.heartbeat = hb;
        peer_config.heartbeat = hb;
    }
    let mut ours = Side::new(ours_config, now, zap_status);

    if mode & RAW_PEER != 0 {
        // The rest is what a hostile peer sends, then the clock runs out.
        ours.feed(r.rest(), chunk_seed, now);
        let _ = ours.output(now);
        for step in [1u64, 200, 1000, 31_000] {
            now = start + Duration::from_millis(step);
            if let Err(f) = ours.conn.handle_timeout(now) {
                ours.fail(f);
                break;
            }
            let _ = ours.output(now);
        }
        return;
    }

    let mut peer = Side::new(peer_config, now, zap_status);
    // Messages ours sends: up to 8, one of them possibly large.
    let count = r.u8() % 9;
    let mut sent: Vec<(Vec<u8>, bool)> = Vec::new();
    for i in 0..count {
        let mut body = r.bytes().to_vec();
        let big = r.u8();
        if big > 200 {
            body = (0..usize::from(big - 200) * 4096)
                .map(|j| j as u8)
                .collect();
        }
        sent.push((body, i + 1 < count));
    }
    let tamper = mode & TAMPER != 0;
    let mut peer_stream_offset = 0usize;
    let mut queued = 0;
    for round in 0..64 {
        // Ours queues its messages once connected, as its engine would.
        while queued < sent.len() && ours.done && ours.failure.is_none() && ours.conn.has_room() {
            let (body, more) = &sent[queued];
            let mut msg = Msg::from_slice(body);
            msg.set_more(*more);
            ours.conn.send_message(msg, true);
            queued += 1;
        }
        let to_peer = ours.output(now);
        let mut to_ours = peer.output(now);
        if tamper {
            if let Some(byte) = tamper_at
                .checked_sub(peer_stream_offset)
                .and_then(|i| to_ours.get_mut(i))
            {
                *byte ^= tamper_xor;
            }
        }
        peer_stream_offset += to_ours.len();
        let quiet = to_peer.is_empty() && to_ours.is_empty();
        peer.feed(&to_peer, chunk_seed, now);
        ours.feed(&to_ours, chunk_seed, now);
        if quiet && queued == sent.len() {
            if round > 2 {
                break;
            }
            // Let the heartbeat clock move a little.
            now += Duration::from_millis(60);
            for side in [&mut ours, &mut peer] {
                if side.failure.is_none() {
                    if let Err(f) = side.conn.handle_timeout(now) {
                        side.fail(f);
                    }
                }
            }
        }
    }

    if tamper {
        return;
    }
    if mechanism != 0 && mode & ZAP_DENIES != 0 {
        assert!(
            ours.failure.is_some() || peer.failure.is_some(),
            "ZAP refused"
        );
        assert!(!ours.done || !peer.done);
        return;
    }
    assert_eq!(ours.failure, None, "ours failed");
    assert_eq!(peer.failure, None, "peer failed");
    assert!(ours.done && peer.done, "handshake incomplete");
    assert_eq!(peer.inbox, sent, "messages changed on the way");
}

/// Seeds: every mechanism, both roles, with and without ZAP refusal, chunked,
/// with messages (one large), a tampered stream and a raw hostile peer.
#[allow(dead_code)] // only the seed writer in tests/fuzz_targets.rs calls it
pub fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let messages = |s: Script| {
        s.u8(3)
            .bytes(b"first")
            .u8(0)
            .bytes(b"")
            .u8(203)
            .bytes(b"last")
            .u8(0)
    };
    for mechanism in 0..4u8 {
        for (role, bits) in [("client", 0u8), ("server", OURS_IS_SERVER)] {
            for (zap, zap_bits) in [("", 0u8), ("_denied", ZAP_DENIES)] {
                let mode = mechanism | bits | zap_bits;
                let name = format!("m{mechanism}_{role}{zap}");
                let script = Script::new().u8(mode).u8(mechanism).u8(0).u16(0).u8(0);
                out.push((name, messages(script).finish()));
            }
        }
    }
    let chunked = Script::new().u8(2).u8(0).u8(13).u16(0).u8(0);
    out.push(("curve_chunked".into(), messages(chunked).finish()));
    let beats = Script::new().u8(HEARTBEATS).u8(4).u8(0).u16(0).u8(0);
    out.push(("heartbeats".into(), messages(beats).finish()));
    let tampered = Script::new().u8(TAMPER | 2).u8(0).u8(0).u16(300).u8(0x40);
    out.push(("curve_tampered".into(), messages(tampered).finish()));
    let raw = Script::new().u8(RAW_PEER).u8(3).u8(5).u16(0).u8(0).rest(&[
        0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 1, b'N', b'U', b'L', b'L', 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x04, 0x19, 0x05, b'R', b'E', b'A', b'D', b'Y', 0x0b, b'S',
        b'o', b'c', b'k', b'e', b't', b'-', b'T', b'y', b'p', b'e', 0, 0, 0, 4, b'P', b'U', b'L',
        b'L', 0x00, 0x01, b'x',
    ]);
    out.push(("raw_null_peer".into(), raw.finish()));
    let old = Script::new()
        .u8(RAW_PEER)
        .u8(3)
        .u8(0)
        .u16(0)
        .u8(0)
        .rest(&[0x01, 0x00, 0x04, 0x00, b'a', b'b', b'c']);
    out.push(("raw_zmtp_1_0_peer".into(), old.finish()));
    out
}
