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

    /// The next single-part message and its pipe; multipart messages are dropped whole
    /// (the thread-safe socket types take single frames only, as in libzmq).
    pub fn recv_single_part(&mut self, pipes: &mut Pipes) -> Option<(Msg, PipeKey)> {
        loop {
            let (msg, key) = self.recv(pipes)?;
            if !msg.more() {
                return Some((msg, key));
            }
            // Pipes publish whole messages, so the rest of this one is there to drop.
            while self.recv(pipes)?.0.more() {}
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::test_pipes::TestPipes;

    fn setup(n: usize) -> (FairQueue, TestPipes, Vec<PipeKey>) {
        let mut t = TestPipes::new();
        let mut fq = FairQueue::default();
        let keys: Vec<PipeKey> = (0..n).map(|_| t.add(0)).collect();
        for &k in &keys {
            fq.attach(k);
        }
        (fq, t, keys)
    }

    /// Every frame readable now, as text ("+" marks MORE) with the pipe it came from.
    fn drain(fq: &mut FairQueue, t: &mut TestPipes) -> Vec<(String, PipeKey)> {
        let mut got = Vec::new();
        while let Some((msg, key)) = fq.recv(&mut t.pipes) {
            let text = String::from_utf8_lossy(msg.data()).into_owned();
            got.push((if msg.more() { text + "+" } else { text }, key));
        }
        got
    }

    fn texts(got: &[(String, PipeKey)]) -> Vec<&str> {
        got.iter().map(|(text, _)| text.as_str()).collect()
    }

    #[test]
    fn one_whole_message_from_each_pipe_in_turn() {
        let (mut fq, mut t, k) = setup(3);
        for (i, &key) in k.iter().enumerate() {
            t.peer_sends(key, &[&format!("p{i}a")]);
            t.peer_sends(key, &[&format!("p{i}b")]);
        }
        let got = drain(&mut fq, &mut t);
        assert_eq!(texts(&got), ["p0a", "p1a", "p2a", "p0b", "p1b", "p2b"]);
        assert_eq!(got[1].1, k[1]);
    }

    #[test]
    fn never_switches_pipes_in_the_middle_of_a_message() {
        let (mut fq, mut t, k) = setup(2);
        t.peer_sends(k[0], &["a1", "a2", "a3"]);
        t.peer_sends(k[1], &["b1", "b2"]);
        t.peer_sends(k[0], &["c"]);
        let got = drain(&mut fq, &mut t);
        assert_eq!(texts(&got), ["a1+", "a2+", "a3", "b1+", "b2", "c"]);
    }

    #[test]
    fn a_half_written_message_stays_invisible_until_it_is_complete() {
        let (mut fq, mut t, k) = setup(2);
        // The peer of k[0] flushed the first frames of a message: nothing is published.
        t.peer_starts(k[0], &["a1", "a2"]);
        t.peer_sends(k[1], &["b"]);
        assert_eq!(texts(&drain(&mut fq, &mut t)), ["b"]);
        assert!(!fq.has_in(&mut t.pipes));
        // The message completes: the pipe is activated and all of it arrives in one go.
        t.peer_sends(k[0], &["a3"]);
        assert!(t.readable(k[0]));
        fq.activated(k[0]);
        assert!(fq.has_in(&mut t.pipes));
        assert_eq!(texts(&drain(&mut fq, &mut t)), ["a1+", "a2+", "a3"]);
    }

    #[test]
    fn an_empty_pipe_sleeps_until_activated() {
        let (mut fq, mut t, k) = setup(2);
        assert!(fq.recv(&mut t.pipes).is_none());
        t.peer_sends(k[1], &["late"]);
        // Not activated yet: the pipe went inactive when found empty.
        assert!(fq.recv(&mut t.pipes).is_none());
        assert!(t.readable(k[1]));
        fq.activated(k[1]);
        assert_eq!(texts(&drain(&mut fq, &mut t)), ["late"]);
    }

    #[test]
    fn a_pipe_terminated_in_the_middle_of_the_rotation_is_left_out() {
        let (mut fq, mut t, k) = setup(3);
        for (i, &key) in k.iter().enumerate() {
            t.peer_sends(key, &[&format!("p{i}a")]);
            t.peer_sends(key, &[&format!("p{i}b")]);
        }
        let (first, _) = fq.recv(&mut t.pipes).unwrap();
        assert_eq!(first.data(), b"p0a");
        // k[1] was next in turn.
        fq.pipe_terminated(k[1]);
        let got = drain(&mut fq, &mut t);
        assert_eq!(texts(&got), ["p2a", "p0b", "p2b"]);
    }

    #[test]
    fn a_closing_peer_delivers_what_it_sent_then_its_pipe_is_finished() {
        let (mut fq, mut t, k) = setup(2);
        t.peer_sends(k[0], &["last1", "last2"]);
        assert!(
            !t.peer_closes(k[0]),
            "messages are still queued before the delimiter"
        );
        t.peer_sends(k[1], &["b"]);
        let got = drain(&mut fq, &mut t);
        assert_eq!(texts(&got), ["last1+", "last2", "b"]);
        assert_eq!(t.pipes.take_finished(), [k[0]]);
    }
}
