//! The engine: one connection's I/O on an I/O thread. The protocol is a
//! `zmtp::Connection` (sans-IO); the engine only moves bytes and messages around it:
//! reads from the stream into the connection's receive buffer, writes its output in
//! batches (`writev` of the batch and a large body), hands the frames it decodes to the
//! session's pipe (a full pipe parks one message and stops reading until the socket
//! returns credit) and feeds it the messages the socket queued. Readiness is
//! edge-triggered: `readable`/`writable` stay true until a call returns EAGAIN.

use crate::constants::*;
use crate::msg::{Msg, SharedMetadata};
use crate::options::Options;
use crate::pipe::{DirectSend, Frames, Pipe};
use crate::transport::stream::Stream;
use crate::zmtp::connection::{Connection, ConnectionConfig, Event, PeerInfo, LARGE_BODY};
use crate::zmtp::curve::CurveClientConfig;
use crate::zmtp::heartbeat::HeartbeatConfig;
use crate::zmtp::mechanism::Security;
use crate::zmtp::metadata::Metadata as Properties;
use crate::zmtp::plain::PlainCredentials;
use std::io::{self, IoSlice};
use std::time::Duration;
use std::time::Instant;

pub use crate::zmtp::connection::{ConnectionConfig as EngineConfig, Failure};

/// A connection's settings, read from the socket's options when it starts.
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
            // libzmq's raw_socket: STREAM, and DGRAM over tcp/ipc.
            raw: matches!(o.socket_type, ZMQ_STREAM | ZMQ_DGRAM),
            zero_copy_recv: o.zero_copy_recv,
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

/// Reads of one connection per turn of its I/O thread (up to 4 x 64 KiB), like
/// libzmq's one read per readiness event, so that connections share the thread fairly.
const READS_PER_TURN: u32 = 4;

pub enum Outcome {
    /// Nothing more to do until the next readiness event, command or timer.
    Idle,
    /// The connection used up its turn of reads with input perhaps still waiting: the
    /// session asks the reactor for another turn after the other ready connections.
    TurnUsed,
    /// The handshake just completed: the session attaches the pipe and pumps again.
    HandshakeDone,
    /// The mechanism asks the ZAP handler; the session answers with `zap_reply`.
    NeedsZap(crate::zmtp::zap::ZapRequest),
    Failed(Failure),
}

pub struct Engine {
    pub stream: Stream,
    connection: Connection,
    /// A decoded message waiting for room in the pipe.
    in_pending: Option<Msg>,
    /// Frames of a message are being written to the pipe (rolled back on failure).
    in_more: bool,
    pub readable: bool,
    pub writable: bool,
}

impl Engine {
    pub fn new(stream: Stream, config: EngineConfig, now: Instant) -> Engine {
        let peer = PeerInfo {
            address: stream.peer_address(),
            fd: stream.fd(),
        };
        Engine {
            connection: Connection::new(config, peer, now),
            stream,
            in_pending: None,
            in_more: false,
            readable: true,
            writable: true,
        }
    }

    pub fn is_active(&self) -> bool {
        self.connection.is_active()
    }

    /// The connection's metadata for a message the session makes up (STREAM's connect
    /// and disconnect notices), as the messages received on it carry.
    pub fn metadata_for_notice(&mut self) -> Option<SharedMetadata> {
        self.connection.metadata_for_notice()
    }

    /// The peer's routing id (its `Identity` property), known once active.
    pub fn peer_routing_id(&self) -> &[u8] {
        self.connection.peer_routing_id()
    }

    pub fn next_timeout(&self) -> Option<Instant> {
        self.connection.poll_timeout()
    }

    pub fn on_timeout(&mut self, now: Instant) -> Result<(), Failure> {
        self.connection.handle_timeout(now)
    }

    /// Drops a half-delivered message (connection lost mid-message).
    pub fn abandon(&mut self, pipe: Option<&mut Pipe>) {
        if self.in_more {
            if let Some(p) = pipe {
                p.rollback();
            }
            self.in_more = false;
        }
    }

    /// Does all the I/O that can be done now.
    pub fn pump(&mut self, mut pipe: Option<&mut Pipe>, now: Instant) -> Outcome {
        let mut reads = 0;
        loop {
            let mut progress = match self.process_input(pipe.as_deref_mut(), now) {
                Ok(p) => p,
                Err(f) => return Outcome::Failed(self.fail(f)),
            };
            if let Some(event) = self.connection.poll_event() {
                self.connection.queue_control(now);
                if self.flush_output().is_err() {
                    return Outcome::Failed(Failure::Closed);
                }
                return match event {
                    Event::ZapRequest(request) => Outcome::NeedsZap(request),
                    Event::HandshakeDone => Outcome::HandshakeDone,
                };
            }
            self.fill_output(pipe.as_deref_mut(), now);
            match self.flush_output() {
                Ok(p) => progress |= p,
                Err(_) => return Outcome::Failed(Failure::Closed),
            }
            if self.wants_input() && self.readable {
                // Everything read so far is decoded and delivered: a peer that never
                // lets the socket run dry must not keep the thread from the others.
                if reads == READS_PER_TURN {
                    return Outcome::TurnUsed;
                }
                match self.read_more(now) {
                    Ok(true) => {
                        reads += 1;
                        progress = true;
                    }
                    Ok(false) => {}
                    Err(f) => return Outcome::Failed(f),
                }
            }
            if !progress {
                return Outcome::Idle;
            }
        }
    }

    /// A failure of the connection: what it still has to say (the ERROR of a failed
    /// handshake) is written first.
    fn fail(&mut self, failure: Failure) -> Failure {
        if self.connection.take_farewell() {
            let _ = self.flush_output();
        }
        failure
    }

    /// More input is welcome unless a decoded message is waiting for pipe room.
    fn wants_input(&self) -> bool {
        self.in_pending.is_none() && !self.connection.has_queued_message()
    }

    /// Reads into the connection's receive buffer (or straight into a large message).
    /// Ok(false) on EAGAIN; EOF and errors end the connection.
    fn read_more(&mut self, now: Instant) -> Result<bool, Failure> {
        let dest = self.connection.receive_buffer()?;
        if dest.is_empty() {
            return Ok(false);
        }
        match self.stream.read(dest) {
            Ok(0) => Err(Failure::Closed),
            Ok(n) => {
                self.connection.received(n, now);
                Ok(true)
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.readable = false;
                Ok(false)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                self.connection.received(0, now);
                Ok(true)
            }
            Err(_) => Err(Failure::Closed),
        }
    }

    /// Hands what the connection decodes to the pipe, as far as the pipe allows.
    fn process_input(
        &mut self,
        mut pipe: Option<&mut Pipe>,
        now: Instant,
    ) -> Result<bool, Failure> {
        let mut progress = false;
        let mut wrote = false;
        if let Some(msg) = self.in_pending.take() {
            let Some(p) = pipe.as_deref_mut() else {
                self.in_pending = Some(msg);
                return Ok(false);
            };
            let more = msg.more();
            match p.write(msg) {
                Ok(()) => {
                    self.in_more = more;
                    progress = true;
                    wrote = true;
                }
                Err(back) => {
                    self.in_pending = Some(back);
                    return Ok(false);
                }
            }
        }
        // Once active, frames flow only into a pipe.
        if self.connection.is_active() && pipe.is_none() {
            return Ok(progress);
        }
        let in_pending = &mut self.in_pending;
        let in_more = &mut self.in_more;
        let mut sink = |msg: Msg| -> bool {
            let Some(p) = pipe.as_deref_mut() else {
                *in_pending = Some(msg);
                return false;
            };
            let more = msg.more();
            match p.write(msg) {
                Ok(()) => {
                    *in_more = more;
                    wrote = true;
                    true
                }
                Err(back) => {
                    *in_pending = Some(back);
                    false
                }
            }
        };
        let result = self.connection.handle_input(now, &mut sink);
        // Whole messages decoded before an error are delivered; the pipe keeps back the
        // frames of an unfinished one, which `abandon` then drops.
        if wrote {
            if let Some(p) = pipe {
                p.flush();
            }
        }
        progress |= result?;
        Ok(progress)
    }

    /// Queues a message of the session's own for sending, ahead of the pipe's (HELLO_MSG,
    /// queued when the handshake is done, before the pipe is read).
    pub fn queue_message(&mut self, msg: Msg) {
        self.connection.send_message(msg, true);
    }

    /// Queues protocol output and messages from the pipe for sending.
    fn fill_output(&mut self, pipe: Option<&mut Pipe>, now: Instant) {
        self.connection.queue_control(now);
        let Some(pipe) = pipe else {
            return;
        };
        while self.connection.has_room() {
            let Some(msg) = pipe.read() else {
                break;
            };
            self.connection.send_message(msg, true);
        }
    }

    /// Writes queued output until done or EAGAIN. Ok(true) if anything was written.
    fn flush_output(&mut self) -> io::Result<bool> {
        let mut progress = false;
        while self.writable && !self.connection.output_drained() {
            let (head, body) = self.connection.output();
            let slices = [IoSlice::new(head), IoSlice::new(body)];
            match self.stream.write_vectored(&slices) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    progress = true;
                    self.connection.output_written(n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.writable = false,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(progress)
    }

    /// The ZAP handler's reply (all its frames, delimiter first).
    pub fn zap_reply(&mut self, frames: &[Vec<u8>], now: Instant) -> Result<(), Failure> {
        self.connection
            .handle_zap_reply(frames, now)
            .map_err(|f| self.fail(f))
    }

    /// The direct path (`pipe/direct.rs`): encodes and writes one message handed over by
    /// the application thread, if the connection is up and its output idle.
    pub fn send_direct(&mut self, last_len: usize, frames: &mut Frames<'_>) -> DirectSend {
        let c = &self.connection;
        if !c.is_active() || !self.writable || c.mid_message_out() || !c.output_drained() {
            return DirectSend::Declined;
        }
        // Measured: over ipc a large message written from the application thread made
        // the round trip slower (64 KiB: 66 us against 44 through the I/O thread); over
        // tcp it was faster.
        if last_len >= LARGE_BODY && self.stream.is_unix() {
            return DirectSend::Declined;
        }
        // Input the I/O thread has not handled may be the peer's goodbye: a message
        // written now would be lost with the connection, where queued it would wait
        // for the reconnection. Leave it all to the I/O thread then.
        if c.has_buffered_input() || self.stream.has_pending_input() {
            return DirectSend::Declined;
        }
        frames(&mut |msg| {
            // Only the last frame may leave its body to be written from the message:
            // the frames after a large body would otherwise be queued ahead of it.
            let last = !msg.more();
            self.connection.send_message(msg, last);
        });
        match self.flush_output() {
            Ok(_) if self.connection.output_drained() => DirectSend::Sent,
            // EAGAIN or an error: the I/O thread finishes the write or the connection.
            _ => DirectSend::SentNeedsPump,
        }
    }

    /// True when the connection stopped in the middle of an outgoing message.
    pub fn mid_message_out(&self) -> bool {
        self.connection.mid_message_out()
    }

    /// True when everything queued has been written.
    pub fn output_drained(&self) -> bool {
        self.connection.output_drained()
    }
}
