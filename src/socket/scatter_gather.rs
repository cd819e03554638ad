//! SCATTER and GATHER (draft, thread-safe): PUSH and PULL for single-part messages.
//! SCATTER round-robins over its peers and cannot receive; GATHER fair-queues and
//! cannot send. ZMQ_SNDMORE is EINVAL; multipart messages from peers are dropped.

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pipe::{PipeKey, Pipes};
use crate::routing::fq::FairQueue;
use crate::routing::lb::LoadBalancer;

#[derive(Default)]
pub struct Scatter {
    lb: LoadBalancer,
}

impl Scatter {
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
        if msg.more() {
            return Err(Error::Inval);
        }
        self.lb.send(pipes, msg).map(|_| ())
    }

    pub fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        self.lb.has_out(pipes)
    }
}

#[derive(Default)]
pub struct Gather {
    fq: FairQueue,
}

impl Gather {
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
        self.fq
            .recv_single_part(pipes)
            .map(|(msg, _)| msg)
            .ok_or(Error::Again)
    }

    pub fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        self.fq.has_in(pipes)
    }
}
