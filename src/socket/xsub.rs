//! XSUB and SUB: receive from publishers (SUB also keeps only messages that match a
//! subscription: publishers filter too, but old peers do not), and send subscriptions
//! upstream to every publisher, including ones that connect later.

use crate::constants::*;
use crate::error::{Error, Result};
use crate::msg::{flags, Msg};
use crate::options::{non_negative_bool_value, relaxed_bool_value};
use crate::pipe::{PipeKey, Pipes};
use crate::routing::dist::Distributor;
use crate::routing::fq::FairQueue;
use crate::routing::trie::Trie;

pub struct XSub {
    is_sub: bool,
    fq: FairQueue,
    dist: Distributor,
    subscriptions: Trie,
    prefetched: Option<Msg>,
    more_send: bool,
    more_recv: bool,
    process_subscribe: bool,
    only_first_subscribe: bool,
    verbose_unsubs: bool,
}

impl XSub {
    pub fn new(is_sub: bool) -> Self {
        XSub {
            is_sub,
            fq: FairQueue::default(),
            dist: Distributor::default(),
            subscriptions: Trie::new(),
            prefetched: None,
            more_send: false,
            more_recv: false,
            process_subscribe: false,
            only_first_subscribe: false,
            verbose_unsubs: false,
        }
    }

    pub fn attach(&mut self, pipes: &mut Pipes, key: PipeKey) {
        self.fq.attach(key);
        self.dist.attach(key);
        self.resend_subscriptions(pipes, key);
    }

    /// Sends every current subscription to `key` (a new or reconnected publisher).
    /// How many distinct topics this socket subscribed to (ZMQ_TOPICS_COUNT).
    pub fn topics_count(&self) -> usize {
        self.subscriptions.num_prefixes()
    }

    pub fn resend_subscriptions(&mut self, pipes: &mut Pipes, key: PipeKey) {
        let mut topics = Vec::new();
        self.subscriptions.apply(|t| topics.push(t.to_vec()));
        for topic in topics {
            let mut msg = Msg::from_slice(&topic);
            msg.set_flags(flags::SUBSCRIBE);
            // A full pipe drops the subscription, as libzmq does.
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

    /// Applies and forwards a subscription, a cancel, or an upstream user message.
    pub fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<()> {
        let msg = std::mem::take(msg);
        let first_part = !self.more_send;
        self.more_send = msg.more();
        if first_part {
            self.process_subscribe = !self.only_first_subscribe;
        } else if !self.process_subscribe {
            self.dist.send_to_all(pipes, msg);
            return Ok(());
        }
        let f = msg.flags();
        let data = msg.data();
        if f & flags::SUBSCRIBE != 0 || data.first() == Some(&1) {
            let topic = if f & flags::SUBSCRIBE != 0 {
                data
            } else {
                &data[1..]
            };
            self.subscriptions.add(topic);
            self.process_subscribe = true;
            self.dist.send_to_all(pipes, msg);
        } else if f & flags::CANCEL != 0 || data.first() == Some(&0) {
            let topic = if f & flags::CANCEL != 0 {
                data
            } else {
                &data[1..]
            };
            self.process_subscribe = true;
            if self.subscriptions.rm(topic) || self.verbose_unsubs {
                self.dist.send_to_all(pipes, msg);
            }
        } else {
            self.dist.send_to_all(pipes, msg);
        }
        Ok(())
    }

    /// SUB filters locally; XSUB passes everything (its peers filter for it).
    fn matches(&self, msg: &Msg, invert: bool) -> bool {
        !self.is_sub || self.subscriptions.check(msg.data()) ^ invert
    }

    pub fn recv(&mut self, pipes: &mut Pipes, invert: bool) -> Result<Msg> {
        if let Some(msg) = self.prefetched.take() {
            self.more_recv = msg.more();
            return Ok(msg);
        }
        loop {
            let (msg, _) = self.fq.recv(pipes).ok_or(Error::Again)?;
            if self.more_recv || self.matches(&msg, invert) {
                self.more_recv = msg.more();
                return Ok(msg);
            }
            // Not subscribed: skip the whole message.
            let mut more = msg.more();
            while more {
                match self.fq.recv(pipes) {
                    Some((m, _)) => more = m.more(),
                    None => break,
                }
            }
        }
    }

    pub fn has_in(&mut self, pipes: &mut Pipes, invert: bool) -> bool {
        if self.more_recv || self.prefetched.is_some() {
            return true;
        }
        loop {
            let Some((msg, _)) = self.fq.recv(pipes) else {
                return false;
            };
            if self.matches(&msg, invert) {
                self.prefetched = Some(msg);
                return true;
            }
            let mut more = msg.more();
            while more {
                match self.fq.recv(pipes) {
                    Some((m, _)) => more = m.more(),
                    None => break,
                }
            }
        }
    }

    pub fn setsockopt(&mut self, pipes: &mut Pipes, option: i32, value: &[u8]) -> Result<()> {
        match option {
            ZMQ_SUBSCRIBE | ZMQ_UNSUBSCRIBE if self.is_sub => {
                let mut msg = Msg::from_slice(value);
                msg.set_flags(if option == ZMQ_SUBSCRIBE {
                    flags::SUBSCRIBE
                } else {
                    flags::CANCEL
                });
                self.send(pipes, &mut msg)
            }
            ZMQ_ONLY_FIRST_SUBSCRIBE if !self.is_sub => {
                self.only_first_subscribe = non_negative_bool_value(value)?;
                Ok(())
            }
            ZMQ_XSUB_VERBOSE_UNSUBSCRIBE if !self.is_sub => {
                // libzmq (draft) takes any value here, even negative ones.
                self.verbose_unsubs = relaxed_bool_value(value)?;
                Ok(())
            }
            _ => Err(Error::Inval),
        }
    }
}
