//! The draft poller (`zmq_poller_*`): a set of sockets and file descriptors, each with
//! the events wanted and a user value, and a wait that reports which are ready, with
//! libzmq 4.3.5's rules (`socket_poller.cpp`): entries are reported in the order they
//! were added, at most as many as asked; an empty set fails a forever-wait with EFAULT;
//! nothing ready in time is EAGAIN.
//!
//! Native, not a loop over `zmq_poll`: one epoll instance holds every socket's `ZMQ_FD`
//! (its mailbox eventfd) and every plain descriptor, level-triggered. A wait looks only
//! at the *candidates*, not at every socket. The invariant that makes this correct:
//!
//! > A socket that is not a candidate was last found (by this poller) without any of
//! > the events it is watched for, and its mailbox was left asleep with its eventfd
//! > drained by that look; since then the application has not used it.
//!
//! Such a socket's state can change only through commands from other threads (a pipe
//! activated, attached, ended; termination), and the first command to a sleeping
//! mailbox writes its eventfd (`crate::mailbox`), which epoll reports: the socket
//! becomes a candidate. Everything else that can change a socket makes it a candidate
//! at once: being added or modified; the application using it (every call notes a use
//! for the pollers watching it, `socket::watchers`, since a `recv` changes what is
//! ready without any signal and any call may swallow one); another poller looking at it
//! (which drains the same eventfd); having had events at the last look (they may still
//! be there: readiness is not consumed by reporting it), or not having been looked at
//! because the caller's array was full. A candidate found without events stops being
//! one. So a wait costs the sockets that changed, not the sockets held.
//!
//! Plain descriptors are level-triggered epoll registrations, reported as `zmq_poll`
//! reports them (POLLERR for error or hang-up whatever was asked). A descriptor epoll
//! refuses (a regular file, a closed descriptor, one already in the set as a socket's
//! `ZMQ_FD`) is polled with poll(2) on every wait instead, which reports it as poll(2)
//! does (a regular file is always ready, a closed descriptor is POLLERR). A descriptor
//! closed while in the set leaves epoll silently; remove it first, as libzmq asks.
//!
//! Thread-safe sockets (draft SERVER, CLIENT, ...) have no `ZMQ_FD`: as libzmq's, the
//! poller makes one `Signaler` when the first of them is added (kept until the poller
//! goes) and registers it with each (`Socket::add_signaler`); every command reaching
//! any of them makes it readable. Its descriptor is in the epoll set once, under
//! `SIGNALER_TOKEN`, and is what `zmq_poller_fd` returns (EINVAL before any thread-safe
//! socket was added, as libzmq). Each socket registers with the poller's slot as its
//! token, and a command queues that token in the signaler (once until taken). When it
//! fires, the wait clears it, takes the tokens and makes those sockets candidates (the
//! invariant holds: a command after the take queues its token again). So a wait costs
//! the thread-safe sockets that were signalled, not all of them (libzmq looks at all).
//! The application's own calls on them are noted as for any socket.

mod epoll;

use crate::command::SocketMailbox;
use crate::constants::{ZMQ_POLLERR, ZMQ_POLLIN, ZMQ_POLLOUT, ZMQ_POLLPRI};
use crate::error::{Error, Result};
use crate::mailbox::Signaler;
use crate::socket::watchers::{UseLog, Watch, WatchToken};
use crate::socket::Socket;
use epoll::Epoll;
use std::collections::HashMap;
use std::ops::DerefMut;
use std::os::unix::io::RawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How the caller names a socket (the C handle's address): the poller never follows it,
/// it asks the caller's resolver for the socket.
pub type SocketKey = usize;

/// One ready entry, as the caller receives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ready {
    /// The socket, or None for a plain descriptor.
    pub socket: Option<SocketKey>,
    /// The descriptor, or -1 for a socket.
    pub fd: RawFd,
    pub user_data: usize,
    /// The events both wanted and present (plus POLLERR for a descriptor in error).
    pub events: i16,
}

/// What an entry watches.
enum Target {
    /// A socket; its `ZMQ_FD` is in the epoll set while `events` is not 0.
    Socket {
        key: SocketKey,
        /// Held so the eventfd stays open (and its number ours) while registered, and
        /// to tell the socket from a newer one at the same address after a close.
        mailbox: Arc<SocketMailbox>,
        watch: Arc<Watch>,
        /// Woken through the poller's signaler, not its mailbox's eventfd.
        thread_safe: bool,
    },
    /// A plain descriptor.
    Fd(RawFd),
}

/// How an entry's wake-ups reach the wait.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wake {
    /// Not watched: `events` is 0.
    None,
    /// Registered in the epoll set.
    Epoll,
    /// Refused by epoll: in the poll(2) list of every wait.
    Poll,
    /// A thread-safe socket: through the poller's signaler, which names it.
    Signaler,
}

/// The epoll token of the poller's signaler (no slot has it).
const SIGNALER_TOKEN: usize = usize::MAX;

struct Entry {
    target: Target,
    user_data: usize,
    events: i16,
    /// Position in libzmq's order (the order of adding).
    order: u64,
    generation: u64,
    wake: Wake,
    /// Sockets only: must be looked at on the next wait (see the invariant above).
    candidate: bool,
}

impl Entry {
    fn fd(&self) -> RawFd {
        match &self.target {
            Target::Socket { mailbox, .. } => mailbox.fd(),
            Target::Fd(fd) => *fd,
        }
    }

    /// What epoll (or poll) watches the descriptor for.
    fn interest(&self) -> u32 {
        match self.target {
            Target::Socket { .. } => libc::EPOLLIN as u32,
            Target::Fd(_) => {
                let mut interest = 0;
                if self.events & ZMQ_POLLIN as i16 != 0 {
                    interest |= libc::EPOLLIN;
                }
                if self.events & ZMQ_POLLOUT as i16 != 0 {
                    interest |= libc::EPOLLOUT;
                }
                if self.events & ZMQ_POLLPRI as i16 != 0 {
                    interest |= libc::EPOLLPRI;
                }
                interest as u32
            }
        }
    }
}

/// A descriptor's readiness, from epoll or poll bits (which agree for these), as
/// `zmq_poll` reports it.
fn fd_events(bits: u32) -> i16 {
    let mut events = 0;
    if bits & libc::EPOLLIN as u32 != 0 {
        events |= ZMQ_POLLIN;
    }
    if bits & libc::EPOLLOUT as u32 != 0 {
        events |= ZMQ_POLLOUT;
    }
    if bits & libc::EPOLLPRI as u32 != 0 {
        events |= ZMQ_POLLPRI;
    }
    if bits & !((libc::EPOLLIN | libc::EPOLLOUT | libc::EPOLLPRI) as u32) != 0 {
        events |= ZMQ_POLLERR;
    }
    events as i16
}

pub struct Poller {
    epoll: Epoll,
    entries: Vec<Option<Entry>>,
    free_slots: Vec<usize>,
    sockets: HashMap<SocketKey, usize>,
    fds: HashMap<RawFd, usize>,
    /// Where watched sockets note their uses.
    uses: Arc<UseLog>,
    /// Slots of the sockets to look at (each with `candidate` set).
    candidates: Vec<usize>,
    /// Slots with `Wake::Poll`.
    polled: Vec<usize>,
    /// The signal of thread-safe sockets, from the first one added on.
    signaler: Option<Arc<Signaler>>,
    /// Entries whose `events` is not 0 (libzmq's poll set size).
    watched: usize,
    next_order: u64,
    next_generation: u64,
    // Scratch space of `wait`, kept between calls.
    woken: Vec<(usize, u32)>,
    notes: Vec<WatchToken>,
    to_check: Vec<(usize, i16)>,
    /// The slots of the thread-safe sockets the signaler named.
    signalled: Vec<usize>,
    /// What the last wait returned.
    ready: Vec<Ready>,
    /// How many times a wait looked at a socket, ever (the cost the invariant saves).
    looks: u64,
}

impl Poller {
    pub fn new() -> Result<Poller> {
        Ok(Poller {
            epoll: Epoll::new()?,
            entries: Vec::new(),
            free_slots: Vec::new(),
            sockets: HashMap::new(),
            fds: HashMap::new(),
            uses: Arc::new(UseLog::default()),
            candidates: Vec::new(),
            polled: Vec::new(),
            signaler: None,
            watched: 0,
            next_order: 0,
            next_generation: 0,
            woken: Vec::new(),
            notes: Vec::new(),
            to_check: Vec::new(),
            signalled: Vec::new(),
            ready: Vec::new(),
            looks: 0,
        })
    }

    /// How many sockets and descriptors the poller holds.
    pub fn size(&self) -> usize {
        self.sockets.len() + self.fds.len()
    }

    /// How many times waits have looked at a socket (read its `ZMQ_EVENTS`) so far.
    pub fn looks(&self) -> u64 {
        self.looks
    }

    /// The signaler of thread-safe sockets; EINVAL while the poller has none (no
    /// thread-safe socket was ever added).
    pub fn signaler_fd(&self) -> Result<RawFd> {
        self.signaler.as_ref().map(|s| s.fd()).ok_or(Error::Inval)
    }

    /// The signaler, made and put in the epoll set on first use.
    fn signaler(&mut self) -> Result<Arc<Signaler>> {
        if let Some(signaler) = &self.signaler {
            return Ok(signaler.clone());
        }
        let signaler = Arc::new(Signaler::new()?);
        self.epoll
            .add(signaler.fd(), libc::EPOLLIN as u32, SIGNALER_TOKEN)?;
        self.signaler = Some(signaler.clone());
        Ok(signaler)
    }

    /// Adds `socket`, named `key`; EINVAL if it is already in.
    pub fn add_socket(
        &mut self,
        key: SocketKey,
        socket: &mut Socket,
        user_data: usize,
        events: i16,
    ) -> Result<()> {
        if self.socket_slot(key, socket).is_some() {
            return Err(Error::Inval);
        }
        let thread_safe = socket.is_thread_safe();
        let (slot, generation) = self.reserve_slot();
        if thread_safe {
            let registered = self
                .signaler()
                .and_then(|signaler| socket.add_signaler(signaler, slot));
            if let Err(e) = registered {
                self.free_slots.push(slot);
                return Err(e);
            }
        }
        let watch = Watch::new(self.uses.clone(), WatchToken { slot, generation });
        socket.watch(watch.clone());
        let target = Target::Socket {
            key,
            mailbox: socket.mailbox().clone(),
            watch,
            thread_safe,
        };
        self.sockets.insert(key, slot);
        self.fill_slot(slot, generation, target, user_data, events);
        Ok(())
    }

    /// Adds a plain descriptor; EINVAL if it is already in.
    pub fn add_fd(&mut self, fd: RawFd, user_data: usize, events: i16) -> Result<()> {
        if self.fds.contains_key(&fd) {
            return Err(Error::Inval);
        }
        let (slot, generation) = self.reserve_slot();
        self.fds.insert(fd, slot);
        self.fill_slot(slot, generation, Target::Fd(fd), user_data, events);
        Ok(())
    }

    /// Changes the events wanted from `socket`; EINVAL if it is not in.
    pub fn modify_socket(&mut self, key: SocketKey, socket: &Socket, events: i16) -> Result<()> {
        let slot = self.socket_slot(key, socket).ok_or(Error::Inval)?;
        self.set_events(slot, events);
        Ok(())
    }

    pub fn modify_fd(&mut self, fd: RawFd, events: i16) -> Result<()> {
        let slot = *self.fds.get(&fd).ok_or(Error::Inval)?;
        self.set_events(slot, events);
        Ok(())
    }

    /// Removes `socket`; EINVAL if it is not in.
    pub fn remove_socket(&mut self, key: SocketKey, socket: &Socket) -> Result<()> {
        let slot = self.socket_slot(key, socket).ok_or(Error::Inval)?;
        self.remove_slot(slot);
        Ok(())
    }

    pub fn remove_fd(&mut self, fd: RawFd) -> Result<()> {
        let slot = *self.fds.get(&fd).ok_or(Error::Inval)?;
        self.remove_slot(slot);
        Ok(())
    }

    /// The slot of the socket named `key` if it is `socket` itself. An entry under the
    /// same key for another socket (closed, its handle reused by `socket`) is stale: it
    /// goes, and the socket counts as not in.
    fn socket_slot(&mut self, key: SocketKey, socket: &Socket) -> Option<usize> {
        let slot = *self.sockets.get(&key)?;
        if self.is_socket_of(slot, socket) {
            Some(slot)
        } else {
            self.remove_slot(slot);
            None
        }
    }

    /// Whether the entry in `slot` watches `socket` (not an older socket that had its
    /// address).
    fn is_socket_of(&self, slot: usize, socket: &Socket) -> bool {
        matches!(
            self.entries.get(slot),
            Some(Some(Entry { target: Target::Socket { mailbox, .. }, .. }))
                if Arc::ptr_eq(mailbox, socket.mailbox())
        )
    }

    fn reserve_slot(&mut self) -> (usize, u64) {
        self.next_generation += 1;
        let slot = self.free_slots.pop().unwrap_or_else(|| {
            self.entries.push(None);
            self.entries.len() - 1
        });
        (slot, self.next_generation)
    }

    fn fill_slot(
        &mut self,
        slot: usize,
        generation: u64,
        target: Target,
        user_data: usize,
        events: i16,
    ) {
        self.next_order += 1;
        if let Some(place) = self.entries.get_mut(slot) {
            *place = Some(Entry {
                target,
                user_data,
                events: 0,
                order: self.next_order,
                generation,
                wake: Wake::None,
                candidate: false,
            });
        }
        self.set_events(slot, events);
    }

    /// Sets an entry's events and its registration to match; a socket becomes a
    /// candidate (what is wanted changed, so the last look says nothing).
    fn set_events(&mut self, slot: usize, events: i16) {
        let Some(Some(entry)) = self.entries.get_mut(slot) else {
            return;
        };
        let was_watched = entry.events != 0;
        entry.events = events;
        let now_watched = events != 0;
        match (was_watched, now_watched) {
            (false, true) => self.watched += 1,
            (true, false) => self.watched -= 1,
            _ => {}
        }
        let fd = entry.fd();
        let interest = entry.interest();
        let wake = entry.wake;
        let thread_safe = matches!(
            entry.target,
            Target::Socket {
                thread_safe: true,
                ..
            }
        );
        let new_wake = match (wake, now_watched) {
            (_, true) if thread_safe => Wake::Signaler,
            (Wake::Signaler, _) | (Wake::None, false) => Wake::None,
            (Wake::None, true) => match self.epoll.add(fd, interest, slot) {
                Ok(()) => Wake::Epoll,
                Err(_) => Wake::Poll,
            },
            (Wake::Epoll, true) => match self.epoll.modify(fd, interest, slot) {
                Ok(()) => Wake::Epoll,
                Err(_) => {
                    let _ = self.epoll.delete(fd);
                    Wake::Poll
                }
            },
            (Wake::Epoll, false) => {
                let _ = self.epoll.delete(fd);
                Wake::None
            }
            (Wake::Poll, true) => Wake::Poll,
            (Wake::Poll, false) => Wake::None,
        };
        if wake == Wake::Poll && new_wake != Wake::Poll {
            self.polled.retain(|&s| s != slot);
        } else if wake != Wake::Poll && new_wake == Wake::Poll {
            self.polled.push(slot);
        }
        if let Some(Some(entry)) = self.entries.get_mut(slot) {
            entry.wake = new_wake;
        }
        if now_watched {
            self.make_candidate(slot);
        }
    }

    fn make_candidate(&mut self, slot: usize) {
        if let Some(Some(entry)) = self.entries.get_mut(slot) {
            if matches!(entry.target, Target::Socket { .. }) && !entry.candidate {
                entry.candidate = true;
                self.candidates.push(slot);
            }
        }
    }

    fn remove_slot(&mut self, slot: usize) {
        self.set_events(slot, 0);
        let Some(entry) = self.entries.get_mut(slot).and_then(Option::take) else {
            return;
        };
        match entry.target {
            Target::Socket {
                key,
                watch,
                mailbox,
                thread_safe,
            } => {
                watch.end();
                if thread_safe {
                    if let Some(signaler) = &self.signaler {
                        mailbox.remove_signaler(signaler);
                    }
                }
                self.sockets.remove(&key);
            }
            Target::Fd(fd) => {
                self.fds.remove(&fd);
            }
        }
        // A candidate's slot stays in `candidates` until the next wait skips it.
        self.free_slots.push(slot);
    }

    /// Moves the notes of used sockets into the candidates.
    fn take_notes(&mut self) {
        self.notes.clear();
        self.uses.take(&mut self.notes);
        for i in 0..self.notes.len() {
            let WatchToken { slot, generation } = self.notes[i];
            let Some(Some(entry)) = self.entries.get(slot) else {
                continue;
            };
            if entry.generation != generation {
                continue;
            }
            if let Target::Socket { watch, .. } = &entry.target {
                // Before the look, so that a use from now on is noted again.
                watch.clear_note();
            }
            if entry.events != 0 {
                self.make_candidate(slot);
            }
        }
    }

    /// Waits until entries are ready and returns up to `max` of them, in the order they
    /// were added. `timeout_ms`: 0 = look
    /// once, negative = forever, else milliseconds. `resolve` gives the socket a key
    /// names (a reference, or a guard of the lock it is reached through), or fails if
    /// there is none (closed): its entry then goes, unreported.
    /// Errors: EFAULT waiting forever on nothing, EAGAIN when nothing was ready in
    /// time, EINTR on a signal, and what looking at a socket fails with (ETERM).
    pub fn wait<G: DerefMut<Target = Socket>>(
        &mut self,
        max: usize,
        timeout_ms: i64,
        mut resolve: impl FnMut(SocketKey) -> Result<G>,
    ) -> Result<&[Ready]> {
        let mut out = std::mem::take(&mut self.ready);
        out.clear();
        let result = self.wait_into(&mut out, max, timeout_ms, &mut resolve);
        self.ready = out;
        result.map(|()| &self.ready[..])
    }

    fn wait_into<G: DerefMut<Target = Socket>>(
        &mut self,
        out: &mut Vec<Ready>,
        max: usize,
        timeout_ms: i64,
        resolve: &mut impl FnMut(SocketKey) -> Result<G>,
    ) -> Result<()> {
        if self.size() == 0 && timeout_ms < 0 {
            return Err(Error::Fault);
        }
        if self.watched == 0 {
            // libzmq: forever would never end; else the timeout passes, as if nothing
            // had been ready.
            if timeout_ms < 0 {
                return Err(Error::Fault);
            }
            if timeout_ms > 0 {
                std::thread::sleep(Duration::from_millis(timeout_ms as u64));
            }
            return Err(Error::Again);
        }
        if max == 0 {
            // Nothing can be reported: libzmq waits out the timeout.
            sleep_interruptibly(timeout_ms)?;
            return Err(Error::Again);
        }
        let mut deadline = None;
        let mut first_pass = true;
        loop {
            self.take_notes();
            let wait_ms = if first_pass || !self.candidates.is_empty() {
                0
            } else {
                match deadline {
                    None => -1,
                    Some(d) => millis_until(d),
                }
            };
            self.gather_wake_ups(wait_ms)?;
            self.take_notes();
            if self.check(out, max, resolve)? > 0 {
                return Ok(());
            }
            if timeout_ms == 0 {
                return Err(Error::Again);
            }
            if first_pass {
                first_pass = false;
                if timeout_ms > 0 {
                    deadline = Some(Instant::now() + Duration::from_millis(timeout_ms as u64));
                }
            } else if deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(Error::Again);
            }
        }
    }

    /// Waits up to `wait_ms` for a wake-up; sockets woken become candidates, plain
    /// descriptors go to `to_check` with their readiness.
    fn gather_wake_ups(&mut self, wait_ms: libc::c_int) -> Result<()> {
        self.to_check.clear();
        self.woken.clear();
        let mut epoll_wait_ms = wait_ms;
        if !self.polled.is_empty() {
            // Wait on the epoll descriptor and the refused ones together, then read
            // both without waiting.
            let entries = &self.entries;
            let refused = self.polled.iter().map(|&slot| match entries.get(slot) {
                Some(Some(e)) => libc::pollfd {
                    fd: e.fd(),
                    events: e.interest() as i16,
                    revents: 0,
                },
                // Never: a polled slot is live. A negative descriptor is ignored.
                _ => libc::pollfd {
                    fd: -1,
                    events: 0,
                    revents: 0,
                },
            });
            let own = libc::pollfd {
                fd: self.epoll.fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            let mut pollfds: Vec<libc::pollfd> = std::iter::once(own).chain(refused).collect();
            // SAFETY: `pollfds` is a live array of pollfd of the given length.
            let rc =
                unsafe { libc::poll(pollfds.as_mut_ptr(), pollfds.len() as libc::nfds_t, wait_ms) };
            if rc < 0 {
                return Err(std::io::Error::last_os_error().into());
            }
            for (pfd, &slot) in pollfds.iter().skip(1).zip(&self.polled) {
                if pfd.revents != 0 {
                    self.woken.push((slot, pfd.revents as u32));
                }
            }
            epoll_wait_ms = 0;
        }
        self.epoll.wait(epoll_wait_ms, &mut self.woken)?;
        for i in 0..self.woken.len() {
            let (slot, bits) = self.woken[i];
            if slot == SIGNALER_TOKEN {
                self.signalled.clear();
                if let Some(signaler) = &self.signaler {
                    signaler.clear();
                    signaler.take_signalled(&mut self.signalled);
                }
                for j in 0..self.signalled.len() {
                    let slot = self.signalled[j];
                    // A token may outlive its socket (a slot since reused): a look
                    // too many, never one too few.
                    if matches!(self.entries.get(slot), Some(Some(e)) if e.wake == Wake::Signaler) {
                        self.make_candidate(slot);
                    }
                }
                continue;
            }
            let Some(Some(entry)) = self.entries.get(slot) else {
                continue;
            };
            match entry.target {
                Target::Socket { .. } => self.make_candidate(slot),
                Target::Fd(_) => {
                    let events = fd_events(bits);
                    if events != 0 {
                        self.to_check.push((slot, events));
                    }
                }
            }
        }
        Ok(())
    }

    /// Looks at the candidates and the woken descriptors in libzmq's order and reports
    /// up to `max`; settles each socket looked at (candidate again only if ready).
    fn check<G: DerefMut<Target = Socket>>(
        &mut self,
        out: &mut Vec<Ready>,
        max: usize,
        resolve: &mut impl FnMut(SocketKey) -> Result<G>,
    ) -> Result<usize> {
        self.candidates
            .retain(|&slot| matches!(self.entries.get(slot), Some(Some(e)) if e.candidate));
        self.to_check
            .extend(self.candidates.iter().map(|&slot| (slot, 0)));
        let entries = &self.entries;
        self.to_check
            .sort_unstable_by_key(|&(slot, _)| match entries.get(slot) {
                Some(Some(e)) => e.order,
                _ => u64::MAX,
            });
        let mut result = Ok(());
        for i in 0..self.to_check.len() {
            if out.len() == max {
                break;
            }
            let (slot, fd_ready) = self.to_check[i];
            let Some(Some(entry)) = self.entries.get(slot) else {
                continue;
            };
            let (wanted, user_data) = (entry.events, entry.user_data);
            let key = match entry.target {
                Target::Fd(fd) => {
                    out.push(Ready {
                        socket: None,
                        fd,
                        user_data,
                        events: fd_ready,
                    });
                    continue;
                }
                Target::Socket { key, .. } => key,
            };
            let mut socket = match resolve(key) {
                Ok(socket) if self.is_socket_of(slot, &socket) => socket,
                // Closed (and maybe its handle reused): no longer ours to watch.
                _ => {
                    self.remove_slot(slot);
                    continue;
                }
            };
            let Some(Some(Entry {
                target: Target::Socket { watch, .. },
                ..
            })) = self.entries.get(slot)
            else {
                continue;
            };
            self.looks += 1;
            let present = match socket.readiness_for(watch) {
                Ok(events) => events as i16 & wanted,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            if present != 0 {
                out.push(Ready {
                    socket: Some(key),
                    fd: -1,
                    user_data,
                    events: present,
                });
            } else if let Some(Some(entry)) = self.entries.get_mut(slot) {
                entry.candidate = false;
            }
        }
        self.candidates
            .retain(|&slot| matches!(self.entries.get(slot), Some(Some(e)) if e.candidate));
        result.map(|()| out.len())
    }
}

impl Drop for Poller {
    fn drop(&mut self) {
        for entry in self.entries.iter().flatten() {
            if let Target::Socket {
                watch,
                mailbox,
                thread_safe,
                ..
            } = &entry.target
            {
                watch.end();
                if let (true, Some(signaler)) = (*thread_safe, &self.signaler) {
                    mailbox.remove_signaler(signaler);
                }
            }
        }
    }
}

/// Milliseconds until `deadline`, rounded up so a wait never ends just short of it.
fn millis_until(deadline: Instant) -> libc::c_int {
    let left = deadline.saturating_duration_since(Instant::now());
    let ms = left.as_micros().div_ceil(1000);
    libc::c_int::try_from(ms).unwrap_or(libc::c_int::MAX)
}

/// Sleeps `timeout_ms` (negative = until a signal), failing with EINTR on a signal.
fn sleep_interruptibly(timeout_ms: i64) -> Result<()> {
    let deadline =
        (timeout_ms >= 0).then(|| Instant::now() + Duration::from_millis(timeout_ms as u64));
    loop {
        let wait_ms = deadline.map_or(-1, millis_until);
        // SAFETY: no descriptors: poll(2) only sleeps.
        let rc = unsafe { libc::poll(std::ptr::null_mut(), 0, wait_ms) };
        if rc < 0 {
            return Err(std::io::Error::last_os_error().into());
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(());
        }
    }
}
