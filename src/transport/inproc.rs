//! inproc: sockets of one context connected directly by a pipe pair, with no I/O thread.
//! The context keeps a registry of bound names; a connect to a name not bound yet is
//! parked as pending (its pipe already usable by the connector) and completed by the
//! bind. As in libzmq, a pipe's capacity is the writer's SNDHWM plus the reader's
//! RCVHWM (0 on either side = unlimited), and peers that want routing ids (ROUTER)
//! find the other side's id as the first message of the pipe. The draft HELLO_MSG
//! follows it; a binder's DISCONNECT_MSG is what the connector's end writes when it
//! goes (closed or disconnected), as libzmq 4.3.5.

use crate::command::{Command, SocketMailbox};
use crate::error::{Error, Result};
use crate::msg::{flags, Msg};
use crate::pipe::{pipe_pair, Direction, HwmBoost, Pipe, PipeCommand, PipeOwner};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;

/// What a peer needs to know about a socket to connect to it (`Socket::inproc_peer`).
#[derive(Clone)]
pub struct PeerInfo {
    pub socket_id: u64,
    pub mailbox: Arc<SocketMailbox>,
    pub sndhwm: i32,
    pub rcvhwm: i32,
    pub routing_id: Vec<u8>,
    pub receives_routing_id: bool,
    pub conflate: bool,
    /// ZMQ_HELLO_MSG (draft) this socket sends each new peer first; empty = none.
    pub hello_msg: Vec<u8>,
    /// ZMQ_DISCONNECT_MSG (draft) this socket receives when a connector goes.
    pub disconnect_msg: Vec<u8>,
}

impl PeerInfo {
    /// What this socket's HWMs add to a peer's pipe limits over inproc.
    fn boost(&self) -> HwmBoost {
        HwmBoost {
            inbound: self.sndhwm,
            outbound: self.rcvhwm,
        }
    }
}

/// A connection waiting for its name to be bound.
pub struct PendingConnection {
    connector: PeerInfo,
    /// The binder's end of the pipe.
    pipe: Pipe,
}

/// A context's inproc names, shared by its sockets and by the I/O threads' sessions
/// (which connect to the ZAP handler through it).
pub type SharedRegistry = Arc<Mutex<Registry>>;

#[derive(Default)]
pub struct Registry {
    bound: HashMap<String, PeerInfo>,
    pending: HashMap<String, Vec<PendingConnection>>,
}

/// Capacity of a direction: writer's SNDHWM + reader's RCVHWM, unlimited if either is 0.
fn capacity(sndhwm: i32, rcvhwm: i32) -> u64 {
    if sndhwm <= 0 || rcvhwm <= 0 {
        0
    } else {
        sndhwm as u64 + rcvhwm as u64
    }
}

fn routing_id_msg(id: &[u8]) -> Msg {
    let mut msg = Msg::from_slice(id);
    msg.set_flags(flags::ROUTING_ID);
    msg
}

fn write_routing_id(pipe: &mut Pipe, id: &[u8]) {
    if pipe.write(routing_id_msg(id)).is_ok() {
        pipe.flush();
    }
}

/// ZMQ_HELLO_MSG (draft): after the routing id, as libzmq sends it to inproc peers too.
fn write_hello(pipe: &mut Pipe, hello: &[u8]) {
    if !hello.is_empty() && pipe.write(Msg::from_slice(hello)).is_ok() {
        pipe.flush();
    }
}

/// Registers `name` as bound by the socket `me`; returns the connections that were
/// waiting.
pub fn bind(
    registry: &Mutex<Registry>,
    me: PeerInfo,
    name: &str,
) -> Result<Vec<PendingConnection>> {
    let mut registry = registry.lock();
    if registry.bound.contains_key(name) {
        return Err(Error::AddrInUse);
    }
    registry.bound.insert(name.to_owned(), me);
    Ok(registry.pending.remove(name).unwrap_or_default())
}

/// Completes a connection that was made before the bind by the socket `me`; returns
/// the binder's end.
pub fn accept_pending(me: PeerInfo, connection: PendingConnection) -> Pipe {
    let peer = connection.connector;
    let mut pipe = connection.pipe;
    pipe.set_owner(&me.mailbox);
    // The connector always sends its id while pending; drop it if we do not want it.
    if !me.receives_routing_id {
        let _ = pipe.read();
    }
    if peer.receives_routing_id {
        write_routing_id(&mut pipe, &me.routing_id);
    }
    write_hello(&mut pipe, &me.hello_msg);
    // Our ZMQ_DISCONNECT_MSG, for when the connector goes (libzmq sets it at the bind).
    pipe.set_disconnect_msg(&me.disconnect_msg, true);
    // Each end's limits are its socket's HWMs plus the other's (libzmq's boost), so
    // that a later change of either socket's HWMs can be applied the same way.
    pipe.set_hwm_boost(peer.boost());
    pipe.apply_hwms(me.rcvhwm, me.sndhwm);
    pipe.send_to_peer(PipeCommand::InprocConnected {
        pipe: pipe.peer_id(),
        boost: me.boost(),
    });
    pipe
}

/// Connects the socket `me` to `name`; returns the connector's end of the new pipe.
pub fn connect(registry: &Mutex<Registry>, me: PeerInfo, name: &str) -> Pipe {
    let mut registry = registry.lock();
    let conflate = me.conflate;
    match registry.bound.get(name) {
        Some(peer) => {
            let (mut mine, mut theirs) = pipe_pair(
                Direction {
                    hwm: if conflate {
                        0
                    } else {
                        capacity(me.sndhwm, peer.rcvhwm)
                    },
                    conflate,
                },
                Direction {
                    hwm: if conflate {
                        0
                    } else {
                        capacity(peer.sndhwm, me.rcvhwm)
                    },
                    conflate,
                },
            );
            mine.set_owner(&me.mailbox);
            theirs.set_owner(&peer.mailbox);
            mine.set_hwm_boost(peer.boost());
            theirs.set_hwm_boost(me.boost());
            if peer.receives_routing_id {
                write_routing_id(&mut mine, &me.routing_id);
            }
            if me.receives_routing_id {
                write_routing_id(&mut theirs, &peer.routing_id);
            }
            write_hello(&mut mine, &me.hello_msg);
            write_hello(&mut theirs, &peer.hello_msg);
            mine.set_disconnect_msg(&peer.disconnect_msg, false);
            let endpoint: Arc<str> = Arc::from(name);
            theirs.endpoint = Some(endpoint.clone());
            mine.endpoint = Some(endpoint);
            mine.locally_initiated = true;
            // Sent under the registry lock: a binder closing concurrently either sees
            // this command when it drains its mailbox or is no longer registered.
            peer.mailbox.send(Command::Attach(Box::new(theirs)));
            mine
        }
        None => {
            let (mut mine, mut theirs) = pipe_pair(
                Direction {
                    hwm: if conflate { 0 } else { me.sndhwm.max(0) as u64 },
                    conflate,
                },
                Direction {
                    hwm: if conflate { 0 } else { me.rcvhwm.max(0) as u64 },
                    conflate,
                },
            );
            mine.set_owner(&me.mailbox);
            write_routing_id(&mut mine, &me.routing_id);
            write_hello(&mut mine, &me.hello_msg);
            let endpoint: Arc<str> = Arc::from(name);
            theirs.endpoint = Some(endpoint.clone());
            mine.endpoint = Some(endpoint);
            mine.locally_initiated = true;
            registry
                .pending
                .entry(name.to_owned())
                .or_default()
                .push(PendingConnection {
                    connector: me,
                    pipe: theirs,
                });
            mine
        }
    }
}

/// True when some socket has bound `name`.
pub fn is_bound(registry: &Mutex<Registry>, name: &str) -> bool {
    registry.lock().bound.contains_key(name)
}

/// Connects an internal client (the ZAP client of an I/O thread's session) to a bound
/// `name`: an unlimited pipe whose near end is owned by `mailbox`. None if not bound.
pub fn connect_service<M: PipeOwner + 'static>(
    registry: &Mutex<Registry>,
    name: &str,
    mailbox: &Arc<M>,
) -> Option<Pipe> {
    let registry = registry.lock();
    let peer = registry.bound.get(name)?;
    let (mut mine, theirs) = pipe_pair(Direction::default(), Direction::default());
    mine.set_owner(mailbox);
    theirs.set_owner(&peer.mailbox);
    if peer.receives_routing_id {
        write_routing_id(&mut mine, &[]);
    }
    peer.mailbox.send(Command::Attach(Box::new(theirs)));
    Some(mine)
}

/// Forgets a name bound by `socket_id` (existing connections stay, as in libzmq).
pub fn unbind(registry: &Mutex<Registry>, socket_id: u64, name: &str) {
    let mut registry = registry.lock();
    if registry
        .bound
        .get(name)
        .is_some_and(|b| b.socket_id == socket_id)
    {
        registry.bound.remove(name);
    }
}
