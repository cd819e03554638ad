//! A mailbox: the commands other threads send one owner (a socket: `command::Command`;
//! an I/O thread: `io::IoCommand`) plus an eventfd that is signalled only when the
//! owner may be asleep. A socket's eventfd is what `ZMQ_FD` returns: readable means
//! "something may have changed, read ZMQ_EVENTS", and it stays quiet while the owner
//! is busy, as in libzmq.
//!
//! Protocol: a sender pushes, then swaps `asleep` to false and signals if it was true.
//! The owner, finding the queue empty, drains the eventfd, sets `asleep`, and looks again.
//! Hence `asleep == true` implies the eventfd is clear, and no command is ever stranded.

use crossbeam_queue::SegQueue;
use std::io;
use std::os::unix::io::RawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub struct Mailbox<C> {
    queue: SegQueue<C>,
    asleep: AtomicBool,
    eventfd: RawFd,
}

impl<C> Mailbox<C> {
    pub fn new() -> io::Result<Mailbox<C>> {
        // SAFETY: plain syscall with constant flags.
        let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Mailbox {
            queue: SegQueue::new(),
            asleep: AtomicBool::new(false),
            eventfd: fd,
        })
    }

    /// The file descriptor that becomes readable when commands arrive for a sleeper.
    pub fn fd(&self) -> RawFd {
        self.eventfd
    }

    /// Delivers a command (any thread).
    pub fn send(&self, command: C) {
        self.queue.push(command);
        if self.asleep.swap(false, Ordering::SeqCst) {
            self.signal();
        }
    }

    fn signal(&self) {
        let one: u64 = 1;
        // SAFETY: writing 8 bytes from a live u64 to our own eventfd.
        unsafe { libc::write(self.eventfd, (&one as *const u64).cast(), 8) };
    }

    fn drain_signal(&self) {
        let mut value: u64 = 0;
        // SAFETY: reading 8 bytes into a live u64 from our own non-blocking eventfd.
        unsafe { libc::read(self.eventfd, (&mut value as *mut u64).cast(), 8) };
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
