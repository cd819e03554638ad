//! A session: the I/O-thread side of one connection's pipe to a socket. A connecting
//! session outlives its connections: it connects, reconnects with backoff after a
//! failure, and keeps the pipe (messages queue up to the HWM while disconnected) unless
//! ZMQ_IMMEDIATE asks otherwise. An accepted session lives as long as its connection
//! and its listener. On close it lingers: it keeps sending what the socket queued, up
//! to ZMQ_LINGER, then ends; on an unbind it ends its pipe and connection at once.

use super::engine::{Engine, EngineConfig, Failure, Outcome};
use super::engine_slot::EngineSlot;
use super::proxy_handshake::{self, Progress};
use super::Reactor;
use crate::command::{Command, SocketMailbox};
use crate::constants::*;
use crate::monitor::{EventEndpoints, SharedMonitor};
use crate::msg::{flags, Msg, SharedMetadata};
use crate::options::Options;
use crate::pipe::{EndpointPair, Pipe, PipeCommand};
use crate::transport::inproc::SharedRegistry;
use crate::transport::socks::SocksClient;
use crate::transport::stream::Stream;
use crate::transport::Target;
use crate::transport::{self, inproc};
use crate::zmtp::zap::ZapRequest;
use mio::event::Event;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a socket hands to an I/O thread to start a session.
pub struct SessionSpec {
    pub id: u64,
    pub endpoint: String,
    /// Where to connect; None for a session of an accepted connection.
    pub target: Option<Target>,
    pub options: Options,
    pub socket: Arc<SocketMailbox>,
    /// The session's end of a pipe created at connect time (without ZMQ_IMMEDIATE).
    pub pipe: Option<Pipe>,
    /// The socket wants peers' routing ids first in the pipe (ROUTER).
    pub receives_routing_id: bool,
    /// ZMQ_STREAM with ZMQ_STREAM_NOTIFY: an empty message announces connect/disconnect.
    pub stream_notify: bool,
    /// For reaching the ZAP handler over inproc.
    pub inproc: SharedRegistry,
    pub monitor: SharedMonitor,
    /// Set once the socket disconnected or unbound a tcp/ipc endpoint while its
    /// ZMQ_RECONNECT_STOP had AFTER_DISCONNECT (libzmq's `_disconnected`).
    pub socket_disconnected: Arc<AtomicBool>,
}

enum State {
    /// A non-blocking connect is in progress (until ZMQ_CONNECT_TIMEOUT, if set).
    Connecting(Stream, Option<Instant>),
    /// Connected to the SOCKS proxy (`ZMQ_SOCKS_PROXY`), asking it for the target.
    Proxying(Stream, Box<SocksClient>),
    /// The engine is in `Session::engine`.
    Connected,
    /// Waiting to reconnect.
    Waiting(Instant),
    /// No more attempts (ZMQ_RECONNECT_STOP_AFTER_DISCONNECT), but the pipe stays, as
    /// libzmq's idle connecter leaves its session: messages queue, LINGER applies.
    Stopped,
    Done,
}

pub struct Session {
    spec: SessionSpec,
    state: State,
    /// The connection's engine while `Connected`, shared for the direct send path.
    engine: Arc<EngineSlot>,
    pipe: Option<Pipe>,
    config: EngineConfig,
    reconnect_ivl: Duration,
    /// Set once the socket closed or disconnected: finish sending, then end.
    closing: Option<Option<Instant>>,
    /// The outbound pipe stopped in the middle of a message when a connection died.
    skip_partial_out: bool,
    connected_once: bool,
    /// The pipe to the ZAP handler while a request is outstanding.
    zap: Option<Pipe>,
    zap_reply: Vec<Vec<u8>>,
    /// STREAM_NOTIFY: the connection's metadata (Peer-Address), which libzmq's connect
    /// and disconnect notices carry like data messages.
    notice_metadata: Option<SharedMetadata>,
    /// The endpoint monitor events name (the proxy's for a SOCKS connection).
    event_endpoint: String,
    /// The local and remote addresses of the current connection (monitor v2).
    connection_addresses: (String, String),
}

/// A random number below `n` (reconnect jitter; not for cryptography).
fn random_below(n: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(Instant::now().elapsed().as_nanos());
    h.finish() % n
}

/// Where ZAP handlers bind (RFC 27).
const ZAP_ENDPOINT: &str = "zeromq.zap.01";

impl Session {
    pub fn new(mut spec: SessionSpec) -> Session {
        let config = EngineConfig::from_options(&spec.options);
        let reconnect_ivl = Duration::from_millis(spec.options.reconnect_ivl.max(0) as u64);
        let pipe = spec.pipe.take();
        let event_endpoint = match &spec.target {
            Some(target) => target.event_endpoint(&spec.options, &spec.endpoint),
            None => spec.endpoint.clone(),
        };
        Session {
            spec,
            state: State::Done,
            engine: EngineSlot::new(),
            pipe,
            config,
            reconnect_ivl,
            closing: None,
            skip_partial_out: false,
            connected_once: false,
            zap: None,
            zap_reply: Vec::new(),
            notice_metadata: None,
            event_endpoint,
            connection_addresses: Default::default(),
        }
    }

    pub fn id(&self) -> u64 {
        self.spec.id
    }

    pub fn pipe_id(&self) -> Option<crate::pipe::PipeId> {
        self.pipe.as_ref().map(|p| p.id())
    }

    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Reports `event`, naming endpoints as libzmq 4.3.5 (v2): a connection's own events
    /// (CONNECTED, handshake, DISCONNECTED) its local address and, on the connecting
    /// side, the endpoint connected to, on the accepting side the peer's address; a
    /// connect attempt's events only the endpoint, as the remote one. v1 names
    /// `event_endpoint` for all.
    fn emit(&self, event: i32, value: u32) {
        if let Some(m) = self.spec.monitor.lock().as_mut() {
            let of_connection = event == ZMQ_EVENT_CONNECTED
                || event == ZMQ_EVENT_DISCONNECTED
                || event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED
                || event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
                || event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                || event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
            let endpoints = if of_connection {
                let EndpointPair { local, remote } = self.connection_endpoints();
                EventEndpoints {
                    local,
                    remote,
                    identifier: self.event_endpoint.clone(),
                }
            } else {
                EventEndpoints::connecting(&self.event_endpoint)
            };
            m.emit(event, value, &endpoints);
        }
    }

    /// The current connection's endpoints as libzmq's engine names them: its local
    /// address and, on the connecting side, the endpoint connected to, on the
    /// accepting side the peer's address.
    fn connection_endpoints(&self) -> EndpointPair {
        let (local, peer) = self.connection_addresses.clone();
        let remote = if self.spec.target.is_some() {
            self.event_endpoint.clone()
        } else {
            peer
        };
        EndpointPair { local, remote }
    }

    /// Starts a session: connects, or adopts an accepted stream.
    pub fn start(
        &mut self,
        reactor: &mut Reactor,
        token: usize,
        accepted: Option<Stream>,
        now: Instant,
    ) {
        if let Some(pipe) = &self.pipe {
            reactor.own_pipe(pipe.id(), token);
        }
        match accepted {
            Some(stream) => self.connected(reactor, token, stream, now),
            None => self.connect(reactor, token, now),
        }
    }

    fn connect(&mut self, reactor: &mut Reactor, token: usize, now: Instant) {
        let Some(target) = &self.spec.target else {
            self.state = State::Done;
            return;
        };
        match target.connect(&self.spec.options) {
            Ok((mut stream, in_progress)) => {
                if stream
                    .register(reactor.registry(), reactor.token(token))
                    .is_err()
                {
                    return self.schedule_reconnect(now);
                }
                if in_progress {
                    self.emit(ZMQ_EVENT_CONNECT_DELAYED, libc::EINPROGRESS as u32);
                    let timeout = self.spec.options.connect_timeout;
                    let deadline =
                        (timeout > 0).then(|| now + Duration::from_millis(timeout as u64));
                    self.state = State::Connecting(stream, deadline);
                } else {
                    self.on_connected(reactor, token, stream, now);
                }
            }
            Err(failure) => {
                if let Some(fd) = failure.closed_fd {
                    self.emit(ZMQ_EVENT_CLOSED, fd as u32);
                }
                if self.stops_after_disconnect(&failure.error) {
                    self.state = State::Stopped;
                    return;
                }
                self.schedule_reconnect(now);
            }
        }
    }

    /// ZMQ_RECONNECT_STOP_AFTER_DISCONNECT (draft, 0x4): once the socket disconnected
    /// an endpoint, an ipc connect refused at once is not retried, as libzmq 4.3.5's
    /// ipc connecter (tcp refusals come later, after EINPROGRESS, and are retried).
    fn stops_after_disconnect(&self, error: &std::io::Error) -> bool {
        self.spec.options.reconnect_stop & ZMQ_RECONNECT_STOP_AFTER_DISCONNECT != 0
            && matches!(self.spec.target, Some(Target::Ipc(_)))
            && error.raw_os_error() == Some(libc::ECONNREFUSED)
            && self.spec.socket_disconnected.load(Ordering::Relaxed)
    }

    fn connected(&mut self, reactor: &mut Reactor, token: usize, mut stream: Stream, now: Instant) {
        if stream
            .register(reactor.registry(), reactor.token(token))
            .is_err()
        {
            self.state = State::Done;
            return;
        }
        self.connection_addresses = stream.endpoint_addresses();
        self.engine.put(
            Box::new(Engine::new(stream, self.engine_config(), now)),
            reactor.mailbox(),
        );
        self.state = State::Connected;
        self.pump(reactor, token, now);
    }

    fn on_connected(&mut self, reactor: &mut Reactor, token: usize, stream: Stream, now: Instant) {
        let socks = self
            .spec
            .target
            .as_ref()
            .and_then(|t| t.socks_client(&self.spec.options));
        match socks {
            Some(client) => {
                self.state = State::Proxying(stream, Box::new(client));
                self.advance_proxy(reactor, token, now);
            }
            None => self.start_engine(reactor, token, stream, now),
        }
    }

    /// Runs the SOCKS handshake as far as the socket allows; once the proxy has
    /// connected us, ZMTP starts on the same stream. A failure drops the attempt and
    /// schedules the next one, as libzmq does.
    fn advance_proxy(&mut self, reactor: &mut Reactor, token: usize, now: Instant) {
        let State::Proxying(stream, client) = &mut self.state else {
            return;
        };
        let result = proxy_handshake::advance(stream, client);
        if result.as_ref().is_ok_and(|p| *p == Progress::Pending) {
            return;
        }
        let State::Proxying(stream, _) = std::mem::replace(&mut self.state, State::Done) else {
            return;
        };
        if result.is_ok() {
            self.start_engine(reactor, token, stream, now);
        } else {
            self.abandon_attempt(reactor, stream);
            self.schedule_reconnect(now);
        }
    }

    /// The connection to the peer is up (through the proxy, if any): ZMTP starts.
    fn start_engine(&mut self, reactor: &mut Reactor, token: usize, stream: Stream, now: Instant) {
        self.connection_addresses = stream.endpoint_addresses();
        self.emit(ZMQ_EVENT_CONNECTED, stream.fd() as u32);
        self.reconnect_ivl = Duration::from_millis(self.spec.options.reconnect_ivl.max(0) as u64);
        self.connection_addresses = stream.endpoint_addresses();
        self.engine.put(
            Box::new(Engine::new(stream, self.engine_config(), now)),
            reactor.mailbox(),
        );
        self.state = State::Connected;
        self.pump(reactor, token, now);
    }

    /// The engine's configuration, with whether a ZAP handler is bound right now.
    fn engine_config(&self) -> EngineConfig {
        let mut config = self.config.clone();
        config.zap_handler_available = inproc::is_bound(&self.spec.inproc, ZAP_ENDPOINT);
        config
    }

    /// Sends a ZAP request to the handler; the reply arrives as a pipe command.
    fn start_zap(
        &mut self,
        reactor: &mut Reactor,
        token: usize,
        request: ZapRequest,
        now: Instant,
    ) {
        let Some(mut pipe) =
            inproc::connect_service(&self.spec.inproc, ZAP_ENDPOINT, reactor.mailbox())
        else {
            self.connection_lost(reactor, Failure::NoZapHandler, now);
            return;
        };
        let frames = request.to_frames();
        let last = frames.len().saturating_sub(1);
        for (i, frame) in frames.iter().enumerate() {
            let mut msg = Msg::from_slice(frame);
            msg.set_more(i < last);
            let _ = pipe.write(msg);
        }
        pipe.flush();
        reactor.own_pipe(pipe.id(), token);
        self.zap_reply.clear();
        self.zap = Some(pipe);
        // Looking once marks our end asleep, so the handler's reply wakes us.
        self.read_zap(reactor, token, now);
    }

    /// Reads the ZAP reply once it is complete and hands it to the engine.
    fn read_zap(&mut self, reactor: &mut Reactor, token: usize, now: Instant) {
        let Some(pipe) = self.zap.as_mut() else {
            return;
        };
        while let Some(msg) = pipe.read() {
            let more = msg.more();
            self.zap_reply.push(msg.data().to_vec());
            if !more {
                let reply = std::mem::take(&mut self.zap_reply);
                if let Some(mut done) = self.zap.take() {
                    done.terminate();
                }
                let Some(result) = self.engine.lock().map(|mut e| e.zap_reply(&reply, now)) else {
                    return;
                };
                match result {
                    Ok(()) => self.pump(reactor, token, now),
                    Err(failure) => self.connection_lost(reactor, failure, now),
                }
                return;
            }
        }
        if pipe.is_done() {
            // The handler went away without answering. libzmq then drops its ZAP pipe
            // and the handshake waits: the peer gives up or HANDSHAKE_IVL ends it (the
            // peer does not reconnect and slip through a handler-less NULL handshake).
            self.zap = None;
            self.zap_reply.clear();
        }
    }

    /// Closes the socket of a failed connection attempt (libzmq reports it CLOSED).
    fn abandon_attempt(&mut self, reactor: &mut Reactor, mut stream: Stream) {
        let fd = stream.fd() as u32;
        stream.deregister(reactor.registry());
        drop(stream);
        self.emit(ZMQ_EVENT_CLOSED, fd);
    }

    fn schedule_reconnect(&mut self, now: Instant) {
        if self.spec.target.is_none()
            || self.spec.options.reconnect_ivl < 0
            || self.closing.is_some() && self.pipe.is_none()
        {
            self.finish();
            return;
        }
        // libzmq's schedule: the current interval plus a random jitter below
        // RECONNECT_IVL; the interval doubles up to RECONNECT_IVL_MAX only when that
        // maximum exceeds RECONNECT_IVL.
        let base = self.spec.options.reconnect_ivl.max(0) as u64;
        let jitter = if base > 0 { random_below(base) } else { 0 };
        let ivl = self.reconnect_ivl + Duration::from_millis(jitter);
        self.emit(ZMQ_EVENT_CONNECT_RETRIED, ivl.as_millis() as u32);
        self.state = State::Waiting(now + ivl);
        let max = self.spec.options.reconnect_ivl_max;
        if max > 0 && max as u64 > base {
            self.reconnect_ivl = (self.reconnect_ivl * 2).min(Duration::from_millis(max as u64));
        }
    }

    /// A readiness event for this session's stream.
    pub fn ready(&mut self, reactor: &mut Reactor, token: usize, event: &Event, now: Instant) {
        match &mut self.state {
            State::Connecting(stream, _) => {
                if event.is_writable() || event.is_error() || event.is_write_closed() {
                    let error = stream.take_error();
                    let refused = matches!(&error, Ok(Some(e))
                        if e.raw_os_error() == Some(libc::ECONNREFUSED));
                    let failed = matches!(error, Ok(Some(_)) | Err(_)) || !stream.is_connected();
                    let State::Connecting(stream, _) =
                        std::mem::replace(&mut self.state, State::Done)
                    else {
                        return;
                    };
                    // ZMQ_RECONNECT_STOP_CONN_REFUSED (draft): a tcp connect the peer
                    // refused ends the session, as libzmq 4.3.5 (only for an attempt
                    // that completes later; an at-once refusal is retried there too).
                    let stop = refused
                        && matches!(self.spec.target, Some(Target::Tcp(_)))
                        && self.spec.options.reconnect_stop & ZMQ_RECONNECT_STOP_CONN_REFUSED != 0;
                    if failed && stop {
                        self.abandon_attempt(reactor, stream);
                        self.finish();
                    } else if failed {
                        self.abandon_attempt(reactor, stream);
                        self.schedule_reconnect(now);
                    } else {
                        self.on_connected(reactor, token, stream, now);
                    }
                }
            }
            State::Connected => {
                if let Some(mut engine) = self.engine.lock() {
                    if event.is_readable() || event.is_read_closed() || event.is_error() {
                        engine.readable = true;
                    }
                    if event.is_writable() {
                        engine.writable = true;
                    }
                }
                self.pump(reactor, token, now);
            }
            State::Proxying(..) => self.advance_proxy(reactor, token, now),
            State::Waiting(_) | State::Stopped | State::Done => {}
        }
    }

    /// Moves data; handles the end of the handshake and of the connection.
    pub fn pump(&mut self, reactor: &mut Reactor, token: usize, now: Instant) {
        loop {
            if !matches!(self.state, State::Connected) {
                return;
            }
            if self.skip_partial_out {
                if let Some(pipe) = self.pipe.as_mut() {
                    while let Some(m) = pipe.read() {
                        if !m.more() {
                            self.skip_partial_out = false;
                            break;
                        }
                    }
                }
            }
            let outcome = {
                let Some(mut engine) = self.engine.lock() else {
                    return;
                };
                let usable_pipe = if engine.is_active() {
                    self.pipe.as_mut()
                } else {
                    None
                };
                engine.pump(usable_pipe, now)
            };
            match outcome {
                Outcome::Idle => break,
                Outcome::TurnUsed => {
                    reactor.another_turn(token);
                    break;
                }
                Outcome::HandshakeDone => self.handshake_done(reactor, token),
                Outcome::NeedsZap(request) => {
                    self.start_zap(reactor, token, request, now);
                    return;
                }
                Outcome::Failed(failure) => {
                    self.connection_lost(reactor, failure, now);
                    return;
                }
            }
        }
        self.check_linger_done(reactor);
    }

    fn handshake_done(&mut self, reactor: &mut Reactor, token: usize) {
        self.emit(ZMQ_EVENT_HANDSHAKE_SUCCEEDED, 0);
        let Some((routing_id, metadata)) = self
            .engine
            .lock()
            .map(|mut e| (e.peer_routing_id().to_vec(), e.metadata_for_notice()))
        else {
            return;
        };
        self.notice_metadata = metadata;
        // ZMQ_HELLO_MSG (draft): the first message on every new connection of a ROUTER,
        // SERVER, DEALER, CLIENT or PEER, before anything the socket sends (libzmq
        // 4.3.5's hello_msg_session_t). The pipe is not read before this point.
        let hello = self.spec.options.hello_to_send();
        if !hello.is_empty() {
            if let Some(mut engine) = self.engine.lock() {
                engine.queue_message(Msg::from_slice(hello));
            }
        }
        let notice = self.stream_notice();
        // A raw (STREAM) peer has no routing id of its own: the socket makes one up.
        let wants_id = self.spec.receives_routing_id && self.spec.options.socket_type != ZMQ_STREAM;
        let reconnected = self.connected_once;
        self.connected_once = true;
        match self.pipe.as_mut() {
            Some(pipe) => {
                pipe.offer_direct(self.engine.clone());
                if wants_id {
                    let mut id = Msg::from_slice(&routing_id);
                    id.set_flags(flags::ROUTING_ID);
                    if pipe.write(id).is_ok() {
                        pipe.flush();
                    }
                }
                if self.spec.stream_notify && pipe.write(notice).is_ok() {
                    pipe.flush();
                }
                if self.spec.options.router_notify & ZMQ_NOTIFY_CONNECT != 0
                    && pipe.write(Msg::new()).is_ok()
                {
                    pipe.flush();
                }
                // A subscriber's peer forgot our subscriptions: have the socket resend them.
                if reconnected && matches!(self.spec.options.socket_type, ZMQ_SUB | ZMQ_XSUB) {
                    pipe.send_to_peer(PipeCommand::Hiccup(pipe.peer_id()));
                }
            }
            None => {
                let (mut socket_end, mut ours) = transport::connection_pipes(&self.spec.options);
                ours.set_owner(reactor.mailbox());
                socket_end.set_owner(&self.spec.socket);
                socket_end.locally_initiated = self.spec.target.is_some();
                socket_end.endpoint_pair = Some(Arc::new(self.connection_endpoints()));
                // No endpoint: as in libzmq, a disconnect ends only the pipe the socket
                // made at connect time itself. This one (ZMQ_IMMEDIATE, or accepted) is
                // ended by the session, which drops what the socket had queued.
                if wants_id {
                    let mut id = Msg::from_slice(&routing_id);
                    id.set_flags(flags::ROUTING_ID);
                    if ours.write(id).is_ok() {
                        ours.flush();
                    }
                }
                if self.spec.stream_notify && ours.write(notice).is_ok() {
                    ours.flush();
                }
                // ZMQ_ROUTER_NOTIFY (draft): an empty message after the routing id, as
                // libzmq's engine pushes once the handshake is done.
                if self.spec.options.router_notify & ZMQ_NOTIFY_CONNECT != 0
                    && ours.write(Msg::new()).is_ok()
                {
                    ours.flush();
                }
                ours.offer_direct(self.engine.clone());
                reactor.own_pipe(ours.id(), token);
                self.pipe = Some(ours);
                self.spec.socket.send(Command::Attach(Box::new(socket_end)));
            }
        }
    }

    fn connection_lost(&mut self, reactor: &mut Reactor, failure: Failure, now: Instant) {
        if !matches!(
            std::mem::replace(&mut self.state, State::Done),
            State::Connected
        ) {
            return;
        }
        let Some(mut engine) = self.engine.take() else {
            return;
        };
        let was_active = engine.is_active();
        let mid_message = engine.mid_message_out();
        engine.abandon(self.pipe.as_mut());
        // ZMQ_ROUTER_NOTIFY's disconnect notice: an empty message once a connection
        // whose handshake was done is lost (a half-received message was dropped by
        // `abandon`), as libzmq's engine.
        if was_active && self.spec.options.router_notify & ZMQ_NOTIFY_DISCONNECT != 0 {
            if let Some(pipe) = self.pipe.as_mut() {
                if pipe.write(Msg::new()).is_ok() {
                    pipe.flush();
                }
            }
        }
        // ZMQ_DISCONNECT_MSG (draft): a ROUTER, SERVER or PEER receives it from an
        // accepted peer whose connection (handshake done) is lost, as libzmq 4.3.5.
        let farewell = self.spec.options.disconnect_to_receive();
        if self.spec.target.is_none() && was_active && !farewell.is_empty() {
            if let Some(pipe) = self.pipe.as_mut() {
                if pipe.write(Msg::from_slice(farewell)).is_ok() {
                    pipe.flush();
                }
            }
        }
        // ZMQ_HICCUP_MSG (draft): a connecting DEALER, CLIENT or PEER whose connection
        // (handshake done) is lost receives the message, as libzmq 4.3.5.
        let hiccup = &self.spec.options.hiccup_msg;
        if self.spec.target.is_some()
            && was_active
            && !hiccup.is_empty()
            && matches!(
                self.spec.options.socket_type,
                ZMQ_DEALER | ZMQ_CLIENT | ZMQ_PEER
            )
        {
            if let Some(pipe) = self.pipe.as_mut() {
                if pipe.write(Msg::from_slice(hiccup)).is_ok() {
                    pipe.flush();
                }
            }
        }
        let fd = engine.stream.fd() as u32;
        engine.stream.deregister(reactor.registry());
        drop(engine);
        // libzmq's events: a protocol error in the handshake is reported with its code
        // (a socket-type mismatch only as DISCONNECTED) and ends the session for good; a
        // connection lost during the handshake is HANDSHAKE_FAILED_NO_DETAIL.
        let mut protocol_error = failure.ends_session(was_active);
        if let Some(mut zap) = self.zap.take() {
            zap.terminate();
        }
        if let Some((event, value)) = failure.handshake_event(was_active) {
            self.emit(event, value);
            // ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED (draft): a peer that drops the
            // connection (or stays silent) during the handshake counts as a protocol
            // error: no reconnect, as libzmq 4.3.5.
            if event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
                && self.spec.options.reconnect_stop & ZMQ_RECONNECT_STOP_HANDSHAKE_FAILED != 0
            {
                protocol_error = true;
            }
        }
        self.emit(ZMQ_EVENT_DISCONNECTED, fd);
        if protocol_error || self.closing.is_some() || self.spec.target.is_none() {
            self.finish();
            return;
        }
        // Frames of a message half sent on the dead connection must not start the
        // stream on the next one.
        self.skip_partial_out = mid_message;
        // A raw socket (STREAM with STREAM_NOTIFY, DGRAM) that reconnects learns of the
        // lost connection by an empty message, as from libzmq's raw engine (a session
        // that ends writes it in `finish`).
        if self.spec.stream_notify {
            let notice = self.stream_notice();
            if let Some(pipe) = self.pipe.as_mut() {
                if pipe.write(notice).is_ok() {
                    pipe.flush();
                }
            }
        }
        if self.spec.options.immediate {
            if let Some(mut pipe) = self.pipe.take() {
                pipe.terminate();
            }
        }
        self.schedule_reconnect(now);
    }

    /// Ends the session: closes the pipe (the socket sees it terminate) and the stream.
    fn finish(&mut self) {
        if let Some(mut pipe) = self.pipe.take() {
            // STREAM_NOTIFY: an empty message tells the socket the peer is gone.
            let notice = self.stream_notice();
            if self.spec.stream_notify && self.closing.is_none() && pipe.write(notice).is_ok() {
                pipe.flush();
            }
            pipe.terminate();
        }
        self.state = State::Done;
    }

    /// STREAM_NOTIFY's empty message, with the connection's metadata.
    fn stream_notice(&self) -> Msg {
        let mut notice = Msg::new();
        notice.set_metadata(self.notice_metadata.clone());
        notice
    }

    /// A command for this session's pipe.
    pub fn pipe_command(
        &mut self,
        reactor: &mut Reactor,
        token: usize,
        command: PipeCommand,
        now: Instant,
    ) {
        // A socket asking for pipe statistics: the ZAP handler about the ZAP pipe, the
        // session's socket about its pipe. Nothing else changes.
        if let PipeCommand::StatsRequest(id, stats) = command {
            let pipe = [self.pipe.as_ref(), self.zap.as_ref()]
                .into_iter()
                .flatten()
                .find(|p| p.id() == id);
            if let Some(pipe) = pipe {
                pipe.answer_stats(stats);
            }
            return;
        }
        let for_zap = match (&command, &self.zap) {
            (
                PipeCommand::ActivateRead(id)
                | PipeCommand::ActivateWrite(id, _)
                | PipeCommand::PipeTerm(id),
                Some(zap),
            ) => *id == zap.id(),
            _ => false,
        };
        if for_zap {
            if let (Some(zap), PipeCommand::PipeTerm(_)) = (self.zap.as_mut(), &command) {
                zap.peer_terminated();
            }
            if let Some(zap) = self.zap.as_mut() {
                zap.activate_read();
            }
            self.read_zap(reactor, token, now);
            return;
        }
        let Some(pipe) = self.pipe.as_mut() else {
            return;
        };
        // Only commands naming this pipe: a late PipeTerm from a finished ZAP exchange
        // (the handler closing its socket) must not close the connection.
        let id = match command {
            PipeCommand::ActivateRead(id)
            | PipeCommand::ActivateWrite(id, _)
            | PipeCommand::PipeTerm(id)
            | PipeCommand::PipeHwm { pipe: id, .. } => id,
            _ => return,
        };
        if id != pipe.id() {
            return;
        }
        match command {
            PipeCommand::ActivateRead(_) => {
                pipe.activate_read();
            }
            PipeCommand::ActivateWrite(_, n) => {
                pipe.activate_write(n);
            }
            // The socket changed its HWMs: its SNDHWM now bounds what we read from it,
            // its RCVHWM what we queue for it.
            PipeCommand::PipeHwm {
                peer_sndhwm,
                peer_rcvhwm,
                ..
            } => pipe.apply_hwms(peer_sndhwm, peer_rcvhwm),
            PipeCommand::PipeTerm(_) => {
                pipe.peer_terminated();
                if self.closing.is_none() {
                    let linger = self.spec.options.linger;
                    self.begin_close(linger, now);
                }
            }
            _ => {}
        }
        self.pump(reactor, token, now);
        self.check_linger_done(reactor);
    }

    /// The socket closed or disconnected: send what is queued (within `linger` ms,
    /// -1 = forever; the socket ends its end of the pipe), then end. With `end_pipe`
    /// (an unbind closing the connections accepted through the endpoint, a disconnect
    /// of a pipe this session made) the session ends the pipe itself at once, as
    /// libzmq: what the socket queued is dropped and the socket stops routing here.
    pub fn close(
        &mut self,
        reactor: &mut Reactor,
        token: usize,
        linger: i32,
        end_pipe: bool,
        now: Instant,
    ) {
        if end_pipe {
            if let Some(mut pipe) = self.pipe.take() {
                pipe.terminate();
            }
        }
        self.begin_close(linger, now);
        self.pump(reactor, token, now);
        self.check_linger_done(reactor);
    }

    fn begin_close(&mut self, linger: i32, now: Instant) {
        // LINGER 0 drops what is queued at once; -1 waits for as long as it takes.
        let deadline = (linger >= 0).then(|| now + Duration::from_millis(linger as u64));
        self.closing = Some(deadline);
    }

    /// While closing: done once the socket's pipe is drained and the output written.
    fn check_linger_done(&mut self, reactor: &mut Reactor) {
        let Some(deadline) = self.closing else {
            return;
        };
        let expired = deadline.is_some_and(|d| Instant::now() >= d);
        let drained = match (self.pipe.as_mut(), &self.state) {
            (None, _) => true,
            (Some(pipe), State::Connected) => {
                pipe.is_done() && self.engine.lock().is_some_and(|e| e.output_drained())
            }
            // Not connected: done only if nothing but the delimiter is left.
            (Some(pipe), _) => !pipe.check_read() && pipe.is_done(),
        };
        if expired || drained {
            match std::mem::replace(&mut self.state, State::Done) {
                // libzmq reports nothing for a connection it closes itself.
                State::Connected => {
                    if let Some(mut engine) = self.engine.take() {
                        engine.stream.deregister(reactor.registry());
                    }
                }
                // A connect in progress (also one still talking to its SOCKS proxy) is
                // reported CLOSED, as libzmq's connecter does.
                State::Connecting(stream, _) | State::Proxying(stream, _) => {
                    self.abandon_attempt(reactor, stream)
                }
                _ => {}
            }
            self.finish();
        }
    }

    pub fn next_timeout(&self) -> Option<Instant> {
        let state = match &self.state {
            State::Waiting(at) => Some(*at),
            State::Connecting(_, deadline) => *deadline,
            State::Connected => self.engine.lock().and_then(|e| e.next_timeout()),
            _ => None,
        };
        let linger = self.closing.flatten();
        match (state, linger) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    pub fn on_timeout(&mut self, reactor: &mut Reactor, token: usize, now: Instant) {
        match &mut self.state {
            State::Waiting(at) if now >= *at => self.connect(reactor, token, now),
            State::Connecting(_, Some(deadline)) if now >= *deadline => {
                // ZMQ_CONNECT_TIMEOUT: give up on this attempt and retry later.
                if let State::Connecting(stream, _) =
                    std::mem::replace(&mut self.state, State::Done)
                {
                    self.abandon_attempt(reactor, stream);
                }
                self.schedule_reconnect(now);
            }
            State::Connected => {
                let result = self.engine.lock().map(|mut e| e.on_timeout(now));
                if let Some(Err(failure)) = result {
                    self.connection_lost(reactor, failure, now);
                } else {
                    self.pump(reactor, token, now);
                }
            }
            _ => {}
        }
        self.check_linger_done(reactor);
    }
}

/// The reconnect and linger rules, driven without a network: a session whose connect
/// never started (the test puts it in `Waiting` by scheduling a reconnect), with its
/// pipe to a socket end the test holds. What needs a connection (the interval reset at
/// a handshake, a connection lost mid-message, the linger of a connected session) is
/// covered over real sockets in `c-tests/` and `tests/`.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::IoMailbox;
    use mio::Poll;

    fn reactor() -> Reactor {
        Reactor::new(Poll::new().unwrap(), Arc::new(IoMailbox::new().unwrap()))
    }

    /// A connecting DEALER session to a tcp target (never dialled here) and the
    /// socket's end of its pipe.
    fn session(target: Option<Target>, tweak: impl FnOnce(&mut Options)) -> (Session, Pipe) {
        let mut options = Options::new(ZMQ_DEALER);
        tweak(&mut options);
        let (socket_end, session_end) = transport::connection_pipes(&options);
        let spec = SessionSpec {
            id: 1,
            endpoint: "tcp://127.0.0.1:9".into(),
            target,
            options,
            socket: Arc::new(SocketMailbox::new().unwrap()),
            pipe: Some(session_end),
            receives_routing_id: false,
            stream_notify: false,
            inproc: SharedRegistry::default(),
            monitor: SharedMonitor::default(),
            socket_disconnected: Default::default(),
        };
        (Session::new(spec), socket_end)
    }

    fn tcp() -> Option<Target> {
        Some(Target::Tcp("127.0.0.1:9".into()))
    }

    /// How long the session will wait before its next attempt.
    fn wait_after(s: &mut Session, now: Instant) -> Duration {
        s.schedule_reconnect(now);
        assert!(matches!(s.state, State::Waiting(_)));
        s.next_timeout().expect("a reconnect time") - now
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn reconnect_waits_the_interval_plus_jitter_and_doubles_up_to_the_max() {
        let (mut s, _socket) = session(tcp(), |o| {
            o.reconnect_ivl = 100;
            o.reconnect_ivl_max = 350;
        });
        let now = Instant::now();
        // Each wait is the current interval plus a jitter below RECONNECT_IVL.
        for (low, high) in [(100, 200), (200, 300), (350, 450), (350, 450)] {
            let wait = wait_after(&mut s, now);
            assert!(
                wait >= ms(low) && wait < ms(high),
                "{wait:?} not in {low}..{high} ms"
            );
        }
    }

    #[test]
    fn no_backoff_unless_the_max_exceeds_the_interval() {
        for max in [0, 50, 100] {
            let (mut s, _socket) = session(tcp(), |o| {
                o.reconnect_ivl = 100;
                o.reconnect_ivl_max = max;
            });
            let now = Instant::now();
            for _ in 0..3 {
                let wait = wait_after(&mut s, now);
                assert!(wait >= ms(100) && wait < ms(200), "max {max}: {wait:?}");
            }
        }
    }

    #[test]
    fn a_negative_interval_or_an_accepted_connection_never_reconnects() {
        let never = session(tcp(), |o| o.reconnect_ivl = -1);
        let accepted = session(None, |_| {});
        for (mut s, mut socket) in [never, accepted] {
            s.schedule_reconnect(Instant::now());
            assert!(s.is_done());
            // The session ended its pipe: the socket's end reaches the delimiter.
            socket.activate_read();
            assert!(socket.read().is_none());
            assert!(socket.is_done());
        }
    }

    #[test]
    fn closing_a_disconnected_session_with_nothing_queued_ends_it_at_the_pipe_term() {
        let mut r = reactor();
        let (mut s, mut socket) = session(tcp(), |_| {});
        let now = Instant::now();
        s.schedule_reconnect(now);
        s.close(&mut r, 0, -1, false, now);
        assert!(!s.is_done(), "the socket has not ended its pipe yet");
        socket.terminate();
        let id = s.pipe_id().unwrap();
        s.pipe_command(&mut r, 0, PipeCommand::PipeTerm(id), now);
        assert!(s.is_done());
    }

    #[test]
    fn linger_forever_keeps_a_disconnected_session_while_messages_are_queued() {
        let mut r = reactor();
        let (mut s, mut socket) = session(tcp(), |_| {});
        let now = Instant::now();
        let waiting = wait_after(&mut s, now);
        socket.write(Msg::from_slice(b"queued")).unwrap();
        socket.flush();
        socket.terminate();
        s.close(&mut r, 0, -1, false, now);
        let id = s.pipe_id().unwrap();
        s.pipe_command(&mut r, 0, PipeCommand::PipeTerm(id), now);
        assert!(!s.is_done(), "LINGER -1 waits to deliver what is queued");
        // It still means to reconnect, with no linger deadline.
        assert_eq!(s.next_timeout(), Some(now + waiting));
    }

    #[test]
    fn a_linger_deadline_is_a_timeout_and_linger_zero_ends_at_once() {
        let mut r = reactor();
        let (mut s, mut socket) = session(tcp(), |o| o.reconnect_ivl = 10_000);
        let now = Instant::now();
        s.schedule_reconnect(now);
        socket.write(Msg::from_slice(b"queued")).unwrap();
        socket.flush();
        s.close(&mut r, 0, 50, false, now);
        assert!(!s.is_done());
        assert_eq!(
            s.next_timeout(),
            Some(now + ms(50)),
            "the linger ends before the retry"
        );

        let (mut s, mut socket) = session(tcp(), |_| {});
        s.schedule_reconnect(now);
        socket.write(Msg::from_slice(b"queued")).unwrap();
        socket.flush();
        s.close(&mut r, 0, 0, false, now);
        assert!(s.is_done(), "LINGER 0 drops what is queued");
    }

    #[test]
    fn end_pipe_ends_the_pipe_at_once_dropping_what_was_queued() {
        let mut r = reactor();
        let (mut s, mut socket) = session(tcp(), |_| {});
        s.schedule_reconnect(Instant::now());
        socket.write(Msg::from_slice(b"dropped")).unwrap();
        socket.flush();
        s.close(&mut r, 0, -1, true, Instant::now());
        assert!(s.is_done());
        assert!(socket.peer_terminated(), "the session's end is gone");
    }

    #[test]
    fn the_socket_ending_its_pipe_closes_the_session_with_the_socket_linger() {
        let mut r = reactor();
        for (linger, done) in [(0, true), (-1, false)] {
            let (mut s, mut socket) = session(tcp(), |o| o.linger = linger);
            s.schedule_reconnect(Instant::now());
            socket.write(Msg::from_slice(b"queued")).unwrap();
            socket.flush();
            socket.terminate();
            let id = s.pipe_id().unwrap();
            s.pipe_command(&mut r, 0, PipeCommand::PipeTerm(id), Instant::now());
            assert_eq!(s.is_done(), done, "LINGER {linger}");
        }
    }
}
