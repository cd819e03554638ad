//! CLIENT (draft, thread-safe): load-balances outgoing and fair-queues incoming
//! messages, like DEALER, but single-part only: ZMQ_SNDMORE is EINVAL and multipart
//! messages from peers are dropped.

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pipe::{PipeKey, Pipes};
use crate::routing::fq::FairQueue;
use crate::routing::lb::LoadBalancer;

#[derive(Default)]
pub struct Client {
    fq: FairQueue,
    lb: LoadBalancer,
}

impl Client {
    pub fn attach(&mut self, key: PipeKey) {
        self.fq.attach(key);
        self.lb.attach(key);
    }

    pub fn pipe_terminated(&mut self, key: PipeKey) {
        self.fq.pipe_terminated(key);
        self.lb.pipe_terminated(key);
    }

    pub fn read_activated(&mut self, key: PipeKey) {
        self.fq.activated(key);
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

    pub fn recv(&mut self, pipes: &mut Pipes) -> Result<Msg> {
        self.fq
            .recv_single_part(pipes)
            .map(|(msg, _)| msg)
            .ok_or(Error::Again)
    }

    pub fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        self.fq.has_in(pipes)
    }

    pub fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        self.lb.has_out(pipes)
    }
}
