//! `zmq_socket_monitor_pipes_stats` (draft): the socket asks the other end of each of
//! its pipes for its count (`pipe/stats.rs`) and, when the answers come back through
//! its mailbox, publishes one ZMQ_EVENT_PIPES_STATS per pipe on its monitor (v2: two
//! values, messages queued outbound then inbound, and the pipe's endpoints). As in
//! libzmq the events appear only once the socket processes its commands again (any
//! call on it, `ZMQ_EVENTS` included), and over inproc only after the peer socket has
//! processed the request in the same way.

use super::Socket;
use crate::constants::*;
use crate::error::{Error, Result};
use crate::monitor::EventEndpoints;
use crate::pipe::{PipeId, PipeStats};

impl Socket {
    /// EINVAL unless a monitor asked for ZMQ_EVENT_PIPES_STATS, EAGAIN with no pipe,
    /// as libzmq 4.3.5 (which neither processes commands first nor checks ETERM).
    pub fn monitor_pipes_stats(&mut self) -> Result<()> {
        let wanted = self
            .monitor
            .lock()
            .as_ref()
            .is_some_and(|m| m.wants(ZMQ_EVENT_PIPES_STATS as u64));
        if !wanted {
            return Err(Error::Inval);
        }
        if self.pipes.is_empty() {
            return Err(Error::Again);
        }
        for key in self.pipes.keys() {
            self.pipes[key].request_stats();
        }
        Ok(())
    }

    /// An inproc peer asks for the count of the pipe end we hold (a pipe already gone
    /// answers nothing, as in libzmq).
    pub(super) fn answer_pipe_stats(&self, id: PipeId, stats: Box<PipeStats>) {
        if let Some(key) = self.pipes.key_of(id) {
            self.pipes[key].answer_stats(stats);
        }
    }

    /// A report asked for by `monitor_pipes_stats` came back: publish it.
    pub(super) fn publish_pipe_stats(&self, stats: &PipeStats) {
        if let Some(m) = self.monitor.lock().as_mut() {
            let endpoints = stats
                .endpoints
                .as_deref()
                .map(|pair| EventEndpoints {
                    local: pair.local.clone(),
                    remote: pair.remote.clone(),
                    identifier: pair.local.clone(),
                })
                .unwrap_or_default();
            m.emit_values(
                ZMQ_EVENT_PIPES_STATS as u64,
                &[stats.outbound, stats.inbound],
                &endpoints,
            );
        }
    }
}
