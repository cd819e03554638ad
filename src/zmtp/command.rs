//! ZMTP command bodies: `name_len (1) + name + data`, carried in COMMAND frames.
//!
//! [`Command::parse`] borrows from the frame body and checks every length strictly;
//! the `encode` functions append a body to the caller's buffer (the caller frames it
//! with `FrameFlags::COMMAND`). Security handshake commands (HELLO, WELCOME, INITIATE,
//! MESSAGE) are surfaced raw for the mechanisms to parse.

use super::error::CommandKind;
use super::ProtocolError;

/// Longest PING context (and so PONG body) ZMTP 3.1 allows; libzmq truncates longer
/// ones when it echoes them.
pub const MAX_PING_CONTEXT: usize = 16;

/// A parsed command, borrowing from the frame body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command<'a> {
    /// READY: a property list (see `metadata`).
    Ready(&'a [u8]),
    /// ERROR: the reason text (at most 255 bytes).
    Error(&'a [u8]),
    Subscribe(&'a [u8]),
    Cancel(&'a [u8]),
    /// PING: TTL in deciseconds and the context to echo (as sent, possibly > 16 bytes).
    Ping {
        ttl: u16,
        context: &'a [u8],
    },
    Pong {
        context: &'a [u8],
    },
    Hello(&'a [u8]),
    Welcome(&'a [u8]),
    Initiate(&'a [u8]),
    /// CURVE's MESSAGE command.
    Message(&'a [u8]),
    /// Any other name (JOIN, LEAVE, future commands): ignored by libzmq after the handshake.
    Other {
        name: &'a [u8],
        data: &'a [u8],
    },
}

impl<'a> Command<'a> {
    /// Parses a COMMAND frame body.
    pub fn parse(body: &'a [u8]) -> Result<Command<'a>, ProtocolError> {
        let (&name_len, rest) = body
            .split_first()
            .ok_or(ProtocolError::MalformedCommand(CommandKind::Other))?;
        let name_len = usize::from(name_len);
        if name_len == 0 || rest.len() < name_len {
            return Err(ProtocolError::MalformedCommand(CommandKind::Other));
        }
        let (name, data) = rest.split_at(name_len);
        Ok(match name {
            b"READY" => Command::Ready(data),
            b"ERROR" => {
                let malformed = ProtocolError::MalformedCommand(CommandKind::Error);
                let (&len, reason) = data.split_first().ok_or(malformed.clone())?;
                if reason.len() != usize::from(len) {
                    return Err(malformed);
                }
                Command::Error(reason)
            }
            b"SUBSCRIBE" => Command::Subscribe(data),
            b"CANCEL" => Command::Cancel(data),
            b"PING" => match data {
                [hi, lo, context @ ..] => Command::Ping {
                    ttl: u16::from_be_bytes([*hi, *lo]),
                    context,
                },
                _ => return Err(ProtocolError::MalformedCommand(CommandKind::Other)),
            },
            b"PONG" => Command::Pong { context: data },
            b"HELLO" => Command::Hello(data),
            b"WELCOME" => Command::Welcome(data),
            b"INITIATE" => Command::Initiate(data),
            b"MESSAGE" => Command::Message(data),
            _ => Command::Other { name, data },
        })
    }

    /// Appends this command's body to `out`. Lengths the wire cannot carry are
    /// truncated (ERROR reason to 255 bytes, PING context to 16) rather than failing.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match *self {
            Command::Ready(props) => encode_raw(b"READY", props, out),
            Command::Error(reason) => {
                let reason = reason.get(..255).unwrap_or(reason);
                encode_name(b"ERROR", out);
                out.push(reason.len() as u8);
                out.extend_from_slice(reason);
            }
            Command::Subscribe(topic) => encode_raw(b"SUBSCRIBE", topic, out),
            Command::Cancel(topic) => encode_raw(b"CANCEL", topic, out),
            Command::Ping { ttl, context } => {
                encode_name(b"PING", out);
                out.extend_from_slice(&ttl.to_be_bytes());
                out.extend_from_slice(context.get(..MAX_PING_CONTEXT).unwrap_or(context));
            }
            Command::Pong { context } => encode_raw(
                b"PONG",
                context.get(..MAX_PING_CONTEXT).unwrap_or(context),
                out,
            ),
            Command::Hello(data) => encode_raw(b"HELLO", data, out),
            Command::Welcome(data) => encode_raw(b"WELCOME", data, out),
            Command::Initiate(data) => encode_raw(b"INITIATE", data, out),
            Command::Message(data) => encode_raw(b"MESSAGE", data, out),
            Command::Other { name, data } => encode_raw(name, data, out),
        }
    }

    /// The command's body as a new vector.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }
}

fn encode_name(name: &[u8], out: &mut Vec<u8>) {
    let name = name.get(..255).unwrap_or(name);
    out.push(name.len() as u8);
    out.extend_from_slice(name);
}

fn encode_raw(name: &[u8], data: &[u8], out: &mut Vec<u8>) {
    encode_name(name, out);
    out.extend_from_slice(data);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_byte_vectors() {
        let cases: Vec<(Command, &[u8])> = vec![
            (Command::Ready(b""), b"\x05READY"),
            (Command::Error(b"no"), b"\x05ERROR\x02no"),
            (Command::Subscribe(b"topic"), b"\x09SUBSCRIBEtopic"),
            (Command::Cancel(b""), b"\x06CANCEL"),
            (
                Command::Ping {
                    ttl: 0x0102,
                    context: b"",
                },
                b"\x04PING\x01\x02",
            ),
            (
                Command::Ping {
                    ttl: 0,
                    context: b"ctx",
                },
                b"\x04PING\x00\x00ctx",
            ),
            (Command::Pong { context: b"ctx" }, b"\x04PONGctx"),
            (Command::Hello(b"\x01"), b"\x05HELLO\x01"),
            (Command::Welcome(b""), b"\x07WELCOME"),
            (Command::Initiate(b"x"), b"\x08INITIATEx"),
            (Command::Message(b"m"), b"\x07MESSAGEm"),
            (
                Command::Other {
                    name: b"JOIN",
                    data: b"g",
                },
                b"\x04JOINg",
            ),
        ];
        for (cmd, bytes) in cases {
            assert_eq!(cmd.to_vec(), bytes);
            assert_eq!(Command::parse(bytes), Ok(cmd));
        }
    }

    #[test]
    fn malformed_commands_rejected() {
        let other = Err(ProtocolError::MalformedCommand(CommandKind::Other));
        assert_eq!(Command::parse(b""), other);
        assert_eq!(Command::parse(b"\x00"), other);
        assert_eq!(Command::parse(b"\x05READ"), other);
        assert_eq!(Command::parse(b"\x04PING"), other);
        assert_eq!(Command::parse(b"\x04PING\x00"), other);
        let error = Err(ProtocolError::MalformedCommand(CommandKind::Error));
        assert_eq!(Command::parse(b"\x05ERROR"), error);
        assert_eq!(Command::parse(b"\x05ERROR\x03no"), error);
        assert_eq!(Command::parse(b"\x05ERROR\x01no"), error);
    }

    #[test]
    fn every_prefix_of_a_command_parses_or_errors() {
        let body = Command::Ping {
            ttl: 5,
            context: b"0123456789abcdef",
        }
        .to_vec();
        for n in 0..=body.len() {
            let _ = Command::parse(&body[..n]);
        }
        let body = Command::Error(b"reason").to_vec();
        for n in 0..body.len() {
            assert!(Command::parse(&body[..n]).is_err());
        }
    }

    #[test]
    fn long_values_truncated_on_encode() {
        let body = Command::Pong {
            context: &[1u8; 40],
        }
        .to_vec();
        assert_eq!(body.len(), 5 + MAX_PING_CONTEXT);
        let reason = [b'r'; 300];
        let body = Command::Error(&reason).to_vec();
        assert_eq!(Command::parse(&body), Ok(Command::Error(&reason[..255])));
    }
}
