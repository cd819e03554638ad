//! Where a session keeps its connection's engine: behind a lock, so that the socket's
//! end of the session's pipe can send a message through it directly from the
//! application thread (`pipe/direct.rs`). The I/O thread takes the lock for each event
//! it handles (never contended in steady traffic); the application thread only ever
//! tries it, and queues the message as usual when the I/O thread holds it.
//!
//! A direct send also waits its turn behind the I/O thread's pending commands: a
//! command posted before the message (an unbind or disconnect closing the receiving
//! session, when both ends share the I/O thread) must act before the I/O thread can
//! read the message's bytes, as it would if the message went through the thread.

use super::command::IoMailbox;
use super::engine::Engine;
use crate::pipe::{DirectOutput, DirectSend, Frames};
use parking_lot::{MappedMutexGuard, Mutex, MutexGuard};
use std::sync::{Arc, OnceLock};

#[derive(Default)]
pub struct EngineSlot {
    engine: Mutex<Option<Box<Engine>>>,
    /// The mailbox of the I/O thread that owns the engine.
    io_mailbox: OnceLock<Arc<IoMailbox>>,
}

impl EngineSlot {
    pub fn new() -> Arc<EngineSlot> {
        Arc::new(EngineSlot::default())
    }

    /// The engine, if the session is connected.
    pub fn lock(&self) -> Option<MappedMutexGuard<'_, Engine>> {
        MutexGuard::try_map(self.engine.lock(), |e| e.as_deref_mut()).ok()
    }

    /// Installs the engine of a new connection, run by the I/O thread of `io_mailbox`.
    pub fn put(&self, engine: Box<Engine>, io_mailbox: &Arc<IoMailbox>) {
        let _ = self.io_mailbox.set(io_mailbox.clone());
        *self.engine.lock() = Some(engine);
    }

    /// Removes the engine (the connection ends): no direct send can reach it after.
    pub fn take(&self) -> Option<Box<Engine>> {
        self.engine.lock().take()
    }
}

impl DirectOutput for EngineSlot {
    fn send(&self, last_len: usize, frames: &mut Frames<'_>) -> DirectSend {
        if self.io_mailbox.get().is_some_and(|m| m.has_pending()) {
            return DirectSend::Declined;
        }
        let Some(mut slot) = self.engine.try_lock() else {
            return DirectSend::Declined;
        };
        match slot.as_deref_mut() {
            Some(engine) => engine.send_direct(last_len, frames),
            None => DirectSend::Declined,
        }
    }
}
