//! The commands an I/O thread's mailbox carries (`IoMailbox`): listeners and sessions
//! to start or close, its sessions' pipe commands, and the order to stop.

use super::listener::ListenerSpec;
use super::session::SessionSpec;
use super::udp_session::UdpSpec;
use crate::mailbox::Mailbox;
use crate::pipe::PipeCommand;

pub enum IoCommand {
    /// About a session's pipe, from the socket at the other end.
    Pipe(PipeCommand),
    /// Listen on a bound endpoint.
    AddListener(Box<ListenerSpec>),
    /// Connect (and reconnect) to an endpoint.
    AddSession(Box<SessionSpec>),
    /// Run a udp endpoint (a RADIO's connect, a DISH's bind).
    AddUdp(Box<UdpSpec>),
    /// Close a listener or session, lingering up to `linger` ms. With `end_pipe` the
    /// sessions end their pipe to the socket themselves at once, dropping what the
    /// socket queued (an unbind; a disconnect of a pipe the session made); otherwise
    /// the socket ends it and they send what it queued first.
    Close {
        id: u64,
        linger: i32,
        end_pipe: bool,
    },
    /// Finish once every session has lingered, then exit.
    StopIo,
}

impl From<PipeCommand> for IoCommand {
    fn from(command: PipeCommand) -> IoCommand {
        IoCommand::Pipe(command)
    }
}

/// An I/O thread's mailbox (its eventfd is registered with the thread's mio loop).
pub type IoMailbox = Mailbox<IoCommand>;
