//! Why a connection ended, and the monitor event libzmq reports for it.

use crate::constants::*;
use crate::zmtp::ProtocolError;

/// Why a connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The handshake failed with a ZMTP protocol error (monitor code, if any).
    Protocol(Option<i32>),
    /// The handshake did not finish within HANDSHAKE_IVL.
    HandshakeTimeout,
    /// The peer closed the connection, broke the protocol after the handshake, or the
    /// stream failed.
    Closed,
    /// Heartbeats: the peer went silent.
    Heartbeat,
    /// The peer sent a message larger than MAXMSGSIZE.
    TooLarge,
    /// The ZAP handler refused the peer (its status code).
    Auth(u16),
    /// A ZAP domain is enforced but no handler is bound.
    NoZapHandler,
}

impl Failure {
    /// A failed handshake step.
    pub(super) fn from_handshake(e: ProtocolError) -> Failure {
        if let Some(status) = e.auth_status() {
            return Failure::Auth(status);
        }
        // A peer's ERROR whose reason is a ZAP status code ("400") is an
        // authentication failure, as libzmq reports it.
        if let ProtocolError::PeerError(reason) = &e {
            if let Some(status) = std::str::from_utf8(reason)
                .ok()
                .filter(|r| r.len() == 3)
                .and_then(|r| r.parse::<u16>().ok())
                .filter(|s| (300..600).contains(s))
            {
                return Failure::Auth(status);
            }
        }
        if e == ProtocolError::NoZapHandler {
            return Failure::NoZapHandler;
        }
        Failure::Protocol(e.monitor_code())
    }

    /// The `ZMQ_EVENT_HANDSHAKE_FAILED_*` event and value libzmq reports for this
    /// failure (before `ZMQ_EVENT_DISCONNECTED`), if any; `handshake_done` says whether
    /// the connection had got past its handshake.
    pub fn handshake_event(&self, handshake_done: bool) -> Option<(i32, u32)> {
        match *self {
            Failure::Protocol(Some(code)) if !handshake_done => {
                Some((ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL, code as u32))
            }
            Failure::HandshakeTimeout => {
                Some((ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, libc::EAGAIN as u32))
            }
            Failure::Auth(status) => Some((ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, u32::from(status))),
            Failure::NoZapHandler => {
                Some((ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, libc::EFAULT as u32))
            }
            Failure::Closed if !handshake_done => {
                Some((ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, libc::EPIPE as u32))
            }
            _ => None,
        }
    }

    /// A handshake that fails this way ends the session for good (no reconnection), as
    /// in libzmq.
    pub fn ends_session(&self, handshake_done: bool) -> bool {
        matches!(
            self,
            Failure::Protocol(_) | Failure::Auth(_) | Failure::NoZapHandler
        ) && !handshake_done
    }
}
