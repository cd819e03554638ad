//! The commands threads send each other through mailboxes. Pipes are named by their id
//! in the receiving socket's table; the payload of `Attach` is the receiver's end.

use crate::pipe::{Pipe, PipeId};

pub enum Command {
    /// The peer flushed into a pipe we had found empty: it has messages again.
    ActivateRead(PipeId),
    /// The peer has read this many messages from a pipe we write: credit for the HWM.
    ActivateWrite(PipeId, u64),
    /// The peer closed its end; a delimiter follows the last message it sent.
    PipeTerm(PipeId),
    /// A connecting peer created a pipe to this (bound) socket: here is our end.
    Attach(Box<Pipe>),
    /// The socket we connected to before it was bound is now bound: the pipe's limits
    /// grow by the binder's HWMs.
    InprocConnected {
        pipe: PipeId,
        out_hwm: u64,
        in_hwm: u64,
    },
    /// The context is terminating: blocking calls must fail with ETERM.
    Stop,
}
