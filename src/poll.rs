//! `zmq_poll` and `zmq_ppoll`: waits until sockets or plain file descriptors are ready.
//! A socket is asked for its `ZMQ_EVENTS`; while nothing is ready the thread sleeps in
//! ppoll(2) on the sockets' mailbox fds and the plain fds, with libzmq's timeout rules
//! (0 = check once, negative = forever, else milliseconds). `zmq_ppoll`'s signal mask
//! is in force during each sleep (ppoll(2) swaps it atomically), so a signal it
//! unblocks interrupts the wait with EINTR and cannot slip in just before it.

use crate::constants::*;
use crate::error::{Error, Result};
use std::os::unix::io::RawFd;
use std::time::{Duration, Instant};

/// One thing to watch.
pub struct PollEntry {
    /// For a socket, its `ZMQ_FD`; otherwise the plain descriptor.
    pub fd: RawFd,
    pub is_socket: bool,
    pub events: i16,
    pub revents: i16,
}

/// Polls `entries`; `socket_events(i)` returns the `ZMQ_EVENTS` of socket entry `i`.
/// With `sigmask`, the thread's signal mask is that set while it waits. Returns how
/// many entries have events.
pub fn poll(
    entries: &mut [PollEntry],
    timeout_ms: i64,
    sigmask: Option<&libc::sigset_t>,
    mut socket_events: impl FnMut(usize) -> Result<i32>,
) -> Result<usize> {
    if entries.is_empty() {
        if timeout_ms > 0 {
            std::thread::sleep(Duration::from_millis(timeout_ms as u64));
        } else if timeout_ms < 0 {
            return Err(Error::Inval);
        }
        return Ok(0);
    }
    let deadline =
        (timeout_ms > 0).then(|| Instant::now() + Duration::from_millis(timeout_ms as u64));
    let mut pollfds: Vec<libc::pollfd> = entries
        .iter()
        .map(|e| libc::pollfd {
            fd: e.fd,
            events: if e.is_socket {
                libc::POLLIN
            } else {
                let mut ev = 0;
                if e.events & ZMQ_POLLIN as i16 != 0 {
                    ev |= libc::POLLIN;
                }
                if e.events & ZMQ_POLLOUT as i16 != 0 {
                    ev |= libc::POLLOUT;
                }
                if e.events & ZMQ_POLLPRI as i16 != 0 {
                    ev |= libc::POLLPRI;
                }
                ev
            },
            revents: 0,
        })
        .collect();
    let mut first_pass = true;
    loop {
        let wait = if first_pass {
            Some(Duration::ZERO)
        } else {
            match deadline {
                None if timeout_ms < 0 => None,
                None => Some(Duration::ZERO),
                Some(d) => Some(d.saturating_duration_since(Instant::now())),
            }
        };
        let timespec = wait.map(|w| libc::timespec {
            tv_sec: w.as_secs().min(i32::MAX as u64) as libc::time_t,
            tv_nsec: libc::c_long::from(w.subsec_nanos() as i32),
        });
        // SAFETY: pollfds is a live array of pollfd of the given length; the timeout
        // and the mask are NULL or point to live values for the call.
        let rc = unsafe {
            libc::ppoll(
                pollfds.as_mut_ptr(),
                pollfds.len() as libc::nfds_t,
                timespec
                    .as_ref()
                    .map_or(std::ptr::null(), |t| t as *const _),
                sigmask.map_or(std::ptr::null(), |m| m as *const _),
            )
        };
        if rc < 0 {
            let e = std::io::Error::last_os_error();
            return Err(if e.raw_os_error() == Some(libc::EINTR) {
                Error::Intr
            } else {
                e.into()
            });
        }
        let mut ready = 0;
        for (i, (entry, pfd)) in entries.iter_mut().zip(pollfds.iter()).enumerate() {
            entry.revents = 0;
            if entry.is_socket {
                let events = socket_events(i)? as i16;
                entry.revents = events & entry.events;
            } else {
                if pfd.revents & libc::POLLIN != 0 {
                    entry.revents |= ZMQ_POLLIN as i16;
                }
                if pfd.revents & libc::POLLOUT != 0 {
                    entry.revents |= ZMQ_POLLOUT as i16;
                }
                if pfd.revents & libc::POLLPRI != 0 {
                    entry.revents |= ZMQ_POLLPRI as i16;
                }
                if pfd.revents & !(libc::POLLIN | libc::POLLOUT | libc::POLLPRI) != 0 {
                    entry.revents |= ZMQ_POLLERR as i16;
                }
            }
            if entry.revents != 0 {
                ready += 1;
            }
        }
        if ready > 0 || timeout_ms == 0 {
            return Ok(ready);
        }
        if let Some(d) = deadline {
            if Instant::now() >= d {
                return Ok(0);
            }
        }
        first_pass = false;
    }
}
