//! RADIO and DISH (draft, thread-safe): group messaging. A DISH joins groups
//! (`zmq_join`/`zmq_leave`); each join or leave travels upstream to every RADIO as a
//! message flagged JOIN/LEAVE whose body is the group (ZMTP carries it as a JOIN or
//! LEAVE command). A RADIO sends each message only to the peers that joined its group
//! (`zmq_msg_set_group`); a DISH also drops what it did not join. Single-part only.

use crate::error::{Error, Result};
use crate::msg::{flags, Msg, GROUP_MAX_LENGTH};
use crate::options::non_negative_bool_value;
use crate::pipe::{PipeKey, Pipes};
use crate::routing::dist::Distributor;
use crate::routing::fq::FairQueue;
use std::collections::{HashMap, HashSet};

pub struct Radio {
    /// Group -> the pipes that joined it (a pipe once per join, as libzmq's multimap).
    subscriptions: HashMap<Vec<u8>, Vec<PipeKey>>,
    dist: Distributor,
    /// Pipes to udp endpoints: they get every message (a datagram carries its group;
    /// the receiving DISH filters).
    udp: Vec<PipeKey>,
    /// `ZMQ_XPUB_NODROP` off: a full peer drops the message instead of EAGAIN.
    lossy: bool,
}

impl Default for Radio {
    fn default() -> Self {
        Radio {
            subscriptions: HashMap::new(),
            dist: Distributor::default(),
            udp: Vec::new(),
            lossy: true,
        }
    }
}

impl Radio {
    pub fn attach(&mut self, pipes: &mut Pipes, key: PipeKey) {
        self.dist.attach(key);
        let to_udp = pipes
            .get(key)
            .and_then(|p| p.endpoint.as_deref())
            .is_some_and(|e| e.starts_with("udp://"));
        if to_udp {
            self.udp.push(key);
        } else {
            self.read_activated(pipes, key);
        }
    }

    /// Applies the joins and leaves the pipe carries; anything else is dropped.
    pub fn read_activated(&mut self, pipes: &mut Pipes, key: PipeKey) {
        while let Some(msg) = pipes.read(key) {
            let f = msg.flags();
            if f & flags::JOIN != 0 {
                self.subscriptions
                    .entry(msg.data().to_vec())
                    .or_default()
                    .push(key);
            } else if f & flags::LEAVE != 0 {
                if let Some(keys) = self.subscriptions.get_mut(msg.data()) {
                    if let Some(i) = keys.iter().position(|k| *k == key) {
                        keys.swap_remove(i);
                    }
                    if keys.is_empty() {
                        self.subscriptions.remove(msg.data());
                    }
                }
            }
        }
    }

    pub fn write_activated(&mut self, key: PipeKey) {
        self.dist.activated(key);
    }

    pub fn pipe_terminated(&mut self, key: PipeKey) {
        self.subscriptions.retain(|_, keys| {
            keys.retain(|k| *k != key);
            !keys.is_empty()
        });
        self.udp.retain(|k| *k != key);
        self.dist.pipe_terminated(key);
    }

    pub fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<()> {
        if msg.more() {
            return Err(Error::Inval);
        }
        self.dist.unmatch();
        if let Some(keys) = self.subscriptions.get(msg.group().to_bytes()) {
            for key in keys {
                self.dist.mark_matching(*key);
            }
        }
        for key in &self.udp {
            self.dist.mark_matching(*key);
        }
        if self.lossy || self.dist.check_hwm(pipes) {
            self.dist.send_to_matching(pipes, std::mem::take(msg));
            Ok(())
        } else {
            Err(Error::Again)
        }
    }

    /// RADIO's one option, `ZMQ_XPUB_NODROP` (a non-negative int).
    pub fn setsockopt(&mut self, option: i32, value: &[u8]) -> Result<()> {
        if option != crate::constants::ZMQ_XPUB_NODROP {
            return Err(Error::Inval);
        }
        self.lossy = !non_negative_bool_value(value)?;
        Ok(())
    }
}

#[derive(Default)]
pub struct Dish {
    fq: FairQueue,
    dist: Distributor,
    groups: HashSet<Vec<u8>>,
    /// A message `has_in` found and `recv` has not taken yet.
    prefetched: Option<Msg>,
}

impl Dish {
    pub fn attach(&mut self, pipes: &mut Pipes, key: PipeKey) {
        self.fq.attach(key);
        self.dist.attach(key);
        self.send_joins(pipes, key);
    }

    /// Tells a new (or reconnected) RADIO every group joined so far.
    pub fn send_joins(&mut self, pipes: &mut Pipes, key: PipeKey) {
        for group in &self.groups {
            let mut msg = Msg::from_slice(group);
            msg.set_flags(flags::JOIN);
            // A full pipe drops the join, as libzmq does.
            let _ = pipes.write(key, msg);
        }
        pipes.flush(key);
    }

    pub fn read_activated(&mut self, key: PipeKey) {
        self.fq.activated(key);
    }

    pub fn write_activated(&mut self, key: PipeKey) {
        self.dist.activated(key);
    }

    pub fn pipe_terminated(&mut self, key: PipeKey) {
        self.fq.pipe_terminated(key);
        self.dist.pipe_terminated(key);
    }

    /// `zmq_join`: EINVAL above 255 bytes or for a group already joined.
    pub fn join(&mut self, pipes: &mut Pipes, group: &[u8]) -> Result<()> {
        if group.len() > GROUP_MAX_LENGTH || !self.groups.insert(group.to_vec()) {
            return Err(Error::Inval);
        }
        self.announce(pipes, group, flags::JOIN);
        Ok(())
    }

    /// `zmq_leave`: EINVAL above 255 bytes or for a group not joined.
    pub fn leave(&mut self, pipes: &mut Pipes, group: &[u8]) -> Result<()> {
        if group.len() > GROUP_MAX_LENGTH || !self.groups.remove(group) {
            return Err(Error::Inval);
        }
        self.announce(pipes, group, flags::LEAVE);
        Ok(())
    }

    fn announce(&mut self, pipes: &mut Pipes, group: &[u8], kind: u8) {
        let mut msg = Msg::from_slice(group);
        msg.set_flags(kind);
        self.dist.send_to_all(pipes, msg);
    }

    fn next_joined(&mut self, pipes: &mut Pipes) -> Option<Msg> {
        loop {
            let (msg, _) = self.fq.recv_single_part(pipes)?;
            if self.groups.contains(msg.group().to_bytes()) {
                return Some(msg);
            }
        }
    }

    pub fn recv(&mut self, pipes: &mut Pipes) -> Result<Msg> {
        if let Some(msg) = self.prefetched.take() {
            return Ok(msg);
        }
        self.next_joined(pipes).ok_or(Error::Again)
    }

    pub fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        if self.prefetched.is_none() {
            self.prefetched = self.next_joined(pipes);
        }
        self.prefetched.is_some()
    }
}
