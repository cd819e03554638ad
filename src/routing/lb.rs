//! Load balancing: send each whole message to the next writable pipe in turn. Full or
//! closing pipes drop out of the active region until re-activated.

use super::pipe_array::PipeArray;
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pipe::{PipeKey, Pipes};

#[derive(Default)]
pub struct LoadBalancer {
    pipes: PipeArray,
    active: usize,
    current: usize,
    /// In the middle of a multipart message (stay on `current`).
    more: bool,
    /// The rest of the current message is being discarded (its pipe died mid-way).
    dropping: bool,
}

impl LoadBalancer {
    pub fn attach(&mut self, key: PipeKey) {
        self.pipes.push(key);
        self.activated(key);
    }

    pub fn pipe_terminated(&mut self, key: PipeKey) {
        let Some(index) = self.pipes.index_of(key) else {
            return;
        };
        // A pipe dying mid-message: the rest of the message is dropped.
        if index == self.current && self.more {
            self.dropping = true;
        }
        if index < self.active {
            self.active -= 1;
            self.pipes.swap(index, self.active);
            if self.current == self.active {
                self.current = 0;
            }
        }
        self.pipes.erase(key);
    }

    pub fn activated(&mut self, key: PipeKey) {
        if let Some(index) = self.pipes.index_of(key) {
            if index >= self.active {
                self.pipes.swap(index, self.active);
                self.active += 1;
            }
        }
    }

    /// Sends a frame; on success `msg` is left empty and the pipe used is returned.
    #[inline]
    pub fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<Option<PipeKey>> {
        if self.dropping {
            self.more = msg.more();
            self.dropping = self.more;
            *msg = Msg::new();
            return Ok(None);
        }
        let more = msg.more();
        while self.active > 0 {
            let key = self.pipes.at(self.current);
            match pipes.write(key, std::mem::take(msg)) {
                Ok(()) => {
                    self.more = more;
                    if !more {
                        pipes.flush(key);
                        self.current += 1;
                        if self.current >= self.active {
                            self.current = 0;
                        }
                    }
                    return Ok(Some(key));
                }
                Err(back) => {
                    *msg = back;
                    if self.more {
                        // The pipe closed under a half-sent message: withdraw it and
                        // drop the remaining frames.
                        pipes.rollback(key);
                        self.more = false;
                        self.dropping = more;
                        *msg = Msg::new();
                        return Err(Error::Again);
                    }
                    self.active -= 1;
                    if self.current < self.active {
                        self.pipes.swap(self.current, self.active);
                    } else {
                        self.current = 0;
                    }
                }
            }
        }
        Err(Error::Again)
    }

    pub fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        if self.more {
            return true;
        }
        while self.active > 0 {
            let key = self.pipes.at(self.current);
            if pipes.check_write(key) {
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
