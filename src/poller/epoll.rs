//! The epoll instance of one draft poller: the syscalls and nothing else.

use std::io;
use std::os::unix::io::RawFd;

pub struct Epoll {
    fd: RawFd,
    /// What the kernel wrote at the last wait.
    events: Vec<libc::epoll_event>,
}

/// How many ready descriptors one wait takes from the kernel.
const EVENTS_PER_WAIT: usize = 256;

/// Turns a `-1` return into the thread's errno.
fn check(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

impl Epoll {
    pub fn new() -> io::Result<Epoll> {
        // SAFETY: plain syscall with a constant flag.
        let fd = check(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
        Ok(Epoll {
            fd,
            events: Vec::with_capacity(EVENTS_PER_WAIT),
        })
    }

    /// The epoll descriptor itself (readable when an event is pending), for waiting on
    /// it together with descriptors epoll does not take.
    pub fn fd(&self) -> RawFd {
        self.fd
    }

    /// Watches `fd` for `interest` (level-triggered), reporting `token`.
    pub fn add(&self, fd: RawFd, interest: u32, token: usize) -> io::Result<()> {
        self.control(libc::EPOLL_CTL_ADD, fd, interest, token)
    }

    pub fn modify(&self, fd: RawFd, interest: u32, token: usize) -> io::Result<()> {
        self.control(libc::EPOLL_CTL_MOD, fd, interest, token)
    }

    pub fn delete(&self, fd: RawFd) -> io::Result<()> {
        self.control(libc::EPOLL_CTL_DEL, fd, 0, 0)
    }

    fn control(&self, op: libc::c_int, fd: RawFd, interest: u32, token: usize) -> io::Result<()> {
        let mut event = libc::epoll_event {
            events: interest,
            u64: token as u64,
        };
        // SAFETY: `event` is a live epoll_event (ignored by DEL); the kernel checks `fd`.
        check(unsafe { libc::epoll_ctl(self.fd, op, fd, &mut event) }).map(drop)
    }

    /// Waits up to `timeout_ms` (-1 = forever) and appends the ready `(token, events)`
    /// to `ready`, at most `EVENTS_PER_WAIT` at a time (the rest stay ready for the next
    /// call: every registration is level-triggered).
    pub fn wait(
        &mut self,
        timeout_ms: libc::c_int,
        ready: &mut Vec<(usize, u32)>,
    ) -> io::Result<()> {
        self.events.clear();
        // SAFETY: `events` has room for EVENTS_PER_WAIT entries, which the kernel fills
        // from the start; we read back only the count it returns.
        let n = check(unsafe {
            libc::epoll_wait(
                self.fd,
                self.events.as_mut_ptr(),
                EVENTS_PER_WAIT as libc::c_int,
                timeout_ms,
            )
        })?;
        // SAFETY: the kernel initialised the first `n` (<= EVENTS_PER_WAIT) entries.
        unsafe { self.events.set_len(n as usize) };
        ready.extend(self.events.iter().map(|e| (e.u64 as usize, e.events)));
        Ok(())
    }
}

impl Drop for Epoll {
    fn drop(&mut self) {
        // SAFETY: we own the descriptor and close it once.
        unsafe { libc::close(self.fd) };
    }
}
