//! One ZMTP connection as a sans-IO state machine: the greeting, the framing the peer's
//! version calls for (with the replay an unversioned ZMTP 1.0 peer needs), the security
//! handshake (NULL, PLAIN, CURVE; ZAP as an event out and a reply in), CURVE boxing,
//! the peer's metadata, the handshake deadline, heartbeats and the translation of
//! subscriptions for 3.0 and older peers. ZMQ_STREAM's raw mode is a connection too.
//!
//! It never touches a socket, a thread or a clock. The engine drives it:
//! * input: read into [`Connection::receive_buffer`] (a refcounted buffer whose large
//!   frames become zero-copy messages, or the body of a large message itself), report
//!   [`Connection::received`], then [`Connection::handle_input`] hands each frame for
//!   the socket, metadata stamped, to a sink that may refuse it (a full pipe);
//! * events: [`Connection::poll_event`] (ZAP request, end of the handshake) after each
//!   step; a ZAP reply goes back in with [`Connection::handle_zap_reply`];
//! * output: [`Connection::queue_control`] queues the greeting, handshake commands and
//!   heartbeats, [`Connection::send_message`] a socket's frame while
//!   [`Connection::has_room`]; [`Connection::output`] is what to write (a batch of
//!   headers and small bodies, then a large body by reference for `writev`), and
//!   [`Connection::output_written`] what was;
//! * timers: [`Connection::poll_timeout`] / [`Connection::handle_timeout`].
//!
//! Every failure is a [`Failure`], which names the monitor event libzmq reports. After a
//! failure, [`Connection::take_farewell`] says whether output (an ERROR for the peer)
//! should still be written before the stream is closed.

mod config;
mod failure;
mod handshake;
mod receive;
mod transmit;

#[cfg(test)]
mod tests;

pub use config::ConnectionConfig;
pub use failure::Failure;
pub use transmit::LARGE_BODY;

use crate::msg::{Metadata, MetadataStamp, SharedMetadata, SOURCE_FD_PROPERTY};
use crate::zmtp::frame::{Decoder, Encoder, Framing, MAX_HEADER_LEN};
use crate::zmtp::greeting::{
    GreetingConfig, GreetingExchange, Mechanism as GreetingMechanism, PeerVersion,
};
use crate::zmtp::heartbeat::Heartbeat;
use crate::zmtp::mechanism::{Mechanism as SecurityMechanism, Security};
use crate::zmtp::zap::ZapRequest;
use receive::Receive;
use std::time::Instant;
use transmit::Transmit;

/// What the connection asks of its driver, besides frames for the socket.
#[derive(Debug)]
pub enum Event {
    /// Send this request to the ZAP handler; answer with `handle_zap_reply`.
    ZapRequest(ZapRequest),
    /// The handshake is done: attach the socket's pipe, then feed input again.
    HandshakeDone,
}

enum Phase {
    Greeting(GreetingExchange),
    /// ZMTP 3.x security handshake (NULL, PLAIN or CURVE), in `Connection::mechanism`.
    Handshake,
    /// ZMTP 1.0/2.0: the peer's first frame is its routing id.
    OldIdentity,
    Active,
}

/// Who the peer is, as the stream knows it (for the "Peer-Address" and "__fd"
/// properties of its messages).
#[derive(Debug, Clone, Default)]
pub struct PeerInfo {
    pub address: String,
    /// The stream's file descriptor (read by the deprecated `zmq_msg_get(ZMQ_SRCFD)`).
    pub fd: i32,
}

pub struct Connection {
    config: ConnectionConfig,
    peer: PeerInfo,
    phase: Phase,
    version: PeerVersion,
    decoder: Decoder,
    encoder: Encoder,
    mechanism: Option<Box<SecurityMechanism>>,
    /// CURVE: every frame travels inside a MESSAGE box.
    encrypted: bool,
    heartbeat: Heartbeat,
    handshake_deadline: Option<Instant>,
    /// The properties attached to every message from this peer.
    metadata: Option<MetadataStamp>,
    peer_routing_id: Vec<u8>,
    /// A ZAP request for the driver.
    zap_request: Option<ZapRequest>,
    /// The end of the handshake was reported.
    announced: bool,
    /// A failed handshake step may have queued an ERROR for the peer.
    farewell: bool,
    receive: Receive,
    transmit: Transmit,
}

impl Connection {
    pub fn new(config: ConnectionConfig, peer: PeerInfo, now: Instant) -> Connection {
        let (mechanism, as_server) = match &config.security {
            Security::Null => (GreetingMechanism::Null, false),
            Security::PlainClient(_) => (GreetingMechanism::Plain, false),
            Security::PlainServer => (GreetingMechanism::Plain, true),
            Security::CurveClient(_) => (GreetingMechanism::Curve, false),
            Security::CurveServer(_) => (GreetingMechanism::Curve, true),
        };
        let greeting = GreetingExchange::new(GreetingConfig {
            socket_type: config.socket_type as u8,
            routing_id_len: config.routing_id.len(),
            mechanism,
            as_server,
            zap_enabled: !config.zap_domain.is_empty(),
        });
        let mut connection = Connection {
            phase: Phase::Greeting(greeting),
            version: PeerVersion::V3_1,
            decoder: Decoder::new(Framing::V3, config.maxmsgsize),
            encoder: Encoder::new(Framing::V3),
            mechanism: None,
            encrypted: false,
            heartbeat: Heartbeat::new(config.heartbeat),
            handshake_deadline: config.handshake_ivl.map(|d| now + d),
            metadata: None,
            peer_routing_id: Vec::new(),
            zap_request: None,
            announced: false,
            farewell: false,
            receive: Receive::new(config.in_batch),
            transmit: Transmit::new(config.out_batch + MAX_HEADER_LEN),
            peer,
            config,
        };
        if connection.config.raw {
            // A raw peer is "connected" at once: no greeting, no handshake.
            let mut props = Metadata::new();
            connection.add_connection_properties(&mut props);
            connection.metadata = Some(MetadataStamp::new(props));
            connection.phase = Phase::Active;
            connection.handshake_deadline = None;
        }
        connection
    }

    /// True once the handshake is done (at once for raw mode).
    pub fn is_active(&self) -> bool {
        matches!(self.phase, Phase::Active)
    }

    /// The peer's protocol version (ZMTP 3.1 until the greeting says otherwise).
    pub fn peer_version(&self) -> PeerVersion {
        self.version
    }

    /// The next thing the driver must act on, if any: a ZAP request first, then the
    /// end of the handshake (reported once).
    pub fn poll_event(&mut self) -> Option<Event> {
        if let Some(request) = self.zap_request.take() {
            return Some(Event::ZapRequest(request));
        }
        if !self.announced && self.is_active() {
            self.announced = true;
            return Some(Event::HandshakeDone);
        }
        None
    }

    /// After a failure: true (once) when queued output should still be written before
    /// the stream closes, as libzmq does with the ERROR of a failed handshake.
    pub fn take_farewell(&mut self) -> bool {
        std::mem::take(&mut self.farewell)
    }

    /// The connection's metadata for a message the session makes up (STREAM's connect
    /// and disconnect notices), as the messages received on it carry.
    pub fn metadata_for_notice(&mut self) -> Option<SharedMetadata> {
        self.metadata.as_mut().map(MetadataStamp::stamp)
    }

    /// The peer's routing id (its `Identity` property), known once active.
    pub fn peer_routing_id(&self) -> &[u8] {
        &self.peer_routing_id
    }

    /// When `handle_timeout` must be called next, if ever.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let heartbeat = if self.is_active() {
            self.heartbeat.next_timeout()
        } else {
            None
        };
        match (self.handshake_deadline, heartbeat) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Checks the deadlines at `now`: the handshake's, then the heartbeats'. A PING
    /// that fell due is queued by the next `queue_control`.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Failure> {
        if let Some(deadline) = self.handshake_deadline {
            if now >= deadline {
                return Err(Failure::HandshakeTimeout);
            }
        }
        if self.is_active() && self.heartbeat.handle_timeout(now).is_err() {
            return Err(Failure::Heartbeat);
        }
        Ok(())
    }

    /// The properties libzmq gives every connection: "Peer-Address", and the private
    /// "__fd" that the deprecated `zmq_msg_get(ZMQ_SRCFD)` reads.
    fn add_connection_properties(&self, props: &mut Metadata) {
        props.insert("Peer-Address", self.peer.address.as_bytes());
        props.insert(SOURCE_FD_PROPERTY, self.peer.fd.to_string().as_bytes());
    }

    fn become_active(&mut self, now: Instant) {
        self.phase = Phase::Active;
        self.handshake_deadline = None;
        self.heartbeat.start(now);
    }
}
