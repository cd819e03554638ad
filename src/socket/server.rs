//! SERVER (draft, thread-safe): every peer gets a 32-bit routing id, never 0; a
//! received message carries its sender's id (`zmq_msg_routing_id`), and a sent message
//! goes to the peer its routing id names (EHOSTUNREACH for none). Single-part messages
//! only: ZMQ_SNDMORE is EINVAL, multipart messages from peers are dropped. Also the
//! base of PEER, which can tell the id of the peer it just connected to.

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pipe::{PipeKey, Pipes};
use crate::routing::fq::FairQueue;
use std::collections::HashMap;

pub struct Server {
    fq: FairQueue,
    pipe_of: HashMap<u32, PipeKey>,
    /// Each pipe's id by its key (a small slab index; 0 = none): read for every
    /// message received, so an index, not a hash.
    id_of: Vec<u32>,
    next_id: u32,
    /// The id given to the latest pipe (what `zmq_connect_peer` returns).
    pub last_id: u32,
}

impl Default for Server {
    fn default() -> Self {
        Server {
            fq: FairQueue::default(),
            pipe_of: HashMap::new(),
            id_of: Vec::new(),
            next_id: super::router::random_u32(),
            last_id: 0,
        }
    }
}

impl Server {
    pub fn attach(&mut self, key: PipeKey) {
        let mut id = self.next_id;
        // 0 means "no routing id"; skip it, and any id still in use after a wrap.
        while id == 0 || self.pipe_of.contains_key(&id) {
            id = id.wrapping_add(1);
        }
        self.next_id = id.wrapping_add(1);
        self.pipe_of.insert(id, key);
        if self.id_of.len() <= key {
            self.id_of.resize(key + 1, 0);
        }
        if let Some(slot) = self.id_of.get_mut(key) {
            *slot = id;
        }
        self.last_id = id;
        self.fq.attach(key);
    }

    pub fn pipe_terminated(&mut self, key: PipeKey) {
        if let Some(id) = self.id_of.get_mut(key).map(std::mem::take) {
            self.pipe_of.remove(&id);
        }
        self.fq.pipe_terminated(key);
    }

    pub fn read_activated(&mut self, key: PipeKey) {
        self.fq.activated(key);
    }

    pub fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<()> {
        if msg.more() {
            return Err(Error::Inval);
        }
        let key = *self
            .pipe_of
            .get(&msg.routing_id())
            .ok_or(Error::HostUnreach)?;
        if !pipes.check_write(key) {
            return Err(Error::Again);
        }
        // The id named the peer here; an inproc peer must not receive it.
        msg.set_routing_id(0);
        // A pipe that passed check_write refuses only when it is closing: the message
        // is dropped, as in libzmq.
        if pipes.write(key, std::mem::take(msg)).is_ok() {
            pipes.flush(key);
        }
        Ok(())
    }

    pub fn recv(&mut self, pipes: &mut Pipes) -> Result<Msg> {
        let (mut msg, key) = self.fq.recv_single_part(pipes).ok_or(Error::Again)?;
        msg.set_routing_id(self.id_of.get(key).copied().unwrap_or(0));
        Ok(msg)
    }

    pub fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        self.fq.has_in(pipes)
    }
}
