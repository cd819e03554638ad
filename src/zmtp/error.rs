//! Why a ZMTP exchange failed, with enough detail for libzmq's monitor events.
//!
//! The engine reports [`ProtocolError::monitor_code`] with
//! `ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL` (when it is `Some`) and then closes the
//! connection; [`ProtocolError::to_error`] gives the core error for the close reason.

use std::fmt;

use crate::constants::*;
use crate::error::Error;

/// Which command a malformed-command error is about (selects the monitor code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandKind {
    Ready,
    Error,
    Hello,
    Welcome,
    Initiate,
    Message,
    /// PING, PONG, SUBSCRIBE, CANCEL or a command with no name at all.
    Other,
}

/// A violation of ZMTP by the peer (or a limit it exceeded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolError {
    /// The 3.x greeting is not well formed (signature, version, mechanism name).
    MalformedGreeting,
    /// The peer's security mechanism differs from ours.
    MechanismMismatch,
    /// A ZMTP 1.0/2.0 peer, while security or ZAP is required (no downgrade).
    OldPeerRejected,
    /// A frame flags byte with reserved bits set, or a command with MORE set.
    InvalidFrameFlags(u8),
    /// A ZMTP 1.0 length of 0 (the length must count the flags byte).
    InvalidFrameLength,
    /// A frame larger than MAXMSGSIZE, larger than 2^63-1, or than `usize`.
    MessageTooLarge,
    /// A command whose body does not parse.
    MalformedCommand(CommandKind),
    /// A command that is valid but not allowed in the current state.
    UnexpectedCommand,
    /// A property list that does not parse (length overrun, empty name...).
    InvalidMetadata,
    /// The peer's `Socket-Type` is missing or not a valid peer of ours.
    InvalidSocketType,
    /// The peer sent ERROR during the handshake; its reason text.
    PeerError(Vec<u8>),
    /// Nothing arrived within HEARTBEAT_TIMEOUT after a PING, or within the peer's TTL.
    HeartbeatTimeout,
    /// A command arrived in a handshake state that takes none (libzmq's "unspecified").
    Unspecified,
    /// A CURVE box did not open (wrong key, tampered MAC, wrong-size WELCOME).
    Cryptographic,
    /// CURVE INITIATE's vouch does not name the client's short-term key.
    KeyExchange,
    /// A CURVE MESSAGE nonce not above the last one seen (replay or reordering).
    InvalidSequence,
    /// The ZAP handler's reply is unusable.
    Zap(ZapError),
    /// The ZAP handler refused the peer with this status code (300, 400 or 500).
    AuthFailed(u16),
    /// Authentication is required but nothing is bound at `inproc://zeromq.zap.01`.
    NoZapHandler,
}

/// What is wrong with a ZAP reply (selects the `ZMQ_PROTOCOL_ERROR_ZAP_*` code).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZapError {
    /// Not exactly 7 frames.
    MalformedReply,
    /// The first frame (the delimiter) is not empty.
    Unspecified,
    BadVersion,
    BadRequestId,
    /// Not one of 200, 300, 400, 500.
    InvalidStatusCode,
    /// The metadata frame is not a ZMTP property list.
    InvalidMetadata,
}

impl ProtocolError {
    /// The `ZMQ_PROTOCOL_ERROR_*` code libzmq attaches to
    /// `ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL`, or `None` when libzmq raises no such event
    /// (the connection is then simply dropped, or a different event applies).
    pub fn monitor_code(&self) -> Option<i32> {
        use ProtocolError::*;
        Some(match self {
            MalformedGreeting | OldPeerRejected => ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED,
            MechanismMismatch => ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH,
            MalformedCommand(kind) => match kind {
                CommandKind::Ready => ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY,
                CommandKind::Error => ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_ERROR,
                CommandKind::Hello => ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO,
                CommandKind::Welcome => ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_WELCOME,
                CommandKind::Initiate => ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE,
                CommandKind::Message => ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE,
                CommandKind::Other => ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED,
            },
            UnexpectedCommand => ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND,
            InvalidMetadata => ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA,
            Unspecified => ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED,
            Cryptographic => ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC,
            KeyExchange => ZMQ_PROTOCOL_ERROR_ZMTP_KEY_EXCHANGE,
            InvalidSequence => ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE,
            Zap(zap) => match zap {
                ZapError::MalformedReply => ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY,
                ZapError::Unspecified => ZMQ_PROTOCOL_ERROR_ZAP_UNSPECIFIED,
                ZapError::BadVersion => ZMQ_PROTOCOL_ERROR_ZAP_BAD_VERSION,
                ZapError::BadRequestId => ZMQ_PROTOCOL_ERROR_ZAP_BAD_REQUEST_ID,
                ZapError::InvalidStatusCode => ZMQ_PROTOCOL_ERROR_ZAP_INVALID_STATUS_CODE,
                ZapError::InvalidMetadata => ZMQ_PROTOCOL_ERROR_ZAP_INVALID_METADATA,
            },
            // libzmq 4.3.5 fails a socket-type mismatch with EINVAL and no protocol
            // event; framing errors, a peer's ERROR and timeouts are not handshake-protocol
            // events either: they end the connection as a plain disconnect.
            InvalidSocketType | InvalidFrameFlags(_) | InvalidFrameLength | MessageTooLarge
            | PeerError(_) | HeartbeatTimeout => return None,
            // Reported as ZMQ_EVENT_HANDSHAKE_FAILED_AUTH (see `auth_status`) and as
            // ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL with EFAULT respectively.
            AuthFailed(_) | NoZapHandler => return None,
        })
    }

    /// The status code libzmq reports with `ZMQ_EVENT_HANDSHAKE_FAILED_AUTH`: the ZAP
    /// handler's refusal on the server, or a peer's ERROR whose reason is exactly "300",
    /// "400" or "500" on the client (libzmq's `handle_error_reason`).
    pub fn auth_status(&self) -> Option<u16> {
        match self {
            ProtocolError::AuthFailed(code) => Some(*code),
            ProtocolError::PeerError(reason) => match reason.as_slice() {
                [d @ b'3'..=b'5', b'0', b'0'] => Some(u16::from(d - b'0') * 100),
                _ => None,
            },
            _ => None,
        }
    }

    /// The core error describing this failure (libzmq sets `EMSGSIZE` for oversize
    /// frames and `EPROTO` for everything else).
    pub fn to_error(&self) -> Error {
        match self {
            ProtocolError::MessageTooLarge => Error::MsgSize,
            ProtocolError::HeartbeatTimeout => Error::Os(libc::ETIMEDOUT),
            ProtocolError::InvalidSocketType => Error::Inval,
            ProtocolError::NoZapHandler => Error::Os(libc::EFAULT),
            ProtocolError::AuthFailed(_) => Error::Os(libc::EACCES),
            _ => Error::Os(libc::EPROTO),
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::PeerError(reason) => {
                write!(f, "peer sent ERROR: {}", String::from_utf8_lossy(reason))
            }
            other => write!(f, "{other:?}"),
        }
    }
}

impl std::error::Error for ProtocolError {}

impl From<ProtocolError> for Error {
    fn from(e: ProtocolError) -> Self {
        e.to_error()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monitor_codes() {
        assert_eq!(
            ProtocolError::MechanismMismatch.monitor_code(),
            Some(ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
        );
        assert_eq!(
            ProtocolError::MalformedCommand(CommandKind::Ready).monitor_code(),
            Some(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY)
        );
        assert_eq!(
            ProtocolError::UnexpectedCommand.monitor_code(),
            Some(ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND)
        );
        assert_eq!(ProtocolError::InvalidSocketType.monitor_code(), None);
        assert_eq!(ProtocolError::MessageTooLarge.to_error(), Error::MsgSize);
        assert_eq!(
            Error::from(ProtocolError::InvalidMetadata),
            Error::Os(libc::EPROTO)
        );
    }
}
