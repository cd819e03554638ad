//! The socket types, one variant each, and the dispatch from the socket core to them.
//! A plain `match`: the send and receive paths stay visible from `zmq_send` down.

use super::client::Client;
use super::dealer::Dealer;
use super::pair::{Pair, Parts};
use super::pipeline::{Pull, Push};
use super::radio_dish::{Dish, Radio};
use super::reqrep::{Rep, Req};
use super::router::Router;
use super::server::Server;
use super::xpub::XPub;
use super::xsub::XSub;
use crate::constants::*;
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::options::{bool_value, non_negative_bool_value, Options};
use crate::pipe::{PipeKey, Pipes};

pub enum Pattern {
    /// PAIR, and the draft CHANNEL and DGRAM (`Parts` tells them apart).
    Pair(Pair),
    Pub(XPub),
    Sub(XSub),
    Req(Req),
    Rep(Rep),
    Dealer(Dealer),
    Router(Router),
    /// PULL, and the draft GATHER (single-part).
    Pull(Pull),
    /// PUSH, and the draft SCATTER (single-part).
    Push(Push),
    XPub(XPub),
    XSub(XSub),
    /// STREAM: raw peers addressed by generated ids, as a ROUTER in raw mode.
    Stream(Router),
    // The other draft types, all thread-safe.
    Server(Server),
    Client(Client),
    /// PEER: a SERVER that can connect and tell the id of the peer it connected to.
    Peer(Server),
    Radio(Radio),
    Dish(Dish),
}

impl Pattern {
    /// The pattern for a `ZMQ_*` socket type; EINVAL for unknown types.
    pub fn new(socket_type: i32) -> Result<Pattern> {
        Ok(match socket_type {
            ZMQ_PAIR => Pattern::Pair(Pair::new(Parts::Any)),
            ZMQ_PUB => Pattern::Pub(XPub::new(true)),
            ZMQ_SUB => Pattern::Sub(XSub::new(true)),
            ZMQ_REQ => Pattern::Req(Req::default()),
            ZMQ_REP => Pattern::Rep(Rep::default()),
            ZMQ_DEALER => Pattern::Dealer(Dealer::default()),
            ZMQ_ROUTER => Pattern::Router(Router::default()),
            ZMQ_PULL => Pattern::Pull(Pull::new(false)),
            ZMQ_PUSH => Pattern::Push(Push::new(false)),
            ZMQ_XPUB => Pattern::XPub(XPub::new(false)),
            ZMQ_XSUB => Pattern::XSub(XSub::new(false)),
            ZMQ_STREAM => Pattern::Stream(Router::stream()),
            ZMQ_SERVER => Pattern::Server(Server::default()),
            ZMQ_CLIENT => Pattern::Client(Client::default()),
            ZMQ_SCATTER => Pattern::Push(Push::new(true)),
            ZMQ_GATHER => Pattern::Pull(Pull::new(true)),
            ZMQ_PEER => Pattern::Peer(Server::default()),
            ZMQ_CHANNEL => Pattern::Pair(Pair::new(Parts::Single)),
            ZMQ_RADIO => Pattern::Radio(Radio::default()),
            ZMQ_DISH => Pattern::Dish(Dish::default()),
            ZMQ_DGRAM => Pattern::Pair(Pair::new(Parts::AddressThenBody)),
            _ => return Err(Error::Inval),
        })
    }

    /// Whether sockets of a `ZMQ_*` type may be used from many threads at once.
    pub fn is_thread_safe(socket_type: i32) -> bool {
        matches!(
            socket_type,
            ZMQ_SERVER
                | ZMQ_CLIENT
                | ZMQ_RADIO
                | ZMQ_DISH
                | ZMQ_GATHER
                | ZMQ_SCATTER
                | ZMQ_PEER
                | ZMQ_CHANNEL
        )
    }

    /// The routing id given to the latest peer (PEER only, for `zmq_connect_peer`).
    pub fn last_peer_id(&self) -> Option<u32> {
        match self {
            Pattern::Peer(p) => Some(p.last_id),
            _ => None,
        }
    }

    /// `zmq_socket_get_peer_state`: ROUTER (and REP, built on it) only, as in libzmq.
    pub fn peer_state(&self, pipes: &Pipes, routing_id: &[u8]) -> Result<i32> {
        match self {
            Pattern::Router(r) => r.peer_state(pipes, routing_id),
            Pattern::Rep(r) => r.router.peer_state(pipes, routing_id),
            _ => Err(Error::NotSup),
        }
    }

    /// `zmq_join`: DISH only (ENOTSUP elsewhere, as libzmq).
    pub fn join(&mut self, pipes: &mut Pipes, group: &[u8]) -> Result<()> {
        match self {
            Pattern::Dish(d) => d.join(pipes, group),
            _ => Err(Error::NotSup),
        }
    }

    /// `zmq_leave`: DISH only.
    pub fn leave(&mut self, pipes: &mut Pipes, group: &[u8]) -> Result<()> {
        match self {
            Pattern::Dish(d) => d.leave(pipes, group),
            _ => Err(Error::NotSup),
        }
    }

    /// RADIO: the group must survive `Socket::send` clearing the message's properties.
    pub fn sends_groups(&self) -> bool {
        matches!(self, Pattern::Radio(_))
    }

    /// Whether peers must tell this socket their routing id (first message of a pipe).
    pub fn receives_routing_id(&self) -> bool {
        matches!(
            self,
            Pattern::Router(_) | Pattern::Rep(_) | Pattern::Stream(_)
        )
    }

    pub fn attach(
        &mut self,
        pipes: &mut Pipes,
        key: PipeKey,
        locally_initiated: bool,
        connect_id: Option<Vec<u8>>,
    ) {
        match self {
            Pattern::Pair(p) => p.attach(pipes, key),
            Pattern::Pub(p) | Pattern::XPub(p) => p.attach(pipes, key),
            Pattern::Sub(s) | Pattern::XSub(s) => s.attach(pipes, key),
            Pattern::Req(r) => r.dealer.attach(pipes, key),
            Pattern::Dealer(d) => d.attach(pipes, key),
            Pattern::Rep(r) => r.router.attach(pipes, key, locally_initiated, connect_id),
            Pattern::Router(r) | Pattern::Stream(r) => {
                r.attach(pipes, key, locally_initiated, connect_id)
            }
            Pattern::Pull(p) => p.attach(key),
            Pattern::Push(p) => p.attach(key),
            Pattern::Server(s) | Pattern::Peer(s) => s.attach(key),
            Pattern::Client(c) => c.attach(key),
            Pattern::Radio(r) => r.attach(pipes, key),
            Pattern::Dish(d) => d.attach(pipes, key),
        }
    }

    pub fn pipe_terminated(&mut self, pipes: &Pipes, key: PipeKey) {
        match self {
            Pattern::Pair(p) => p.pipe_terminated(key),
            Pattern::Pub(p) | Pattern::XPub(p) => p.pipe_terminated(key),
            Pattern::Sub(s) | Pattern::XSub(s) => s.pipe_terminated(key),
            Pattern::Req(r) => r.pipe_terminated(key),
            Pattern::Dealer(d) => d.pipe_terminated(key),
            Pattern::Rep(r) => r.router.pipe_terminated(pipes, key),
            Pattern::Router(r) | Pattern::Stream(r) => r.pipe_terminated(pipes, key),
            Pattern::Pull(p) => p.pipe_terminated(key),
            Pattern::Push(p) => p.pipe_terminated(key),
            Pattern::Server(s) | Pattern::Peer(s) => s.pipe_terminated(key),
            Pattern::Client(c) => c.pipe_terminated(key),
            Pattern::Radio(r) => r.pipe_terminated(key),
            Pattern::Dish(d) => d.pipe_terminated(key),
        }
    }

    pub fn read_activated(&mut self, pipes: &mut Pipes, key: PipeKey) {
        match self {
            Pattern::Pair(_) | Pattern::Push(_) => {}
            Pattern::Server(s) | Pattern::Peer(s) => s.read_activated(key),
            Pattern::Client(c) => c.read_activated(key),
            Pattern::Pub(p) | Pattern::XPub(p) => p.read_activated(pipes, key),
            Pattern::Sub(s) | Pattern::XSub(s) => s.read_activated(key),
            Pattern::Req(r) => r.dealer.read_activated(key),
            Pattern::Dealer(d) => d.read_activated(key),
            Pattern::Rep(r) => r.router.read_activated(pipes, key),
            Pattern::Router(r) | Pattern::Stream(r) => r.read_activated(pipes, key),
            Pattern::Pull(p) => p.read_activated(key),
            Pattern::Radio(r) => r.read_activated(pipes, key),
            Pattern::Dish(d) => d.read_activated(key),
        }
    }

    /// STREAM with ZMQ_STREAM_NOTIFY on (the default).
    /// A DGRAM over tcp/ipc is raw too, and always notified (libzmq's `raw_notify`,
    /// which only STREAM can turn off).
    pub fn stream_notify(&self) -> bool {
        matches!(self, Pattern::Stream(r) if r.notify)
            || matches!(self, Pattern::Pair(p) if p.parts() == Parts::AddressThenBody)
    }

    /// A subscriber's connection came back: resend its subscriptions on that pipe.
    pub fn hiccup(&mut self, pipes: &mut Pipes, key: PipeKey) {
        match self {
            Pattern::Sub(s) | Pattern::XSub(s) => s.resend_subscriptions(pipes, key),
            Pattern::Dish(d) => d.send_joins(pipes, key),
            _ => {}
        }
    }

    pub fn write_activated(&mut self, key: PipeKey) {
        match self {
            Pattern::Pub(p) | Pattern::XPub(p) => p.write_activated(key),
            Pattern::Sub(s) | Pattern::XSub(s) => s.write_activated(key),
            Pattern::Req(r) => r.dealer.write_activated(key),
            Pattern::Dealer(d) => d.write_activated(key),
            Pattern::Push(p) => p.write_activated(key),
            Pattern::Client(c) => c.write_activated(key),
            Pattern::Radio(r) => r.write_activated(key),
            Pattern::Dish(d) => d.write_activated(key),
            Pattern::Pair(_)
            | Pattern::Rep(_)
            | Pattern::Router(_)
            | Pattern::Stream(_)
            | Pattern::Pull(_)
            | Pattern::Server(_)
            | Pattern::Peer(_) => {}
        }
    }

    #[inline]
    pub fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg, options: &Options) -> Result<()> {
        match self {
            Pattern::Pair(p) => p.send(pipes, msg),
            Pattern::Pub(p) | Pattern::XPub(p) => p.send(pipes, msg, options.invert_matching),
            Pattern::XSub(s) => s.send(pipes, msg),
            Pattern::Req(r) => r.send(pipes, msg),
            Pattern::Rep(r) => r.send(pipes, msg),
            Pattern::Dealer(d) => d.send(pipes, msg),
            Pattern::Router(r) | Pattern::Stream(r) => r.send(pipes, msg),
            Pattern::Push(p) => p.send(pipes, msg),
            Pattern::Server(s) | Pattern::Peer(s) => s.send(pipes, msg),
            Pattern::Client(c) => c.send(pipes, msg),
            Pattern::Radio(r) => r.send(pipes, msg),
            Pattern::Sub(_) | Pattern::Pull(_) | Pattern::Dish(_) => Err(Error::NotSup),
        }
    }

    #[inline]
    pub fn recv(&mut self, pipes: &mut Pipes, options: &Options) -> Result<Msg> {
        match self {
            Pattern::Pair(p) => p.recv(pipes),
            Pattern::XPub(p) => p.recv(),
            Pattern::Sub(s) | Pattern::XSub(s) => s.recv(pipes, options.invert_matching),
            Pattern::Req(r) => r.recv(pipes),
            Pattern::Rep(r) => r.recv(pipes),
            Pattern::Dealer(d) => d.recv(pipes),
            Pattern::Router(r) | Pattern::Stream(r) => r.recv(pipes),
            Pattern::Pull(p) => p.recv(pipes),
            Pattern::Server(s) | Pattern::Peer(s) => s.recv(pipes),
            Pattern::Client(c) => c.recv(pipes),
            Pattern::Dish(d) => d.recv(pipes),
            Pattern::Pub(_) | Pattern::Push(_) | Pattern::Radio(_) => Err(Error::NotSup),
        }
    }

    pub fn has_in(&mut self, pipes: &mut Pipes, options: &Options) -> bool {
        match self {
            Pattern::Pair(p) => p.has_in(pipes),
            Pattern::XPub(p) => p.has_in(),
            Pattern::Sub(s) | Pattern::XSub(s) => s.has_in(pipes, options.invert_matching),
            Pattern::Req(r) => r.has_in(pipes),
            Pattern::Rep(r) => r.has_in(pipes),
            Pattern::Dealer(d) => d.has_in(pipes),
            Pattern::Router(r) | Pattern::Stream(r) => r.has_in(pipes),
            Pattern::Pull(p) => p.has_in(pipes),
            Pattern::Server(s) | Pattern::Peer(s) => s.has_in(pipes),
            Pattern::Client(c) => c.has_in(pipes),
            Pattern::Dish(d) => d.has_in(pipes),
            Pattern::Pub(_) | Pattern::Push(_) | Pattern::Radio(_) => false,
        }
    }

    pub fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        match self {
            Pattern::Pair(p) => p.has_out(pipes),
            Pattern::Pub(_) | Pattern::XPub(_) | Pattern::XSub(_) => true,
            Pattern::Req(r) => r.has_out(pipes),
            Pattern::Rep(r) => r.has_out(pipes),
            Pattern::Dealer(d) => d.has_out(pipes),
            Pattern::Router(r) | Pattern::Stream(r) => r.has_out(pipes),
            Pattern::Push(p) => p.has_out(pipes),
            // A SERVER can always try: whether a send succeeds depends on its peer.
            Pattern::Server(_) | Pattern::Peer(_) => true,
            Pattern::Client(c) => c.has_out(pipes),
            // Messages nobody joined are dropped, and joins can always be sent.
            Pattern::Radio(_) | Pattern::Dish(_) => true,
            Pattern::Sub(_) | Pattern::Pull(_) => false,
        }
    }

    /// `ZMQ_TOPICS_COUNT` (draft, libzmq 4.3.5): the distinct topics a PUB/XPUB's
    /// subscribers subscribed to, or a SUB/XSUB's own subscriptions; None (EINVAL) for
    /// other types.
    pub fn topics_count(&self) -> Option<usize> {
        match self {
            Pattern::Pub(p) | Pattern::XPub(p) => Some(p.topics_count()),
            Pattern::Sub(s) | Pattern::XSub(s) => Some(s.topics_count()),
            _ => None,
        }
    }

    /// Options that only some socket types have. EINVAL means "not one of mine".
    pub fn setsockopt(&mut self, pipes: &mut Pipes, option: i32, value: &[u8]) -> Result<()> {
        match (self, option) {
            (Pattern::Pub(p) | Pattern::XPub(p), _) => p.setsockopt(option, value),
            (Pattern::Sub(s) | Pattern::XSub(s), _) => s.setsockopt(pipes, option, value),
            (Pattern::Radio(r), _) => r.setsockopt(option, value),
            (Pattern::Router(r), ZMQ_ROUTER_MANDATORY) => set(&mut r.mandatory, value),
            (Pattern::Router(r), ZMQ_ROUTER_HANDOVER) => set(&mut r.handover, value),
            (Pattern::Router(r), ZMQ_ROUTER_RAW) => set(&mut r.raw, value),
            (Pattern::Router(r), ZMQ_PROBE_ROUTER) => set(&mut r.probe_router, value),
            (Pattern::Dealer(d), ZMQ_PROBE_ROUTER) => set(&mut d.probe_router, value),
            (Pattern::Req(r), ZMQ_PROBE_ROUTER) => set(&mut r.dealer.probe_router, value),
            (Pattern::Stream(r), ZMQ_STREAM_NOTIFY) => set_strict(&mut r.notify, value),
            (Pattern::Req(r), ZMQ_REQ_CORRELATE) => set(&mut r.correlate, value),
            (Pattern::Req(r), ZMQ_REQ_RELAXED) => {
                let relaxed = non_negative_bool_value(value)?;
                r.strict = !relaxed;
                Ok(())
            }
            _ => Err(Error::Inval),
        }
    }
}

/// A ROUTER/DEALER/REQ flag: like libzmq, any non-negative value, non-zero meaning true.
fn set(field: &mut bool, value: &[u8]) -> Result<()> {
    *field = non_negative_bool_value(value)?;
    Ok(())
}

/// STREAM_NOTIFY: libzmq parses it as a strict 0/1 flag.
fn set_strict(field: &mut bool, value: &[u8]) -> Result<()> {
    *field = bool_value(value)?;
    Ok(())
}
