//! A mailbox: the commands other threads send one owner (a socket: `command::Command`;
//! an I/O thread: `io::IoCommand`) plus an eventfd that is signalled only when the
//! owner may be asleep. A socket's eventfd is what `ZMQ_FD` returns: readable means
//! "something may have changed, read ZMQ_EVENTS", and it stays quiet while the owner
//! is busy, as in libzmq. As libzmq's, it is also readable after a tcp/ipc/udp bind or
//! connect (`signal_without_command`), until the owner next looks.
//!
//! Protocol: a sender pushes, then swaps `asleep` to false and signals if it was true.
//! The owner, finding the queue empty, drains the eventfd, sets `asleep`, and looks again.
//! Hence `asleep == true` implies the eventfd is clear, and no command is ever stranded.
//!
//! A thread-safe socket's mailbox (`Mailbox::thread_safe`) also has a `SharedWake`:
//! several threads may wait on that socket at once, none of them holding its lock, so
//! the eventfd (one owner, drained by whoever looks) cannot tell each of them. Every
//! command instead moves an epoch forward under a small mutex and wakes all waiters on
//! a condvar, and signals every registered `Signaler` (a poller's fd), as libzmq's
//! `mailbox_safe_t` does. Each registration carries the poller's token for that socket:
//! a signal queues the token (once until the poller takes it), so the poller looks only
//! at the sockets that were signalled, not at every thread-safe socket it holds.

use crossbeam_queue::SegQueue;
use parking_lot::{Condvar, Mutex};
use std::io;
use std::os::unix::io::RawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub struct Mailbox<C> {
    queue: SegQueue<C>,
    asleep: AtomicBool,
    eventfd: RawFd,
    /// Present for a thread-safe owner only.
    shared: Option<SharedWake>,
}

/// How the waiters of a thread-safe socket learn that commands arrived.
struct SharedWake {
    /// Counts deliveries (and closes); a waiter sleeps while it is unchanged.
    epoch: Mutex<u64>,
    changed: Condvar,
    /// Pollers' signals, each given this mailbox's token on every delivery.
    signalers: Mutex<Vec<(Arc<Signaler>, Arc<SignalerLink>)>>,
}

/// One registration with a `Signaler`: the token it reports, and whether that token is
/// queued already (then a signal adds nothing: the poller has yet to look).
struct SignalerLink {
    token: usize,
    queued: AtomicBool,
}

/// A pollable "something may have changed" signal: an eventfd that becomes readable
/// when a command reaches the thread-safe socket it is registered with. Its owner (a
/// poller) drains it with `clear`, then asks the socket for `ZMQ_EVENTS`.
pub struct Signaler {
    eventfd: RawFd,
    /// The registrations signalled since the owner last took them.
    pending: Mutex<Vec<Arc<SignalerLink>>>,
}

impl Signaler {
    pub fn new() -> io::Result<Signaler> {
        Ok(Signaler {
            eventfd: new_eventfd()?,
            pending: Mutex::new(Vec::new()),
        })
    }

    /// The descriptor to poll for readability.
    pub fn fd(&self) -> RawFd {
        self.eventfd
    }

    /// Queues `link`'s token, unless it is queued already, and makes the descriptor
    /// readable (any thread).
    fn signal(&self, link: &Arc<SignalerLink>) {
        if !link.queued.swap(true, Ordering::SeqCst) {
            self.pending.lock().push(link.clone());
            write_eventfd(self.eventfd);
        }
    }

    /// Makes the descriptor unreadable until the next signal.
    pub fn clear(&self) {
        drain_eventfd(self.eventfd);
    }

    /// Moves the tokens signalled since the last call into `tokens` (owner, after
    /// `clear`). Each registration may signal again from here on, so the owner's look
    /// at a socket that follows sees everything delivered before that signal.
    pub fn take_signalled(&self, tokens: &mut Vec<usize>) {
        for link in self.pending.lock().drain(..) {
            link.queued.store(false, Ordering::SeqCst);
            tokens.push(link.token);
        }
    }
}

impl Drop for Signaler {
    fn drop(&mut self) {
        // SAFETY: we own the fd.
        unsafe { libc::close(self.eventfd) };
    }
}

fn new_eventfd() -> io::Result<RawFd> {
    // SAFETY: plain syscall with constant flags.
    let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(fd)
}

fn write_eventfd(fd: RawFd) {
    let one: u64 = 1;
    // SAFETY: writing 8 bytes from a live u64 to an eventfd its owner keeps open.
    unsafe { libc::write(fd, (&one as *const u64).cast(), 8) };
}

fn drain_eventfd(fd: RawFd) {
    let mut value: u64 = 0;
    // SAFETY: reading 8 bytes into a live u64 from a non-blocking eventfd kept open.
    unsafe { libc::read(fd, (&mut value as *mut u64).cast(), 8) };
}

impl SharedWake {
    fn new() -> SharedWake {
        SharedWake {
            epoch: Mutex::new(0),
            changed: Condvar::new(),
            signalers: Mutex::new(Vec::new()),
        }
    }

    fn notify(&self) {
        *self.epoch.lock() += 1;
        self.changed.notify_all();
        for (signaler, link) in self.signalers.lock().iter() {
            signaler.signal(link);
        }
    }
}

impl<C> Mailbox<C> {
    pub fn new() -> io::Result<Mailbox<C>> {
        Ok(Mailbox {
            queue: SegQueue::new(),
            asleep: AtomicBool::new(false),
            eventfd: new_eventfd()?,
            shared: None,
        })
    }

    /// The mailbox of a thread-safe owner, which many threads may wait on at once.
    pub fn thread_safe() -> io::Result<Mailbox<C>> {
        let mut mailbox = Mailbox::new()?;
        mailbox.shared = Some(SharedWake::new());
        Ok(mailbox)
    }

    /// The delivery count of a thread-safe mailbox (0 for others). Read it before
    /// looking at the owner's state; `wait_past` then returns once anything arrives
    /// after that look.
    pub fn epoch(&self) -> u64 {
        self.shared.as_ref().map_or(0, |s| *s.epoch.lock())
    }

    /// Blocks until the epoch has moved past `epoch` or `deadline` passes (None =
    /// never); any thread, holding no lock of the owner. Thread-safe mailboxes only.
    pub fn wait_past(&self, epoch: u64, deadline: Option<Instant>) {
        let Some(shared) = &self.shared else {
            return;
        };
        let mut current = shared.epoch.lock();
        while *current == epoch {
            match deadline {
                None => shared.changed.wait(&mut current),
                Some(d) => {
                    if shared.changed.wait_until(&mut current, d).timed_out() {
                        return;
                    }
                }
            }
        }
    }

    /// Wakes every waiter (the owner is going away, or changed in a way waiters must
    /// see) without delivering a command.
    pub fn wake_all(&self) {
        if let Some(shared) = &self.shared {
            shared.notify();
        }
    }

    /// Registers a poller's signal under the poller's `token` for this owner
    /// (thread-safe mailboxes only; EINVAL-worthy otherwise, which the caller checks):
    /// the token is signalled on every later delivery, and once now so that the poller
    /// looks at the owner's current state.
    pub fn add_signaler(&self, signaler: Arc<Signaler>, token: usize) -> bool {
        let Some(shared) = &self.shared else {
            return false;
        };
        let link = Arc::new(SignalerLink {
            token,
            queued: AtomicBool::new(false),
        });
        signaler.signal(&link);
        shared.signalers.lock().push((signaler, link));
        true
    }

    /// Unregisters a signal added with `add_signaler`.
    pub fn remove_signaler(&self, signaler: &Arc<Signaler>) {
        if let Some(shared) = &self.shared {
            shared
                .signalers
                .lock()
                .retain(|(s, _)| !Arc::ptr_eq(s, signaler));
        }
    }

    /// The file descriptor that becomes readable when commands arrive for a sleeper.
    pub fn fd(&self) -> RawFd {
        self.eventfd
    }

    /// Delivers a command (any thread).
    pub fn send(&self, command: C) {
        self.queue.push(command);
        if let Some(shared) = &self.shared {
            shared.notify();
        }
        if self.asleep.swap(false, Ordering::SeqCst) {
            write_eventfd(self.eventfd);
        }
    }

    /// Makes the fd readable as a delivery to a sleeping owner would, with no command
    /// (owner only): the owner's next look finds nothing and clears it. A libzmq socket
    /// sends itself a command when it launches a listener or session, so its `ZMQ_FD` is
    /// readable after a tcp/ipc/udp bind or connect until it next processes commands;
    /// programs wait on that (libzmq's test_poller, test_poll_fd).
    pub fn signal_without_command(&self) {
        if self.asleep.swap(false, Ordering::SeqCst) {
            write_eventfd(self.eventfd);
        }
    }

    fn drain_signal(&self) {
        drain_eventfd(self.eventfd);
    }

    /// True when a command is queued and not yet taken (any thread; plain loads).
    #[inline]
    pub fn has_pending(&self) -> bool {
        !self.queue.is_empty()
    }

    /// The next command, without blocking (owner only). Costs no syscall while idle.
    #[inline]
    pub fn try_recv(&self) -> Option<C> {
        // `is_empty` is two plain loads; `pop` on an empty queue costs a full fence, and
        // this runs on every send.
        if !self.queue.is_empty() {
            if let Some(c) = self.queue.pop() {
                return Some(c);
            }
        }
        if self.asleep.load(Ordering::SeqCst) {
            return None;
        }
        self.drain_signal();
        self.asleep.store(true, Ordering::SeqCst);
        self.queue.pop()
    }

    /// Blocks until a command may be available or `timeout` passes (owner only, after
    /// `try_recv` returned None). Returns false on timeout.
    pub fn wait(&self, timeout: Option<Duration>) -> io::Result<bool> {
        let ms: libc::c_int = match timeout {
            None => -1,
            Some(d) => d.as_millis().min(i32::MAX as u128) as libc::c_int,
        };
        let mut pfd = libc::pollfd {
            fd: self.eventfd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let rc = unsafe { libc::poll(&mut pfd, 1, ms) };
        if rc < 0 {
            // EINTR included: a signal handler ran, and as in libzmq the blocking call
            // fails with EINTR so the application can react (e.g. to SIGTERM).
            return Err(io::Error::last_os_error());
        }
        Ok(rc > 0)
    }
}

impl<C> Drop for Mailbox<C> {
    fn drop(&mut self) {
        // SAFETY: we own the fd.
        unsafe { libc::close(self.eventfd) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn readable(fd: RawFd) -> bool {
        let mut pfd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd on the stack, a zero timeout.
        unsafe { libc::poll(&mut pfd, 1, 0) == 1 }
    }

    #[test]
    #[cfg_attr(miri, ignore = "poll is not available under Miri")]
    fn fd_signals_only_a_sleeping_owner_and_clears() {
        let m = Mailbox::<u64>::new().unwrap();
        m.send(0);
        assert!(!readable(m.fd()), "owner never slept: no signal");
        assert!(m.try_recv().is_some());
        assert!(m.try_recv().is_none());
        assert!(!readable(m.fd()));
        m.send(0);
        assert!(readable(m.fd()));
        assert!(m.try_recv().is_some());
        assert!(m.try_recv().is_none());
        assert!(!readable(m.fd()), "drained after the owner caught up");
    }

    #[test]
    #[cfg_attr(miri, ignore = "poll is not available under Miri")]
    fn signal_without_command_is_cleared_by_the_next_look() {
        let m = Mailbox::<u64>::new().unwrap();
        assert!(m.try_recv().is_none());
        m.signal_without_command();
        assert!(readable(m.fd()));
        assert!(m.try_recv().is_none());
        assert!(!readable(m.fd()));
        m.send(1);
        assert!(
            readable(m.fd()),
            "the owner sleeps again: a delivery signals"
        );
        assert_eq!(m.try_recv(), Some(1));
    }

    #[test]
    #[cfg_attr(miri, ignore = "poll is not available under Miri")]
    fn wakes_a_blocked_owner() {
        let m = Arc::new(Mailbox::<u64>::new().unwrap());
        assert!(m.try_recv().is_none());
        let sender = m.clone();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            sender.send(0);
        });
        assert!(m.wait(Some(Duration::from_secs(5))).unwrap());
        assert!(m.try_recv().is_some());
        t.join().unwrap();
    }

    #[test]
    #[cfg_attr(miri, ignore = "eventfd is not available under Miri")]
    fn a_thread_safe_mailbox_wakes_every_waiter_and_signaler() {
        let m = Arc::new(Mailbox::<u64>::thread_safe().unwrap());
        let signaler = Arc::new(Signaler::new().unwrap());
        assert!(m.add_signaler(signaler.clone(), 42));
        assert!(readable(signaler.fd()), "signalled once when added");
        signaler.clear();
        let mut tokens = Vec::new();
        signaler.take_signalled(&mut tokens);
        assert_eq!(tokens, [42]);
        let epoch = m.epoch();
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let m = m.clone();
                std::thread::spawn(move || {
                    let deadline = std::time::Instant::now() + Duration::from_secs(10);
                    m.wait_past(epoch, Some(deadline));
                    m.epoch() != epoch
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(20));
        m.send(7);
        for w in waiters {
            assert!(w.join().unwrap(), "woken by the delivery, not the deadline");
        }
        assert!(readable(signaler.fd()));
        // Queued once, however many deliveries, until taken.
        m.send(70);
        signaler.clear();
        assert!(!readable(signaler.fd()));
        tokens.clear();
        signaler.take_signalled(&mut tokens);
        assert_eq!(tokens, [42]);
        m.send(71);
        assert!(readable(signaler.fd()), "taken tokens signal again");
        m.remove_signaler(&signaler);
        signaler.clear();
        signaler.take_signalled(&mut tokens);
        m.send(8);
        assert!(!readable(signaler.fd()), "removed signalers hear nothing");
        // A delivery before the wait began is not missed.
        let epoch = m.epoch();
        m.send(9);
        m.wait_past(epoch, None);
        // Classic mailboxes take no signalers.
        assert!(!Mailbox::<u64>::new().unwrap().add_signaler(signaler, 0));
    }

    /// The protocol's promise, across threads: whenever the owner finds nothing and would
    /// sleep, a later command signals the eventfd, so no command is stranded. The owner's
    /// sleep is emulated by spinning until the eventfd can be read (no poll, so this also
    /// runs under Miri, which checks the atomics for data races).
    #[test]
    fn no_command_is_stranded() {
        let n: u64 = if cfg!(miri) { 200 } else { 20_000 };
        let m = Arc::new(Mailbox::<u64>::new().unwrap());
        let sender = m.clone();
        let t = std::thread::spawn(move || {
            for i in 0..n {
                sender.send(i);
                if i % 3 == 0 {
                    std::thread::yield_now();
                }
            }
        });
        let mut next = 0;
        while next < n {
            if let Some(i) = m.try_recv() {
                assert_eq!(i, next, "commands arrive in order");
                next += 1;
                continue;
            }
            // About to sleep: only allowed because a signal is sure to come.
            let mut spins = 0u64;
            let mut value = 0u64;
            // SAFETY: reading 8 bytes into a live u64 from the mailbox's eventfd.
            while unsafe { libc::read(m.fd(), (&mut value as *mut u64).cast(), 8) } != 8 {
                spins += 1;
                assert!(
                    spins < 50_000_000,
                    "a command was stranded without a signal"
                );
                std::thread::yield_now();
            }
        }
        t.join().unwrap();
    }
}
