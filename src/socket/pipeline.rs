//! PUSH (load-balances whole messages over its peers) and PULL (fair-queues from them).
//! The draft SCATTER and GATHER (thread-safe) are the same for single-part messages:
//! SCATTER refuses ZMQ_SNDMORE (EINVAL), GATHER drops multipart messages from peers.

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pipe::{PipeKey, Pipes};
use crate::routing::fq::FairQueue;
use crate::routing::lb::LoadBalancer;

pub struct Push {
    lb: LoadBalancer,
    /// SCATTER.
    single_part: bool,
}

impl Push {
    pub fn new(single_part: bool) -> Push {
        Push {
            lb: LoadBalancer::default(),
            single_part,
        }
    }

    pub fn attach(&mut self, key: PipeKey) {
        self.lb.attach(key);
    }

    pub fn pipe_terminated(&mut self, key: PipeKey) {
        self.lb.pipe_terminated(key);
    }

    pub fn write_activated(&mut self, key: PipeKey) {
        self.lb.activated(key);
    }

    pub fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<()> {
        if self.single_part && msg.more() {
            return Err(Error::Inval);
        }
        self.lb.send(pipes, msg).map(|_| ())
    }

    pub fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        self.lb.has_out(pipes)
    }
}

pub struct Pull {
    fq: FairQueue,
    /// GATHER.
    single_part: bool,
}

impl Pull {
    pub fn new(single_part: bool) -> Pull {
        Pull {
            fq: FairQueue::default(),
            single_part,
        }
    }

    pub fn attach(&mut self, key: PipeKey) {
        self.fq.attach(key);
    }

    pub fn pipe_terminated(&mut self, key: PipeKey) {
        self.fq.pipe_terminated(key);
    }

    pub fn read_activated(&mut self, key: PipeKey) {
        self.fq.activated(key);
    }

    pub fn recv(&mut self, pipes: &mut Pipes) -> Result<Msg> {
        let received = if self.single_part {
            self.fq.recv_single_part(pipes)
        } else {
            self.fq.recv(pipes)
        };
        received.map(|(msg, _)| msg).ok_or(Error::Again)
    }

    pub fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        self.fq.has_in(pipes)
    }
}
