//! DEALER: load-balances outgoing messages, fair-queues incoming ones. Also the base of
//! REQ, which needs to know which pipe a message went to / came from.

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pipe::{PipeKey, Pipes};
use crate::routing::fq::FairQueue;
use crate::routing::lb::LoadBalancer;

#[derive(Default)]
pub struct Dealer {
    fq: FairQueue,
    lb: LoadBalancer,
    /// ZMQ_PROBE_ROUTER: greet every new peer with an empty message.
    pub probe_router: bool,
}

impl Dealer {
    pub fn attach(&mut self, pipes: &mut Pipes, key: PipeKey) {
        if self.probe_router && pipes.write(key, Msg::new()).is_ok() {
            pipes.flush(key);
        }
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

    /// Sends a frame; returns the pipe it went to (None when it was dropped).
    pub fn send_pipe(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<Option<PipeKey>> {
        self.lb.send(pipes, msg)
    }

    /// Receives a frame and the pipe it came from.
    pub fn recv_pipe(&mut self, pipes: &mut Pipes) -> Result<(Msg, PipeKey)> {
        self.fq.recv(pipes).ok_or(Error::Again)
    }

    pub fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<()> {
        self.send_pipe(pipes, msg).map(|_| ())
    }

    pub fn recv(&mut self, pipes: &mut Pipes) -> Result<Msg> {
        self.recv_pipe(pipes).map(|(m, _)| m)
    }

    pub fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        self.fq.has_in(pipes)
    }

    pub fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        self.lb.has_out(pipes)
    }
}
