//! The socket core: what every socket type shares. It owns the socket's pipes and
//! mailbox, runs the blocking/non-blocking send and receive loops with libzmq's timeout
//! rules, processes commands from peers, and manages endpoints. What a message does is
//! decided by the socket type (`pattern`); this file never looks inside messages.
//!
//! A `Socket` is used by one thread at a time (`&mut self`), so nothing here is
//! locked; other threads reach it only through its mailbox. Thread-safe sockets are
//! shared by callers that take turns through a lock (the C handle's); `thread_safe.rs`
//! is how they wait without holding it.

mod client;
mod dealer;
pub(crate) mod monitor;
mod pair;
mod pattern;
mod pipeline;
mod pipes_stats;
mod radio_dish;
mod reqrep;
mod router;
mod server;
pub mod thread_safe;
pub(crate) mod watchers;
mod xpub;
mod xsub;

use crate::command::{Command, SocketMailbox};
use crate::constants::*;
use crate::ctx_inner::{CtxInner, Inherited};
use crate::error::{Error, Result};
use crate::io::listener::ListenerSpec;
use crate::io::session::SessionSpec;
use crate::io::udp_session::{UdpMode, UdpSpec};
use crate::io::{IoCommand, IoMailbox};
use crate::mailbox::Signaler;
use crate::monitor::{EventEndpoints, SharedMonitor};
use crate::msg::Msg;
use crate::options::{put_int_or_larger, Options};
use crate::pipe::{EndpointPair, Pipe, PipeCommand, PipeKey, Pipes};
use crate::transport::{self, inproc, Endpoint, Target};
use pattern::Pattern;
use std::os::unix::io::RawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use watchers::{Watch, Watchers};

pub struct Socket {
    id: u64,
    ctx: Arc<CtxInner>,
    mailbox: Arc<SocketMailbox>,
    options: Options,
    pipes: Pipes,
    pattern: Pattern,
    rcvmore: bool,
    ctx_terminated: bool,
    /// A draft type that many threads may use at once (`ZMQ_THREAD_SAFE`).
    thread_safe: bool,
    /// Inproc names this socket has bound.
    bound: Vec<String>,
    /// Listeners and sessions on I/O threads, for unbind/disconnect and close.
    net: Vec<NetObject>,
    monitor: SharedMonitor,
    /// The draft pollers watching this socket; every call of the application notes a
    /// use for them (`watchers.rs`).
    watchers: Watchers,
    /// A tcp/ipc endpoint was disconnected or unbound with ZMQ_RECONNECT_STOP's
    /// AFTER_DISCONNECT set: the connecting sessions read it (`io/session.rs`).
    disconnected: Arc<AtomicBool>,
}

/// A listener or connecting session this socket started on an I/O thread.
struct NetObject {
    /// How unbind/disconnect name it: a listener's resolved endpoint (LAST_ENDPOINT), a
    /// connection's endpoint as given to connect.
    resolved: String,
    id: u64,
    io: Arc<IoMailbox>,
    /// The listening descriptor (for the CLOSED event); None for connections.
    listener_fd: Option<i32>,
    /// A connection whose pipe the socket made at connect time (not ZMQ_IMMEDIATE):
    /// the socket ends that pipe itself on disconnect.
    socket_made_pipe: bool,
}

impl NetObject {
    /// Asks the I/O thread to close it (see `IoCommand::Close` for `end_pipe`); reports
    /// a listener's CLOSED.
    fn close(&self, linger: i32, end_pipe: bool, monitor: &SharedMonitor) {
        self.io.send(IoCommand::Close {
            id: self.id,
            linger,
            end_pipe,
        });
        if let (Some(fd), Some(m)) = (self.listener_fd, monitor.lock().as_mut()) {
            m.emit(
                ZMQ_EVENT_CLOSED,
                fd as u32,
                &EventEndpoints::bound(&self.resolved),
            );
        }
    }
}

impl Socket {
    /// A new socket of a `ZMQ_*` type in `ctx`. ETERM after shutdown, EMFILE at
    /// MAX_SOCKETS.
    pub(crate) fn create(ctx: &Arc<CtxInner>, socket_type: i32) -> Result<Socket> {
        // libzmq's order: ETERM and EMFILE before an unknown type's EINVAL.
        let (id, mailbox, inherited) = ctx.register_socket(Pattern::is_thread_safe(socket_type))?;
        let pattern = Pattern::new(socket_type).inspect_err(|_| ctx.socket_closed(id))?;
        Ok(Socket::new(
            ctx.clone(),
            id,
            mailbox,
            socket_type,
            pattern,
            inherited,
        ))
    }

    fn new(
        ctx: Arc<CtxInner>,
        id: u64,
        mailbox: Arc<SocketMailbox>,
        socket_type: i32,
        pattern: Pattern,
        inherited: Inherited,
    ) -> Socket {
        let mut options = Options::new(socket_type);
        if !inherited.blocky {
            options.linger = 0;
        }
        options.ipv6 = inherited.ipv6;
        options.zero_copy_recv = inherited.zero_copy_recv;
        Socket {
            id,
            ctx,
            mailbox,
            options,
            pipes: Pipes::default(),
            thread_safe: Pattern::is_thread_safe(socket_type),
            pattern,
            rcvmore: false,
            ctx_terminated: false,
            bound: Vec::new(),
            net: Vec::new(),
            monitor: SharedMonitor::default(),
            watchers: Watchers::default(),
            disconnected: Arc::default(),
        }
    }

    /// Whether many threads may use this socket at once (the draft types).
    pub fn is_thread_safe(&self) -> bool {
        self.thread_safe
    }

    /// ETERM once the context is shutting down.
    #[inline]
    fn check_alive(&self) -> Result<()> {
        if self.ctx_terminated || self.ctx.is_terminating() {
            return Err(Error::Term);
        }
        Ok(())
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    pub(crate) fn mailbox(&self) -> &Arc<SocketMailbox> {
        &self.mailbox
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    pub(crate) fn receives_routing_id(&self) -> bool {
        self.pattern.receives_routing_id()
    }

    /// What an inproc peer needs to know to connect to this socket.
    fn inproc_peer(&self) -> inproc::PeerInfo {
        let o = self.options();
        inproc::PeerInfo {
            socket_id: self.id(),
            mailbox: self.mailbox().clone(),
            sndhwm: o.sndhwm,
            rcvhwm: o.rcvhwm,
            routing_id: o.routing_id.clone(),
            receives_routing_id: self.receives_routing_id(),
            conflate: o.effective_conflate(),
            hello_msg: o.hello_to_send().to_vec(),
            disconnect_msg: o.disconnect_to_receive().to_vec(),
        }
    }

    /// Sends one frame (`ZMQ_SNDMORE` in `flags` marks more to follow). On success the
    /// message is taken (left empty); on failure it is left as it was.
    pub fn send(&mut self, msg: &mut Msg, flags: i32) -> Result<()> {
        self.watchers.note_use();
        match self.send_now(msg, flags) {
            Err(Error::Again) => {}
            other => return other,
        }
        let deadline = self.send_deadline(flags)?;
        loop {
            self.process_commands(remaining(deadline)?)?;
            match self.try_send(msg) {
                Err(Error::Again) => {}
                other => return other,
            }
            remaining(deadline)?;
        }
    }

    /// The first, non-blocking attempt of `send`: EAGAIN when it would block.
    #[inline]
    fn send_now(&mut self, msg: &mut Msg, flags: i32) -> Result<()> {
        self.check_alive()?;
        self.process_commands(Some(Duration::ZERO))?;
        msg.set_more(flags & ZMQ_SNDMORE != 0);
        if self.pattern.sends_groups() {
            msg.keep_only_group();
        } else {
            msg.set_metadata(None);
        }
        self.try_send(msg)
    }

    /// After an attempt found no room: when to give up (None = never), or EAGAIN at
    /// once when the caller may not wait.
    fn send_deadline(&self, flags: i32) -> Result<Option<Instant>> {
        if flags & ZMQ_DONTWAIT != 0 || self.options.sndtimeo == 0 {
            return Err(Error::Again);
        }
        Ok(deadline_after(self.options.sndtimeo))
    }

    /// One more attempt of a blocked send, after a wait (thread-safe sockets).
    fn send_again(&mut self, msg: &mut Msg) -> Result<()> {
        self.check_alive()?;
        self.process_commands(Some(Duration::ZERO))?;
        self.try_send(msg)
    }

    #[inline]
    fn try_send(&mut self, msg: &mut Msg) -> Result<()> {
        let result = self.pattern.send(&mut self.pipes, msg, &self.options);
        self.reap_finished_pipes();
        result
    }

    /// Receives one frame.
    pub fn recv(&mut self, flags: i32) -> Result<Msg> {
        self.watchers.note_use();
        match self.recv_now() {
            Err(Error::Again) => {}
            other => return other,
        }
        let deadline = self.recv_deadline(flags)?;
        loop {
            self.process_commands(remaining(deadline)?)?;
            match self.try_recv() {
                Err(Error::Again) => {}
                other => return other,
            }
            remaining(deadline)?;
        }
    }

    /// The first, non-blocking attempt of `recv`: EAGAIN when it would block.
    #[inline]
    fn recv_now(&mut self) -> Result<Msg> {
        self.check_alive()?;
        match self.try_recv() {
            Err(Error::Again) => {}
            other => return other,
        }
        // Commands may be waiting that make a pipe readable.
        self.process_commands(Some(Duration::ZERO))?;
        match self.try_recv() {
            Err(Error::Again) => {}
            other => return other,
        }
        // Nothing to read: the application is about to wait, and its next send is likely
        // a lone message (a reply, the next request) that is quicker sent directly.
        self.pipes.arm_direct();
        Err(Error::Again)
    }

    /// After an attempt found nothing: when to give up (None = never), or EAGAIN at
    /// once when the caller may not wait.
    fn recv_deadline(&self, flags: i32) -> Result<Option<Instant>> {
        if flags & ZMQ_DONTWAIT != 0 || self.options.rcvtimeo == 0 {
            return Err(Error::Again);
        }
        Ok(deadline_after(self.options.rcvtimeo))
    }

    /// One more attempt of a blocked recv, after a wait (thread-safe sockets).
    fn recv_again(&mut self) -> Result<Msg> {
        self.check_alive()?;
        self.process_commands(Some(Duration::ZERO))?;
        self.try_recv()
    }

    #[inline]
    fn try_recv(&mut self) -> Result<Msg> {
        let result = self.pattern.recv(&mut self.pipes, &self.options);
        self.reap_finished_pipes();
        if let Ok(msg) = &result {
            self.rcvmore = msg.more();
        }
        result
    }

    /// Processes pending commands; with a non-zero `timeout` (None = forever) first
    /// waits for one to arrive. ETERM once the context is terminating.
    fn process_commands(&mut self, timeout: Option<Duration>) -> Result<()> {
        let mut processed = false;
        while let Some(command) = self.mailbox.try_recv() {
            self.process_command(command);
            processed = true;
        }
        if !processed && timeout != Some(Duration::ZERO) {
            self.mailbox.wait(timeout)?;
            while let Some(command) = self.mailbox.try_recv() {
                self.process_command(command);
            }
        }
        self.check_alive()?;
        Ok(())
    }

    fn process_command(&mut self, command: Command) {
        match command {
            Command::Pipe(PipeCommand::ActivateRead(id)) => {
                if let Some(key) = self.pipes.key_of(id) {
                    if self.pipes[key].activate_read() {
                        self.pattern.read_activated(&mut self.pipes, key);
                    }
                }
            }
            Command::Pipe(PipeCommand::ActivateWrite(id, msgs_read)) => {
                if let Some(key) = self.pipes.key_of(id) {
                    if self.pipes[key].activate_write(msgs_read) {
                        self.pattern.write_activated(key);
                    }
                }
            }
            Command::Pipe(PipeCommand::PipeTerm(id)) => {
                if let Some(key) = self.pipes.key_of(id) {
                    if self.pipes[key].peer_terminated() {
                        self.pipes.mark_finished(key);
                    } else {
                        self.pattern.read_activated(&mut self.pipes, key);
                    }
                }
            }
            Command::Attach(pipe) => self.attach_pipe(*pipe, false, None),
            Command::Pipe(PipeCommand::InprocConnected { pipe, boost }) => {
                if let Some(key) = self.pipes.key_of(pipe) {
                    let (sndhwm, rcvhwm) = (self.options.sndhwm, self.options.rcvhwm);
                    if self.pipes[key].raise_hwms(boost, sndhwm, rcvhwm) {
                        self.pattern.write_activated(key);
                    }
                }
            }
            Command::Pipe(PipeCommand::PipeHwm {
                pipe,
                peer_sndhwm,
                peer_rcvhwm,
            }) => {
                if let Some(key) = self.pipes.key_of(pipe) {
                    self.pipes[key].apply_hwms(peer_sndhwm, peer_rcvhwm);
                }
            }
            Command::Stop => self.ctx_terminated = true,
            Command::Pipe(PipeCommand::Hiccup(id)) => {
                if let Some(key) = self.pipes.key_of(id) {
                    self.pattern.hiccup(&mut self.pipes, key);
                }
            }
            Command::Pipe(PipeCommand::StatsRequest(id, stats)) => {
                self.answer_pipe_stats(id, stats)
            }
            Command::Pipe(PipeCommand::StatsReply(_, stats)) => self.publish_pipe_stats(&stats),
        }
        self.reap_finished_pipes();
    }

    /// Takes ownership of a pipe end and hands it to the socket type.
    pub(crate) fn attach_pipe(
        &mut self,
        pipe: Pipe,
        locally_initiated: bool,
        connect_id: Option<Vec<u8>>,
    ) {
        pipe.set_owner(&self.mailbox);
        let peer_closed = pipe.is_peer_closed();
        let key = self.pipes.insert(pipe);
        let named_by_caller =
            locally_initiated && connect_id.as_ref().is_some_and(|id| !id.is_empty());
        self.pattern
            .attach(&mut self.pipes, key, locally_initiated, connect_id);
        // STREAM: ZMQ_ROUTING_ID reads back the id generated for the latest peer (how a
        // caller learns the id of the peer it just connected to), as in libzmq.
        if matches!(self.pattern, Pattern::Stream(_)) && !named_by_caller {
            if let Some(p) = self.pipes.get(key) {
                self.options.routing_id = p.routing_id.clone();
            }
        }
        if peer_closed {
            self.process_command(Command::Pipe(PipeCommand::PipeTerm(self.pipes[key].id())));
        }
        self.reap_finished_pipes();
    }

    /// Detaches pipes that have finished (delimiter read, or closed by us).
    #[inline]
    fn reap_finished_pipes(&mut self) {
        if !self.pipes.has_finished() {
            return;
        }
        for key in self.pipes.take_finished() {
            self.pattern.pipe_terminated(&self.pipes, key);
            self.pipes.remove(key);
        }
    }

    pub fn bind(&mut self, endpoint: &str) -> Result<()> {
        self.watchers.note_use();
        self.check_alive()?;
        self.process_commands(Some(Duration::ZERO))?;
        match Endpoint::parse_for(endpoint, self.options.socket_type)? {
            Endpoint::Inproc(name) => {
                let pending = inproc::bind(&self.ctx.inproc, self.inproc_peer(), &name)?;
                self.bound.push(name.clone());
                for connection in pending {
                    let pipe = inproc::accept_pending(self.inproc_peer(), connection);
                    self.attach_pipe(pipe, false, None);
                }
                self.options.last_endpoint = endpoint.to_owned();
                Ok(())
            }
            Endpoint::Network { transport, address } if transport == "udp" => {
                // libzmq binds udp with DISH (receives) and DGRAM (both ways) only.
                let dgram = self.options.socket_type == ZMQ_DGRAM;
                if self.options.socket_type != ZMQ_DISH && !dgram {
                    return Err(Error::NoCompatProto);
                }
                let io = self.ctx.io_thread(self.id, self.options.affinity)?;
                let resolved = transport::udp_address::resolve(&address, true, self.options.ipv6)?;
                let socket = transport::udp::open_receiver(&resolved, &self.options)?;
                // libzmq files a udp bind under an empty name: unbind cannot find it
                // (ENOENT), only closing the socket ends it.
                let mode = if dgram {
                    UdpMode::Raw
                } else {
                    UdpMode::Receive
                };
                self.add_udp(io, "", EndpointPair::bound_at(endpoint), socket, mode);
                self.mailbox.signal_without_command();
                self.options.last_endpoint = address;
                Ok(())
            }
            Endpoint::Network { transport, address } => {
                let io = self.ctx.io_thread(self.id, self.options.affinity)?;
                let bound = match transport.as_str() {
                    "tcp" => transport::tcp::listen(&address, &self.options),
                    "ipc" => transport::ipc::listen(&address, self.options.use_fd),
                    _ => Err(Error::ProtoNoSupport),
                };
                let (acceptor, resolved) = match bound {
                    Ok(b) => b,
                    Err(e) => {
                        self.emit(
                            ZMQ_EVENT_BIND_FAILED,
                            crate::error::errno_of(e) as u32,
                            endpoint,
                        );
                        return Err(e);
                    }
                };
                let id = crate::io::next_object_id();
                let listener = ListenerSpec {
                    id,
                    endpoint: resolved.clone(),
                    acceptor,
                    options: self.options.clone(),
                    socket: self.mailbox.clone(),
                    receives_routing_id: self.receives_routing_id(),
                    stream_notify: self.pattern.stream_notify(),
                    monitor: self.monitor.clone(),
                    inproc: self.ctx.inproc.clone(),
                };
                let fd = listener.acceptor_fd();
                io.send(IoCommand::AddListener(Box::new(listener)));
                self.emit(ZMQ_EVENT_LISTENING, fd as u32, &resolved);
                self.net.push(NetObject {
                    resolved: resolved.clone(),
                    id,
                    io,
                    listener_fd: Some(fd),
                    socket_made_pipe: false,
                });
                // ZMQ_FD readable, as libzmq's after launching its listener
                self.mailbox.signal_without_command();
                self.options.last_endpoint = resolved;
                Ok(())
            }
        }
    }

    /// Hands a udp socket to an I/O thread with a pipe to this socket; disconnect
    /// names it by `endpoint` (its pipe too: a RADIO sends everything to a pipe whose
    /// endpoint is `udp://...`). `endpoint_pair` is what its PIPES_STATS events name.
    fn add_udp(
        &mut self,
        io: Arc<IoMailbox>,
        endpoint: &str,
        endpoint_pair: Arc<EndpointPair>,
        socket: std::net::UdpSocket,
        mode: UdpMode,
    ) {
        let (mut mine, theirs) = transport::connection_pipes(&self.options);
        theirs.set_owner(&io);
        mine.locally_initiated = true;
        mine.endpoint = Some(Arc::from(endpoint));
        mine.endpoint_pair = Some(endpoint_pair);
        self.attach_pipe(mine, true, None);
        let id = crate::io::next_object_id();
        io.send(IoCommand::AddUdp(Box::new(UdpSpec {
            id,
            socket,
            mode,
            pipe: theirs,
        })));
        self.net.push(NetObject {
            resolved: endpoint.to_owned(),
            id,
            io,
            listener_fd: None,
            socket_made_pipe: true,
        });
    }

    fn emit(&self, event: i32, value: u32, endpoint: &str) {
        if let Some(m) = self.monitor.lock().as_mut() {
            m.emit(event, value, &EventEndpoints::bound(endpoint));
        }
    }

    pub fn connect(&mut self, endpoint: &str) -> Result<()> {
        self.watchers.note_use();
        self.check_alive()?;
        self.process_commands(Some(Duration::ZERO))?;
        match Endpoint::parse_for(endpoint, self.options.socket_type)? {
            Endpoint::Inproc(name) => {
                let connect_id = self.options.connect_routing_id.take();
                let pipe = inproc::connect(&self.ctx.inproc, self.inproc_peer(), &name);
                self.attach_pipe(pipe, true, connect_id);
                self.options.last_endpoint = endpoint.to_owned();
                Ok(())
            }
            Endpoint::Network { transport, address } if transport == "udp" => {
                // libzmq connects udp with RADIO only (a DGRAM binds to send and receive).
                if self.options.socket_type != ZMQ_RADIO {
                    return Err(Error::NoCompatProto);
                }
                let io = self.ctx.io_thread(self.id, self.options.affinity)?;
                let resolved = transport::udp_address::resolve(&address, false, self.options.ipv6)?;
                let socket = transport::udp::open_sender(&resolved, &self.options)?;
                let pair = EndpointPair::connected_to(endpoint);
                self.add_udp(io, endpoint, pair, socket, UdpMode::Send(resolved.target));
                self.mailbox.signal_without_command();
                // As libzmq: LAST_ENDPOINT is the address without `udp://`.
                self.options.last_endpoint = address;
                Ok(())
            }
            Endpoint::Network { transport, address } => {
                let io = self.ctx.io_thread(self.id, self.options.affinity)?;
                let target = Target::parse(&transport, &address)?;
                let id = crate::io::next_object_id();
                let pipe = if self.options.immediate {
                    None
                } else {
                    // The pipe exists before the connection: messages queue up to the HWM.
                    let (mut mine, theirs) = transport::connection_pipes(&self.options);
                    theirs.set_owner(&io);
                    mine.locally_initiated = true;
                    mine.endpoint = Some(Arc::from(endpoint));
                    mine.endpoint_pair = Some(EndpointPair::connected_to(endpoint));
                    let connect_id = self.options.connect_routing_id.take();
                    self.attach_pipe(mine, true, connect_id);
                    Some(theirs)
                };
                let spec = SessionSpec {
                    id,
                    endpoint: endpoint.to_owned(),
                    target: Some(target),
                    options: self.options.clone(),
                    socket: self.mailbox.clone(),
                    pipe,
                    receives_routing_id: self.receives_routing_id(),
                    stream_notify: self.pattern.stream_notify(),
                    monitor: self.monitor.clone(),
                    inproc: self.ctx.inproc.clone(),
                    socket_disconnected: self.disconnected.clone(),
                };
                let socket_made_pipe = spec.pipe.is_some();
                io.send(IoCommand::AddSession(Box::new(spec)));
                self.net.push(NetObject {
                    resolved: endpoint.to_owned(),
                    id,
                    io,
                    listener_fd: None,
                    socket_made_pipe,
                });
                // ZMQ_FD readable, as libzmq's after launching its session
                self.mailbox.signal_without_command();
                self.options.last_endpoint = endpoint.to_owned();
                Ok(())
            }
        }
    }

    /// `zmq_unbind` and `zmq_disconnect` (libzmq treats them alike): forgets a bound
    /// inproc name, or closes the pipes this socket connected to the endpoint.
    pub fn term_endpoint(&mut self, endpoint: &str) -> Result<()> {
        self.watchers.note_use();
        self.check_alive()?;
        self.process_commands(Some(Duration::ZERO))?;
        match Endpoint::parse_for(endpoint, self.options.socket_type)? {
            Endpoint::Inproc(name) => {
                if let Some(i) = self.bound.iter().position(|n| *n == name) {
                    self.bound.swap_remove(i);
                    inproc::unbind(&self.ctx.inproc, self.id, &name);
                    return Ok(());
                }
                if self.close_connected_pipes(&name) == 0 {
                    return Err(Error::NoEnt);
                }
                Ok(())
            }
            Endpoint::Network { .. } => {
                let before = self.net.len();
                let linger = self.options.linger;
                let monitor = self.monitor.clone();
                self.net.retain(|n| {
                    // A bound endpoint is named as resolved (a wildcard such as `tcp://*:*`
                    // is ENOENT, as libzmq); a connection as it was given.
                    let matches = n.resolved == endpoint;
                    if matches {
                        n.close(linger, !n.socket_made_pipe, &monitor);
                    }
                    !matches
                });
                if self.net.len() == before {
                    return Err(Error::NoEnt);
                }
                if self.options.reconnect_stop & ZMQ_RECONNECT_STOP_AFTER_DISCONNECT != 0 {
                    self.disconnected.store(true, Ordering::Relaxed);
                }
                // As libzmq, the socket's end of the pipe it made at connect time closes
                // at once: nothing more is routed to it and what it received but did
                // not read is dropped. The session (told first, so that it lingers as
                // now configured) sends what was queued, then ends.
                self.close_connected_pipes(endpoint);
                Ok(())
            }
        }
    }

    /// Closes the pipes this socket connected to `endpoint` (an inproc name, or a
    /// network endpoint as given to connect); returns how many.
    fn close_connected_pipes(&mut self, endpoint: &str) -> usize {
        let mine: Vec<PipeKey> = self
            .pipes
            .keys()
            .into_iter()
            .filter(|&k| {
                let p = &self.pipes[k];
                p.locally_initiated && p.endpoint.as_deref() == Some(endpoint)
            })
            .collect();
        for &key in &mine {
            if let Some(pipe) = self.pipes.get_mut(key) {
                pipe.send_disconnect_msg();
            }
            self.pipes.finish(key);
        }
        self.reap_finished_pipes();
        mine.len()
    }

    /// Sets an option; `None` is a NULL value pointer with length 0, which some options
    /// treat differently from an empty value (as libzmq does).
    pub fn setsockopt(&mut self, option: i32, value: Option<&[u8]>) -> Result<()> {
        self.watchers.note_use();
        self.check_alive()?;
        if option == ZMQ_ROUTER_NOTIFY && self.options.socket_type == ZMQ_ROUTER {
            // ROUTER only (draft): ZMQ_NOTIFY_CONNECT | ZMQ_NOTIFY_DISCONNECT, an int of
            // exactly its size, as libzmq 4.3.5; the sessions read it when they start.
            let flags = value
                .and_then(|v| <[u8; 4]>::try_from(v).ok())
                .map(i32::from_ne_bytes)
                .filter(|f| (0..=ZMQ_NOTIFY_CONNECT | ZMQ_NOTIFY_DISCONNECT).contains(f))
                .ok_or(Error::Inval)?;
            self.options.router_notify = flags;
            return Ok(());
        }
        match self
            .pattern
            .setsockopt(&mut self.pipes, option, value.unwrap_or(&[]))
        {
            Err(Error::Inval) => {
                self.options.set_nullable(option, value)?;
                if matches!(option, ZMQ_SNDHWM | ZMQ_RCVHWM) {
                    self.apply_hwms_to_pipes();
                }
                Ok(())
            }
            other => {
                self.reap_finished_pipes();
                other
            }
        }
    }

    /// A new SNDHWM/RCVHWM applies to the pipes already attached, and each pipe's
    /// peer (socket or session) is told, as libzmq's `update_pipe_options` does. Pipes
    /// a bound socket has not attached yet (their `Attach` still in the mailbox) keep
    /// the limits they were made with, as in libzmq.
    fn apply_hwms_to_pipes(&mut self) {
        let (sndhwm, rcvhwm) = (self.options.sndhwm, self.options.rcvhwm);
        for key in self.pipes.keys() {
            let pipe = &mut self.pipes[key];
            pipe.apply_hwms(rcvhwm, sndhwm);
            pipe.send_to_peer(PipeCommand::PipeHwm {
                pipe: pipe.peer_id(),
                peer_sndhwm: sndhwm,
                peer_rcvhwm: rcvhwm,
            });
        }
    }

    /// Writes the option into `out`; returns the length to report.
    pub fn getsockopt(&mut self, option: i32, out: &mut [u8]) -> Result<usize> {
        self.watchers.note_use();
        self.check_alive()?;
        match option {
            ZMQ_RCVMORE => put_int_or_larger(out, i32::from(self.rcvmore)),
            // A thread-safe socket has no descriptor of its own, as in libzmq (its
            // waiters use `thread_safe`, pollers `add_signaler`).
            ZMQ_FD if self.thread_safe => Err(Error::Inval),
            ZMQ_FD => put_int_or_larger(out, self.mailbox.fd()),
            ZMQ_EVENTS => {
                let events = self.events()?;
                put_int_or_larger(out, events)
            }
            ZMQ_THREAD_SAFE => put_int_or_larger(out, i32::from(self.thread_safe)),
            ZMQ_TOPICS_COUNT => match self.pattern.topics_count() {
                Some(n) => put_int_or_larger(out, i32::try_from(n).unwrap_or(i32::MAX)),
                None => Err(Error::Inval),
            },
            _ => self.options.get(option, out),
        }
    }

    /// `ZMQ_EVENTS`: processes pending commands, then reports POLLIN/POLLOUT.
    pub fn events(&mut self) -> Result<i32> {
        self.watchers.note_use();
        self.readiness()
    }

    /// `ZMQ_EVENTS` for a draft poller watching the socket through `looker`: a use for
    /// every other poller watching it, not for `looker` itself.
    pub(crate) fn readiness_for(&mut self, looker: &Watch) -> Result<i32> {
        self.watchers.note_use_except(Some(looker));
        self.readiness()
    }

    /// Registers a draft poller's watch (`watchers.rs`).
    pub(crate) fn watch(&mut self, watch: Arc<Watch>) {
        self.watchers.add(watch);
    }

    fn readiness(&mut self) -> Result<i32> {
        self.process_commands(Some(Duration::ZERO))?;
        let mut events = 0;
        if self.pattern.has_out(&mut self.pipes) {
            events |= ZMQ_POLLOUT;
        }
        if self.pattern.has_in(&mut self.pipes, &self.options) {
            events |= ZMQ_POLLIN;
        }
        self.reap_finished_pipes();
        Ok(events)
    }

    /// `zmq_socket_monitor`: starts (or, with no endpoint, stops) publishing events.
    pub fn monitor(&mut self, endpoint: Option<&str>, events: i32) -> Result<()> {
        // libzmq widens the int to 64 bits (a negative mask sets the high bits, which
        // v1 refuses).
        self.monitor_versioned(endpoint, events as i64 as u64, 1, ZMQ_PAIR)
    }

    /// `zmq_socket_monitor_versioned` (draft), libzmq 4.3.5's checks in its order:
    /// ETERM; EINVAL for v1 events beyond the first 16; no endpoint stops; the
    /// endpoint's errors, EPROTONOSUPPORT unless inproc; the running monitor stops
    /// (MONITOR_STOPPED); EINVAL for a socket type other than PAIR, PUB or PUSH.
    pub fn monitor_versioned(
        &mut self,
        endpoint: Option<&str>,
        events: u64,
        version: i32,
        socket_type: i32,
    ) -> Result<()> {
        self.watchers.note_use();
        self.check_alive()?;
        if version == 1 && events >> 16 != 0 {
            return Err(Error::Inval);
        }
        if let Some(endpoint) = endpoint {
            // libzmq checks the transport against the socket type here too.
            Endpoint::parse_for(endpoint, self.options.socket_type)?;
        }
        let mut slot = self.monitor.lock();
        if let Some(old) = slot.take() {
            old.stop();
        }
        if let Some(endpoint) = endpoint {
            *slot = Some(monitor::start(
                &self.ctx,
                endpoint,
                events,
                version,
                socket_type,
            )?);
        }
        Ok(())
    }

    /// The `ZMQ_FD` descriptor (also what `zmq_poll` waits on, for every socket).
    pub fn fd(&self) -> RawFd {
        self.mailbox.fd()
    }

    /// For a poller of thread-safe sockets (which have no `ZMQ_FD`): registers a
    /// signal that becomes readable whenever a command reaches this socket, i.e. when
    /// it may have become readable or writable, and queues `token` in it (the poller's
    /// name for this socket). It is signalled once at once; after it fires the poller
    /// clears it, takes the tokens, then reads `events()` of those sockets. EINVAL
    /// for a classic socket (use `fd`). Unregister with `remove_signaler` (closing the
    /// socket drops every registration).
    pub fn add_signaler(&self, signaler: Arc<Signaler>, token: usize) -> Result<()> {
        if self.mailbox.add_signaler(signaler, token) {
            Ok(())
        } else {
            Err(Error::Inval)
        }
    }

    pub fn remove_signaler(&self, signaler: &Arc<Signaler>) {
        self.mailbox.remove_signaler(signaler);
    }

    /// `zmq_connect_peer`: connects a PEER socket and returns the routing id of the
    /// new peer. ENOTSUP for other types; EFAULT with ZMQ_IMMEDIATE (the pipe, and so
    /// the id, would not exist yet), as in libzmq.
    /// `endpoint` is the caller's argument, which may have failed to convert: that
    /// error comes after the socket's own checks, as in libzmq.
    pub fn connect_peer(&mut self, endpoint: Result<&str>) -> Result<u32> {
        if self.pattern.last_peer_id().is_none() {
            return Err(Error::NotSup);
        }
        if self.options.immediate {
            return Err(Error::Fault);
        }
        self.connect(endpoint?)?;
        self.pattern.last_peer_id().ok_or(Error::NotSup)
    }

    /// `zmq_join` (DISH only; ENOTSUP for other types).
    pub fn join(&mut self, group: &[u8]) -> Result<()> {
        self.check_alive()?;
        self.process_commands(Some(Duration::ZERO))?;
        self.pattern.join(&mut self.pipes, group)
    }

    /// `zmq_leave` (DISH only).
    pub fn leave(&mut self, group: &[u8]) -> Result<()> {
        self.check_alive()?;
        self.process_commands(Some(Duration::ZERO))?;
        self.pattern.leave(&mut self.pipes, group)
    }

    /// `zmq_socket_get_peer_state` (ROUTER only): ZMQ_POLLOUT when the peer can take a
    /// message now.
    pub fn peer_state(&mut self, routing_id: &[u8]) -> Result<i32> {
        self.check_alive()?;
        self.process_commands(Some(Duration::ZERO))?;
        self.pattern.peer_state(&self.pipes, routing_id)
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        // Threads waiting on a thread-safe socket without its lock look again, and find
        // it closed; pollers watching it look again, and find it gone.
        self.mailbox.wake_all();
        self.watchers.note_use();
        // Listeners and sessions close on their I/O threads, lingering as configured.
        for n in std::mem::take(&mut self.net) {
            n.close(self.options.linger, false, &self.monitor);
        }
        if let Some(m) = self.monitor.lock().take() {
            m.stop();
        }
        for name in std::mem::take(&mut self.bound) {
            inproc::unbind(&self.ctx.inproc, self.id, &name);
        }
        // A connection made before its inproc name was bound stays pending: the binder
        // still receives what this socket sent (as libzmq).
        // Pipes handed to us after the last look at the mailbox are closed too.
        while let Some(command) = self.mailbox.try_recv() {
            if let Command::Attach(pipe) = command {
                drop(pipe);
            }
        }
        // Dropping the pipes closes them: peers read what was sent (and an inproc
        // binder its ZMQ_DISCONNECT_MSG), then the delimiter.
        for key in self.pipes.keys() {
            if let Some(mut pipe) = self.pipes.remove(key) {
                pipe.send_disconnect_msg();
            }
        }
        self.ctx.socket_closed(self.id);
    }
}

fn deadline_after(timeout_ms: i32) -> Option<Instant> {
    (timeout_ms > 0).then(|| Instant::now() + Duration::from_millis(timeout_ms as u64))
}

/// Time left until `deadline` (None = no deadline); EAGAIN once it has passed.
fn remaining(deadline: Option<Instant>) -> Result<Option<Duration>> {
    match deadline {
        None => Ok(None),
        Some(d) => {
            let now = Instant::now();
            if now >= d {
                Err(Error::Again)
            } else {
                Ok(Some(d - now))
            }
        }
    }
}
