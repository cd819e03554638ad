//! A pipe: one end of a two-way message channel between a socket and a peer (another
//! socket over inproc, or a connection's engine). Each direction is an SPSC `queue`
//! (or a `conflate` slot); this end writes one and reads the other.
//!
//! High-water marks follow libzmq exactly (DESIGN.md §5): the writer counts whole
//! messages written, the reader reports how many it has read every low-water mark
//! ((hwm+1)/2) with an `ActivateWrite` command, and the writer refuses a new message
//! while `written - peer_read >= hwm`. Nothing is shared per message but the queue.
//!
//! Termination: the closing end withdraws any half-written message, writes a delimiter
//! and sends `PipeTerm`; the other end reads what is left up to the delimiter and is
//! then done. The shared memory is reference-counted, so no acknowledgement is needed.

mod command;
mod conflate;
mod direct;
mod pipes;
mod queue;
mod stats;

use crate::msg::Msg;
pub use command::{PipeCommand, PipeOwner};
use conflate::Conflate;
pub use direct::{sent_count as direct_sent_count, DirectOutput, DirectSend, Frames};
pub use pipes::{PipeKey, Pipes};
use queue::{queue, Reader, Writer};
pub use stats::{EndpointPair, PipeStats};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

/// Unique id of one pipe end, used to address it in commands.
pub type PipeId = u64;

static NEXT_PIPE_ID: AtomicU64 = AtomicU64::new(1);

/// What both ends share besides the queues: each end's owner (its mailbox), known once
/// attached.
struct Link {
    mailboxes: [OnceLock<Arc<dyn PipeOwner>>; 2],
    /// Set by each end when it closes, for a peer that attaches later.
    closed: [AtomicBool; 2],
    /// The connection each end may send through directly (`direct.rs`), offered by
    /// the session at the other end.
    direct: [OnceLock<Arc<dyn DirectOutput>>; 2],
    /// What each end writes when it goes: an inproc binder's ZMQ_DISCONNECT_MSG (draft)
    /// for the connector's end, set by whichever side learns it (`set_disconnect_msg`).
    disconnect_msg: [OnceLock<Box<[u8]>>; 2],
}

enum Outbound {
    Queue(Writer<Msg>),
    Conflate(Conflate<Msg>, bool),
}

enum Inbound {
    Queue(Reader<Msg>),
    Conflate(Conflate<Msg>),
}

/// The configuration of one direction of a pipe pair.
#[derive(Clone, Copy, Debug, Default)]
pub struct Direction {
    /// How many messages fit (0 = unlimited).
    pub hwm: u64,
    /// Keep only the latest message.
    pub conflate: bool,
}

/// One end of a pipe.
pub struct Pipe {
    id: PipeId,
    peer_id: PipeId,
    side: usize,
    link: Arc<Link>,
    outbound: Outbound,
    inbound: Inbound,
    in_active: bool,
    out_active: bool,
    hwm: u64,
    lwm: u64,
    msgs_read: u64,
    /// `msgs_read` at which credit next goes back to the writer: the next multiple of
    /// `lwm` (kept instead of dividing on every read); never with `lwm` 0.
    credit_at: u64,
    msgs_written: u64,
    peers_msgs_read: u64,
    /// The peer closed its end: nothing more may be written.
    peer_gone: bool,
    /// The delimiter was read or we closed: the pipe is finished.
    done: bool,
    /// The peer's routing id as seen by a ROUTER (assigned by the socket).
    pub routing_id: Vec<u8>,
    /// The endpoint the socket connected this pipe to, for disconnect (an inproc
    /// name, or a tcp/ipc endpoint when the socket made the pipe at connect time).
    pub endpoint: Option<Arc<str>>,
    /// True on the connecting side.
    pub locally_initiated: bool,
    /// What a PIPES_STATS event of this (the socket's) end names (`stats.rs`).
    pub endpoint_pair: Option<Arc<EndpointPair>>,
    /// What an inproc peer's HWMs add to ours (its SNDHWM to what we read, its RCVHWM
    /// to what we write), learnt when the pipe was made; None for other pipes.
    hwm_boost: Option<HwmBoost>,
    /// The disconnect message (`Link::disconnect_msg`) was written.
    disconnect_sent: bool,
}

/// An inproc peer's HWMs as they were when the connection was made (libzmq's
/// `set_hwms_boost`): -1 = not known, 0 = unlimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HwmBoost {
    /// Added to the limit of the direction we read (the peer's SNDHWM).
    pub inbound: i32,
    /// Added to the limit of the direction we write (the peer's RCVHWM).
    pub outbound: i32,
}

/// libzmq's low-water mark for a pipe holding `hwm` messages.
pub fn low_water_mark(hwm: u64) -> u64 {
    hwm.div_ceil(2)
}

/// The first multiple of `lwm` above `read` (u64::MAX when credit is never returned).
fn next_credit(read: u64, lwm: u64) -> u64 {
    if lwm == 0 {
        return u64::MAX;
    }
    (read / lwm + 1).saturating_mul(lwm)
}

/// Creates the two ends of a pipe. `ab` configures messages written by end A (read by
/// B), `ba` the reverse. End A's mailbox is known now; B's is set when it is attached.
pub fn pipe_pair(ab: Direction, ba: Direction) -> (Pipe, Pipe) {
    let link = Arc::new(Link {
        mailboxes: [OnceLock::new(), OnceLock::new()],
        closed: [AtomicBool::new(false), AtomicBool::new(false)],
        direct: [OnceLock::new(), OnceLock::new()],
        disconnect_msg: [OnceLock::new(), OnceLock::new()],
    });
    let (a_out, b_in) = channel(ab.conflate);
    let (b_out, a_in) = channel(ba.conflate);
    let id_a = NEXT_PIPE_ID.fetch_add(2, Ordering::Relaxed);
    let id_b = id_a + 1;
    let end = |id, peer_id, side, outbound, inbound, out: Direction, inn: Direction| {
        let lwm = if inn.conflate {
            0
        } else {
            low_water_mark(inn.hwm)
        };
        Pipe {
            id,
            peer_id,
            side,
            link: link.clone(),
            outbound,
            inbound,
            in_active: true,
            out_active: true,
            hwm: if out.conflate { 0 } else { out.hwm },
            lwm,
            msgs_read: 0,
            credit_at: next_credit(0, lwm),
            msgs_written: 0,
            peers_msgs_read: 0,
            peer_gone: false,
            done: false,
            routing_id: Vec::new(),
            endpoint: None,
            locally_initiated: false,
            endpoint_pair: None,
            hwm_boost: None,
            disconnect_sent: false,
        }
    };
    let a = end(id_a, id_b, 0, a_out, a_in, ab, ba);
    let b = end(id_b, id_a, 1, b_out, b_in, ba, ab);
    (a, b)
}

fn channel(conflate: bool) -> (Outbound, Inbound) {
    if conflate {
        let slot = Conflate::new();
        (
            Outbound::Conflate(slot.clone(), false),
            Inbound::Conflate(slot),
        )
    } else {
        let (w, r) = queue();
        (Outbound::Queue(w), Inbound::Queue(r))
    }
}

impl Pipe {
    pub fn id(&self) -> PipeId {
        self.id
    }

    /// Records the mailbox of the socket (or I/O thread) that owns this end.
    pub fn set_owner<M: PipeOwner + 'static>(&self, mailbox: &Arc<M>) {
        let owner: Arc<dyn PipeOwner> = mailbox.clone();
        let _ = self.link.mailboxes[self.side].set(owner);
    }

    /// The id of the other end (how the peer's socket knows this pipe).
    pub fn peer_id(&self) -> PipeId {
        self.peer_id
    }

    /// True when the other end has already closed (checked when attaching late).
    pub fn is_peer_closed(&self) -> bool {
        self.link.closed[1 - self.side].load(Ordering::Acquire)
    }

    /// Sends a command to the socket owning the other end (if it is attached).
    pub fn send_to_peer(&self, command: PipeCommand) {
        if let Some(mailbox) = self.link.mailboxes[1 - self.side].get() {
            mailbox.pipe_command(command);
        }
    }

    /// Sets the limits of both directions (connect-before-bind learns them late).
    pub fn set_hwms(&mut self, out_hwm: u64, in_hwm: u64) {
        if !matches!(self.outbound, Outbound::Conflate(..)) {
            self.hwm = out_hwm;
        }
        if !matches!(self.inbound, Inbound::Conflate(_)) {
            self.lwm = low_water_mark(in_hwm);
            self.credit_at = next_credit(self.msgs_read, self.lwm);
        }
    }

    /// Records an inproc peer's HWMs, which [`Pipe::apply_hwms`] adds to ours.
    pub fn set_hwm_boost(&mut self, boost: HwmBoost) {
        self.hwm_boost = Some(boost);
    }

    /// libzmq's `pipe_t::set_hwms`: `inbound` and `outbound` are socket HWMs (ours,
    /// or the peer's when it announces a change), plus the inproc peer's boost; a
    /// non-positive value or a peer's 0 means unlimited. Used when a socket changes
    /// SNDHWM/RCVHWM with pipes attached, on its own pipes and, told by
    /// `PipeCommand::PipeHwm`, on their peers. A full pipe stays inactive until credit comes
    /// back, as in libzmq.
    pub fn apply_hwms(&mut self, inbound: i32, outbound: i32) {
        let boost = self.hwm_boost.unwrap_or(HwmBoost {
            inbound: -1,
            outbound: -1,
        });
        let limit = |hwm: i32, boost: i32| -> u64 {
            if hwm <= 0 || boost == 0 {
                0
            } else {
                hwm as u64 + boost.max(0) as u64
            }
        };
        self.set_hwms(
            limit(outbound, boost.outbound),
            limit(inbound, boost.inbound),
        );
    }

    /// Takes the peer's HWMs once they are known (connect before bind) and applies
    /// them with our socket's `sndhwm`/`rcvhwm`. Returns true if a full pipe became
    /// writable.
    pub fn raise_hwms(&mut self, boost: HwmBoost, sndhwm: i32, rcvhwm: i32) -> bool {
        self.set_hwm_boost(boost);
        self.apply_hwms(rcvhwm, sndhwm);
        if !self.out_active && !self.peer_gone && !self.done && self.check_hwm() {
            self.out_active = true;
            return true;
        }
        false
    }

    /// True when a message can be read now (marks the end inactive otherwise).
    pub fn check_read(&mut self) -> bool {
        if !self.in_active || self.done {
            return false;
        }
        let ready = match &mut self.inbound {
            Inbound::Queue(r) => match r.peek() {
                Some(m) if m.is_delimiter() => {
                    let _ = r.read();
                    self.done = true;
                    return false;
                }
                Some(_) => true,
                None => false,
            },
            Inbound::Conflate(c) => c.has_item(),
        };
        if !ready {
            self.in_active = false;
        }
        ready
    }

    /// Reads the next message. None when empty (the end goes inactive until the peer's
    /// `ActivateRead`) or when the delimiter was reached (then `is_done()`).
    #[inline]
    pub fn read(&mut self) -> Option<Msg> {
        if !self.in_active || self.done {
            return None;
        }
        let msg = match &mut self.inbound {
            Inbound::Queue(r) => r.read(),
            Inbound::Conflate(c) => c.read(),
        };
        let Some(msg) = msg else {
            self.in_active = false;
            return None;
        };
        if msg.is_delimiter() {
            self.done = true;
            return None;
        }
        if !msg.more() && !msg.is_routing_id() {
            self.msgs_read += 1;
            if self.msgs_read == self.credit_at {
                self.credit_at = next_credit(self.msgs_read, self.lwm);
                self.send_to_peer(PipeCommand::ActivateWrite(self.peer_id, self.msgs_read));
            }
        }
        Some(msg)
    }

    /// True when the HWM leaves room for another message.
    #[inline]
    pub fn check_hwm(&self) -> bool {
        self.hwm == 0 || self.msgs_written - self.peers_msgs_read < self.hwm
    }

    /// True when a message (frame) can be written now; a full pipe goes inactive until
    /// the peer's `ActivateWrite`.
    #[inline]
    pub fn check_write(&mut self) -> bool {
        if !self.out_active || self.peer_gone || self.done {
            return false;
        }
        if !self.check_hwm() {
            self.out_active = false;
            return false;
        }
        true
    }

    /// Writes a frame (visible to the peer at the first `flush` after the frame that ends
    /// its message: the peer never sees part of a message). Gives the message back
    /// when the pipe is full or closing.
    #[inline]
    pub fn write(&mut self, msg: Msg) -> Result<(), Msg> {
        if !self.check_write() {
            return Err(msg);
        }
        let counts = !msg.more() && !msg.is_routing_id();
        match &mut self.outbound {
            Outbound::Queue(w) => {
                let complete = !msg.more();
                w.write(msg, complete)
            }
            Outbound::Conflate(c, wake) => {
                if !c.write(msg) {
                    *wake = true;
                }
            }
        }
        if counts {
            self.msgs_written += 1;
        }
        Ok(())
    }

    /// Lets the other end send through `output` directly (a session offers its
    /// connection to the socket's end).
    pub fn offer_direct(&self, output: Arc<dyn DirectOutput>) {
        let _ = self.link.direct[1 - self.side].set(output);
    }

    /// Sends the last frame of a message, together with its earlier frames written but
    /// not yet flushed, straight through the connection when the peer's reader has
    /// nothing queued and sleeps. Gives the frame back when that is not possible now
    /// (then write and flush it as usual). Sent messages do not count against the HWM:
    /// they never occupy the queue.
    pub fn try_write_direct(&mut self, msg: Msg) -> Result<(), Msg> {
        let Some(output) = self.link.direct[self.side].get() else {
            return Err(msg);
        };
        let Outbound::Queue(w) = &mut self.outbound else {
            return Err(msg);
        };
        if msg.more() || !self.out_active || self.peer_gone || self.done || !w.reader_idle() {
            return Err(msg);
        }
        let len = msg.len();
        let mut last = Some(msg);
        let outcome = output.send(len, &mut |sink| {
            w.take_unpublished(&mut *sink);
            if let Some(m) = last.take() {
                sink(m);
            }
        });
        match (outcome, last) {
            (DirectSend::Declined, Some(m)) => Err(m),
            (outcome, _) => {
                direct::count_sent();
                if outcome == DirectSend::SentNeedsPump {
                    self.send_to_peer(PipeCommand::ActivateRead(self.peer_id));
                }
                Ok(())
            }
        }
    }

    /// Publishes what was written; wakes the peer if it was asleep on this pipe.
    #[inline]
    pub fn flush(&mut self) {
        let awake = match &mut self.outbound {
            Outbound::Queue(w) => w.flush(),
            Outbound::Conflate(_, wake) => !std::mem::take(wake),
        };
        if !awake {
            self.send_to_peer(PipeCommand::ActivateRead(self.peer_id));
        }
    }

    /// Withdraws the frames of a message that was not completely written (whole
    /// messages written before it stay and go out at the next flush).
    pub fn rollback(&mut self) {
        if let Outbound::Queue(w) = &mut self.outbound {
            w.rollback();
        }
    }

    /// The peer flushed into this pipe after we found it empty. Returns true if the
    /// socket should treat the pipe as readable again.
    pub fn activate_read(&mut self) -> bool {
        if self.in_active || self.done {
            return false;
        }
        self.in_active = true;
        true
    }

    /// The peer read up to `msgs_read`. Returns true if the pipe became writable again.
    pub fn activate_write(&mut self, msgs_read: u64) -> bool {
        self.peers_msgs_read = msgs_read;
        if self.out_active || self.peer_gone || self.done {
            return false;
        }
        self.out_active = true;
        true
    }

    /// The peer closed its end. Returns true when nothing but the delimiter is left to
    /// read, i.e. the pipe is finished now.
    pub fn peer_terminated(&mut self) -> bool {
        self.peer_gone = true;
        self.in_active = true;
        if let Inbound::Queue(r) = &mut self.inbound {
            if matches!(r.peek(), Some(m) if m.is_delimiter()) {
                self.done = true;
            }
        } else {
            self.done = true;
        }
        self.done
    }

    pub fn is_done(&self) -> bool {
        self.done
    }

    pub fn is_peer_gone(&self) -> bool {
        self.peer_gone
    }

    /// Sets the message written when an end goes (an inproc binder's ZMQ_DISCONNECT_MSG):
    /// this end's, or with `peer` the other end's. Empty = none; set once.
    pub fn set_disconnect_msg(&self, msg: &[u8], peer: bool) {
        if !msg.is_empty() {
            let side = if peer { 1 - self.side } else { self.side };
            let _ = self.link.disconnect_msg[side].set(msg.into());
        }
    }

    /// Once, before this end goes: withdraws a half-written message and writes the
    /// disconnect message, whatever the HWM, as libzmq's `send_disconnect_msg`.
    pub fn send_disconnect_msg(&mut self) {
        if self.disconnect_sent || self.peer_gone || self.done {
            return;
        }
        let Some(body) = self.link.disconnect_msg[self.side].get() else {
            return;
        };
        self.disconnect_sent = true;
        let msg = Msg::from_slice(body);
        match &mut self.outbound {
            Outbound::Queue(w) => {
                w.rollback();
                w.write(msg, true);
            }
            Outbound::Conflate(c, wake) => {
                if !c.write(msg) {
                    *wake = true;
                }
            }
        }
        self.msgs_written += 1;
        self.flush();
    }

    /// Closes this end: the peer gets everything already flushed, then the delimiter.
    pub fn terminate(&mut self) {
        if self.done {
            return;
        }
        self.done = true;
        self.link.closed[self.side].store(true, Ordering::Release);
        if !self.peer_gone {
            match &mut self.outbound {
                Outbound::Queue(w) => {
                    w.rollback();
                    w.write(Msg::delimiter(), true);
                    w.flush();
                }
                Outbound::Conflate(c, _) => {
                    c.write(Msg::delimiter());
                }
            }
            self.send_to_peer(PipeCommand::PipeTerm(self.peer_id));
        }
    }
}

impl Drop for Pipe {
    fn drop(&mut self) {
        self.terminate();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::Mailbox;

    fn dir(hwm: u64) -> Direction {
        Direction {
            hwm,
            conflate: false,
        }
    }

    /// A connection that takes what the direct path hands it while `open`.
    struct Recorder {
        open: AtomicBool,
        frames: parking_lot::Mutex<Vec<Vec<u8>>>,
    }

    impl DirectOutput for Recorder {
        fn send(&self, _last_len: usize, frames: &mut Frames<'_>) -> DirectSend {
            if !self.open.load(Ordering::SeqCst) {
                return DirectSend::Declined;
            }
            frames(&mut |m| self.frames.lock().push(m.data().to_vec()));
            DirectSend::Sent
        }
    }

    #[test]
    fn direct_path_only_when_the_reader_sleeps_on_an_empty_queue() {
        let (mut socket_end, mut session_end) = pipe_pair(dir(10), dir(10));
        let recorder = Arc::new(Recorder {
            open: AtomicBool::new(true),
            frames: parking_lot::Mutex::new(Vec::new()),
        });
        session_end.offer_direct(recorder.clone());
        let msg = |b: &[u8], more: bool| {
            let mut m = Msg::from_slice(b);
            m.set_more(more);
            m
        };

        // The reader never looked: not known to be idle, so the message is queued.
        let back = socket_end
            .try_write_direct(msg(b"queued", false))
            .unwrap_err();
        socket_end.write(back).unwrap();
        socket_end.flush();
        // Still unread: a direct message would overtake it.
        assert!(socket_end.try_write_direct(msg(b"x", false)).is_err());
        assert_eq!(session_end.read().unwrap().data(), b"queued");
        assert!(
            socket_end.try_write_direct(msg(b"x", false)).is_err(),
            "reader awake"
        );
        assert!(session_end.read().is_none(), "now it sleeps");

        // A multipart message: earlier frames written, the last goes direct with them.
        socket_end.write(msg(b"part-1", true)).unwrap();
        socket_end.write(msg(b"part-2", true)).unwrap();
        assert!(
            socket_end.try_write_direct(msg(b"part-3", true)).is_err(),
            "not the last"
        );
        socket_end.try_write_direct(msg(b"last", false)).unwrap();
        socket_end.flush();
        assert_eq!(
            *recorder.frames.lock(),
            vec![b"part-1".to_vec(), b"part-2".to_vec(), b"last".to_vec()]
        );
        assert!(session_end.read().is_none(), "nothing reached the queue");

        // A connection that declines leaves the frames to the queue, in order.
        recorder.open.store(false, Ordering::SeqCst);
        socket_end.write(msg(b"a", true)).unwrap();
        let back = socket_end.try_write_direct(msg(b"b", false)).unwrap_err();
        socket_end.write(back).unwrap();
        socket_end.flush();
        session_end.activate_read(); // the ActivateRead command the flush sent
        assert_eq!(session_end.read().unwrap().data(), b"a");
        assert_eq!(session_end.read().unwrap().data(), b"b");
        // The session's own end never sends through its own offer.
        assert!(session_end.try_write_direct(msg(b"up", false)).is_err());
    }

    #[test]
    fn hwm_counts_whole_messages_and_credit_returns_every_lwm() {
        let (mut a, mut b) = pipe_pair(dir(4), dir(4));
        let owner_a = Arc::new(Mailbox::<PipeCommand>::new().unwrap());
        a.set_owner(&owner_a);
        let mut sent = 0;
        loop {
            let mut first = Msg::from_slice(b"x");
            first.set_more(true);
            if a.write(first).is_err() {
                break;
            }
            a.write(Msg::from_slice(b"y")).unwrap();
            a.flush();
            sent += 1;
        }
        assert_eq!(sent, 4);
        // Reading one message (two frames) returns no credit yet; two messages do.
        for _ in 0..4 {
            assert!(b.read().is_some());
        }
        match owner_a.try_recv() {
            Some(PipeCommand::ActivateWrite(id, 2)) => assert_eq!(id, a.id()),
            _ => panic!("expected ActivateWrite after lwm messages"),
        }
        assert!(a.activate_write(2));
        assert!(a.write(Msg::from_slice(b"z")).is_ok());
    }

    #[test]
    fn termination_delivers_everything_before_the_delimiter() {
        let (mut a, mut b) = pipe_pair(dir(0), dir(0));
        a.write(Msg::from_slice(b"1")).unwrap();
        a.flush();
        let mut partial = Msg::from_slice(b"half");
        partial.set_more(true);
        a.write(partial).unwrap();
        a.terminate();
        assert!(!b.peer_terminated(), "one message still to read");
        assert_eq!(b.read().unwrap().data(), b"1");
        assert!(b.read().is_none());
        assert!(b.is_done());
    }
}
