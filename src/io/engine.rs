//! The engine: one ZMTP connection, driven over a non-blocking stream on an I/O thread.
//! It runs the greeting and the NULL handshake (from `zmtp/`, which does no I/O), then
//! moves messages between the stream and the session's pipe in batches: frames are
//! encoded into one output buffer (large bodies go out by `writev` straight from the
//! message), input is read in large chunks and decoded; a full pipe (HWM) stops reading
//! until the socket returns credit. Readiness is edge-triggered: `readable`/`writable`
//! stay true until a call returns EAGAIN.

use crate::constants::*;
use crate::msg::{
    flags, Buffer, Metadata, MetadataStamp, Msg, SharedMetadata, SliceSource, INLINE_CAPACITY,
    SOURCE_FD_PROPERTY,
};
use crate::pipe::{DirectSend, Frames, Pipe};
use crate::transport::stream::Stream;
use crate::zmtp::command::Command as ZmtpCommand;
use crate::zmtp::curve::{FLAG_COMMAND, FLAG_MORE, MESSAGE_OVERHEAD};
use crate::zmtp::frame::{Decoded, Decoder, Encoder, FrameFlags, Framing, MAX_HEADER_LEN};
use crate::zmtp::greeting::{
    GreetingConfig, GreetingExchange, Mechanism as GreetingMechanism, PeerVersion,
};
use crate::zmtp::heartbeat::{Heartbeat, HeartbeatConfig};
use crate::zmtp::mechanism::{Mechanism as SecurityMechanism, MechanismConfig, Security, Status};
use crate::zmtp::metadata::Metadata as Properties;
use crate::zmtp::null::{socket_type_name, NullConfig};
use crate::zmtp::subscription::{self, SubscriptionKind};
use crate::zmtp::zap::{ZapPolicy, ZapReply, ZapRequest};
use crate::zmtp::ProtocolError;
use std::io::{self, IoSlice};
use std::ops::Range;
use std::time::{Duration, Instant};

/// Bodies at least this large are written from the message itself, not copied.
const LARGE_BODY: usize = 8192;
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

/// What a connection needs from the socket's options.
#[derive(Clone)]
pub struct EngineConfig {
    pub socket_type: i32,
    pub routing_id: Vec<u8>,
    pub properties: Properties,
    pub maxmsgsize: i64,
    pub heartbeat: HeartbeatConfig,
    pub handshake_ivl: Option<Duration>,
    pub in_batch: usize,
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

impl EngineConfig {
    pub fn from_options(o: &crate::options::Options) -> EngineConfig {
        let mut properties = Properties::new();
        for (name, value) in &o.metadata {
            let _ = properties.push(name, value);
        }
        let ms = |v: i32| (v > 0).then(|| Duration::from_millis(v as u64));
        EngineConfig {
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
fn security_of(o: &crate::options::Options) -> Security {
    use crate::zmtp::curve::CurveClientConfig;
    use crate::zmtp::plain::PlainCredentials;
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

/// Why a connection ended.
#[derive(Debug)]
pub enum Failure {
    /// The handshake failed with a ZMTP protocol error (monitor code, if any).
    Protocol(Option<i32>),
    /// The handshake did not finish within HANDSHAKE_IVL.
    HandshakeTimeout,
    /// The peer closed the connection or the stream failed.
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
    fn from_handshake(e: ProtocolError) -> Failure {
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
    NeedsZap(ZapRequest),
    Failed(Failure),
}

enum Phase {
    Greeting(GreetingExchange),
    /// ZMTP 3.x security handshake (NULL, PLAIN or CURVE), in `Engine::mechanism`.
    Handshake,
    /// ZMTP 1.0/2.0: the peer's first frame is its routing id.
    OldIdentity,
    Active,
}

pub struct Engine {
    pub stream: Stream,
    config: EngineConfig,
    phase: Phase,
    version: PeerVersion,
    decoder: Decoder,
    encoder: Encoder,
    /// Received bytes. Refcounted: frames larger than a message's inline capacity are
    /// handed to the socket as slices of it, without copying (a fresh buffer is taken
    /// when the old one is still referenced).
    input: SliceSource,
    in_start: usize,
    in_end: usize,
    /// A large frame being received straight into its message: (message, flags, filled).
    in_large: Option<(Msg, FrameFlags, usize)>,
    /// The last frame was large (received into its own message): the next read into the
    /// buffer takes at most `in_batch` bytes, so that little of the next large body is
    /// read into the buffer and copied out, and the rest goes straight into its message.
    after_large: bool,
    /// A handshake command larger than the read buffer, collected as its bytes arrive:
    /// a peer that has not authenticated cannot make us allocate what it merely announces.
    in_command: Option<(Vec<u8>, FrameFlags)>,
    /// A decoded message waiting for room in the pipe.
    in_pending: Option<Msg>,
    /// Frames of a message are being written to the pipe (rolled back on failure).
    in_more: bool,
    output: Vec<u8>,
    out_pos: usize,
    /// A large body being written from the message: (message, bytes written).
    out_large: Option<(Msg, usize)>,
    /// The last frame taken from the pipe had MORE: a message is half sent.
    out_more: bool,
    heartbeat: Heartbeat,
    handshake_deadline: Option<Instant>,
    /// The properties attached to every message from this peer.
    metadata: Option<MetadataStamp>,
    peer_routing_id: Vec<u8>,
    pub readable: bool,
    pub writable: bool,
    peer_address: String,
    /// The end of the handshake was reported to the session.
    announced: bool,
    mechanism: Option<Box<SecurityMechanism>>,
    /// CURVE: every frame travels inside a MESSAGE box.
    encrypted: bool,
    /// A ZAP request to hand to the session.
    zap_request: Option<ZapRequest>,
}

/// The properties libzmq gives every connection: "Peer-Address", and the private
/// "__fd" that the deprecated `zmq_msg_get(ZMQ_SRCFD)` reads.
fn add_connection_properties(props: &mut Metadata, peer_address: &str, stream: &Stream) {
    props.insert("Peer-Address", peer_address.as_bytes());
    props.insert(SOURCE_FD_PROPERTY, stream.fd().to_string().as_bytes());
}

impl Engine {
    pub fn new(stream: Stream, config: EngineConfig, now: Instant) -> Engine {
        let (mechanism, as_server) = match &config.security {
            Security::Null => (GreetingMechanism::Null, false),
            Security::PlainClient(_) => (GreetingMechanism::Plain, false),
            Security::PlainServer => (GreetingMechanism::Plain, true),
            Security::CurveClient(_) => (GreetingMechanism::Curve, false),
            Security::CurveServer(_) => (GreetingMechanism::Curve, true),
        };
        let greeting = GreetingExchange::new(GreetingConfig {
            socket_type: config.socket_type as u8,
            routing_id_len: config.routing_id.len(),
            mechanism,
            as_server,
            zap_enabled: !config.zap_domain.is_empty(),
        });
        let peer_address = stream.peer_address();
        let mut engine = Engine {
            stream,
            phase: Phase::Greeting(greeting),
            version: PeerVersion::V3_1,
            decoder: Decoder::new(Framing::V3, config.maxmsgsize),
            encoder: Encoder::new(Framing::V3),
            input: first_read_buffer(config.in_batch),
            in_start: 0,
            in_end: 0,
            in_large: None,
            in_command: None,
            after_large: false,
            in_pending: None,
            in_more: false,
            output: Vec::with_capacity(config.out_batch + MAX_HEADER_LEN),
            out_pos: 0,
            out_large: None,
            out_more: false,
            heartbeat: Heartbeat::new(config.heartbeat),
            handshake_deadline: config.handshake_ivl.map(|d| now + d),
            metadata: None,
            peer_routing_id: Vec::new(),
            readable: true,
            writable: true,
            announced: false,
            mechanism: None,
            encrypted: false,
            zap_request: None,
            peer_address,
            config,
        };
        if engine.config.raw {
            // A raw peer is "connected" at once: no greeting, no handshake.
            let mut props = Metadata::new();
            add_connection_properties(&mut props, &engine.peer_address, &engine.stream);
            engine.metadata = Some(MetadataStamp::new(props));
            engine.phase = Phase::Active;
            engine.handshake_deadline = None;
        }
        engine
    }

    pub fn is_active(&self) -> bool {
        matches!(self.phase, Phase::Active)
    }

    /// The connection's metadata for a message the session makes up (STREAM's connect
    /// and disconnect notices), as the messages received on it carry.
    pub fn metadata_for_notice(&mut self) -> Option<SharedMetadata> {
        self.metadata.as_mut().map(MetadataStamp::stamp)
    }

    /// The peer's routing id (its `Identity` property), known once active.
    pub fn peer_routing_id(&self) -> &[u8] {
        &self.peer_routing_id
    }

    pub fn next_timeout(&self) -> Option<Instant> {
        let heartbeat = if self.is_active() {
            self.heartbeat.next_timeout()
        } else {
            None
        };
        match (self.handshake_deadline, heartbeat) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    pub fn on_timeout(&mut self, now: Instant) -> Result<(), Failure> {
        if let Some(deadline) = self.handshake_deadline {
            if now >= deadline {
                return Err(Failure::HandshakeTimeout);
            }
        }
        if self.is_active() && self.heartbeat.handle_timeout(now).is_err() {
            return Err(Failure::Heartbeat);
        }
        Ok(())
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
                Err(f) => return Outcome::Failed(f),
            };
            if let Some(request) = self.zap_request.take() {
                self.fill_output(None, now);
                if self.flush_output().is_err() {
                    return Outcome::Failed(Failure::Closed);
                }
                return Outcome::NeedsZap(request);
            }
            if !self.announced && self.is_active() {
                self.announced = true;
                self.fill_output(None, now);
                if self.flush_output().is_err() {
                    return Outcome::Failed(Failure::Closed);
                }
                return Outcome::HandshakeDone;
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
                match self.read_more() {
                    Ok(true) => {
                        reads += 1;
                        progress = true;
                        if self.is_active() {
                            self.heartbeat.on_traffic(now);
                        }
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

    /// More input is welcome unless a decoded message is waiting for pipe room.
    fn wants_input(&self) -> bool {
        self.in_pending.is_none()
    }

    /// Reads into the input buffer (or straight into a large message). Ok(false) on
    /// EAGAIN; EOF and errors end the connection.
    fn read_more(&mut self) -> Result<bool, Failure> {
        if self.in_start == self.in_end {
            if self.input.is_shared() {
                // Messages still view the old bytes: never write over them.
                self.input = new_read_buffer(self.input.buffer().len()).ok_or(Failure::Closed)?;
            }
            self.in_start = 0;
            self.in_end = 0;
        }
        // A large body: read directly into the message once the buffer is drained.
        if self.in_start == self.in_end {
            if let Some((msg, _, filled)) = self.in_large.as_mut() {
                let remaining = self.decoder.body_remaining();
                if remaining >= self.input.buffer().len() / 2 {
                    let Some(dest) = msg.data_mut() else {
                        return Err(Failure::Closed);
                    };
                    let end = (*filled + remaining).min(dest.len());
                    return match self.stream.read(&mut dest[*filled..end]) {
                        Ok(0) => Err(Failure::Closed),
                        Ok(n) => {
                            *filled += n;
                            self.decoder.body_received(n);
                            Ok(true)
                        }
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                            self.readable = false;
                            Ok(false)
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(true),
                        Err(_) => Err(Failure::Closed),
                    };
                }
            }
        }
        let size = self.input.buffer().len();
        if self.in_end == size {
            // Full: move the unconsumed tail to the front of a buffer nobody else views.
            let tail = self.in_end - self.in_start;
            if tail == size {
                return Ok(false);
            }
            let fresh = new_read_buffer(size).ok_or(Failure::Closed)?;
            // SAFETY: `fresh` is new and unshared; the tail lies within the old buffer.
            unsafe {
                fresh
                    .buffer()
                    .range_mut(0, tail)
                    .copy_from_slice(&self.input.buffer().head(self.in_end)[self.in_start..]);
            }
            self.input = fresh;
            self.in_start = 0;
            self.in_end = tail;
        }
        let mut space = size - self.in_end;
        if self.after_large {
            space = space.min(self.config.in_batch);
        }
        // SAFETY: bytes past in_end were never handed out; only we write them.
        let spare = unsafe { self.input.buffer().range_mut(self.in_end, space) };
        match self.stream.read(spare) {
            Ok(0) => Err(Failure::Closed),
            Ok(n) => {
                self.in_end += n;
                Ok(true)
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                self.readable = false;
                Ok(false)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(true),
            Err(_) => Err(Failure::Closed),
        }
    }

    /// Consumes buffered input as far as the phase and the pipe allow.
    fn process_input(
        &mut self,
        mut pipe: Option<&mut Pipe>,
        now: Instant,
    ) -> Result<bool, Failure> {
        let mut progress = false;
        let mut wrote = false;
        if let Some(msg) = self.in_pending.take() {
            match pipe.as_deref_mut() {
                Some(p) => match self.deliver(p, msg) {
                    Ok(()) => {
                        progress = true;
                        wrote = true;
                    }
                    Err(back) => {
                        self.in_pending = Some(back);
                        return Ok(false);
                    }
                },
                None => {
                    self.in_pending = Some(msg);
                    return Ok(false);
                }
            }
        }
        // A large body completed by direct reads.
        if let Some((_, _, filled)) = &self.in_large {
            if self.decoder.body_remaining() == 0 && *filled > 0 {
                let (msg, fl, _) = self.in_large.take().ok_or(Failure::Closed)?;
                progress = true;
                if let Some(p) = pipe.as_deref_mut() {
                    self.large_frame_done(p, msg, fl, now, &mut wrote)?;
                }
            }
        }
        // The buffer is taken out while frames are handled, so bodies can be borrowed
        // from it without copying.
        let mut input = self.input.split();
        let result = self.decode_frames(&mut input, pipe.as_deref_mut(), now, &mut wrote);
        self.input.rejoin(input);
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

    fn decode_frames(
        &mut self,
        source: &mut SliceSource,
        mut pipe: Option<&mut Pipe>,
        now: Instant,
        wrote: &mut bool,
    ) -> Result<bool, Failure> {
        let mut progress = false;
        if self.config.raw {
            let input = source.buffer().head(self.in_end);
            // Every chunk read is one message.
            if self.in_start < self.in_end {
                if let Some(p) = pipe {
                    let msg = Msg::from_slice(&input[self.in_start..self.in_end]);
                    self.in_start = self.in_end;
                    self.frame_done(p, msg, FrameFlags::MESSAGE, wrote);
                    progress = true;
                }
            }
            return Ok(progress);
        }
        while self.in_start < self.in_end && self.in_pending.is_none() {
            // Viewed afresh each round: a CURVE box is opened in place in the buffer below.
            let input = source.buffer().head(self.in_end);
            if matches!(self.phase, Phase::Greeting(_)) {
                self.feed_greeting(input, now)?;
                progress = true;
                if matches!(self.phase, Phase::Greeting(_)) {
                    break;
                }
                continue;
            }
            if self.is_active() && pipe.is_none() {
                break;
            }
            let window = &input[self.in_start..self.in_end];
            let decoded = self.decoder.decode(window);
            let (consumed, event) = match decoded {
                Ok(r) => r,
                Err(e) => return Err(self.protocol_failure(e)),
            };
            self.in_start += consumed;
            progress |= consumed > 0;
            match event {
                None if consumed == 0 => break,
                None => {}
                Some(Decoded::Frame { flags: fl, body })
                    if self.encrypted && !fl.command && self.is_active() =>
                {
                    self.after_large = false;
                    let Some(p) = pipe.as_deref_mut() else {
                        return Err(Failure::Closed);
                    };
                    let start = self.in_start - consumed + body.start;
                    // SAFETY: no message views this frame's bytes yet (they view earlier
                    // frames only) and no slice of them is live past this point.
                    let boxed = unsafe { source.buffer().range_mut(start, body.len()) };
                    if let Some((more, plain)) = self.open_box(p, boxed, now, wrote)? {
                        let msg = if plain.len() <= INLINE_CAPACITY {
                            Msg::from_slice(&boxed[plain])
                        } else {
                            Msg::from_buffer(source.slice(start + plain.start, plain.len()))
                        };
                        self.frame_done(p, msg, FrameFlags::data(more), wrote);
                    }
                }
                Some(Decoded::Frame { flags: fl, body }) => {
                    self.after_large = false;
                    if fl.command
                        || self.encrypted
                        || body.len() <= INLINE_CAPACITY
                        || !self.is_active()
                        || pipe.is_none()
                    {
                        self.handle_frame(pipe.as_deref_mut(), fl, &window[body], now, wrote)?;
                    } else if let Some(p) = pipe.as_deref_mut() {
                        // Zero-copy: the message views the receive buffer.
                        let start = self.in_start - consumed + body.start;
                        let msg = Msg::from_buffer(source.slice(start, body.len()));
                        self.frame_done(p, msg, fl, wrote);
                    }
                }
                Some(Decoded::Start { flags: fl, size }) if !self.is_active() => {
                    // Before the handshake is done, memory follows the bytes received.
                    self.in_command = Some((Vec::with_capacity(size.min(READ_CHUNK)), fl));
                }
                Some(Decoded::Start { flags: fl, size }) => {
                    // A body that is not all here yet: receive it into its own message.
                    self.after_large = true;
                    let msg = Msg::with_size(size).ok_or(Failure::TooLarge)?;
                    self.in_large = Some((msg, fl, 0));
                }
                Some(Decoded::Chunk { body, last }) if self.in_command.is_some() => {
                    if let Some((collected, _)) = self.in_command.as_mut() {
                        collected.extend_from_slice(&window[body]);
                    }
                    if last {
                        if let Some((collected, fl)) = self.in_command.take() {
                            self.handle_frame(pipe.as_deref_mut(), fl, &collected, now, wrote)?;
                        }
                    }
                }
                Some(Decoded::Chunk { body, last }) => {
                    let bytes = &window[body];
                    if let Some((msg, _, filled)) = self.in_large.as_mut() {
                        if let Some(dest) = msg.data_mut() {
                            let end = (*filled + bytes.len()).min(dest.len());
                            dest[*filled..end].copy_from_slice(&bytes[..end - *filled]);
                            *filled = end;
                        }
                    }
                    if last {
                        if let (Some((msg, fl, _)), Some(p)) =
                            (self.in_large.take(), pipe.as_deref_mut())
                        {
                            self.large_frame_done(p, msg, fl, now, wrote)?;
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

    fn feed_greeting(&mut self, input: &[u8], now: Instant) -> Result<(), Failure> {
        let Phase::Greeting(exchange) = &mut self.phase else {
            return Ok(());
        };
        let (consumed, detected) = exchange
            .feed(&input[self.in_start..self.in_end])
            .map_err(|e| Failure::Protocol(e.monitor_code()))?;
        self.in_start += consumed;
        exchange.take_output(&mut self.output);
        let Some(detected) = detected else {
            return Ok(());
        };
        self.version = detected.version;
        match detected.version {
            PeerVersion::V3_0 | PeerVersion::V3_1 => {
                let config = MechanismConfig {
                    base: NullConfig {
                        socket_type: self.config.socket_type,
                        routing_id: self.config.routing_id.clone(),
                        properties: self.config.properties.clone(),
                    },
                    security: self.config.security.clone(),
                    zap: ZapPolicy {
                        domain: self.config.zap_domain.clone(),
                        enforce_domain: self.config.zap_enforce_domain,
                        handler_available: self.config.zap_handler_available,
                        peer_address: self.peer_address.as_bytes().to_vec(),
                    },
                };
                let mut mechanism =
                    SecurityMechanism::new(&config).map_err(|_| Failure::Protocol(None))?;
                match mechanism.start().map_err(Failure::from_handshake)? {
                    Status::NeedsZap(request) => self.zap_request = Some(request),
                    Status::Continue => {}
                }
                self.mechanism = Some(Box::new(mechanism));
                self.phase = Phase::Handshake;
            }
            PeerVersion::V2 | PeerVersion::V1 | PeerVersion::V1Unversioned => {
                let framing = if detected.version == PeerVersion::V2 {
                    Framing::V2
                } else {
                    Framing::V1
                };
                self.decoder = Decoder::new(framing, self.config.maxmsgsize);
                self.encoder = Encoder::new(framing);
                // Our routing id is the first frame the old peer expects.
                if detected.routing_id_header_sent() {
                    self.output.extend_from_slice(&self.config.routing_id);
                } else {
                    let _ = self.encoder.encode(
                        FrameFlags::MESSAGE,
                        &self.config.routing_id.clone(),
                        &mut self.output,
                    );
                }
                let replay = detected.replay().to_vec();
                let mut props = Metadata::new();
                if let Some(name) = detected
                    .peer_socket_type
                    .and_then(|t| socket_type_name(i32::from(t)))
                {
                    props.insert("Socket-Type", name.as_bytes());
                }
                add_connection_properties(&mut props, &self.peer_address, &self.stream);
                self.metadata = Some(MetadataStamp::new(props));
                self.phase = Phase::OldIdentity;
                // Bytes of the peer's first frame (its routing id) that the greeting
                // consumed from an unversioned 1.0 peer: decode them first.
                let mut pos = 0;
                while pos < replay.len() {
                    let (consumed, event) = self
                        .decoder
                        .decode(&replay[pos..])
                        .map_err(|e| Failure::Protocol(e.monitor_code()))?;
                    if let Some(Decoded::Frame { flags: fl, body }) = event {
                        let body = replay[pos..][body].to_vec();
                        self.handle_frame(None, fl, &body, now, &mut false)?;
                    }
                    if consumed == 0 {
                        break;
                    }
                    pos += consumed;
                }
            }
        }
        Ok(())
    }

    fn handle_frame(
        &mut self,
        pipe: Option<&mut Pipe>,
        fl: FrameFlags,
        body: &[u8],
        now: Instant,
        wrote: &mut bool,
    ) -> Result<(), Failure> {
        match &mut self.phase {
            Phase::Greeting(_) => Ok(()),
            Phase::Handshake => {
                if !fl.command {
                    return Err(Failure::Protocol(Some(
                        ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND,
                    )));
                }
                let Some(mechanism) = self.mechanism.as_mut() else {
                    return Err(Failure::Protocol(None));
                };
                let result = mechanism.handle_command(body);
                self.after_mechanism_step(result, now)
            }
            Phase::OldIdentity => {
                self.peer_routing_id = body.to_vec();
                self.become_active(now);
                // A ZMTP 1.0 subscriber cannot subscribe: it gets everything.
                if self.decoder.framing() == Framing::V1
                    && matches!(self.config.socket_type, ZMQ_PUB | ZMQ_XPUB)
                {
                    self.in_pending = Some(Msg::from_slice(&[1]));
                }
                Ok(())
            }
            Phase::Active => {
                let Some(p) = pipe else {
                    return Ok(());
                };
                if self.encrypted && !fl.command {
                    let mut boxed = body.to_vec();
                    if let Some((more, plain)) = self.open_box(p, &mut boxed, now, wrote)? {
                        let msg = Msg::from_slice(&boxed[plain]);
                        self.frame_done(p, msg, FrameFlags::data(more), wrote);
                    }
                    return Ok(());
                }
                if fl.command {
                    return self.handle_command(p, body, now, wrote);
                }
                let mut msg = Msg::from_slice(body);
                msg.set_more(fl.more);
                self.frame_done(p, msg, fl, wrote);
                Ok(())
            }
        }
    }

    /// Sends what the mechanism queued, then acts on its verdict: a ZAP request for the
    /// session, a failure, or the end of the handshake (peer metadata, User-Id and the
    /// ZAP handler's properties become every message's metadata).
    fn after_mechanism_step(
        &mut self,
        result: Result<Status, ProtocolError>,
        now: Instant,
    ) -> Result<(), Failure> {
        let Some(mechanism) = self.mechanism.as_mut() else {
            return Err(Failure::Protocol(None));
        };
        let mut cmd = Vec::new();
        while mechanism.poll_command(&mut cmd) {
            let _ = self
                .encoder
                .encode(FrameFlags::COMMAND, &cmd, &mut self.output);
            cmd.clear();
        }
        match result {
            Err(e) => {
                let _ = self.flush_output();
                return Err(Failure::from_handshake(e));
            }
            Ok(Status::NeedsZap(request)) => self.zap_request = Some(request),
            Ok(Status::Continue) => {}
        }
        if mechanism.is_complete() {
            let mut props = Metadata::new();
            if let Some(peer) = mechanism.peer_metadata() {
                for (name, value) in peer.iter() {
                    if let Ok(name) = std::str::from_utf8(name) {
                        props.insert(name, value);
                    }
                }
                self.peer_routing_id = peer.get("Identity").map(|v| v.to_vec()).unwrap_or_default();
            }
            if let Some(zap) = mechanism.zap_metadata() {
                for (name, value) in zap.iter() {
                    if let Ok(name) = std::str::from_utf8(name) {
                        props.insert(name, value);
                    }
                }
            }
            if let Some(user) = mechanism.user_id() {
                props.insert("User-Id", user);
            }
            add_connection_properties(&mut props, &self.peer_address, &self.stream);
            self.metadata = Some(MetadataStamp::new(props));
            self.encrypted = mechanism.is_encrypted();
            self.become_active(now);
        }
        Ok(())
    }

    /// The ZAP handler's reply (all its frames, delimiter first).
    pub fn zap_reply(&mut self, frames: &[Vec<u8>], now: Instant) -> Result<(), Failure> {
        let result = match ZapReply::parse(frames) {
            Ok(reply) => match self.mechanism.as_mut() {
                Some(m) => m.zap_reply(&reply),
                None => return Err(Failure::Protocol(None)),
            },
            Err(e) => Err(e),
        };
        self.after_mechanism_step(result, now)
    }

    fn become_active(&mut self, now: Instant) {
        self.phase = Phase::Active;
        self.handshake_deadline = None;
        self.heartbeat.start(now);
    }

    fn handle_command(
        &mut self,
        pipe: &mut Pipe,
        body: &[u8],
        now: Instant,
        wrote: &mut bool,
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
                self.frame_done(pipe, msg, FrameFlags::MESSAGE, wrote);
                Ok(())
            }
            ZmtpCommand::Error(_) => Err(Failure::Closed),
            _ => Ok(()),
        }
    }

    /// A large frame received whole into its own message: deliver it (after opening
    /// its MESSAGE box, with CURVE).
    fn large_frame_done(
        &mut self,
        pipe: &mut Pipe,
        msg: Msg,
        fl: FrameFlags,
        now: Instant,
        wrote: &mut bool,
    ) -> Result<(), Failure> {
        if self.encrypted && !fl.command {
            let mut msg = msg;
            let Some(boxed) = msg.data_mut() else {
                return Err(Failure::Closed);
            };
            let Some((more, plain)) = self.open_box(pipe, boxed, now, wrote)? else {
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
            self.frame_done(pipe, msg, FrameFlags::data(more), wrote);
            return Ok(());
        }
        if self.encrypted || fl.command {
            return self.handle_frame(Some(pipe), fl, msg.data(), now, wrote);
        }
        self.frame_done(pipe, msg, fl, wrote);
        Ok(())
    }

    /// Opens a CURVE MESSAGE box in place. A boxed command (PING, SUBSCRIBE...) is handled
    /// here (None); for a data frame, returns MORE and where its plaintext lies in `boxed`.
    fn open_box(
        &mut self,
        pipe: &mut Pipe,
        boxed: &mut [u8],
        now: Instant,
        wrote: &mut bool,
    ) -> Result<Option<(bool, Range<usize>)>, Failure> {
        let mechanism = self.mechanism.as_mut().ok_or(Failure::Closed)?;
        let (bits, plain) = mechanism
            .decode_message_in_place(boxed)
            .map_err(|_| Failure::Closed)?;
        if bits & FLAG_COMMAND != 0 {
            self.handle_command(pipe, &boxed[plain], now, wrote)?;
            return Ok(None);
        }
        Ok(Some((bits & FLAG_MORE != 0, plain)))
    }

    /// Hands a received frame to the socket.
    fn frame_done(&mut self, pipe: &mut Pipe, mut msg: Msg, fl: FrameFlags, wrote: &mut bool) {
        msg.set_more(fl.more);
        if msg.metadata().is_none() {
            if let Some(stamp) = &mut self.metadata {
                msg.set_metadata(Some(stamp.stamp()));
            }
        }
        match self.deliver(pipe, msg) {
            Ok(()) => *wrote = true,
            Err(back) => self.in_pending = Some(back),
        }
    }

    fn deliver(&mut self, pipe: &mut Pipe, msg: Msg) -> Result<(), Msg> {
        let more = msg.more();
        pipe.write(msg)?;
        self.in_more = more;
        Ok(())
    }

    /// Queues handshake commands, heartbeats and messages from the pipe for sending.
    fn fill_output(&mut self, pipe: Option<&mut Pipe>, now: Instant) {
        let mut cmd = Vec::new();
        match &mut self.phase {
            Phase::Greeting(exchange) => exchange.take_output(&mut self.output),
            Phase::Handshake => {
                if let Some(mechanism) = self.mechanism.as_mut() {
                    while mechanism.poll_command(&mut cmd) {
                        let _ = self
                            .encoder
                            .encode(FrameFlags::COMMAND, &cmd, &mut self.output);
                        cmd.clear();
                    }
                }
            }
            Phase::OldIdentity => {}
            Phase::Active => {
                // Heartbeats wait while a large body is being written from its message
                // (bytes queued now would land inside that frame), and while a batch is
                // pending (a peer sending PINGs without reading must not grow our output).
                let room = self.out_large.is_none()
                    && self.output.len() - self.out_pos < self.config.out_batch;
                if room && matches!(self.version, PeerVersion::V3_0 | PeerVersion::V3_1) {
                    while self.heartbeat.poll_command(now, &mut cmd) {
                        let body = std::mem::take(&mut cmd);
                        self.emit_frame(FrameFlags::COMMAND, &body);
                    }
                }
                let Some(pipe) = pipe else {
                    return;
                };
                while self.out_large.is_none()
                    && self.output.len() - self.out_pos < self.config.out_batch
                {
                    let Some(msg) = pipe.read() else {
                        break;
                    };
                    self.out_more = msg.more();
                    self.encode_message(msg, true);
                }
            }
        }
    }

    /// Queues one message frame. With `zero_copy`, a large body is written later from
    /// the message itself, so nothing may be queued after it until it is out.
    fn encode_message(&mut self, msg: Msg, zero_copy: bool) {
        let small = msg.len() < LARGE_BODY || !zero_copy;
        if self.config.raw {
            if small {
                self.output.extend_from_slice(msg.data());
            } else {
                self.out_large = Some((msg, 0));
            }
            return;
        }
        let f = msg.flags();
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
                .encode(frame_flags, msg.data(), &mut self.output);
        } else {
            let mut header = [0u8; MAX_HEADER_LEN];
            if let Ok(n) = self.encoder.header(frame_flags, msg.len(), &mut header) {
                self.output.extend_from_slice(&header[..n]);
                self.out_large = Some((msg, 0));
            }
        }
    }

    /// Queues one frame: as is, or (CURVE) boxed in a MESSAGE sent as a data frame.
    fn emit_frame(&mut self, flags: FrameFlags, body: &[u8]) {
        if self.encrypted {
            if let Some(mechanism) = self.mechanism.as_mut() {
                let mut bits = 0;
                if flags.more {
                    bits |= FLAG_MORE;
                }
                if flags.command {
                    bits |= FLAG_COMMAND;
                }
                // The frame header, then the box sealed in place in the output buffer.
                let mut header = [0u8; MAX_HEADER_LEN];
                let rollback = self.output.len();
                if let Ok(n) = self.encoder.header(
                    FrameFlags::MESSAGE,
                    MESSAGE_OVERHEAD + body.len(),
                    &mut header,
                ) {
                    self.output.extend_from_slice(&header[..n]);
                    if mechanism
                        .encode_message(bits, body, &mut self.output)
                        .is_err()
                    {
                        self.output.truncate(rollback);
                    }
                }
            }
            return;
        }
        let _ = self.encoder.encode(flags, body, &mut self.output);
    }

    /// Writes queued output until done or EAGAIN. Ok(true) if anything was written.
    fn flush_output(&mut self) -> io::Result<bool> {
        let mut progress = false;
        while self.writable && (self.out_pos < self.output.len() || self.out_large.is_some()) {
            let head = &self.output[self.out_pos..];
            let body: &[u8] = match &self.out_large {
                Some((msg, off)) => &msg.data()[*off..],
                None => &[],
            };
            let slices = [IoSlice::new(head), IoSlice::new(body)];
            match self.stream.write_vectored(&slices) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(mut n) => {
                    progress = true;
                    let from_head = n.min(head.len());
                    self.out_pos += from_head;
                    n -= from_head;
                    if let Some((msg, off)) = self.out_large.as_mut() {
                        *off += n;
                        if *off >= msg.len() && self.out_pos == self.output.len() {
                            self.out_large = None;
                        }
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.writable = false,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if self.out_pos == self.output.len() && self.out_large.is_none() {
            self.output.clear();
            self.out_pos = 0;
        }
        Ok(progress)
    }

    /// The direct path (`pipe/direct.rs`): encodes and writes one message handed over by
    /// the application thread, if the connection is up and its output idle.
    pub fn send_direct(&mut self, last_len: usize, frames: &mut Frames<'_>) -> DirectSend {
        if !self.is_active() || !self.writable || self.out_more || !self.output_drained() {
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
        if self.in_start < self.in_end || self.stream.has_pending_input() {
            return DirectSend::Declined;
        }
        frames(&mut |msg| {
            self.out_more = msg.more();
            // Only the last frame may leave its body to be written from the message:
            // the frames after a large body would otherwise be queued ahead of it.
            let last = !msg.more();
            self.encode_message(msg, last);
        });
        match self.flush_output() {
            Ok(_) if self.output_drained() => DirectSend::Sent,
            // EAGAIN or an error: the I/O thread finishes the write or the connection.
            _ => DirectSend::SentNeedsPump,
        }
    }

    /// True when the connection stopped in the middle of an outgoing message.
    pub fn mid_message_out(&self) -> bool {
        self.out_more
    }

    /// True when everything queued has been written.
    pub fn output_drained(&self) -> bool {
        self.out_pos == self.output.len() && self.out_large.is_none()
    }
}
