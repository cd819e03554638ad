//! XPUB and PUB: fan each message out to the subscribers whose subscriptions match
//! (filtering happens here, on the publisher), and read subscriptions coming upstream.
//! XPUB hands (un)subscriptions to the application as `0x01topic`/`0x00topic` messages:
//! only the first subscriber of a topic and the last to leave by default, every one
//! with XPUB_VERBOSE / XPUB_VERBOSER, and with XPUB_MANUAL the application decides.

use crate::constants::*;
use crate::error::{Error, Result};
use crate::msg::{flags, Msg, SharedMetadata};
use crate::options::non_negative_bool_value;
use crate::pipe::{PipeKey, Pipes};
use crate::routing::dist::Distributor;
use crate::routing::mtrie::{MTrie, RmResult};
use std::collections::VecDeque;

struct Pending {
    data: Vec<u8>,
    metadata: Option<SharedMetadata>,
    flags: u8,
}

pub struct XPub {
    is_pub: bool,
    subscriptions: MTrie<PipeKey>,
    manual_subscriptions: MTrie<PipeKey>,
    dist: Distributor,
    verbose_subs: bool,
    verbose_unsubs: bool,
    manual: bool,
    send_last_pipe: bool,
    lossy: bool,
    only_first_subscribe: bool,
    more_send: bool,
    more_recv: bool,
    process_subscribe: bool,
    last_pipe: Option<PipeKey>,
    pending: VecDeque<Pending>,
    pending_pipes: VecDeque<Option<PipeKey>>,
    welcome: Option<Vec<u8>>,
}

impl XPub {
    pub fn new(is_pub: bool) -> Self {
        XPub {
            is_pub,
            subscriptions: MTrie::new(),
            manual_subscriptions: MTrie::new(),
            dist: Distributor::default(),
            verbose_subs: false,
            verbose_unsubs: false,
            manual: false,
            send_last_pipe: false,
            lossy: true,
            only_first_subscribe: false,
            more_send: false,
            more_recv: false,
            process_subscribe: false,
            last_pipe: None,
            pending: VecDeque::new(),
            pending_pipes: VecDeque::new(),
            welcome: None,
        }
    }

    pub fn attach(&mut self, pipes: &mut Pipes, key: PipeKey) {
        self.dist.attach(key);
        if let Some(welcome) = &self.welcome {
            if pipes.write(key, Msg::from_slice(welcome)).is_ok() {
                pipes.flush(key);
            }
        }
        self.read_activated(pipes, key);
    }

    /// How many distinct topics the subscribers subscribed to (ZMQ_TOPICS_COUNT).
    pub fn topics_count(&self) -> usize {
        self.subscriptions.num_prefixes()
    }

    /// Reads the subscriptions (and, for XPUB, upstream messages) the pipe carries.
    pub fn read_activated(&mut self, pipes: &mut Pipes, key: PipeKey) {
        while let Some(msg) = pipes.read(key) {
            let first_part = !self.more_recv;
            self.more_recv = msg.more();
            let mut subscription: Option<(bool, &[u8])> = None;
            if first_part || self.process_subscribe {
                if msg.flags() & (flags::SUBSCRIBE | flags::CANCEL) != 0 {
                    subscription = Some((msg.flags() & flags::SUBSCRIBE != 0, msg.data()));
                } else if let Some((&kind @ (0 | 1), topic)) = msg.data().split_first() {
                    subscription = Some((kind == 1, topic));
                }
            }
            if first_part {
                self.process_subscribe = !self.only_first_subscribe || subscription.is_some();
            }
            match subscription {
                Some((subscribe, topic)) => {
                    let notify = if self.manual {
                        if subscribe {
                            self.manual_subscriptions.add(topic, key);
                        } else {
                            self.manual_subscriptions.rm(topic, key);
                        }
                        self.pending_pipes.push_back(Some(key));
                        true
                    } else if subscribe {
                        let first = self.subscriptions.add(topic, key);
                        first || self.verbose_subs
                    } else {
                        let result = self.subscriptions.rm(topic, key);
                        !matches!(result, RmResult::ValuesRemain) || self.verbose_unsubs
                    };
                    if self.manual || (!self.is_pub && notify) {
                        let mut data = Vec::with_capacity(topic.len() + 1);
                        data.push(u8::from(subscribe));
                        data.extend_from_slice(topic);
                        self.pending.push_back(Pending {
                            data,
                            metadata: msg.metadata().cloned(),
                            flags: 0,
                        });
                    }
                }
                None if !self.is_pub => {
                    self.pending.push_back(Pending {
                        data: msg.data().to_vec(),
                        metadata: msg.metadata().cloned(),
                        flags: msg.flags() & flags::MORE,
                    });
                }
                None => {}
            }
        }
    }

    pub fn write_activated(&mut self, key: PipeKey) {
        self.dist.activated(key);
    }

    pub fn pipe_terminated(&mut self, key: PipeKey) {
        let mut unsubscribed = Vec::new();
        if self.manual {
            self.manual_subscriptions
                .rm_pipe(key, false, |topic| unsubscribed.push(topic.to_vec()));
            self.subscriptions.rm_pipe(key, false, |_| {});
        } else {
            let uniq = !self.verbose_unsubs;
            self.subscriptions
                .rm_pipe(key, uniq, |topic| unsubscribed.push(topic.to_vec()));
        }
        if !self.is_pub {
            for topic in unsubscribed {
                let mut data = Vec::with_capacity(topic.len() + 1);
                data.push(0);
                data.extend_from_slice(&topic);
                self.pending.push_back(Pending {
                    data,
                    metadata: None,
                    flags: 0,
                });
                if self.manual {
                    self.last_pipe = None;
                    self.pending_pipes.push_back(None);
                }
            }
        }
        if self.last_pipe == Some(key) {
            self.last_pipe = None;
        }
        for p in self.pending_pipes.iter_mut() {
            if *p == Some(key) {
                *p = None;
            }
        }
        self.dist.pipe_terminated(key);
    }

    pub fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg, invert_matching: bool) -> Result<()> {
        let more = msg.more();
        if !self.more_send {
            self.dist.unmatch();
            let dist = &mut self.dist;
            // XPUB_MANUAL_LAST_VALUE: the first message after a subscription is read goes
            // to that subscriber alone (its last value); later ones, as without the option
            let last_only = if self.manual && self.send_last_pipe {
                self.last_pipe.take()
            } else {
                None
            };
            if let Some(last) = last_only {
                self.subscriptions.match_prefixes(msg.data(), |p| {
                    if p == last {
                        dist.mark_matching(p)
                    }
                });
            } else {
                self.subscriptions
                    .match_prefixes(msg.data(), |p| dist.mark_matching(p));
            }
            if invert_matching {
                self.dist.reverse_match();
            }
        }
        if self.lossy || self.dist.check_hwm(pipes) {
            self.dist.send_to_matching(pipes, std::mem::take(msg));
            self.more_send = more;
            Ok(())
        } else {
            Err(Error::Again)
        }
    }

    pub fn recv(&mut self) -> Result<Msg> {
        let pending = self.pending.pop_front().ok_or(Error::Again)?;
        if self.manual {
            if let Some(p) = self.pending_pipes.pop_front() {
                self.last_pipe = p;
            }
        }
        let mut msg = Msg::from_slice(&pending.data);
        msg.set_flags(pending.flags);
        msg.set_metadata(pending.metadata);
        Ok(msg)
    }

    pub fn has_in(&self) -> bool {
        !self.pending.is_empty()
    }

    pub fn setsockopt(&mut self, option: i32, value: &[u8]) -> Result<()> {
        let flag = || non_negative_bool_value(value);
        match option {
            ZMQ_XPUB_VERBOSE => self.verbose_subs = flag()?,
            ZMQ_XPUB_VERBOSER => {
                self.verbose_subs = flag()?;
                self.verbose_unsubs = self.verbose_subs;
            }
            ZMQ_XPUB_MANUAL => self.manual = flag()?,
            ZMQ_XPUB_MANUAL_LAST_VALUE => {
                self.manual = flag()?;
                self.send_last_pipe = self.manual;
            }
            ZMQ_XPUB_NODROP => self.lossy = !flag()?,
            ZMQ_ONLY_FIRST_SUBSCRIBE => self.only_first_subscribe = flag()?,
            ZMQ_SUBSCRIBE if self.manual => {
                if let Some(last) = self.last_pipe {
                    self.subscriptions.add(value, last);
                }
            }
            ZMQ_UNSUBSCRIBE if self.manual => {
                if let Some(last) = self.last_pipe {
                    self.subscriptions.rm(value, last);
                }
            }
            ZMQ_XPUB_WELCOME_MSG => {
                self.welcome = if value.is_empty() {
                    None
                } else {
                    Some(value.to_vec())
                };
            }
            _ => return Err(Error::Inval),
        }
        Ok(())
    }
}
