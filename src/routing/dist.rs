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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::mtrie::MTrie;
    use crate::routing::test_pipes::{frame, TestPipes};

    fn setup(hwms: &[u64]) -> (Distributor, TestPipes, Vec<PipeKey>) {
        let mut t = TestPipes::new();
        let mut dist = Distributor::default();
        let keys: Vec<PipeKey> = hwms.iter().map(|&hwm| t.add(hwm)).collect();
        for &k in &keys {
            dist.attach(k);
        }
        (dist, t, keys)
    }

    const NOTHING: [&str; 0] = [];

    #[test]
    fn send_to_all_reaches_every_pipe_with_shared_payloads() {
        let (mut dist, mut t, k) = setup(&[0, 0, 0]);
        let big = "x".repeat(1000);
        dist.send_to_all(&mut t.pipes, frame(&big, false));
        for &key in &k {
            assert_eq!(t.peer_receives(key), [big.as_str()]);
        }
    }

    #[test]
    fn only_matching_pipes_receive() {
        let (mut dist, mut t, k) = setup(&[0, 0, 0]);
        dist.unmatch();
        dist.mark_matching(k[0]);
        dist.mark_matching(k[2]);
        dist.mark_matching(k[2]);
        dist.send_to_matching(&mut t.pipes, frame("m", false));
        assert_eq!(t.peer_receives(k[0]), ["m"]);
        assert_eq!(t.peer_receives(k[1]), NOTHING);
        assert_eq!(t.peer_receives(k[2]), ["m"]);
        // No match at all: nobody receives.
        dist.unmatch();
        dist.send_to_matching(&mut t.pipes, frame("n", false));
        for &key in &k {
            assert_eq!(t.peer_receives(key), NOTHING);
        }
    }

    #[test]
    fn reverse_match_selects_the_unmarked_pipes() {
        let (mut dist, mut t, k) = setup(&[0, 0, 0]);
        dist.unmatch();
        dist.mark_matching(k[1]);
        dist.reverse_match();
        dist.send_to_matching(&mut t.pipes, frame("m", false));
        assert_eq!(t.peer_receives(k[0]), ["m"]);
        assert_eq!(t.peer_receives(k[1]), NOTHING);
        assert_eq!(t.peer_receives(k[2]), ["m"]);
    }

    #[test]
    fn a_full_pipe_drops_messages_until_it_has_room_again() {
        let (mut dist, mut t, k) = setup(&[0, 1, 0]);
        dist.send_to_all(&mut t.pipes, frame("m0", false));
        dist.send_to_all(&mut t.pipes, frame("m1", false));
        dist.send_to_all(&mut t.pipes, frame("m2", false));
        assert_eq!(t.peer_receives(k[0]), ["m0", "m1", "m2"]);
        assert_eq!(t.peer_receives(k[2]), ["m0", "m1", "m2"]);
        // The full pipe dropped m1 and m2 (PUB never blocks)...
        let (got, reopened) = t.credit(k[1]);
        assert_eq!(got, ["m0"]);
        assert!(reopened);
        // ...and takes part again once it has room.
        dist.activated(k[1]);
        dist.send_to_all(&mut t.pipes, frame("m3", false));
        assert_eq!(t.peer_receives(k[1]), ["m3"]);
    }

    #[test]
    fn a_pipe_attached_mid_message_gets_only_the_next_message() {
        let (mut dist, mut t, k) = setup(&[0]);
        dist.send_to_all(&mut t.pipes, frame("a1", true));
        let late = t.add(0);
        dist.attach(late);
        dist.send_to_all(&mut t.pipes, frame("a2", false));
        dist.send_to_all(&mut t.pipes, frame("b", false));
        assert_eq!(t.peer_receives(k[0]), ["a1+", "a2", "b"]);
        assert_eq!(t.peer_receives(late), ["b"]);
    }

    #[test]
    fn a_pipe_terminated_among_the_matching_is_skipped() {
        let (mut dist, mut t, k) = setup(&[0, 0, 0]);
        dist.unmatch();
        for &key in &k {
            dist.mark_matching(key);
        }
        dist.pipe_terminated(k[1]);
        dist.send_to_matching(&mut t.pipes, frame("m", false));
        assert_eq!(t.peer_receives(k[0]), ["m"]);
        assert_eq!(t.peer_receives(k[1]), NOTHING);
        assert_eq!(t.peer_receives(k[2]), ["m"]);
        dist.send_to_all(&mut t.pipes, frame("n", false));
        assert_eq!(t.peer_receives(k[0]), ["n"]);
        assert_eq!(t.peer_receives(k[2]), ["n"]);
        assert!(dist.has_pipes());
    }

    /// PUB-side filtering as XPUB does it: the subscriptions (an `MTrie` of pipe keys)
    /// mark the pipes whose prefixes match the first frame, the distributor sends to them.
    #[test]
    fn subscriptions_in_the_mtrie_pick_the_recipients() {
        let (mut dist, mut t, k) = setup(&[0, 0, 0]);
        let mut subscriptions = MTrie::new();
        subscriptions.add(b"a", k[0]);
        subscriptions.add(b"ab", k[0]);
        subscriptions.add(b"ab", k[1]);
        subscriptions.add(b"", k[2]);
        fn publish(s: &MTrie<PipeKey>, dist: &mut Distributor, t: &mut TestPipes, topic: &str) {
            dist.unmatch();
            s.match_prefixes(topic.as_bytes(), |key| dist.mark_matching(key));
            dist.send_to_matching(&mut t.pipes, frame(topic, false));
        }
        publish(&subscriptions, &mut dist, &mut t, "abc");
        publish(&subscriptions, &mut dist, &mut t, "ax");
        publish(&subscriptions, &mut dist, &mut t, "b");
        // k[0] matches twice for "abc" but receives it once.
        assert_eq!(t.peer_receives(k[0]), ["abc", "ax"]);
        assert_eq!(t.peer_receives(k[1]), ["abc"]);
        assert_eq!(t.peer_receives(k[2]), ["abc", "ax", "b"]);
        // A terminated pipe leaves the trie and the distributor; the others go on.
        subscriptions.rm_pipe(k[1], false, |_| {});
        dist.pipe_terminated(k[1]);
        publish(&subscriptions, &mut dist, &mut t, "abz");
        assert_eq!(t.peer_receives(k[0]), ["abz"]);
        assert_eq!(t.peer_receives(k[1]), NOTHING);
    }
}
