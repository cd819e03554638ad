//! What a connection needs from the socket's options, read once when it starts.

use crate::constants::*;
use crate::options::Options;
use crate::zmtp::curve::CurveClientConfig;
use crate::zmtp::heartbeat::HeartbeatConfig;
use crate::zmtp::mechanism::Security;
use crate::zmtp::metadata::Metadata as Properties;
use crate::zmtp::plain::PlainCredentials;
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
    /// ZMQ_STREAM: raw bytes, no ZMTP at all.
    pub raw: bool,
    /// The security mechanism and role, with its secrets.
    pub security: Security,
    /// ZMQ_ZAP_DOMAIN / ZMQ_ZAP_ENFORCE_DOMAIN (handler availability is decided when the
    /// connection starts).
    pub zap_domain: Vec<u8>,
    pub zap_enforce_domain: bool,
    pub zap_handler_available: bool,
}

impl ConnectionConfig {
    pub fn from_options(o: &Options) -> ConnectionConfig {
        let mut properties = Properties::new();
        for (name, value) in &o.metadata {
            let _ = properties.push(name, value);
        }
        let ms = |v: i32| (v > 0).then(|| Duration::from_millis(v as u64));
        ConnectionConfig {
            socket_type: o.socket_type,
            routing_id: o.routing_id.clone(),
            properties,
            maxmsgsize: o.maxmsgsize,
            heartbeat: HeartbeatConfig {
                interval: ms(o.heartbeat_ivl),
                timeout: ms(o.heartbeat_timeout),
                ttl: Duration::from_millis(u64::from(o.heartbeat_ttl) * 100),
            },
            handshake_ivl: ms(o.handshake_ivl),
            in_batch: o.in_batch_size.max(1) as usize,
            out_batch: o.out_batch_size.max(1) as usize,
            raw: o.socket_type == ZMQ_STREAM,
            security: security_of(o),
            zap_domain: o.zap_domain.clone(),
            zap_enforce_domain: o.zap_enforce_domain,
            zap_handler_available: false,
        }
    }
}

/// The mechanism the options select (ZMQ_PLAIN_*, ZMQ_CURVE_*), with the keys.
fn security_of(o: &Options) -> Security {
    match (o.mechanism, o.as_server) {
        (ZMQ_PLAIN, true) => Security::PlainServer,
        (ZMQ_PLAIN, false) => Security::PlainClient(PlainCredentials {
            username: o.plain_username.clone(),
            password: o.plain_password.clone(),
        }),
        (ZMQ_CURVE, true) => Security::CurveServer(o.curve_secret_key.clone()),
        (ZMQ_CURVE, false) => Security::CurveClient(CurveClientConfig {
            public_key: o.curve_public_key.clone(),
            secret_key: o.curve_secret_key.clone(),
            server_key: o.curve_server_key.clone(),
        }),
        _ => Security::Null,
    }
}
