//! Test support for the routing strategies: a socket's pipe table (`Pipes`) whose pipes
//! are real in-memory pipe pairs, with the far ends kept here to play the peers. No
//! owners are attached, so the commands a pipe would send are played by the test
//! itself: `readable` for an ActivateRead, `credit` for an ActivateWrite.

use crate::msg::Msg;
use crate::pipe::{pipe_pair, Direction, Pipe, PipeKey, Pipes};

pub struct TestPipes {
    pub pipes: Pipes,
    /// The peers' ends, by key of the socket's end.
    peers: Vec<Option<Pipe>>,
    /// Whole messages each peer has read (what its credit says).
    peer_read: Vec<u64>,
}

/// A frame: `text`, with MORE set when `more`.
pub fn frame(text: &str, more: bool) -> Msg {
    let mut msg = Msg::from_slice(text.as_bytes());
    msg.set_more(more);
    msg
}

impl TestPipes {
    pub fn new() -> TestPipes {
        TestPipes {
            pipes: Pipes::default(),
            peers: Vec::new(),
            peer_read: Vec::new(),
        }
    }

    /// A new pipe whose socket end holds at most `hwm` outgoing messages (0 = no limit).
    pub fn add(&mut self, hwm: u64) -> PipeKey {
        let (mine, theirs) = pipe_pair(
            Direction {
                hwm,
                conflate: false,
            },
            Direction::default(),
        );
        let key = self.pipes.insert(mine);
        if self.peers.len() <= key {
            self.peers.resize_with(key + 1, || None);
            self.peer_read.resize(key + 1, 0);
        }
        self.peers[key] = Some(theirs);
        key
    }

    fn peer(&mut self, key: PipeKey) -> &mut Pipe {
        self.peers[key].as_mut().expect("a peer for every pipe")
    }

    /// The peer writes one message (its frames, MORE on all but the last) and flushes.
    pub fn peer_sends(&mut self, key: PipeKey, frames: &[&str]) {
        self.peer_writes(key, frames, true);
        self.peer(key).flush();
    }

    /// The peer writes frames without finishing the message (a flush publishes none).
    pub fn peer_starts(&mut self, key: PipeKey, frames: &[&str]) {
        self.peer_writes(key, frames, false);
        self.peer(key).flush();
    }

    fn peer_writes(&mut self, key: PipeKey, frames: &[&str], last_ends: bool) {
        let n = frames.len();
        for (i, text) in frames.iter().enumerate() {
            let more = i + 1 < n || !last_ends;
            assert!(self.peer(key).write(frame(text, more)).is_ok());
        }
    }

    /// Every frame the peer can read now, as text ("+" marks MORE).
    pub fn peer_receives(&mut self, key: PipeKey) -> Vec<String> {
        let peer = self.peer(key);
        peer.activate_read();
        let mut got = Vec::new();
        let mut whole = 0;
        while let Some(msg) = peer.read() {
            let text = String::from_utf8_lossy(msg.data()).into_owned();
            whole += u64::from(!msg.more());
            got.push(if msg.more() { text + "+" } else { text });
        }
        self.peer_read[key] += whole;
        got
    }

    /// The peer closes its end (a delimiter follows what it sent), and the socket's
    /// end hears of it (PipeTerm). Returns whether the socket's end is finished now.
    pub fn peer_closes(&mut self, key: PipeKey) -> bool {
        self.peer(key).terminate();
        self.pipes[key].peer_terminated()
    }

    /// The socket's end learns the peer flushed (ActivateRead): true if it was asleep.
    pub fn readable(&mut self, key: PipeKey) -> bool {
        self.pipes[key].activate_read()
    }

    /// The peer reads everything (returned), and the socket's end gets its credit
    /// back (ActivateWrite): true if that made a full pipe writable again.
    pub fn credit(&mut self, key: PipeKey) -> (Vec<String>, bool) {
        let got = self.peer_receives(key);
        let read = self.peer_read[key];
        (got, self.pipes[key].activate_write(read))
    }
}
