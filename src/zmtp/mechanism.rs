//! One interface over the three security mechanisms, so the engine drives NULL, PLAIN
//! and CURVE the same way.
//!
//! Driving a [`Mechanism`] after a 3.x greeting (both greetings name the mechanism;
//! `as_server` comes from [`Mechanism::as_server`]):
//! 1. Call [`Mechanism::start`] once; it may ask for ZAP (NULL with `ZMQ_ZAP_DOMAIN`).
//! 2. Loop: write every command [`Mechanism::poll_command`] gives (COMMAND frames);
//!    pass each COMMAND frame body received to [`Mechanism::handle_command`].
//! 3. A [`Status::NeedsZap`] carries the request: send its frames to the handler, and
//!    hand the whole reply to [`ZapReply::parse`] then [`Mechanism::zap_reply`]
//!    (a reply that does not parse is the error to report). Poll again afterwards.
//! 4. When [`Mechanism::is_complete`] (check after polling and after handling), the
//!    handshake is done: read [`Mechanism::peer_metadata`] and [`Mechanism::user_id`].
//!    With CURVE ([`Mechanism::is_encrypted`]) every outgoing frame, data or command,
//!    becomes [`Mechanism::encode_message`] sent as a plain data frame (flags 0), and
//!    every incoming frame body goes through [`Mechanism::decode_message`].
//! 5. On any `Err`, still drain `poll_command` (an ERROR for the peer may be queued),
//!    report the error (`monitor_code`, or `auth_status` for
//!    `ZMQ_EVENT_HANDSHAKE_FAILED_AUTH`, or no-detail with EFAULT for `NoZapHandler`)
//!    and close.

use super::curve::{CurveClient, CurveClientConfig, CurveServer, MessageCodec};
use super::error::CommandKind;
use super::metadata::Metadata;
use super::null::{NullConfig, NullHandshake};
use super::plain::{PlainClient, PlainCredentials, PlainServer};
use super::zap::{ZapPolicy, ZapReply, ZapRequest};
use super::ProtocolError;
use crate::error::Error;
use crate::zmtp::curve::CurveKey;

pub(crate) const READY_PREFIX: &[u8] = b"\x05READY";
pub(crate) const ERROR_PREFIX: &[u8] = b"\x05ERROR";

/// What the engine does next after a step of the handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Poll for commands to send and check `is_complete`.
    Continue,
    /// Send this request to the ZAP handler and resume with `zap_reply`.
    NeedsZap(ZapRequest),
}

/// Which mechanism and role, with its secrets.
#[derive(Debug, Clone)]
pub enum Security {
    Null,
    PlainClient(PlainCredentials),
    PlainServer,
    CurveClient(CurveClientConfig),
    /// `ZMQ_CURVE_SECRETKEY` of the server.
    CurveServer(CurveKey),
}

/// Everything a mechanism needs from the socket's options.
#[derive(Debug, Clone)]
pub struct MechanismConfig {
    /// Socket type, routing id and `ZMQ_METADATA` for READY/INITIATE.
    pub base: NullConfig,
    pub security: Security,
    /// Used by servers (and by NULL when a ZAP domain is set).
    pub zap: ZapPolicy,
}

/// The security handshake of one connection.
#[derive(Debug)]
pub enum Mechanism {
    Null(NullMechanism),
    PlainClient(PlainClient),
    PlainServer(PlainServer),
    CurveClient(Box<CurveClient>),
    CurveServer(Box<CurveServer>),
}

impl Mechanism {
    /// Fails with `Inval` for a socket type that cannot speak ZMTP, an over-long
    /// routing id, or PLAIN credentials over 255 bytes.
    pub fn new(config: &MechanismConfig) -> Result<Mechanism, Error> {
        let base = &config.base;
        Ok(match &config.security {
            Security::Null => Mechanism::Null(NullMechanism::new(base, &config.zap)?),
            Security::PlainClient(creds) => Mechanism::PlainClient(PlainClient::new(base, creds)?),
            Security::PlainServer => Mechanism::PlainServer(PlainServer::new(base, &config.zap)?),
            Security::CurveClient(keys) => {
                Mechanism::CurveClient(Box::new(CurveClient::new(base, keys)?))
            }
            Security::CurveServer(secret) => {
                Mechanism::CurveServer(Box::new(CurveServer::new(base, secret, &config.zap)?))
            }
        })
    }

    /// The mechanism name for the greeting.
    pub fn name(&self) -> &'static [u8] {
        match self {
            Mechanism::Null(_) => b"NULL",
            Mechanism::PlainClient(_) | Mechanism::PlainServer(_) => b"PLAIN",
            Mechanism::CurveClient(_) | Mechanism::CurveServer(_) => b"CURVE",
        }
    }

    /// The greeting's as-server bit.
    pub fn as_server(&self) -> bool {
        matches!(self, Mechanism::PlainServer(_) | Mechanism::CurveServer(_))
    }

    /// The first step, once, before polling: NULL with a ZAP domain asks ZAP here.
    pub fn start(&mut self) -> Result<Status, ProtocolError> {
        match self {
            Mechanism::Null(null) => null.start(),
            _ => Ok(Status::Continue),
        }
    }

    /// Appends the next command body to send and returns true, or false when there is
    /// nothing to send now.
    pub fn poll_command(&mut self, out: &mut Vec<u8>) -> bool {
        match self {
            Mechanism::Null(m) => m.poll_command(out),
            Mechanism::PlainClient(m) => m.poll_command(out),
            Mechanism::PlainServer(m) => m.poll_command(out),
            Mechanism::CurveClient(m) => m.poll_command(out),
            Mechanism::CurveServer(m) => m.poll_command(out),
        }
    }

    /// Processes one COMMAND frame body from the peer during the handshake.
    pub fn handle_command(&mut self, body: &[u8]) -> Result<Status, ProtocolError> {
        match self {
            Mechanism::Null(m) => m.handle_command(body),
            Mechanism::PlainClient(m) => m.handle_command(body),
            Mechanism::PlainServer(m) => m.handle_command(body),
            Mechanism::CurveClient(m) => m.handle_command(body),
            Mechanism::CurveServer(m) => m.handle_command(body),
        }
    }

    /// Resumes after a `NeedsZap`. A refusal (300/400/500) is `AuthFailed`, with an
    /// ERROR queued for the peer unless the status is 300.
    pub fn zap_reply(&mut self, reply: &ZapReply) -> Result<Status, ProtocolError> {
        match self {
            Mechanism::Null(m) => m.zap_reply(reply),
            Mechanism::PlainServer(m) => m.zap_reply(reply),
            Mechanism::CurveServer(m) => m.zap_reply(reply),
            _ => Err(ProtocolError::Unspecified),
        }
    }

    pub fn is_complete(&self) -> bool {
        match self {
            Mechanism::Null(m) => m.is_complete(),
            Mechanism::PlainClient(m) => m.is_complete(),
            Mechanism::PlainServer(m) => m.is_complete(),
            Mechanism::CurveClient(m) => m.is_complete(),
            Mechanism::CurveServer(m) => m.is_complete(),
        }
    }

    /// The peer's READY/INITIATE properties.
    pub fn peer_metadata(&self) -> Option<&Metadata> {
        match self {
            Mechanism::Null(m) => m.handshake.peer_metadata(),
            Mechanism::PlainClient(m) => m.peer_metadata(),
            Mechanism::PlainServer(m) => m.peer_metadata(),
            Mechanism::CurveClient(m) => m.peer_metadata(),
            Mechanism::CurveServer(m) => m.peer_metadata(),
        }
    }

    fn zap_result(&self) -> Option<&ZapReply> {
        match self {
            Mechanism::Null(m) => m.zap.as_ref(),
            Mechanism::PlainServer(m) => m.zap_result(),
            Mechanism::CurveServer(m) => m.zap_result(),
            _ => None,
        }
    }

    /// The ZAP handler's user id (the messages' "User-Id" property), if ZAP ran.
    pub fn user_id(&self) -> Option<&[u8]> {
        self.zap_result().map(|r| r.user_id.as_slice())
    }

    /// The ZAP handler's extra properties for the peer's messages, if ZAP ran.
    pub fn zap_metadata(&self) -> Option<&Metadata> {
        self.zap_result().map(|r| &r.metadata)
    }

    /// Whether frames are boxed after the handshake (CURVE).
    pub fn is_encrypted(&self) -> bool {
        matches!(self, Mechanism::CurveClient(_) | Mechanism::CurveServer(_))
    }

    fn codec(&mut self) -> Option<&mut MessageCodec> {
        match self {
            Mechanism::CurveClient(m) => m.codec(),
            Mechanism::CurveServer(m) => m.codec(),
            _ => None,
        }
    }

    /// Boxes one frame (`flags`: MORE 0x01, COMMAND 0x02) as a MESSAGE body appended to
    /// `out`. Fails (`Unspecified`) unless this is a completed CURVE handshake.
    pub fn encode_message(
        &mut self,
        flags: u8,
        body: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), ProtocolError> {
        let codec = self.codec().ok_or(ProtocolError::Unspecified)?;
        codec.encode(flags, body, out);
        Ok(())
    }

    /// Opens one MESSAGE body: (flags, plaintext).
    pub fn decode_message(&mut self, body: &[u8]) -> Result<(u8, Vec<u8>), ProtocolError> {
        self.codec().ok_or(ProtocolError::Unspecified)?.decode(body)
    }

    /// Opens one MESSAGE body in place: (flags, where the plaintext lies in `body`).
    pub fn decode_message_in_place(
        &mut self,
        body: &mut [u8],
    ) -> Result<(u8, std::ops::Range<usize>), ProtocolError> {
        self.codec()
            .ok_or(ProtocolError::Unspecified)?
            .decode_in_place(body)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NullZap {
    /// No ZAP domain (or no handler without enforcement): plain NULL.
    Off,
    Pending,
    Accepted,
    Refused,
}

/// NULL plus libzmq's optional ZAP check: with `ZMQ_ZAP_DOMAIN` set, READY waits for
/// the handler's verdict, and a refusal sends ERROR with the status code instead.
#[derive(Debug)]
pub struct NullMechanism {
    handshake: NullHandshake,
    policy: ZapPolicy,
    routing_id: Vec<u8>,
    zap_state: NullZap,
    zap: Option<ZapReply>,
    error: Option<Vec<u8>>,
}

impl NullMechanism {
    pub fn new(base: &NullConfig, policy: &ZapPolicy) -> Result<Self, Error> {
        Ok(NullMechanism {
            handshake: NullHandshake::new(base)?,
            policy: policy.clone(),
            routing_id: base.routing_id.clone(),
            zap_state: NullZap::Off,
            zap: None,
            error: None,
        })
    }

    fn start(&mut self) -> Result<Status, ProtocolError> {
        if self.policy.domain.is_empty() {
            return Ok(Status::Continue);
        }
        if !self.policy.handler_available {
            return if self.policy.enforce_domain {
                Err(ProtocolError::NoZapHandler)
            } else {
                Ok(Status::Continue)
            };
        }
        self.zap_state = NullZap::Pending;
        Ok(Status::NeedsZap(ZapRequest::new(
            &self.policy,
            &self.routing_id,
            b"NULL",
            Vec::new(),
        )))
    }

    fn poll_command(&mut self, out: &mut Vec<u8>) -> bool {
        if let Some(error) = self.error.take() {
            out.extend_from_slice(&error);
            return true;
        }
        match self.zap_state {
            NullZap::Pending | NullZap::Refused if !self.handshake.is_failed() => false,
            _ => self.handshake.poll_command(out),
        }
    }

    fn handle_command(&mut self, body: &[u8]) -> Result<Status, ProtocolError> {
        self.handshake
            .handle_command(body)
            .map(|()| Status::Continue)
    }

    fn zap_reply(&mut self, reply: &ZapReply) -> Result<Status, ProtocolError> {
        if self.zap_state != NullZap::Pending {
            return Err(ProtocolError::Unspecified);
        }
        self.zap = Some(reply.clone());
        if reply.status == 200 {
            self.zap_state = NullZap::Accepted;
            return Ok(Status::Continue);
        }
        self.zap_state = NullZap::Refused;
        if reply.status != 300 {
            self.error = Some(error_command(reply.status));
        }
        Err(ProtocolError::AuthFailed(reply.status))
    }

    fn is_complete(&self) -> bool {
        matches!(self.zap_state, NullZap::Off | NullZap::Accepted) && self.handshake.is_complete()
    }
}

/// libzmq's first check on a handshake command: at least a name length and a name
/// that fits (`check_basic_command_structure`).
pub(crate) fn check_basic_structure(body: &[u8]) -> Result<(), ProtocolError> {
    match body.first() {
        Some(&name_len) if body.len() > 1 && body.len() > usize::from(name_len) => Ok(()),
        _ => Err(ProtocolError::MalformedCommand(CommandKind::Other)),
    }
}

/// The reason of an ERROR command, read as libzmq reads it (bytes after the reason
/// are ignored).
pub(crate) fn parse_error_reason(body: &[u8]) -> Result<&[u8], ProtocolError> {
    let malformed = ProtocolError::MalformedCommand(CommandKind::Error);
    let len = usize::from(*body.get(6).ok_or(malformed.clone())?);
    body.get(7..7 + len).ok_or(malformed)
}

/// ERROR carrying a ZAP status code, as the servers send it.
pub(crate) fn error_command(status: u16) -> Vec<u8> {
    let mut out = ERROR_PREFIX.to_vec();
    out.push(3);
    out.extend_from_slice(status.to_string().as_bytes());
    out
}

#[cfg(test)]
mod tests;
