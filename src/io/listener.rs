//! A bound endpoint on an I/O thread: accepts connections and starts a session for
//! each. Closing it (unbind, socket close) closes the connections it accepted too.

use super::session::{Session, SessionSpec};
use super::Reactor;
use crate::command::SocketMailbox;
use crate::constants::*;
use crate::monitor::{EventEndpoints, SharedMonitor};
use crate::options::Options;
use crate::transport::acceptor::Acceptor;
use crate::transport::inproc::SharedRegistry;
use crate::transport::ipc_address::cleanup_after_close;
use crate::transport::stream::Stream;
use crate::transport::{peer_filter, socket_options};
use mio::{Interest, Registry, Token};
use std::io;
use std::os::unix::io::AsRawFd;
use std::sync::Arc;
use std::time::Instant;

/// What a socket hands to an I/O thread after binding.
pub struct ListenerSpec {
    pub id: u64,
    /// The endpoint as reported in ZMQ_LAST_ENDPOINT and monitor events.
    pub endpoint: String,
    pub acceptor: Acceptor,
    pub options: Options,
    pub socket: Arc<SocketMailbox>,
    pub receives_routing_id: bool,
    pub stream_notify: bool,
    pub monitor: SharedMonitor,
    /// For sessions reaching the ZAP handler over inproc.
    pub inproc: SharedRegistry,
}

impl ListenerSpec {
    pub fn acceptor_fd(&self) -> i32 {
        match &self.acceptor {
            Acceptor::Tcp(l) => l.as_raw_fd(),
            Acceptor::Unix(l, _) => l.as_raw_fd(),
        }
    }
}

/// Why an accepted connection was closed at once.
enum Refused {
    /// Its address matches no `ZMQ_TCP_ACCEPT_FILTER`.
    Tcp,
    /// Its credentials match no `ZMQ_IPC_FILTER_*`.
    Ipc,
}

pub struct Listener {
    spec: ListenerSpec,
    /// Ids of the sessions this listener accepted.
    pub children: Vec<u64>,
}

impl Listener {
    pub fn new(spec: ListenerSpec) -> Listener {
        Listener {
            spec,
            children: Vec::new(),
        }
    }

    pub fn id(&self) -> u64 {
        self.spec.id
    }

    pub fn fd(&self) -> i32 {
        match &self.spec.acceptor {
            Acceptor::Tcp(l) => l.as_raw_fd(),
            Acceptor::Unix(l, _) => l.as_raw_fd(),
        }
    }

    pub fn register(&mut self, registry: &Registry, token: Token) -> io::Result<()> {
        match &mut self.spec.acceptor {
            Acceptor::Tcp(l) => registry.register(l, token, Interest::READABLE),
            Acceptor::Unix(l, _) => registry.register(l, token, Interest::READABLE),
        }
    }

    fn emit(&self, event: i32, value: u32) {
        if let Some(m) = self.spec.monitor.lock().as_mut() {
            m.emit(event, value, &EventEndpoints::bound(&self.spec.endpoint));
        }
    }

    /// Accepts every pending connection.
    pub fn ready(&mut self, reactor: &mut Reactor, now: Instant) {
        loop {
            let options = &self.spec.options;
            let accepted = match &self.spec.acceptor {
                Acceptor::Tcp(l) => l.accept().map(|(s, peer)| {
                    if !peer_filter::tcp_peer_allowed(&options.tcp_accept_filters, &peer.ip()) {
                        return Err(Refused::Tcp);
                    }
                    let _ = socket_options::tune_accepted(s.as_raw_fd(), options);
                    Ok(Stream::Tcp(s))
                }),
                Acceptor::Unix(l, _) => l.accept().map(|(s, _)| {
                    if !peer_filter::ipc_peer_allowed(options, s.as_raw_fd()) {
                        return Err(Refused::Ipc);
                    }
                    Ok(Stream::Unix(s))
                }),
            };
            match accepted {
                Ok(Err(refused)) => {
                    // The connection was dropped (closed) above. libzmq reports this as
                    // a failed accept whose value is whatever errno its I/O thread had
                    // left: EAGAIN after its tcp accept path, 0 after the account
                    // lookups of its ipc one.
                    let value = match refused {
                        Refused::Tcp => libc::EAGAIN as u32,
                        Refused::Ipc => 0,
                    };
                    self.emit(ZMQ_EVENT_ACCEPT_FAILED, value);
                }
                Ok(Ok(stream)) => {
                    if let Some(m) = self.spec.monitor.lock().as_mut() {
                        // libzmq names the connection's two addresses (v2), and its
                        // local one as the v1 endpoint; ours stays the bound one.
                        let (local, remote) = stream.endpoint_addresses();
                        let endpoints = EventEndpoints {
                            local,
                            remote,
                            identifier: self.spec.endpoint.clone(),
                        };
                        m.emit(ZMQ_EVENT_ACCEPTED, stream.fd() as u32, &endpoints);
                    }
                    let id = crate::io::next_object_id();
                    self.children.push(id);
                    let session = Session::new(SessionSpec {
                        id,
                        endpoint: self.spec.endpoint.clone(),
                        target: None,
                        options: self.spec.options.clone(),
                        socket: self.spec.socket.clone(),
                        pipe: None,
                        receives_routing_id: self.spec.receives_routing_id,
                        stream_notify: self.spec.stream_notify,
                        inproc: self.spec.inproc.clone(),
                        monitor: self.spec.monitor.clone(),
                        // An accepted connection is never reconnected.
                        socket_disconnected: Default::default(),
                    });
                    reactor.add_session(session, Some(stream), now);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.emit(
                        ZMQ_EVENT_ACCEPT_FAILED,
                        e.raw_os_error().unwrap_or(0) as u32,
                    );
                    return;
                }
            }
        }
    }

    /// Stops listening (removing an ipc wildcard socket file). The socket reports the
    /// CLOSED event itself, so that it precedes MONITOR_STOPPED as in libzmq.
    pub fn close(&mut self, registry: &Registry) {
        match &mut self.spec.acceptor {
            Acceptor::Tcp(l) => {
                let _ = registry.deregister(l);
            }
            Acceptor::Unix(l, bind) => {
                let _ = registry.deregister(l);
                let _ = cleanup_after_close(bind);
            }
        }
    }
}
