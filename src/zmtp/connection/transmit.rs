//! The sending half of a connection: one output buffer that batches frame headers and
//! small bodies (and, with CURVE, boxes sealed in place), and at most one large body
//! written from its message by reference, after the buffer (`writev`).

use super::{Connection, Phase};
use crate::constants::ZMQ_RADIO;
use crate::msg::{flags, Msg};
use crate::zmtp::command::Command as ZmtpCommand;
use crate::zmtp::curve::{FLAG_COMMAND, FLAG_MORE, MESSAGE_OVERHEAD};
use crate::zmtp::frame::{FrameFlags, MAX_HEADER_LEN};
use crate::zmtp::greeting::PeerVersion;
use crate::zmtp::subscription::{self, SubscriptionKind};
use std::time::Instant;

/// Bodies at least this large are written from the message itself, not copied.
pub const LARGE_BODY: usize = 8192;

pub(super) struct Transmit {
    /// Queued bytes; `buf[pos..]` are not written yet.
    pub(super) buf: Vec<u8>,
    pos: usize,
    /// A large body being written from the message: (message, bytes written). It
    /// follows everything in `buf`, so nothing may be queued until it is out.
    large: Option<(Msg, usize)>,
    /// The last frame sent for the socket had MORE: a message is half sent.
    more: bool,
}

impl Transmit {
    pub(super) fn new(capacity: usize) -> Transmit {
        Transmit {
            buf: Vec::with_capacity(capacity),
            pos: 0,
            large: None,
            more: false,
        }
    }
}

impl Connection {
    /// Queues what the protocol itself has to send now: the greeting, handshake
    /// commands, heartbeats (PONGs and due PINGs).
    pub fn queue_control(&mut self, now: Instant) {
        match &mut self.phase {
            Phase::Greeting(exchange) => exchange.take_output(&mut self.transmit.buf),
            Phase::Handshake => self.queue_handshake_commands(),
            Phase::OldIdentity => {}
            Phase::Active => {
                // Heartbeats wait while a large body is being written from its message
                // (bytes queued now would land inside that frame), and while a batch is
                // pending (a peer sending PINGs without reading must not grow our output).
                if self.batch_has_room()
                    && matches!(self.version, PeerVersion::V3_0 | PeerVersion::V3_1)
                {
                    let mut cmd = Vec::new();
                    while self.heartbeat.poll_command(now, &mut cmd) {
                        let body = std::mem::take(&mut cmd);
                        self.emit_frame(FrameFlags::COMMAND, &body);
                    }
                }
            }
        }
    }

    /// Whether a frame from the socket may be queued now: the handshake is done, no
    /// large body is on its way, and less than `ZMQ_OUT_BATCH_SIZE` bytes wait.
    pub fn has_room(&self) -> bool {
        self.is_active() && self.batch_has_room()
    }

    fn batch_has_room(&self) -> bool {
        let t = &self.transmit;
        t.large.is_none() && t.buf.len() - t.pos < self.config.out_batch
    }

    /// Queues one frame from the socket. With `zero_copy`, a large body is written
    /// later from the message itself, so nothing may be queued after it until it is out
    /// (`has_room` says when).
    pub fn send_message(&mut self, msg: Msg, zero_copy: bool) {
        self.transmit.more = msg.more();
        let small = msg.len() < LARGE_BODY || !zero_copy;
        if self.config.raw {
            if small {
                self.transmit.buf.extend_from_slice(msg.data());
            } else {
                self.transmit.large = Some((msg, 0));
            }
            return;
        }
        let f = msg.flags();
        if f & (flags::JOIN | flags::LEAVE) != 0 {
            // A DISH's join or leave: a JOIN or LEAVE command naming the group.
            let name: &[u8] = if f & flags::JOIN != 0 {
                b"JOIN"
            } else {
                b"LEAVE"
            };
            let body = ZmtpCommand::Other {
                name,
                data: msg.data(),
            }
            .to_vec();
            self.emit_frame(FrameFlags::COMMAND, &body);
            return;
        }
        if self.config.socket_type == ZMQ_RADIO {
            // RADIO: the group goes first, in a frame of its own.
            let group = msg.group().to_bytes().to_vec();
            self.emit_frame(FrameFlags::data(true), &group);
        }
        if f & (flags::SUBSCRIBE | flags::CANCEL) != 0 {
            let kind = if f & flags::SUBSCRIBE != 0 {
                SubscriptionKind::Subscribe
            } else {
                SubscriptionKind::Cancel
            };
            let mut body = Vec::with_capacity(msg.len() + 11);
            let frame_flags = subscription::encode(self.version, kind, msg.data(), &mut body);
            self.emit_frame(frame_flags, &body);
            return;
        }
        let frame_flags = FrameFlags::data(msg.more());
        if self.encrypted {
            self.emit_frame(frame_flags, msg.data());
            return;
        }
        if small {
            let _ = self
                .encoder
                .encode(frame_flags, msg.data(), &mut self.transmit.buf);
        } else {
            let mut header = [0u8; MAX_HEADER_LEN];
            if let Ok(n) = self.encoder.header(frame_flags, msg.len(), &mut header) {
                self.transmit.buf.extend_from_slice(&header[..n]);
                self.transmit.large = Some((msg, 0));
            }
        }
    }

    /// Queues one frame: as is, or (CURVE) boxed in a MESSAGE sent as a data frame.
    fn emit_frame(&mut self, flags: FrameFlags, body: &[u8]) {
        let out = &mut self.transmit.buf;
        if !self.encrypted {
            let _ = self.encoder.encode(flags, body, out);
            return;
        }
        let Some(mechanism) = self.mechanism.as_mut() else {
            return;
        };
        let mut bits = 0;
        if flags.more {
            bits |= FLAG_MORE;
        }
        if flags.command {
            bits |= FLAG_COMMAND;
        }
        // The frame header, then the box sealed in place in the output buffer.
        let mut header = [0u8; MAX_HEADER_LEN];
        let rollback = out.len();
        if let Ok(n) = self.encoder.header(
            FrameFlags::MESSAGE,
            MESSAGE_OVERHEAD + body.len(),
            &mut header,
        ) {
            out.extend_from_slice(&header[..n]);
            if mechanism.encode_message(bits, body, out).is_err() {
                out.truncate(rollback);
            }
        }
    }

    /// What to write next: queued bytes, then the large body after them (either may
    /// be empty). Report what was written with `output_written`.
    pub fn output(&self) -> (&[u8], &[u8]) {
        let t = &self.transmit;
        let head = t.buf.get(t.pos..).unwrap_or(&[]);
        let body = match &t.large {
            Some((msg, off)) => msg.data().get(*off..).unwrap_or(&[]),
            None => &[],
        };
        (head, body)
    }

    /// `n` bytes of `output` were written.
    pub fn output_written(&mut self, n: usize) {
        let t = &mut self.transmit;
        let from_head = n.min(t.buf.len() - t.pos);
        t.pos += from_head;
        let rest = n - from_head;
        if let Some((msg, off)) = t.large.as_mut() {
            *off += rest;
            if *off >= msg.len() && t.pos == t.buf.len() {
                t.large = None;
            }
        }
        if t.pos == t.buf.len() && t.large.is_none() {
            t.buf.clear();
            t.pos = 0;
        }
    }

    /// True when everything queued has been written.
    pub fn output_drained(&self) -> bool {
        self.transmit.pos == self.transmit.buf.len() && self.transmit.large.is_none()
    }

    /// True when the connection stopped in the middle of an outgoing message.
    pub fn mid_message_out(&self) -> bool {
        self.transmit.more
    }
}
