//! The direct path: a connection that can take a complete message from the
//! application thread itself, when its I/O thread has nothing queued and sleeps.
//!
//! Going through the queue costs a wake-up of the I/O thread (an eventfd write, then
//! the scheduler), which is most of a round trip's time on a quiet connection. The
//! socket uses this path only for the first message after it waited (a request after
//! the reply, a reply after the request); a busy sender keeps batching through the
//! queue. Ordering holds because the path is taken only while the queue is empty and
//! its reader asleep, and the engine's output idle (checked under the engine's lock).

use crate::msg::Msg;
use std::sync::atomic::{AtomicU64, Ordering};

/// Messages sent by the direct path in this process (at most one per wait, so the count
/// costs nothing measurable); tests use it to show the path is taken.
static SENT: AtomicU64 = AtomicU64::new(0);

/// How many messages the direct path has sent in this process.
pub fn sent_count() -> u64 {
    SENT.load(Ordering::Relaxed)
}

pub(super) fn count_sent() {
    SENT.fetch_add(1, Ordering::Relaxed);
}

/// What a send through the direct path came to.
#[derive(Debug, PartialEq, Eq)]
pub enum DirectSend {
    /// Not possible now (connection busy, not ready or gone): the frames were not
    /// touched; queue them as usual.
    Declined,
    /// Written to the socket.
    Sent,
    /// Handed to the engine, but not all written (or the write failed): the I/O thread
    /// must look at the connection.
    SentNeedsPump,
}

/// The frames of one message: called once with a sink, it passes each frame to it, in
/// order, the last without MORE.
pub type Frames<'a> = dyn FnMut(&mut dyn FnMut(Msg)) + 'a;

/// Implemented by the I/O layer for a session's connection.
pub trait DirectOutput: Send + Sync {
    /// Sends the frames of one complete message, or declines without calling `frames`.
    /// `last_len` is the size of the last frame.
    fn send(&self, last_len: usize, frames: &mut Frames<'_>) -> DirectSend;
}
