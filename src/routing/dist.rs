//! Distribution (PUB fan-out): send each message to every matching pipe. Large payloads
//! are shared, one reference per subscriber. The array is partitioned into prefixes:
//! `[0, matching)` receive the current message, `[0, active)` are writable and not in
//! the middle of someone else's message, `[0, eligible)` are writable.

use super::pipe_array::PipeArray;
use crate::msg::Msg;
use crate::pipe::{PipeKey, Pipes};

#[derive(Default)]
pub struct Distributor {
    pipes: PipeArray,
    matching: usize,
    active: usize,
    eligible: usize,
    more: bool,
}

impl Distributor {
    pub fn attach(&mut self, key: PipeKey) {
        self.pipes.push(key);
        let last = self.pipes.len() - 1;
        // A pipe attached mid-message must not receive the message's tail.
        self.pipes.swap(self.eligible, last);
        self.eligible += 1;
        if !self.more {
            self.pipes.swap(self.active, self.eligible - 1);
            self.active += 1;
        }
    }

    /// Marks `key` as a recipient of the current message.
    pub fn mark_matching(&mut self, key: PipeKey) {
        let Some(index) = self.pipes.index_of(key) else {
            return;
        };
        // Already matching, or not active: nothing to do.
        if index < self.matching || index >= self.eligible {
            return;
        }
        self.pipes.swap(index, self.matching);
        self.matching += 1;
    }

    /// Selects the active pipes that were *not* marked (ZMQ_INVERT_MATCHING).
    pub fn reverse_match(&mut self) {
        let previous = self.matching;
        self.unmatch();
        for i in previous..self.active {
            self.pipes.swap(i, self.matching);
            self.matching += 1;
        }
    }

    pub fn unmatch(&mut self) {
        self.matching = 0;
    }

    pub fn match_all(&mut self) {
        self.matching = self.active;
    }

    pub fn pipe_terminated(&mut self, key: PipeKey) {
        let Some(mut index) = self.pipes.index_of(key) else {
            return;
        };
        if index < self.matching {
            self.pipes.swap(index, self.matching - 1);
            self.matching -= 1;
            index = self.matching;
        }
        if index < self.active {
            self.pipes.swap(index, self.active - 1);
            self.active -= 1;
            index = self.active;
        }
        if index < self.eligible {
            self.pipes.swap(index, self.eligible - 1);
            self.eligible -= 1;
        }
        self.pipes.erase(key);
    }

    /// The pipe became writable again.
    pub fn activated(&mut self, key: PipeKey) {
        let Some(index) = self.pipes.index_of(key) else {
            return;
        };
        if index >= self.eligible {
            self.pipes.swap(index, self.eligible);
            self.eligible += 1;
        }
        if !self.more && self.active < self.eligible {
            self.pipes.swap(self.eligible - 1, self.active);
            self.active += 1;
        }
    }

    /// Sends to every active pipe.
    pub fn send_to_all(&mut self, pipes: &mut Pipes, msg: Msg) {
        self.matching = self.active;
        self.send_to_matching(pipes, msg);
    }

    /// Sends to the matching pipes; pipes that are full drop the message (and leave
    /// the active set until they have room again).
    pub fn send_to_matching(&mut self, pipes: &mut Pipes, msg: Msg) {
        let more = msg.more();
        self.distribute(pipes, msg);
        if !more {
            self.active = self.eligible;
        }
        self.more = more;
    }

    fn distribute(&mut self, pipes: &mut Pipes, msg: Msg) {
        let mut i = 0;
        while i < self.matching {
            let key = self.pipes.at(i);
            let copy = if i + 1 == self.matching {
                None
            } else {
                Some(msg.share())
            };
            let frame = match copy {
                Some(c) => c,
                None => {
                    // The last recipient takes the original.
                    return self.write_last(pipes, key, i, msg);
                }
            };
            if self.write(pipes, key, i, frame) {
                i += 1;
            }
        }
    }

    fn write_last(&mut self, pipes: &mut Pipes, key: PipeKey, i: usize, msg: Msg) {
        self.write(pipes, key, i, msg);
    }

    /// Writes to one pipe; on failure moves it out of the matching/active/eligible
    /// regions and returns false (the caller retries the same index).
    fn write(&mut self, pipes: &mut Pipes, key: PipeKey, index: usize, msg: Msg) -> bool {
        let more = msg.more();
        if pipes.write(key, msg).is_err() {
            self.pipes.swap(index, self.matching - 1);
            self.matching -= 1;
            self.pipes.swap(self.matching, self.active - 1);
            self.active -= 1;
            self.pipes.swap(self.active, self.eligible - 1);
            self.eligible -= 1;
            return false;
        }
        if !more {
            pipes.flush(key);
        }
        true
    }

    /// True when every matching pipe has room (XPUB_NODROP).
    pub fn check_hwm(&self, pipes: &Pipes) -> bool {
        (0..self.matching).all(|i| pipes.check_hwm(self.pipes.at(i)))
    }

    pub fn has_pipes(&self) -> bool {
        !self.pipes.is_empty()
    }
}
