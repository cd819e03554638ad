//! The pipes a socket owns, addressed by small local keys (slab slots) that routing
//! structures store, plus the map from pipe ids (used in commands) to keys. Pipes that
//! finish (delimiter read) are queued in `finished` for the socket to detach.

use super::{Pipe, PipeId};
use crate::msg::Msg;
use std::collections::HashMap;

/// A socket-local handle to one of its pipes.
pub type PipeKey = usize;

#[derive(Default)]
pub struct Pipes {
    slots: Vec<Option<Pipe>>,
    free: Vec<PipeKey>,
    by_id: HashMap<PipeId, PipeKey>,
    finished: Vec<PipeKey>,
    /// The next complete message may take the direct path (`pipe/direct.rs`): set when
    /// the socket waited, cleared by the next message's last frame.
    direct_armed: bool,
}

impl Pipes {
    pub fn insert(&mut self, pipe: Pipe) -> PipeKey {
        let id = pipe.id();
        let key = match self.free.pop() {
            Some(k) => {
                self.slots[k] = Some(pipe);
                k
            }
            None => {
                self.slots.push(Some(pipe));
                self.slots.len() - 1
            }
        };
        self.by_id.insert(id, key);
        key
    }

    pub fn remove(&mut self, key: PipeKey) -> Option<Pipe> {
        let pipe = self.slots.get_mut(key)?.take()?;
        self.by_id.remove(&pipe.id());
        self.free.push(key);
        Some(pipe)
    }

    pub fn key_of(&self, id: PipeId) -> Option<PipeKey> {
        self.by_id.get(&id).copied()
    }

    pub fn get(&self, key: PipeKey) -> Option<&Pipe> {
        self.slots.get(key).and_then(|s| s.as_ref())
    }

    pub fn get_mut(&mut self, key: PipeKey) -> Option<&mut Pipe> {
        self.slots.get_mut(key).and_then(|s| s.as_mut())
    }

    pub fn keys(&self) -> Vec<PipeKey> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(k, s)| s.as_ref().map(|_| k))
            .collect()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    fn note_if_finished(&mut self, key: PipeKey, was_done: bool) {
        if !was_done && self.get(key).is_some_and(|p| p.is_done()) {
            self.finished.push(key);
        }
    }

    /// Reads a frame from `key`; a pipe reaching its delimiter is queued as finished.
    #[inline]
    pub fn read(&mut self, key: PipeKey) -> Option<Msg> {
        let pipe = self.get_mut(key)?;
        let was_done = pipe.is_done();
        let msg = pipe.read();
        if msg.is_none() {
            self.note_if_finished(key, was_done);
        }
        msg
    }

    pub fn check_read(&mut self, key: PipeKey) -> bool {
        let Some(pipe) = self.get_mut(key) else {
            return false;
        };
        let was_done = pipe.is_done();
        let ready = pipe.check_read();
        if !ready {
            self.note_if_finished(key, was_done);
        }
        ready
    }

    #[inline]
    pub fn write(&mut self, key: PipeKey, mut msg: Msg) -> Result<(), Msg> {
        let direct = self.direct_armed && !msg.more();
        if direct {
            self.direct_armed = false;
        }
        let Some(pipe) = self.get_mut(key) else {
            return Err(msg);
        };
        if direct {
            match pipe.try_write_direct(msg) {
                Ok(()) => return Ok(()),
                Err(back) => msg = back,
            }
        }
        pipe.write(msg)
    }

    /// Lets the next message go straight to its connection if that connection's I/O
    /// thread is idle (the socket waited, so the next send is likely a lone one).
    #[inline]
    pub fn arm_direct(&mut self) {
        self.direct_armed = true;
    }

    #[inline]
    pub fn flush(&mut self, key: PipeKey) {
        if let Some(pipe) = self.get_mut(key) {
            pipe.flush();
        }
    }

    pub fn rollback(&mut self, key: PipeKey) {
        if let Some(pipe) = self.get_mut(key) {
            pipe.rollback();
        }
    }

    pub fn check_write(&mut self, key: PipeKey) -> bool {
        self.get_mut(key).is_some_and(|p| p.check_write())
    }

    pub fn check_hwm(&self, key: PipeKey) -> bool {
        self.get(key).is_some_and(|p| p.check_hwm())
    }

    /// Marks a pipe finished by the socket itself (e.g. a duplicate PAIR peer).
    pub fn finish(&mut self, key: PipeKey) {
        if let Some(pipe) = self.get_mut(key) {
            let was_done = pipe.is_done();
            pipe.terminate();
            self.note_if_finished(key, was_done);
        }
    }

    pub fn mark_finished(&mut self, key: PipeKey) {
        if !self.finished.contains(&key) {
            self.finished.push(key);
        }
    }

    pub fn take_finished(&mut self) -> Vec<PipeKey> {
        std::mem::take(&mut self.finished)
    }

    pub fn has_finished(&self) -> bool {
        !self.finished.is_empty()
    }
}

impl std::ops::Index<PipeKey> for Pipes {
    type Output = Pipe;
    fn index(&self, key: PipeKey) -> &Pipe {
        self.slots[key].as_ref().expect("pipe key of a live pipe")
    }
}

impl std::ops::IndexMut<PipeKey> for Pipes {
    fn index_mut(&mut self, key: PipeKey) -> &mut Pipe {
        self.slots[key].as_mut().expect("pipe key of a live pipe")
    }
}
