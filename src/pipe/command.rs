//! The commands about one pipe that travel between its two ends, and where they go: the
//! mailbox of whoever owns the other end, a socket or an I/O thread (its session).
//! Either owner's mailbox carries its own command type, which wraps these
//! (`command::Command` for a socket, `io::IoCommand` for an I/O thread).

use super::{HwmBoost, PipeId, PipeStats};
use crate::mailbox::Mailbox;

/// A command about one pipe, addressed by its id in the receiver's table.
pub enum PipeCommand {
    /// The peer flushed into a pipe we had found empty: it has messages again.
    ActivateRead(PipeId),
    /// The peer has read this many messages from a pipe we write: credit for the HWM.
    ActivateWrite(PipeId, u64),
    /// The peer closed its end; a delimiter follows the last message it sent.
    PipeTerm(PipeId),
    /// The socket we connected to before it was bound is now bound: the pipe's limits
    /// grow by the binder's HWMs (the boost: its SNDHWM inbound, its RCVHWM outbound).
    InprocConnected { pipe: PipeId, boost: HwmBoost },
    /// The socket at the other end changed its HWMs (`ZMQ_SNDHWM`/`ZMQ_RCVHWM`): its
    /// SNDHWM bounds what we read, its RCVHWM what we write (`Pipe::apply_hwms`).
    PipeHwm {
        pipe: PipeId,
        peer_sndhwm: i32,
        peer_rcvhwm: i32,
    },
    /// A subscriber's connection was re-established: resend subscriptions on this pipe.
    Hiccup(PipeId),
    /// `zmq_socket_monitor_pipes_stats`: the socket at the other end asks for our count
    /// of messages queued towards it (`Pipe::answer_stats`).
    StatsRequest(PipeId, Box<PipeStats>),
    /// The answer: the socket publishes it as a ZMQ_EVENT_PIPES_STATS event.
    StatsReply(PipeId, Box<PipeStats>),
}

/// Whoever owns a pipe end: the mailbox its peer's commands are delivered to.
pub trait PipeOwner: Send + Sync {
    fn pipe_command(&self, command: PipeCommand);
}

impl<C: From<PipeCommand> + Send> PipeOwner for Mailbox<C> {
    fn pipe_command(&self, command: PipeCommand) {
        self.send(C::from(command));
    }
}
