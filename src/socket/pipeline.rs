//! PUSH (load-balances whole messages over its peers) and PULL (fair-queues from them).

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pipe::{PipeKey, Pipes};
use crate::routing::fq::FairQueue;
use crate::routing::lb::LoadBalancer;

#[derive(Default)]
pub struct Push {
    lb: LoadBalancer,
}

impl Push {
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
        self.lb.send(pipes, msg).map(|_| ())
    }

    pub fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        self.lb.has_out(pipes)
    }
}

#[derive(Default)]
pub struct Pull {
    fq: FairQueue,
}

impl Pull {
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
        self.fq.recv(pipes).map(|(m, _)| m).ok_or(Error::Again)
    }

    pub fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        self.fq.has_in(pipes)
    }
}
