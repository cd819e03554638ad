//! Who watches a socket for the draft poller (`crate::poller`), and how the socket tells
//! them that the application used it.
//!
//! A poller does not look at every socket on every wait: it trusts that a socket it last
//! found without the events it wants still has none, until the socket's `ZMQ_FD` fires.
//! That holds while only other threads act on the socket (their commands signal the
//! fd), but the application's own calls change a socket without any signal (a `recv`
//! takes a message, a `connect` attaches a pipe) and may even swallow one (any call
//! processes pending commands, which drains the fd). So every call the application
//! makes notes a *use*, and a use puts the socket on each watching poller's list of
//! sockets to look at again. A poller's own look (`Socket::readiness_for`) counts as a
//! use for the other pollers watching the socket, since it drains the same fd.
//!
//! Cost: a socket no poller watches pays one branch per call; a watched one, an atomic
//! load per call after the first use since the poller's last wait.

use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// One poller's list of the entries whose sockets were used since it last looked.
#[derive(Default)]
pub struct UseLog {
    used: Mutex<Vec<WatchToken>>,
}

/// Names one entry of one poller: its slot and the generation the slot had then (so a
/// note for a removed entry cannot be mistaken for the slot's next occupant).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WatchToken {
    pub slot: usize,
    pub generation: u64,
}

impl UseLog {
    /// Takes the notes written since the last call.
    pub fn take(&self, into: &mut Vec<WatchToken>) {
        into.append(&mut self.used.lock());
    }

    fn note(&self, token: WatchToken) {
        self.used.lock().push(token);
    }
}

/// A poller's registration on one socket, shared by the two.
pub struct Watch {
    log: Arc<UseLog>,
    token: WatchToken,
    /// A note is in the log and the poller has not taken it yet: further uses add none.
    noted: AtomicBool,
    /// The poller removed the entry (or was destroyed); the socket drops the watch at
    /// its next use.
    ended: AtomicBool,
}

impl Watch {
    pub fn new(log: Arc<UseLog>, token: WatchToken) -> Arc<Watch> {
        Arc::new(Watch {
            log,
            token,
            noted: AtomicBool::new(false),
            ended: AtomicBool::new(false),
        })
    }

    /// The poller took this watch's note: the next use must write a new one. Called
    /// before the poller looks at the socket, so a use during or after the look is
    /// noted again.
    pub fn clear_note(&self) {
        self.noted.store(false, Ordering::Release);
    }

    /// The poller no longer watches the socket.
    pub fn end(&self) {
        self.ended.store(true, Ordering::Release);
    }

    fn is_ended(&self) -> bool {
        self.ended.load(Ordering::Acquire)
    }

    fn note_use(&self) {
        if !self.noted.load(Ordering::Acquire) && !self.noted.swap(true, Ordering::AcqRel) {
            self.log.note(self.token);
        }
    }
}

/// The watches on one socket.
#[derive(Default)]
pub struct Watchers(Vec<Arc<Watch>>);

impl Watchers {
    pub fn add(&mut self, watch: Arc<Watch>) {
        self.0.retain(|w| !w.is_ended());
        self.0.push(watch);
    }

    /// The application used the socket: every poller watching it must look again.
    #[inline]
    pub fn note_use(&mut self) {
        if !self.0.is_empty() {
            self.note_use_except(None);
        }
    }

    /// As `note_use`, for every poller but `looker`, which is looking at the socket
    /// itself.
    #[cold]
    pub fn note_use_except(&mut self, looker: Option<&Watch>) {
        self.0.retain(|w| !w.is_ended());
        for w in &self.0 {
            if !looker.is_some_and(|l| std::ptr::eq(l, Arc::as_ptr(w))) {
                w.note_use();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(slot: usize) -> WatchToken {
        WatchToken {
            slot,
            generation: 1,
        }
    }

    #[test]
    fn a_use_is_noted_once_until_the_poller_takes_it() {
        let log = Arc::new(UseLog::default());
        let watch = Watch::new(log.clone(), token(3));
        let mut watchers = Watchers::default();
        watchers.add(watch.clone());
        watchers.note_use();
        watchers.note_use();
        let mut taken = Vec::new();
        log.take(&mut taken);
        assert_eq!(taken, vec![token(3)]);
        watch.clear_note();
        watchers.note_use();
        taken.clear();
        log.take(&mut taken);
        assert_eq!(taken, vec![token(3)]);
    }

    #[test]
    fn a_looking_poller_notes_the_others_not_itself_and_ended_watches_go() {
        let (log_a, log_b) = (Arc::new(UseLog::default()), Arc::new(UseLog::default()));
        let a = Watch::new(log_a.clone(), token(1));
        let b = Watch::new(log_b.clone(), token(2));
        let mut watchers = Watchers::default();
        watchers.add(a.clone());
        watchers.add(b.clone());
        watchers.note_use_except(Some(&a));
        let (mut taken_a, mut taken_b) = (Vec::new(), Vec::new());
        log_a.take(&mut taken_a);
        log_b.take(&mut taken_b);
        assert!(taken_a.is_empty());
        assert_eq!(taken_b, vec![token(2)]);
        b.end();
        b.clear_note();
        watchers.note_use();
        taken_b.clear();
        log_b.take(&mut taken_b);
        assert!(taken_b.is_empty(), "an ended watch is not noted");
        assert_eq!(watchers.0.len(), 1);
    }
}
