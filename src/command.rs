//! The commands threads send each other through mailboxes. Pipes are named by their id
//! in the receiving socket's table; the payload of `Attach` is the receiver's end.

use crate::io::listener::ListenerSpec;
use crate::io::session::SessionSpec;
use crate::pipe::{HwmBoost, Pipe, PipeId};

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
    /// grow by the binder's HWMs (the boost: its SNDHWM inbound, its RCVHWM outbound).
    InprocConnected { pipe: PipeId, boost: HwmBoost },
    /// The socket at the other end changed its HWMs (`ZMQ_SNDHWM`/`ZMQ_RCVHWM`): its
    /// SNDHWM bounds what we read, its RCVHWM what we write (`Pipe::apply_hwms`).
    PipeHwm {
        pipe: PipeId,
        peer_sndhwm: i32,
        peer_rcvhwm: i32,
    },
    /// The context is terminating: blocking calls must fail with ETERM.
    Stop,
    /// A subscriber's connection was re-established: resend subscriptions on this pipe.
    Hiccup(PipeId),
    /// To an I/O thread: listen on a bound endpoint.
    AddListener(Box<ListenerSpec>),
    /// To an I/O thread: connect (and reconnect) to an endpoint.
    AddSession(Box<SessionSpec>),
    /// To an I/O thread: close a listener or session, lingering up to `linger` ms.
    Close { id: u64, linger: i32 },
    /// To an I/O thread: finish once every session has lingered, then exit.
    StopIo,
}
