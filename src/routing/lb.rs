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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::test_pipes::{frame, TestPipes};

    fn send(lb: &mut LoadBalancer, t: &mut TestPipes, text: &str, more: bool) -> Result<()> {
        let mut msg = frame(text, more);
        lb.send(&mut t.pipes, &mut msg).map(|_| ())
    }

    fn setup(hwms: &[u64]) -> (LoadBalancer, TestPipes, Vec<PipeKey>) {
        let mut t = TestPipes::new();
        let mut lb = LoadBalancer::default();
        let keys: Vec<PipeKey> = hwms.iter().map(|&hwm| t.add(hwm)).collect();
        for &k in &keys {
            lb.attach(k);
        }
        (lb, t, keys)
    }

    #[test]
    fn whole_messages_go_round_robin_in_attach_order() {
        let (mut lb, mut t, k) = setup(&[0, 0, 0]);
        for i in 0..7 {
            send(&mut lb, &mut t, &format!("m{i}"), false).unwrap();
        }
        assert_eq!(t.peer_receives(k[0]), ["m0", "m3", "m6"]);
        assert_eq!(t.peer_receives(k[1]), ["m1", "m4"]);
        assert_eq!(t.peer_receives(k[2]), ["m2", "m5"]);
    }

    #[test]
    fn a_multipart_message_stays_on_one_pipe() {
        let (mut lb, mut t, k) = setup(&[0, 0]);
        send(&mut lb, &mut t, "a1", true).unwrap();
        send(&mut lb, &mut t, "a2", true).unwrap();
        send(&mut lb, &mut t, "a3", false).unwrap();
        send(&mut lb, &mut t, "b1", true).unwrap();
        send(&mut lb, &mut t, "b2", false).unwrap();
        assert_eq!(t.peer_receives(k[0]), ["a1+", "a2+", "a3"]);
        assert_eq!(t.peer_receives(k[1]), ["b1+", "b2"]);
    }

    #[test]
    fn a_full_pipe_is_skipped_until_it_gets_credit() {
        let (mut lb, mut t, k) = setup(&[0, 1, 0]);
        for i in 0..6 {
            send(&mut lb, &mut t, &format!("m{i}"), false).unwrap();
        }
        // The middle pipe holds one message: after m1 it is skipped.
        assert_eq!(t.peer_receives(k[1]), ["m1"]);
        let mut rest = t.peer_receives(k[0]);
        rest.extend(t.peer_receives(k[2]));
        rest.sort();
        assert_eq!(rest, ["m0", "m2", "m3", "m4", "m5"]);
        // Its peer read m1: credit makes it writable, and it is in the rotation again.
        let (_, reopened) = t.credit(k[1]);
        assert!(reopened);
        lb.activated(k[1]);
        for i in 6..9 {
            send(&mut lb, &mut t, &format!("m{i}"), false).unwrap();
        }
        assert_eq!(t.peer_receives(k[1]).len(), 1);
    }

    #[test]
    fn every_pipe_full_is_eagain_and_the_message_is_given_back() {
        let (mut lb, mut t, _) = setup(&[1, 1]);
        send(&mut lb, &mut t, "m0", false).unwrap();
        send(&mut lb, &mut t, "m1", false).unwrap();
        let mut msg = frame("m2", false);
        assert_eq!(lb.send(&mut t.pipes, &mut msg), Err(Error::Again));
        assert_eq!(msg.data(), b"m2");
        assert!(!lb.has_out(&mut t.pipes));
        let mut none = LoadBalancer::default();
        assert_eq!(none.send(&mut t.pipes, &mut msg), Err(Error::Again));
    }

    #[test]
    fn a_pipe_terminated_in_the_middle_of_the_rotation_is_left_out() {
        let (mut lb, mut t, k) = setup(&[0, 0, 0]);
        send(&mut lb, &mut t, "m0", false).unwrap(); // next in turn: k[1]
        lb.pipe_terminated(k[1]);
        for i in 1..5 {
            send(&mut lb, &mut t, &format!("m{i}"), false).unwrap();
        }
        assert_eq!(t.peer_receives(k[1]), Vec::<String>::new());
        assert_eq!(t.peer_receives(k[2]), ["m1", "m3"]);
        assert_eq!(t.peer_receives(k[0]), ["m0", "m2", "m4"]);
    }

    #[test]
    fn a_pipe_terminated_mid_message_drops_the_rest_of_that_message() {
        let (mut lb, mut t, k) = setup(&[0, 0]);
        send(&mut lb, &mut t, "a1", true).unwrap();
        lb.pipe_terminated(k[0]);
        // The rest of the message is swallowed, not sent to another pipe.
        let mut tail = frame("a2", false);
        assert_eq!(lb.send(&mut t.pipes, &mut tail), Ok(None));
        send(&mut lb, &mut t, "b", false).unwrap();
        assert_eq!(t.peer_receives(k[1]), ["b"]);
        // The unfinished message was never published to the dead pipe's peer.
        assert_eq!(t.peer_receives(k[0]), Vec::<String>::new());
    }

    #[test]
    fn a_peer_closing_under_a_half_sent_message_withdraws_it() {
        let (mut lb, mut t, k) = setup(&[0, 0]);
        send(&mut lb, &mut t, "a1", true).unwrap();
        t.peer_closes(k[0]);
        // The next frame cannot be written: the half message is rolled back, the
        // caller told EAGAIN, and the frames still to come are dropped.
        assert_eq!(send(&mut lb, &mut t, "a2", true), Err(Error::Again));
        assert_eq!(send(&mut lb, &mut t, "a3", false), Ok(()));
        send(&mut lb, &mut t, "b", false).unwrap();
        assert_eq!(t.peer_receives(k[1]), ["b"]);
    }
}
