//! ROUTER: every peer has a routing id (its own, or an auto-generated 5-byte one); a
//! received message is prefixed with the sender's id, and the first frame of a sent
//! message names the peer it goes to. Also the base of REP.

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pipe::{PipeKey, Pipes};
use crate::routing::fq::FairQueue;
use std::collections::{HashMap, HashSet};

pub struct Router {
    fq: FairQueue,
    /// Pipes whose peer has not told us its routing id yet.
    anonymous: HashSet<PipeKey>,
    out_pipes: HashMap<Vec<u8>, PipeKey>,
    next_integral_id: u32,
    current_out: Option<PipeKey>,
    more_out: bool,
    /// A message read ahead (by `has_in`, or held back while its id frame is returned).
    prefetched_msg: Option<Msg>,
    prefetched_id: Option<Msg>,
    more_in: bool,
    current_in: Option<PipeKey>,
    terminate_current_in: bool,
    /// ZMQ_ROUTER_MANDATORY: unroutable messages fail instead of being dropped.
    pub mandatory: bool,
    /// ZMQ_ROUTER_HANDOVER: a new peer with a known id takes it over.
    pub handover: bool,
    /// ZMQ_PROBE_ROUTER: greet every new peer with an empty message.
    pub probe_router: bool,
    /// ZMQ_ROUTER_RAW (and every STREAM socket).
    pub raw: bool,
    /// ZMQ_STREAM_NOTIFY: announce connects and disconnects (STREAM only).
    pub notify: bool,
}

impl Default for Router {
    fn default() -> Self {
        Router {
            fq: FairQueue::default(),
            anonymous: HashSet::new(),
            out_pipes: HashMap::new(),
            next_integral_id: random_u32(),
            current_out: None,
            more_out: false,
            prefetched_msg: None,
            prefetched_id: None,
            more_in: false,
            current_in: None,
            terminate_current_in: false,
            mandatory: false,
            handover: false,
            probe_router: false,
            raw: false,
            notify: true,
        }
    }
}

/// A start value for generated routing ids that differs between sockets and runs.
pub fn random_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0),
    );
    h.finish() as u32
}

impl Router {
    /// The ROUTER behind a STREAM socket: raw peers, generated ids.
    pub fn stream() -> Router {
        Router {
            raw: true,
            ..Router::default()
        }
    }

    fn generate_id(&mut self) -> Vec<u8> {
        let n = self.next_integral_id;
        self.next_integral_id = self.next_integral_id.wrapping_add(1);
        let mut id = vec![0u8];
        id.extend_from_slice(&n.to_be_bytes());
        id
    }

    pub fn attach(
        &mut self,
        pipes: &mut Pipes,
        key: PipeKey,
        locally_initiated: bool,
        connect_id: Option<Vec<u8>>,
    ) {
        if self.probe_router && pipes.write(key, Msg::new()).is_ok() {
            pipes.flush(key);
        }
        if self.identify_peer(pipes, key, locally_initiated, connect_id) {
            self.fq.attach(key);
        } else {
            self.anonymous.insert(key);
        }
    }

    /// Assigns the pipe its routing id; false while the peer's id has not arrived.
    fn identify_peer(
        &mut self,
        pipes: &mut Pipes,
        key: PipeKey,
        locally_initiated: bool,
        connect_id: Option<Vec<u8>>,
    ) -> bool {
        let id = match connect_id {
            Some(id) if locally_initiated && !id.is_empty() => {
                if self.out_pipes.contains_key(&id) {
                    return false;
                }
                // The peer's own id message, if any, is not needed.
                id
            }
            _ if self.raw => self.generate_id(),
            _ => {
                let Some(msg) = pipes.read(key) else {
                    return false;
                };
                if msg.is_empty() {
                    self.generate_id()
                } else {
                    let id = msg.data().to_vec();
                    if let Some(&old) = self.out_pipes.get(&id) {
                        if !self.handover {
                            // A peer with a duplicate id is ignored.
                            return false;
                        }
                        // The new connection takes the id; the old one is renamed and closed.
                        let renamed = self.generate_id();
                        self.out_pipes.remove(&id);
                        if let Some(p) = pipes.get_mut(old) {
                            p.routing_id = renamed.clone();
                        }
                        self.out_pipes.insert(renamed, old);
                        if Some(old) == self.current_in {
                            self.terminate_current_in = true;
                        } else {
                            pipes.finish(old);
                        }
                    }
                    id
                }
            }
        };
        if let Some(p) = pipes.get_mut(key) {
            p.routing_id = id.clone();
        }
        self.out_pipes.insert(id, key);
        true
    }

    pub fn pipe_terminated(&mut self, pipes: &Pipes, key: PipeKey) {
        if self.anonymous.remove(&key) {
            return;
        }
        if let Some(p) = pipes.get(key) {
            if self.out_pipes.get(&p.routing_id) == Some(&key) {
                self.out_pipes.remove(&p.routing_id);
            }
        } else {
            self.out_pipes.retain(|_, k| *k != key);
        }
        self.fq.pipe_terminated(key);
        if self.current_out == Some(key) {
            self.current_out = None;
        }
        if self.current_in == Some(key) {
            self.current_in = None;
        }
    }

    pub fn read_activated(&mut self, pipes: &mut Pipes, key: PipeKey) {
        if self.anonymous.contains(&key) {
            if self.identify_peer(pipes, key, false, None) {
                self.anonymous.remove(&key);
                self.fq.attach(key);
            }
        } else {
            self.fq.activated(key);
        }
    }

    pub fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<()> {
        if !self.more_out {
            // The first frame names the destination; a lone frame is dropped.
            if msg.more() {
                self.more_out = true;
                match self.out_pipes.get(msg.data()).copied() {
                    Some(key) => {
                        if pipes.check_write(key) {
                            self.current_out = Some(key);
                        } else {
                            let full = !pipes.check_hwm(key);
                            self.current_out = None;
                            if self.mandatory {
                                self.more_out = false;
                                return Err(if full {
                                    Error::Again
                                } else {
                                    Error::HostUnreach
                                });
                            }
                        }
                    }
                    None => {
                        if self.mandatory {
                            self.more_out = false;
                            return Err(Error::HostUnreach);
                        }
                    }
                }
            }
            *msg = Msg::new();
            return Ok(());
        }
        if self.raw {
            msg.set_more(false);
        }
        self.more_out = msg.more();
        if let Some(key) = self.current_out {
            if self.raw && msg.is_empty() {
                pipes.finish(key);
                self.current_out = None;
                *msg = Msg::new();
                return Ok(());
            }
            match pipes.write(key, std::mem::take(msg)) {
                Ok(()) => {
                    if !self.more_out {
                        pipes.flush(key);
                        self.current_out = None;
                    }
                }
                Err(_) => {
                    // The HWM was checked on the first frame, so the pipe is closing:
                    // withdraw what was written of this message.
                    pipes.rollback(key);
                    self.current_out = None;
                }
            }
        }
        *msg = Msg::new();
        Ok(())
    }

    /// Withdraws the frames of the message being sent (REP with a malformed envelope).
    pub fn rollback(&mut self, pipes: &mut Pipes) {
        if let Some(key) = self.current_out.take() {
            pipes.rollback(key);
        }
        self.more_out = false;
    }

    fn id_frame(pipes: &Pipes, key: PipeKey, body: &Msg) -> Msg {
        let id = pipes
            .get(key)
            .map(|p| p.routing_id.as_slice())
            .unwrap_or(&[]);
        let mut frame = Msg::from_slice(id);
        frame.set_more(true);
        frame.set_metadata(body.metadata().cloned());
        frame
    }

    fn end_of_message_in(&mut self, pipes: &mut Pipes) {
        if self.terminate_current_in {
            if let Some(k) = self.current_in {
                pipes.finish(k);
            }
            self.terminate_current_in = false;
        }
        self.current_in = None;
    }

    pub fn recv(&mut self, pipes: &mut Pipes) -> Result<Msg> {
        if let Some(id) = self.prefetched_id.take() {
            self.more_in = true;
            return Ok(id);
        }
        if let Some(msg) = self.prefetched_msg.take() {
            self.more_in = msg.more();
            if !self.more_in {
                self.end_of_message_in(pipes);
            }
            return Ok(msg);
        }
        let (msg, key) = loop {
            let (m, k) = self.fq.recv(pipes).ok_or(Error::Again)?;
            // A reconnecting peer resends its id; it is assumed unchanged.
            if !m.is_routing_id() {
                break (m, k);
            }
        };
        if self.more_in {
            self.more_in = msg.more();
            if !self.more_in {
                self.end_of_message_in(pipes);
            }
            return Ok(msg);
        }
        // The start of a message: return the sender's id first, the frame next.
        let id = Self::id_frame(pipes, key, &msg);
        self.prefetched_msg = Some(msg);
        self.current_in = Some(key);
        self.more_in = true;
        Ok(id)
    }

    pub fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        if self.more_in || self.prefetched_msg.is_some() {
            return true;
        }
        let next = loop {
            match self.fq.recv(pipes) {
                Some((m, _)) if m.is_routing_id() => continue,
                other => break other,
            }
        };
        let Some((msg, key)) = next else {
            return false;
        };
        self.prefetched_id = Some(Self::id_frame(pipes, key, &msg));
        self.prefetched_msg = Some(msg);
        self.current_in = Some(key);
        true
    }

    /// `zmq_socket_get_peer_state`: ZMQ_POLLOUT when the peer named `id` can take a
    /// message now, 0 when it is at its HWM; EHOSTUNREACH for no such peer.
    pub fn peer_state(&self, pipes: &Pipes, id: &[u8]) -> Result<i32> {
        let key = *self.out_pipes.get(id).ok_or(Error::HostUnreach)?;
        Ok(if pipes.check_hwm(key) {
            crate::constants::ZMQ_POLLOUT
        } else {
            0
        })
    }

    pub fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        if !self.mandatory {
            return true;
        }
        self.out_pipes.values().any(|&k| pipes.check_hwm(k))
    }
}
