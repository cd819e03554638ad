//! Fair queuing: receive from the readable pipes in turn, one whole message from each.
//! Pipes that turn out empty drop out of the active region until re-activated.

use super::pipe_array::PipeArray;
use crate::msg::Msg;
use crate::pipe::{PipeKey, Pipes};

#[derive(Default)]
pub struct FairQueue {
    pipes: PipeArray,
    active: usize,
    current: usize,
    /// In the middle of a multipart message (stay on `current`).
    more: bool,
}

impl FairQueue {
    pub fn attach(&mut self, key: PipeKey) {
        self.pipes.push(key);
        self.pipes.swap(self.active, self.pipes.len() - 1);
        self.active += 1;
    }

    pub fn pipe_terminated(&mut self, key: PipeKey) {
        let Some(index) = self.pipes.index_of(key) else {
            return;
        };
        if index < self.active {
            self.active -= 1;
            self.pipes.swap(index, self.active);
            if self.current == self.active {
                self.current = 0;
            }
        }
        self.pipes.erase(key);
        if self.pipes.index_of(key).is_none() && self.current >= self.active.max(1) {
            self.current = 0;
        }
    }

    pub fn activated(&mut self, key: PipeKey) {
        if let Some(index) = self.pipes.index_of(key) {
            if index >= self.active {
                self.pipes.swap(index, self.active);
                self.active += 1;
            }
        }
    }

    /// The next frame and the pipe it came from.
    #[inline]
    pub fn recv(&mut self, pipes: &mut Pipes) -> Option<(Msg, PipeKey)> {
        while self.active > 0 {
            let key = self.pipes.at(self.current);
            if let Some(msg) = pipes.read(key) {
                self.more = msg.more();
                if !self.more {
                    self.current += 1;
                    if self.current >= self.active {
                        self.current = 0;
                    }
                }
                return Some((msg, key));
            }
            // A pipe publishes whole messages only (`pipe/queue.rs`), so an empty pipe
            // here is never in the middle of a message.
            self.more = false;
            self.active -= 1;
            self.pipes.swap(self.current, self.active);
            if self.current == self.active {
                self.current = 0;
            }
        }
        None
    }

    pub fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        if self.more {
            return true;
        }
        while self.active > 0 {
            let key = self.pipes.at(self.current);
            if pipes.check_read(key) {
                return true;
            }
            self.active -= 1;
            self.pipes.swap(self.current, self.active);
            if self.current == self.active {
                self.current = 0;
            }
        }
        false
    }
}
