//! What a connection needs from the socket's options, read once when it starts (the
//! I/O layer fills it in: `zmtp` knows nothing of options).

use crate::zmtp::heartbeat::HeartbeatConfig;
use crate::zmtp::mechanism::Security;
use crate::zmtp::metadata::Metadata as Properties;
use std::time::Duration;

/// The options one ZMTP connection runs with.
#[derive(Clone)]
pub struct ConnectionConfig {
    pub socket_type: i32,
    pub routing_id: Vec<u8>,
    /// `ZMQ_METADATA`: properties sent in READY/INITIATE.
    pub properties: Properties,
    pub maxmsgsize: i64,
    pub heartbeat: HeartbeatConfig,
    pub handshake_ivl: Option<Duration>,
    /// `ZMQ_IN_BATCH_SIZE`: the least receive buffer, and how much is read into it
    /// after a large frame.
    pub in_batch: usize,
    /// `ZMQ_OUT_BATCH_SIZE`: how many bytes of output are queued before writing.
    pub out_batch: usize,
    /// ZMQ_STREAM (and ZMQ_DGRAM over tcp/ipc): raw bytes, no ZMTP at all.
    pub raw: bool,
    /// The context's ZMQ_ZERO_COPY_RECV: a body that lies whole in the receive buffer
    /// becomes a message viewing it (true) or a copy (false).
    pub zero_copy_recv: bool,
    /// The security mechanism and role, with its secrets.
    pub security: Security,
    /// ZMQ_ZAP_DOMAIN / ZMQ_ZAP_ENFORCE_DOMAIN (handler availability is decided when the
    /// connection starts).
    pub zap_domain: Vec<u8>,
    pub zap_enforce_domain: bool,
    pub zap_handler_available: bool,
}
