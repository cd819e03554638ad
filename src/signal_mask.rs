//! Threads the library starts never take the application's signals.
//!
//! A signal sent to the process goes to any thread that does not block it. libzmq blocks
//! every signal in its own threads, so SIGINT or SIGTERM reaches an application thread
//! and interrupts its blocking `zmq_recv`/`zmq_send`/`zmq_poll` with EINTR; if an I/O
//! thread took it instead, the handler would run there and the application would keep
//! waiting. A new thread inherits its creator's mask, so the creator blocks everything
//! for the moment of the spawn: the thread never has a window in which it could take one.

use std::io;
use std::thread::{Builder, JoinHandle};

/// Spawns `body` on a thread made by `builder`, with every blockable signal blocked.
pub fn spawn_with_signals_blocked<F, T>(builder: Builder, body: F) -> io::Result<JoinHandle<T>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    // SAFETY: sigset_t is plain data that sigfillset initialises; pthread_sigmask only
    // reads `all` and writes `previous`, both live locals of the right type.
    let previous = unsafe {
        let mut all: libc::sigset_t = std::mem::zeroed();
        let mut previous: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        if libc::pthread_sigmask(libc::SIG_BLOCK, &all, &mut previous) != 0 {
            return builder.spawn(body);
        }
        previous
    };
    let spawned = builder.spawn(body);
    // SAFETY: restores the mask saved above, a valid sigset_t.
    unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &previous, std::ptr::null_mut()) };
    spawned
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocked(sig: libc::c_int) -> bool {
        // SAFETY: reads the calling thread's mask into a zeroed local sigset_t.
        unsafe {
            let mut current: libc::sigset_t = std::mem::zeroed();
            libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut current);
            libc::sigismember(&current, sig) == 1
        }
    }

    #[test]
    fn the_new_thread_blocks_signals_and_the_creator_keeps_its_mask() {
        let before = blocked(libc::SIGTERM);
        let handle = spawn_with_signals_blocked(Builder::new(), || {
            [libc::SIGINT, libc::SIGTERM, libc::SIGALRM, libc::SIGUSR1]
                .into_iter()
                .all(blocked)
        })
        .unwrap();
        assert!(handle.join().unwrap());
        assert_eq!(blocked(libc::SIGTERM), before);
    }
}
