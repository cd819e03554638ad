//! The commands a socket's mailbox carries (`SocketMailbox`): its pipes' commands, new
//! pipes from inproc peers and sessions, and termination. The I/O threads' commands
//! are `io::IoCommand`.

use crate::mailbox::Mailbox;
use crate::pipe::{Pipe, PipeCommand};

pub enum Command {
    /// About one of the socket's pipes, from the other end.
    Pipe(PipeCommand),
    /// A connecting peer created a pipe to this (bound) socket: here is our end.
    Attach(Box<Pipe>),
    /// The context is terminating: blocking calls must fail with ETERM.
    Stop,
}

impl From<PipeCommand> for Command {
    fn from(command: PipeCommand) -> Command {
        Command::Pipe(command)
    }
}

/// A socket's mailbox (its eventfd is `ZMQ_FD`).
pub type SocketMailbox = Mailbox<Command>;
