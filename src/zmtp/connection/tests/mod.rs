//! Two connections paired in memory, with a fake clock: every byte one sends is fed to
//! the other, in chunks of a chosen size, so each test runs instantly and exactly.

mod handshake;
mod old_peers;
mod radio_dish;
mod traffic;

use super::*;
use crate::constants::*;
use crate::msg::Msg;
use crate::zmtp::curve::CurveClientConfig;
use crate::zmtp::curve::CurveKey;
use crate::zmtp::heartbeat::HeartbeatConfig;
use crate::zmtp::metadata::Metadata as Properties;
use crate::zmtp::plain::PlainCredentials;
use crate::zmtp::zap::ZapReply;
use std::time::Duration;

// libzmq's test keys (tests/testutil_security.cpp), as in `zmtp/curve/tests.rs`.
const CLIENT_PUBLIC: &[u8] = b"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
const CLIENT_SECRET: &[u8] = b"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";
const SERVER_PUBLIC: &[u8] = b"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
const SERVER_SECRET: &[u8] = b"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";

fn z85_key(text: &[u8]) -> CurveKey {
    let mut key = CurveKey::default();
    key.set(text).unwrap();
    key
}

fn curve_client() -> Security {
    Security::CurveClient(CurveClientConfig {
        public_key: z85_key(CLIENT_PUBLIC),
        secret_key: z85_key(CLIENT_SECRET),
        server_key: z85_key(SERVER_PUBLIC),
    })
}

fn curve_server() -> Security {
    Security::CurveServer(z85_key(SERVER_SECRET))
}

fn plain_client(username: &[u8], password: &[u8]) -> Security {
    Security::PlainClient(PlainCredentials {
        username: username.to_vec(),
        password: password.to_vec(),
    })
}

fn config(socket_type: i32, security: Security) -> ConnectionConfig {
    ConnectionConfig {
        zero_copy_recv: true,
        socket_type,
        routing_id: Vec::new(),
        properties: Properties::new(),
        maxmsgsize: -1,
        heartbeat: HeartbeatConfig {
            interval: None,
            timeout: None,
            ttl: Duration::ZERO,
        },
        handshake_ivl: None,
        in_batch: 8192,
        out_batch: 8192,
        raw: false,
        security,
        zap_domain: Vec::new(),
        zap_enforce_domain: false,
        zap_handler_available: false,
    }
}

/// A server-side config that asks a ZAP handler (one is bound).
fn with_zap(mut c: ConnectionConfig) -> ConnectionConfig {
    c.zap_domain = b"test".to_vec();
    c.zap_handler_available = true;
    c
}

/// One side: its connection and everything it produced.
struct End {
    conn: Connection,
    /// Frames handed to the socket.
    inbox: Vec<Msg>,
    zap_requests: Vec<ZapRequest>,
    handshake_done: bool,
    failure: Option<Failure>,
    /// The sink refuses frames beyond this many in `inbox` (a full pipe).
    limit: usize,
    /// The frame the sink refused, offered again first.
    parked: Option<Msg>,
}

impl End {
    fn new(config: ConnectionConfig, now: Instant) -> End {
        let peer = PeerInfo {
            address: "127.0.0.1".into(),
            fd: 42,
        };
        End {
            conn: Connection::new(config, peer, now),
            inbox: Vec::new(),
            zap_requests: Vec::new(),
            handshake_done: false,
            failure: None,
            limit: usize::MAX,
            parked: None,
        }
    }

    /// Everything the connection has to send now, as bytes written.
    fn take_output(&mut self, now: Instant) -> Vec<u8> {
        self.conn.queue_control(now);
        let mut out = Vec::new();
        while !self.conn.output_drained() {
            let (head, body) = self.conn.output();
            out.extend_from_slice(head);
            out.extend_from_slice(body);
            let n = head.len() + body.len();
            self.conn.output_written(n);
        }
        out
    }

    /// Feeds `bytes` as reads of at most `chunk` bytes, decoding after each.
    fn feed(&mut self, bytes: &[u8], chunk: usize, now: Instant) {
        let mut pos = 0;
        while pos < bytes.len() && self.failure.is_none() {
            let dest = match self.conn.receive_buffer() {
                Ok(dest) => dest,
                Err(f) => {
                    self.failure = Some(f);
                    return;
                }
            };
            let n = dest.len().min(chunk).min(bytes.len() - pos);
            dest[..n].copy_from_slice(&bytes[pos..pos + n]);
            self.conn.received(n, now);
            pos += n;
            self.process(now);
            if n == 0 && self.parked.is_some() {
                return;
            }
        }
    }

    /// Decodes what was received and collects events.
    fn process(&mut self, now: Instant) {
        loop {
            if let Some(msg) = self.parked.take() {
                if self.inbox.len() >= self.limit {
                    self.parked = Some(msg);
                    return;
                }
                self.inbox.push(msg);
            }
            let (inbox, parked, limit) = (&mut self.inbox, &mut self.parked, self.limit);
            let result = self.conn.handle_input(now, &mut |msg| {
                if inbox.len() >= limit {
                    *parked = Some(msg);
                    return false;
                }
                inbox.push(msg);
                true
            });
            let progress = match result {
                Ok(p) => p,
                Err(f) => {
                    self.failure = Some(f);
                    return;
                }
            };
            while let Some(event) = self.conn.poll_event() {
                match event {
                    Event::ZapRequest(r) => self.zap_requests.push(r),
                    Event::HandshakeDone => self.handshake_done = true,
                }
            }
            if !progress {
                return;
            }
        }
    }

    fn send(&mut self, body: &[u8], more: bool) {
        let mut msg = Msg::from_slice(body);
        msg.set_more(more);
        assert!(self.conn.has_room());
        self.conn.send_message(msg, true);
    }

    fn answer_zap(&mut self, status: &[u8], user_id: &[u8], metadata: &[u8], now: Instant) {
        let reply = ZapReply::frames(status, user_id, metadata);
        match self.conn.handle_zap_reply(&reply, now) {
            Ok(()) => self.process(now),
            Err(f) => self.failure = Some(f),
        }
    }

    fn bodies(&self) -> Vec<Vec<u8>> {
        self.inbox.iter().map(|m| m.data().to_vec()).collect()
    }
}

/// Moves bytes both ways, in reads of at most `chunk`, until neither side has any.
fn exchange(a: &mut End, b: &mut End, chunk: usize, now: Instant) {
    for _ in 0..1000 {
        let to_b = a.take_output(now);
        let to_a = b.take_output(now);
        if to_a.is_empty() && to_b.is_empty() {
            return;
        }
        b.feed(&to_b, chunk, now);
        a.feed(&to_a, chunk, now);
        if a.failure.is_some() || b.failure.is_some() {
            // What the failing side still says (an ERROR) reaches the other.
            let to_b = a.take_output(now);
            let to_a = b.take_output(now);
            b.feed(&to_b, chunk, now);
            a.feed(&to_a, chunk, now);
            return;
        }
    }
    panic!("the connections never went quiet");
}

/// Two connected ends after a complete handshake.
fn pair(a: ConnectionConfig, b: ConnectionConfig, chunk: usize, now: Instant) -> (End, End) {
    let mut a = End::new(a, now);
    let mut b = End::new(b, now);
    exchange(&mut a, &mut b, chunk, now);
    assert!(a.failure.is_none(), "{:?}", a.failure);
    assert!(b.failure.is_none(), "{:?}", b.failure);
    assert!(a.handshake_done && b.handshake_done);
    (a, b)
}

fn property(msg: &Msg, name: &str) -> Option<Vec<u8>> {
    msg.metadata()
        .and_then(|m| m.get(name))
        .map(|v| v.to_bytes().to_vec())
}
