//! The receiving half of a connection: the receive buffer the driver reads into, and
//! the decoding of what arrives into frames for the socket, handshake commands,
//! heartbeats and subscriptions.
//!
//! The buffer is refcounted: frames larger than a message's inline capacity become
//! messages that view it, without copying (a fresh buffer is taken when the old one
//! is still viewed); CURVE boxes are opened in place in it. A frame whose body is not
//! all here yet is received into its own message, read directly into by the driver
//! once the buffer is drained.

use super::{Connection, Failure, Phase};
use crate::constants::{ZMQ_DISH, ZMQ_RADIO};
use crate::msg::{flags, Buffer, Msg, SliceSource, GROUP_MAX_LENGTH, INLINE_CAPACITY};
use crate::zmtp::command::Command as ZmtpCommand;
use crate::zmtp::curve::{FLAG_COMMAND, FLAG_MORE};
use crate::zmtp::frame::{Decoded, FrameFlags};
use crate::zmtp::ProtocolError;
use std::ops::Range;
use std::time::Instant;

/// Read buffer size (at least `ZMQ_IN_BATCH_SIZE`).
const READ_CHUNK: usize = 64 * 1024;

/// A receive buffer of `size` bytes; None when that cannot be allocated.
fn new_read_buffer(size: usize) -> Option<SliceSource> {
    Buffer::alloc(size).map(SliceSource::new)
}

/// The first receive buffer: `ZMQ_IN_BATCH_SIZE` (a caller's number) if that can be
/// allocated, else the default size; only running out of those 64 KiB aborts.
fn first_read_buffer(in_batch: usize) -> SliceSource {
    match new_read_buffer(READ_CHUNK.max(in_batch)).or_else(|| new_read_buffer(READ_CHUNK)) {
        Some(source) => source,
        None => std::alloc::handle_alloc_error(std::alloc::Layout::new::<u8>()),
    }
}

/// Received bytes and the frames being assembled from them.
pub(super) struct Receive {
    input: SliceSource,
    start: usize,
    end: usize,
    in_batch: usize,
    /// A large frame being received straight into its message: (message, flags, filled).
    large: Option<(Msg, FrameFlags, usize)>,
    /// `receive_buffer` handed out the body of `large`, not the buffer.
    reading_large: bool,
    /// The last frame was large (received into its own message): the next read into the
    /// buffer takes at most `in_batch` bytes, so that little of the next large body is
    /// read into the buffer and copied out, and the rest goes straight into its message.
    after_large: bool,
    /// A handshake command larger than the read buffer, collected as its bytes arrive:
    /// a peer that has not authenticated cannot make us allocate what it merely announces.
    command: Option<(Vec<u8>, FrameFlags)>,
    /// A message for the socket that no frame carried (a ZMTP 1.0 subscriber's
    /// subscription to everything), handed out first.
    pub(super) queued: Option<Msg>,
    /// The sink refused a frame during this `handle_input`: stop decoding.
    blocked: bool,
    /// DISH: the group frame of the message whose body comes next.
    group: Option<Vec<u8>>,
    /// DISH: the RADIO sent frames of another shape; the connection fails.
    malformed: bool,
}

impl Receive {
    pub(super) fn new(in_batch: usize) -> Receive {
        Receive {
            input: first_read_buffer(in_batch),
            start: 0,
            end: 0,
            in_batch,
            large: None,
            reading_large: false,
            after_large: false,
            command: None,
            queued: None,
            blocked: false,
            group: None,
            malformed: false,
        }
    }
}

impl Connection {
    /// Where the next read goes: free space of the receive buffer, or the rest of a
    /// large body once the buffer is drained. Empty when the buffer is full of
    /// unconsumed bytes. Report what was read with `received`.
    pub fn receive_buffer(&mut self) -> Result<&mut [u8], Failure> {
        let r = &mut self.receive;
        r.reading_large = false;
        if r.start == r.end {
            if r.input.is_shared() {
                // Messages still view the old bytes: never write over them.
                r.input = new_read_buffer(r.input.buffer().len()).ok_or(Failure::Closed)?;
            }
            r.start = 0;
            r.end = 0;
            // A large body: read directly into the message once the buffer is drained.
            if let Some((msg, _, filled)) = r.large.as_mut() {
                let remaining = self.decoder.body_remaining();
                if remaining >= r.input.buffer().len() / 2 {
                    let Some(dest) = msg.data_mut() else {
                        return Err(Failure::Closed);
                    };
                    let end = (*filled + remaining).min(dest.len());
                    r.reading_large = true;
                    return dest.get_mut(*filled..end).ok_or(Failure::Closed);
                }
            }
        }
        let size = r.input.buffer().len();
        if r.end == size {
            // Full: move the unconsumed tail to the front of a buffer nobody else views.
            let tail = r.end - r.start;
            if tail == size {
                return Ok(&mut []);
            }
            let fresh = new_read_buffer(size).ok_or(Failure::Closed)?;
            // SAFETY: `fresh` is new and unshared; the tail lies within the old buffer.
            unsafe {
                fresh
                    .buffer()
                    .range_mut(0, tail)
                    .copy_from_slice(&r.input.buffer().head(r.end)[r.start..]);
            }
            r.input = fresh;
            r.start = 0;
            r.end = tail;
        }
        let mut space = size - r.end;
        // Raw mode: each read is one message, of at most IN_BATCH_SIZE bytes, as
        // libzmq's raw decoder reads.
        if r.after_large || self.config.raw {
            space = space.min(r.in_batch);
        }
        // SAFETY: bytes past `end` were never handed out; only the driver writes them,
        // through this borrow of `self`.
        Ok(unsafe { r.input.buffer().range_mut(r.end, space) })
    }

    /// `n` bytes were read into what `receive_buffer` gave, at `now` (0 for a read
    /// that was interrupted: still traffic for the heartbeat).
    pub fn received(&mut self, n: usize, now: Instant) {
        let r = &mut self.receive;
        if std::mem::take(&mut r.reading_large) {
            if let Some((_, _, filled)) = r.large.as_mut() {
                *filled += n;
                self.decoder.body_received(n);
            }
        } else {
            r.end = (r.end + n).min(r.input.buffer().len());
        }
        if self.is_active() {
            self.heartbeat.on_traffic(now);
        }
    }

    /// True when received bytes wait to be decoded.
    pub fn has_buffered_input(&self) -> bool {
        self.receive.start < self.receive.end
    }

    /// True when a message for the socket waits that no frame carried; the driver
    /// should not read until `handle_input` handed it out.
    pub fn has_queued_message(&self) -> bool {
        self.receive.queued.is_some()
    }

    /// Decodes what was received, as far as the phase and the sink allow. Each frame
    /// for the socket goes to `sink` (MORE set, the connection's metadata attached);
    /// the sink returns false when it cannot take more (it keeps that frame), which
    /// stops decoding until the next call. A call that starts before the handshake
    /// ends stops where it ends: the socket's pipe is attached before frames flow.
    /// Ok(true) if anything was consumed.
    pub fn handle_input<S: FnMut(Msg) -> bool>(
        &mut self,
        now: Instant,
        sink: &mut S,
    ) -> Result<bool, Failure> {
        let mut progress = false;
        self.receive.blocked = false;
        if let Some(msg) = self.receive.queued.take() {
            if !sink(msg) {
                return Ok(false);
            }
            progress = true;
        }
        // A large body completed by direct reads.
        if let Some((_, _, filled)) = &self.receive.large {
            if self.decoder.body_remaining() == 0 && *filled > 0 {
                let (msg, fl, _) = self.receive.large.take().ok_or(Failure::Closed)?;
                progress = true;
                self.large_frame_done(sink, msg, fl, now)?;
            }
        }
        // The buffer is taken out while frames are handled, so bodies can be borrowed
        // from it without copying.
        let started_active = self.is_active();
        let mut source = self.receive.input.split();
        let result = self.decode_frames(&mut source, sink, now, started_active);
        self.receive.input.rejoin(source);
        progress |= result?;
        if self.receive.malformed {
            return Err(Failure::Closed);
        }
        Ok(progress)
    }

    fn decode_frames<S: FnMut(Msg) -> bool>(
        &mut self,
        source: &mut SliceSource,
        sink: &mut S,
        now: Instant,
        started_active: bool,
    ) -> Result<bool, Failure> {
        let mut progress = false;
        if self.config.raw {
            let (start, end) = (self.receive.start, self.receive.end);
            // Every chunk read is one message.
            if start < end && !self.receive.blocked {
                let msg = Msg::from_slice(&source.buffer().head(end)[start..]);
                self.receive.start = end;
                self.frame_done(sink, msg, FrameFlags::MESSAGE);
                progress = true;
            }
            return Ok(progress);
        }
        while self.receive.start < self.receive.end && !self.receive.blocked {
            let (start, end) = (self.receive.start, self.receive.end);
            // Viewed afresh each round: a CURVE box is opened in place in the buffer below.
            let input = source.buffer().head(end);
            if matches!(self.phase, Phase::Greeting(_)) {
                let consumed = self.feed_greeting(&input[start..end], now)?;
                self.receive.start += consumed;
                progress = true;
                if matches!(self.phase, Phase::Greeting(_)) {
                    break;
                }
                continue;
            }
            if self.is_active() && !started_active {
                break;
            }
            let window = &input[start..end];
            let (consumed, event) = match self.decoder.decode(window) {
                Ok(r) => r,
                Err(e) => return Err(self.protocol_failure(e)),
            };
            self.receive.start += consumed;
            progress |= consumed > 0;
            match event {
                None if consumed == 0 => break,
                None => {}
                Some(Decoded::Frame { flags: fl, body })
                    if self.encrypted && !fl.command && self.is_active() =>
                {
                    self.receive.after_large = false;
                    let at = start + body.start;
                    // SAFETY: no message views this frame's bytes yet (they view earlier
                    // frames only) and no slice of them is live past this point.
                    let boxed = unsafe { source.buffer().range_mut(at, body.len()) };
                    if let Some((more, plain)) = self.open_box(sink, boxed, now)? {
                        let msg = if plain.len() <= INLINE_CAPACITY || !self.config.zero_copy_recv {
                            Msg::from_slice(&boxed[plain])
                        } else {
                            Msg::from_buffer(source.slice(at + plain.start, plain.len()))
                        };
                        self.frame_done(sink, msg, FrameFlags::data(more));
                    }
                }
                Some(Decoded::Frame { flags: fl, body }) => {
                    self.receive.after_large = false;
                    if fl.command
                        || self.encrypted
                        || body.len() <= INLINE_CAPACITY
                        || !self.config.zero_copy_recv
                        || !self.is_active()
                    {
                        self.handle_frame(Some(&mut *sink), fl, &window[body], now)?;
                    } else {
                        // Zero-copy: the message views the receive buffer.
                        let msg = Msg::from_buffer(source.slice(start + body.start, body.len()));
                        self.frame_done(sink, msg, fl);
                    }
                }
                Some(Decoded::Start { flags: fl, size }) if !self.is_active() => {
                    // Before the handshake is done, memory follows the bytes received.
                    self.receive.command = Some((Vec::with_capacity(size.min(READ_CHUNK)), fl));
                }
                Some(Decoded::Start { flags: fl, size }) => {
                    // A body that is not all here yet: receive it into its own message.
                    self.receive.after_large = true;
                    let msg = Msg::with_size(size).ok_or(Failure::TooLarge)?;
                    self.receive.large = Some((msg, fl, 0));
                }
                Some(Decoded::Chunk { body, last }) if self.receive.command.is_some() => {
                    if let Some((collected, _)) = self.receive.command.as_mut() {
                        collected.extend_from_slice(&window[body]);
                    }
                    if last {
                        if let Some((collected, fl)) = self.receive.command.take() {
                            self.handle_frame(Some(&mut *sink), fl, &collected, now)?;
                        }
                    }
                }
                Some(Decoded::Chunk { body, last }) => {
                    let bytes = &window[body];
                    if let Some((msg, _, filled)) = self.receive.large.as_mut() {
                        if let Some(dest) = msg.data_mut() {
                            let end = (*filled + bytes.len()).min(dest.len());
                            dest[*filled..end].copy_from_slice(&bytes[..end - *filled]);
                            *filled = end;
                        }
                    }
                    if last {
                        if let Some((msg, fl, _)) = self.receive.large.take() {
                            self.large_frame_done(sink, msg, fl, now)?;
                        }
                    }
                }
            }
        }
        Ok(progress)
    }

    fn protocol_failure(&self, e: ProtocolError) -> Failure {
        if e == ProtocolError::MessageTooLarge {
            return Failure::TooLarge;
        }
        if self.is_active() {
            Failure::Closed
        } else {
            Failure::Protocol(e.monitor_code())
        }
    }

    /// One whole frame, in whatever phase. Without a sink (bytes replayed before a
    /// socket is attached), frames for the socket are dropped.
    pub(super) fn handle_frame<S: FnMut(Msg) -> bool>(
        &mut self,
        sink: Option<&mut S>,
        fl: FrameFlags,
        body: &[u8],
        now: Instant,
    ) -> Result<(), Failure> {
        match self.phase {
            Phase::Greeting(_) => Ok(()),
            Phase::Handshake => self.handshake_command(fl, body, now),
            Phase::OldIdentity => {
                self.old_peer_identity(body, now);
                Ok(())
            }
            Phase::Active => {
                let Some(sink) = sink else {
                    return Ok(());
                };
                if self.encrypted && !fl.command {
                    let mut boxed = body.to_vec();
                    if let Some((more, plain)) = self.open_box(sink, &mut boxed, now)? {
                        let msg = Msg::from_slice(&boxed[plain]);
                        self.frame_done(sink, msg, FrameFlags::data(more));
                    }
                    return Ok(());
                }
                if fl.command {
                    return self.handle_command(sink, body, now);
                }
                let mut msg = Msg::from_slice(body);
                msg.set_more(fl.more);
                self.frame_done(sink, msg, fl);
                Ok(())
            }
        }
    }

    /// A command after the handshake: heartbeats, subscriptions (as messages flagged
    /// SUBSCRIBE/CANCEL for the socket), ERROR (the end).
    fn handle_command<S: FnMut(Msg) -> bool>(
        &mut self,
        sink: &mut S,
        body: &[u8],
        now: Instant,
    ) -> Result<(), Failure> {
        let command = ZmtpCommand::parse(body).map_err(|_| Failure::Closed)?;
        self.heartbeat.on_command(now, &command);
        match command {
            ZmtpCommand::Subscribe(topic) | ZmtpCommand::Cancel(topic) => {
                let mut msg = Msg::from_slice(topic);
                let kind = if matches!(command, ZmtpCommand::Subscribe(_)) {
                    flags::SUBSCRIBE
                } else {
                    flags::CANCEL
                };
                msg.set_flags(kind);
                self.frame_done(sink, msg, FrameFlags::MESSAGE);
                Ok(())
            }
            ZmtpCommand::Other { name, data }
                if self.config.socket_type == ZMQ_RADIO
                    && (name == b"JOIN" || name == b"LEAVE")
                    && data.len() <= GROUP_MAX_LENGTH =>
            {
                // A DISH's join or leave, for the RADIO's subscriptions.
                let mut msg = Msg::from_slice(data);
                msg.set_flags(if name == b"JOIN" {
                    flags::JOIN
                } else {
                    flags::LEAVE
                });
                self.frame_done(sink, msg, FrameFlags::MESSAGE);
                Ok(())
            }
            ZmtpCommand::Error(_) => Err(Failure::Closed),
            _ => Ok(()),
        }
    }

    /// A large frame received whole into its own message: deliver it (after opening
    /// its MESSAGE box, with CURVE).
    fn large_frame_done<S: FnMut(Msg) -> bool>(
        &mut self,
        sink: &mut S,
        msg: Msg,
        fl: FrameFlags,
        now: Instant,
    ) -> Result<(), Failure> {
        if self.encrypted && !fl.command {
            let mut msg = msg;
            let Some(boxed) = msg.data_mut() else {
                return Err(Failure::Closed);
            };
            let Some((more, plain)) = self.open_box(sink, boxed, now)? else {
                return Ok(());
            };
            let small =
                (plain.len() <= INLINE_CAPACITY).then(|| Msg::from_slice(&boxed[plain.clone()]));
            let msg = match small {
                Some(small) => small,
                None => {
                    msg.narrow(plain);
                    msg
                }
            };
            self.frame_done(sink, msg, FrameFlags::data(more));
            return Ok(());
        }
        if self.encrypted || fl.command {
            return self.handle_frame(Some(&mut *sink), fl, msg.data(), now);
        }
        self.frame_done(sink, msg, fl);
        Ok(())
    }

    /// Opens a CURVE MESSAGE box in place. A boxed command (PING, SUBSCRIBE...) is handled
    /// here (None); for a data frame, returns MORE and where its plaintext lies in `boxed`.
    fn open_box<S: FnMut(Msg) -> bool>(
        &mut self,
        sink: &mut S,
        boxed: &mut [u8],
        now: Instant,
    ) -> Result<Option<(bool, Range<usize>)>, Failure> {
        let mechanism = self.mechanism.as_mut().ok_or(Failure::Closed)?;
        let (bits, plain) = mechanism
            .decode_message_in_place(boxed)
            .map_err(|_| Failure::Closed)?;
        if bits & FLAG_COMMAND != 0 {
            self.handle_command(sink, &boxed[plain], now)?;
            return Ok(None);
        }
        Ok(Some((bits & FLAG_MORE != 0, plain)))
    }

    /// Hands a received frame to the socket's sink.
    fn frame_done<S: FnMut(Msg) -> bool>(&mut self, sink: &mut S, mut msg: Msg, fl: FrameFlags) {
        msg.set_more(fl.more);
        if self.config.socket_type == ZMQ_DISH && !fl.command {
            // A RADIO sends each message as two frames, its group then its body. Other
            // shapes (a group frame without MORE or too long, a multipart body) fail the
            // connection, as libzmq's DISH session does (EFAULT).
            match self.receive.group.take() {
                None if fl.more && msg.len() <= GROUP_MAX_LENGTH => {
                    self.receive.group = Some(msg.data().to_vec());
                }
                Some(group) if !fl.more => {
                    self.stamp(&mut msg);
                    if msg.set_group(&group).is_ok() && !sink(msg) {
                        self.receive.blocked = true;
                    }
                }
                _ => {
                    self.receive.malformed = true;
                    self.receive.blocked = true;
                }
            }
            return;
        }
        self.stamp(&mut msg);
        if !sink(msg) {
            self.receive.blocked = true;
        }
    }

    /// Gives a received message the connection's properties.
    fn stamp(&mut self, msg: &mut Msg) {
        if msg.metadata().is_none() {
            if let Some(stamp) = &mut self.metadata {
                msg.set_metadata(Some(stamp.stamp()));
            }
        }
    }
}
