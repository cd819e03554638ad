//! The CURVE mechanism (CurveZMQ, RFC 26, on ZMTP per RFC 25) with libzmq's exact
//! command sizes, nonce rules and failure codes.
//!
//! Handshake: C:HELLO (200 bytes) -> S:WELCOME (168) -> C:INITIATE (>= 257) ->
//! S:READY (>= 30), each box under short nonces that count up from 1 per direction
//! (the client's HELLO is 1 and INITIATE 2; the server's READY is 1). Afterwards every
//! frame, data or command, travels as a MESSAGE box ([`MessageCodec`]) in an ordinary
//! data frame, with a flags byte (MORE 0x01, COMMAND 0x02) in front of the plaintext.
//!
//! `client` and `server` hold the two state machines; `boxes` is the only code that
//! touches cryptography.

pub mod boxes;
pub mod client;
pub mod key;
pub mod server;

use std::ops::Range;

use self::boxes::{nonce, Cipher, MAC_LEN};
use super::error::CommandKind;
use super::mechanism::check_basic_structure;
use super::ProtocolError;

pub use client::{CurveClient, CurveClientConfig};
pub use key::CurveKey;
pub use server::CurveServer;

/// MESSAGE plaintext flag: more frames follow.
pub const FLAG_MORE: u8 = 0x01;
/// MESSAGE plaintext flag: the frame is a ZMTP command (PING, SUBSCRIBE...).
pub const FLAG_COMMAND: u8 = 0x02;
const FLAG_MASK: u8 = FLAG_MORE | FLAG_COMMAND;

const MESSAGE_PREFIX: &[u8] = b"\x07MESSAGE";
/// Command name, short nonce, MAC and the flags byte: what a MESSAGE adds to a frame.
pub const MESSAGE_OVERHEAD: usize = 8 + 8 + MAC_LEN + 1;
const MESSAGE_MIN: usize = MESSAGE_OVERHEAD;

pub(crate) const CLIENT_MESSAGE_NONCE: &[u8] = b"CurveZMQMESSAGEC";
pub(crate) const SERVER_MESSAGE_NONCE: &[u8] = b"CurveZMQMESSAGES";

/// Boxes and unboxes MESSAGEs once the handshake is done; owns the precomputed
/// short-term key and both nonce counters.
#[cfg_attr(test, derive(Clone))]
pub struct MessageCodec {
    cipher: Cipher,
    send_prefix: &'static [u8],
    recv_prefix: &'static [u8],
    /// The next short nonce we send (handshake commands use the same counter).
    next_nonce: u64,
    /// The highest short nonce received; a MESSAGE must exceed it.
    peer_nonce: u64,
}

impl MessageCodec {
    pub(crate) fn new(
        cipher: Cipher,
        send_prefix: &'static [u8],
        recv_prefix: &'static [u8],
        next_nonce: u64,
    ) -> MessageCodec {
        MessageCodec {
            cipher,
            send_prefix,
            recv_prefix,
            next_nonce,
            peer_nonce: 1,
        }
    }

    pub(crate) fn cipher(&self) -> &Cipher {
        &self.cipher
    }

    /// Takes the next short nonce (for READY/INITIATE and messages).
    pub(crate) fn take_nonce(&mut self) -> u64 {
        let n = self.next_nonce;
        self.next_nonce = n.wrapping_add(1);
        n
    }

    /// Records the nonce of a handshake command (libzmq does not check its order).
    pub(crate) fn set_peer_nonce(&mut self, nonce: u64) {
        self.peer_nonce = nonce;
    }

    /// Appends a whole MESSAGE command body for one frame to `out`.
    pub fn encode(&mut self, flags: u8, body: &[u8], out: &mut Vec<u8>) {
        let short = self.take_nonce().to_be_bytes();
        out.extend_from_slice(MESSAGE_PREFIX);
        out.extend_from_slice(&short);
        let mac_at = out.len();
        out.resize(mac_at + MAC_LEN, 0);
        out.push(flags & FLAG_MASK);
        out.extend_from_slice(body);
        self.cipher
            .seal_tail(&nonce(self.send_prefix, &short), out, mac_at);
    }

    /// Opens a MESSAGE in place. Returns the flags (MORE/COMMAND) and where the
    /// plaintext now lies in `body`.
    pub fn decode_in_place(
        &mut self,
        body: &mut [u8],
    ) -> Result<(u8, Range<usize>), ProtocolError> {
        check_basic_structure(body)?;
        if !body.starts_with(MESSAGE_PREFIX) {
            return Err(ProtocolError::UnexpectedCommand);
        }
        if body.len() < MESSAGE_MIN {
            return Err(ProtocolError::MalformedCommand(CommandKind::Message));
        }
        let (head, boxed) = body.split_at_mut(16);
        let short = &head[8..16];
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(short);
        let value = u64::from_be_bytes(bytes);
        if value <= self.peer_nonce {
            return Err(ProtocolError::InvalidSequence);
        }
        if !self
            .cipher
            .open_in_place(&nonce(self.recv_prefix, short), boxed)
        {
            return Err(ProtocolError::Cryptographic);
        }
        self.peer_nonce = value;
        let flags = boxed[MAC_LEN] & FLAG_MASK;
        Ok((flags, MESSAGE_MIN..body.len()))
    }

    /// Opens a MESSAGE into a new buffer: (flags, plaintext).
    pub fn decode(&mut self, body: &[u8]) -> Result<(u8, Vec<u8>), ProtocolError> {
        let mut buf = body.to_vec();
        let (flags, range) = self.decode_in_place(&mut buf)?;
        buf.truncate(range.end);
        buf.drain(..range.start);
        Ok((flags, buf))
    }
}

impl std::fmt::Debug for MessageCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MessageCodec")
            .field("next_nonce", &self.next_nonce)
            .field("peer_nonce", &self.peer_nonce)
            .finish_non_exhaustive()
    }
}

/// Reads the 8-byte big-endian short nonce at `data[at..at + 8]`.
pub(crate) fn short_nonce(data: &[u8], at: usize) -> Option<(u64, &[u8])> {
    let bytes = data.get(at..at + 8)?;
    let mut arr = [0u8; 8];
    arr.copy_from_slice(bytes);
    Some((u64::from_be_bytes(arr), bytes))
}

#[cfg(test)]
pub(crate) mod tests;
