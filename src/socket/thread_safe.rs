//! Blocking send and receive on a socket that callers reach through a lock (the C
//! handle's), for the thread-safe types: the lock is held for each attempt, never
//! while waiting, so other threads may send and receive on the socket meanwhile.
//!
//! How a waiter is sure to wake: before an attempt (under the lock) it reads the
//! mailbox's epoch, which every delivered command moves forward. A change that could
//! let the attempt succeed either happened before that read (so the attempt, which
//! processes every queued command, sees it) or comes as a command afterwards (so the
//! epoch moves and `wait_past` returns). Pipes send their "readable/writable again"
//! commands only when their reader or writer found them empty or full, which is what
//! the failed attempt did. Closing the socket and terminating the context wake waiters
//! too; they relock, and fail with ENOTSOCK or ETERM.
//!
//! A classic socket (not thread-safe) is sent to and received from as before, holding
//! the lock while it waits: a second thread using it at the same time (a bug in the
//! program) waits for its turn.

use super::{remaining, Socket};
use crate::error::{Error, Result};
use crate::msg::Msg;
use std::ops::DerefMut;

/// `Socket::send` for a socket held through `socket`, a guard of its lock; `relock`
/// takes the lock again (and fails if the socket was closed meanwhile).
pub fn send<G, R>(mut socket: G, relock: R, msg: &mut Msg, flags: i32) -> Result<()>
where
    G: DerefMut<Target = Socket>,
    R: Fn() -> Result<G>,
{
    if !socket.thread_safe {
        return socket.send(msg, flags);
    }
    let mut epoch = socket.mailbox.epoch();
    match socket.send_now(msg, flags) {
        Err(Error::Again) => {}
        other => return other,
    }
    let deadline = socket.send_deadline(flags)?;
    let mailbox = socket.mailbox.clone();
    drop(socket);
    loop {
        mailbox.wait_past(epoch, deadline);
        let mut socket = relock()?;
        epoch = mailbox.epoch();
        match socket.send_again(msg) {
            Err(Error::Again) => {}
            other => return other,
        }
        drop(socket);
        remaining(deadline)?;
    }
}

/// `Socket::recv` for a socket held through `socket`; as `send`.
pub fn recv<G, R>(mut socket: G, relock: R, flags: i32) -> Result<Msg>
where
    G: DerefMut<Target = Socket>,
    R: Fn() -> Result<G>,
{
    if !socket.thread_safe {
        return socket.recv(flags);
    }
    let mut epoch = socket.mailbox.epoch();
    match socket.recv_now() {
        Err(Error::Again) => {}
        other => return other,
    }
    let deadline = socket.recv_deadline(flags)?;
    let mailbox = socket.mailbox.clone();
    drop(socket);
    loop {
        mailbox.wait_past(epoch, deadline);
        let mut socket = relock()?;
        epoch = mailbox.epoch();
        match socket.recv_again() {
            Err(Error::Again) => {}
            other => return other,
        }
        drop(socket);
        remaining(deadline)?;
    }
}
