//! The state a context shares with its sockets: the registry of a program's sockets
//! and inproc endpoints, its I/O threads, its settings, and the owner of termination.
//! `term` makes every blocking call on its sockets fail with ETERM (a `Stop` command
//! to each mailbox), then waits until all are closed. The handle the API hands out is
//! `ctx::Context`; sockets keep an `Arc<CtxInner>`.

use crate::command::{Command, SocketMailbox};
use crate::constants::*;
use crate::error::{Error, Result};
use crate::io::thread_setup::ThreadSettings;
use crate::io::{IoMailbox, IoThread};
use crate::transport::inproc::SharedRegistry;
use parking_lot::{Condvar, Mutex};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

static NEXT_SOCKET_ID: AtomicU64 = AtomicU64::new(1);

/// The file-descriptor ceiling libzmq reports as ZMQ_SOCKET_LIMIT with epoll.
const SOCKET_LIMIT: i32 = 65535;

/// Socket defaults that come from the context.
pub(crate) struct Inherited {
    pub blocky: bool,
    pub ipv6: bool,
    /// ZMQ_ZERO_COPY_RECV (draft): received messages may view the receive buffer.
    pub zero_copy_recv: bool,
}

struct State {
    terminating: bool,
    sockets: HashMap<u64, Arc<SocketMailbox>>,
    io_threads: i32,
    max_sockets: i32,
    max_msgsz: i32,
    ipv6: bool,
    blocky: bool,
    zero_copy_recv: bool,
    /// Also readable as ZMQ_THREAD_PRIORITY's twin ZMQ_SOCKET_LIMIT (both are 3): kept for set only.
    /// How I/O threads are named and scheduled (the ZMQ_THREAD_* options).
    threads: ThreadSettings,
}

pub struct CtxInner {
    /// Set by shutdown/term; sockets check it on every call (one relaxed load).
    terminating: AtomicBool,
    state: Mutex<State>,
    all_closed: Condvar,
    pub(crate) inproc: SharedRegistry,
    /// I/O threads, started at the first tcp/ipc bind or connect.
    io: Mutex<Vec<IoThread>>,
}

impl CtxInner {
    /// The mailbox of the I/O thread serving socket `socket_id` (threads start on first
    /// use), among those its `ZMQ_AFFINITY` bitmap allows (bit i = thread i; 0 = any).
    /// EMTHREAD when the context has ZMQ_IO_THREADS = 0 or the bitmap names no thread,
    /// as in libzmq.
    pub(crate) fn io_thread(&self, socket_id: u64, affinity: u64) -> Result<Arc<IoMailbox>> {
        let mut threads = self.io.lock();
        if threads.is_empty() {
            let n = self.state.lock().io_threads;
            if n <= 0 {
                return Err(Error::MThread);
            }
            for i in 0..n as usize {
                let settings = self.state.lock().threads.clone();
                threads.push(IoThread::spawn(i, settings).map_err(|_| Error::MThread)?);
            }
        }
        let allowed: Vec<&IoThread> = threads
            .iter()
            .enumerate()
            .filter(|(i, _)| affinity == 0 || (*i < 64 && affinity & (1u64 << i) != 0))
            .map(|(_, thread)| thread)
            .collect();
        if allowed.is_empty() {
            return Err(Error::MThread);
        }
        let index = (socket_id % allowed.len() as u64) as usize;
        allowed
            .get(index)
            .map(|thread| thread.mailbox().clone())
            .ok_or(Error::MThread)
    }

    /// True once the context is shutting down.
    #[inline]
    pub(crate) fn is_terminating(&self) -> bool {
        self.terminating.load(Ordering::Relaxed)
    }

    /// Registers a new socket: its id, its mailbox and the defaults it inherits
    /// (`Socket::create` builds the rest). ETERM after shutdown, EMFILE at MAX_SOCKETS.
    pub(crate) fn register_socket(
        &self,
        thread_safe: bool,
    ) -> Result<(u64, Arc<SocketMailbox>, Inherited)> {
        let mailbox = if thread_safe {
            SocketMailbox::thread_safe()
        } else {
            SocketMailbox::new()
        };
        let mailbox = Arc::new(mailbox.map_err(|_| Error::MFile)?);
        let mut state = self.state.lock();
        if state.terminating {
            return Err(Error::Term);
        }
        if state.sockets.len() >= state.max_sockets as usize {
            return Err(Error::MFile);
        }
        let id = NEXT_SOCKET_ID.fetch_add(1, Ordering::Relaxed);
        state.sockets.insert(id, mailbox.clone());
        let inherited = Inherited {
            blocky: state.blocky,
            ipv6: state.ipv6,
            zero_copy_recv: state.zero_copy_recv,
        };
        Ok((id, mailbox, inherited))
    }

    /// Called by a socket as it closes.
    pub(crate) fn socket_closed(&self, id: u64) {
        let mut state = self.state.lock();
        state.sockets.remove(&id);
        if state.sockets.is_empty() {
            self.all_closed.notify_all();
        }
    }

    pub(crate) fn new() -> CtxInner {
        CtxInner {
            terminating: AtomicBool::new(false),
            state: Mutex::new(State {
                terminating: false,
                sockets: HashMap::new(),
                io_threads: ZMQ_IO_THREADS_DFLT,
                max_sockets: ZMQ_MAX_SOCKETS_DFLT,
                max_msgsz: i32::MAX,
                ipv6: false,
                blocky: true,
                zero_copy_recv: true,
                threads: ThreadSettings::default(),
            }),
            all_closed: Condvar::new(),
            inproc: SharedRegistry::default(),
            io: Mutex::new(Vec::new()),
        }
    }

    /// Makes blocking calls on this context's sockets fail with ETERM; new sockets
    /// can no longer be created.
    pub(crate) fn shutdown(&self) {
        let mut state = self.state.lock();
        if state.terminating {
            return;
        }
        state.terminating = true;
        self.terminating.store(true, Ordering::Release);
        for mailbox in state.sockets.values() {
            mailbox.send(Command::Stop);
        }
    }

    /// Shuts down, then waits until every socket has been closed.
    pub(crate) fn term(&self) {
        self.shutdown();
        let mut state = self.state.lock();
        while !state.sockets.is_empty() {
            self.all_closed.wait(&mut state);
        }
        drop(state);
        // Every socket is closed; the I/O threads finish once their sessions have
        // lingered (sent what was queued, or timed out).
        let threads = std::mem::take(&mut *self.io.lock());
        for thread in threads {
            thread.stop();
        }
    }

    pub(crate) fn set(&self, option: i32, value: i32) -> Result<()> {
        let mut state = self.state.lock();
        match option {
            ZMQ_IO_THREADS if value >= 0 => state.io_threads = value,
            ZMQ_MAX_SOCKETS if value >= 1 => state.max_sockets = value,
            ZMQ_THREAD_PRIORITY if value >= 0 => state.threads.priority = value,
            ZMQ_THREAD_SCHED_POLICY if value >= 0 => state.threads.sched_policy = value,
            ZMQ_THREAD_AFFINITY_CPU_ADD if value >= 0 => _ = state.threads.cpus.insert(value),
            // Removing a CPU that was never added is EINVAL, as in libzmq.
            ZMQ_THREAD_AFFINITY_CPU_REMOVE if value >= 0 => {
                if !state.threads.cpus.remove(&value) {
                    return Err(Error::Inval);
                }
            }
            // Any int: libzmq keeps its decimal text as the prefix.
            ZMQ_THREAD_NAME_PREFIX => state.threads.name_prefix = Some(value.to_string().into()),
            ZMQ_MAX_MSGSZ if value >= 0 => state.max_msgsz = value,
            ZMQ_IPV6 if value >= 0 => state.ipv6 = value != 0,
            ZMQ_BLOCKY if value >= 0 => state.blocky = value != 0,
            ZMQ_ZERO_COPY_RECV if value >= 0 => state.zero_copy_recv = value != 0,
            _ => return Err(Error::Inval),
        }
        Ok(())
    }

    /// `zmq_ctx_set_ext` with a value that is not an int: only ZMQ_THREAD_NAME_PREFIX
    /// takes one, 1 to 16 bytes, kept as given (libzmq 4.3.5).
    pub(crate) fn set_bytes(&self, option: i32, value: &[u8]) -> Result<()> {
        match option {
            ZMQ_THREAD_NAME_PREFIX if (1..=16).contains(&value.len()) => {
                self.state.lock().threads.name_prefix = Some(value.to_vec());
                Ok(())
            }
            _ => Err(Error::Inval),
        }
    }

    /// `zmq_ctx_get_ext` into a buffer that is not an int: ZMQ_THREAD_NAME_PREFIX's bytes
    /// (empty when unset), if `room` holds them; EINVAL otherwise.
    pub(crate) fn get_bytes(&self, option: i32, room: usize) -> Result<Vec<u8>> {
        let state = self.state.lock();
        match option {
            ZMQ_THREAD_NAME_PREFIX => {
                let prefix = state.threads.name_prefix.clone().unwrap_or_default();
                if prefix.len() <= room {
                    Ok(prefix)
                } else {
                    Err(Error::Inval)
                }
            }
            _ => Err(Error::Inval),
        }
    }

    pub(crate) fn get(&self, option: i32) -> Result<i32> {
        let state = self.state.lock();
        Ok(match option {
            ZMQ_IO_THREADS => state.io_threads,
            ZMQ_MAX_SOCKETS => state.max_sockets,
            ZMQ_SOCKET_LIMIT => SOCKET_LIMIT,
            ZMQ_IPV6 => i32::from(state.ipv6),
            ZMQ_BLOCKY => i32::from(state.blocky),
            ZMQ_ZERO_COPY_RECV => i32::from(state.zero_copy_recv),
            ZMQ_MAX_MSGSZ => state.max_msgsz,
            ZMQ_MSG_T_SIZE => std::mem::size_of::<crate::msg::Msg>() as i32,
            ZMQ_THREAD_SCHED_POLICY => state.threads.sched_policy,
            // libzmq reads the prefix back with atoi: 0 when unset.
            ZMQ_THREAD_NAME_PREFIX => {
                atoi(state.threads.name_prefix.as_deref().unwrap_or_default())
            }
            _ => return Err(Error::Inval),
        })
    }
}

/// C's `atoi`, as libzmq reads the thread name prefix back as an int: leading white
/// space, an optional sign, then digits up to the first other byte; 0 if none.
fn atoi(text: &[u8]) -> i32 {
    let mut rest = text
        .iter()
        .skip_while(|b| b" \t\n\x0b\x0c\r".contains(b))
        .peekable();
    let negative = match rest.peek() {
        Some(b'-') => {
            rest.next();
            true
        }
        Some(b'+') => {
            rest.next();
            false
        }
        _ => false,
    };
    let mut value: i64 = 0;
    for &b in rest.take_while(|b| b.is_ascii_digit()) {
        value = (value * 10 + i64::from(b - b'0')).min(i64::from(i32::MAX) + 1);
    }
    let value = if negative { -value } else { value };
    value.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

#[cfg(test)]
mod atoi_tests {
    use super::atoi;

    #[test]
    fn reads_like_c() {
        assert_eq!(atoi(b""), 0);
        assert_eq!(atoi(b"42"), 42);
        assert_eq!(atoi(b"  -17x"), -17);
        assert_eq!(atoi(b"+5"), 5);
        assert_eq!(atoi(b"abc"), 0);
        assert_eq!(atoi(b"12ab"), 12);
        assert_eq!(atoi(b"-2147483648"), i32::MIN);
    }
}
