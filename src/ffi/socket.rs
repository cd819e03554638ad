//! Socket functions: close, options, endpoints, send/recv in all their C forms, monitor.

use super::boundary::guard;
use super::handles::{self, Locked};
use super::msg::{msg_mut, msg_replace};
use super::types::zmq_msg_t;
use crate::constants::*;
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::socket::{thread_safe, Socket};
use libc::{c_char, c_int, c_void, iovec, size_t};
use std::ffi::CStr;

/// The socket behind `s`, locked for the call: ENOTSOCK unless it is a live socket.
///
/// # Safety
/// `s` is NULL or its first four bytes are readable (libzmq's contract: a pointer it
/// returned, or garbage that its tag check rejects).
#[inline]
pub(crate) unsafe fn locked(s: *mut c_void) -> Result<Locked<Socket>> {
    // SAFETY: forwarded caller contract.
    unsafe { handles::lock::<Socket>(s) }
}

/// Locks `s` again after a thread-safe socket's wait (the socket may have been closed
/// meanwhile: ENOTSOCK).
fn relock(s: *mut c_void) -> impl Fn() -> Result<Locked<Socket>> {
    // SAFETY: `s` was a live socket handle, and handle memory is never freed.
    move || unsafe { locked(s) }
}

/// An endpoint argument as &str; EINVAL for NULL or non-UTF-8.
unsafe fn endpoint<'a>(addr: *const c_char) -> Result<&'a str> {
    if addr.is_null() {
        return Err(Error::Inval);
    }
    // SAFETY: non-NULL, and the caller passes a NUL-terminated string.
    unsafe { CStr::from_ptr(addr) }
        .to_str()
        .map_err(|_| Error::Inval)
}

/// Message sizes are reported as int, clipped like libzmq.
fn size_as_int(size: usize) -> c_int {
    size.min(c_int::MAX as usize) as c_int
}

/// A message copied from the caller's `len` bytes at `buf`. As in libzmq, the storage
/// is allocated first: a size that cannot be allocated is ENOMEM whatever `buf` is. A
/// NULL `buf` with a length is EFAULT (where libzmq asserts).
fn copy_caller_bytes(buf: *const c_void, len: size_t) -> Result<Msg> {
    if buf.is_null() && len != 0 {
        // Allocation failure first, as libzmq (a huge NULL buffer is ENOMEM there too).
        Msg::with_size(len).ok_or(Error::NoMem)?;
        return Err(Error::Fault);
    }
    // SAFETY: buf is non-NULL (or len is 0) and readable for len bytes by the caller's
    // contract; copy_from_raw reads it only once the storage exists.
    unsafe { Msg::copy_from_raw(buf.cast(), len) }.ok_or(Error::NoMem)
}

#[no_mangle]
pub unsafe extern "C" fn zmq_close(s: *mut c_void) -> c_int {
    guard(|| {
        // SAFETY: C passes NULL or a pointer to at least a tag word; sockets are only
        // reached through their lock, which destroy waits for.
        drop(unsafe { handles::destroy::<Socket>(s)? });
        Ok(0)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_setsockopt(
    s: *mut c_void,
    option: c_int,
    optval: *const c_void,
    optvallen: size_t,
) -> c_int {
    guard(|| {
        // SAFETY: `s` is NULL or has a readable tag word.
        let mut socket = unsafe { locked(s)? };
        let value: Option<&[u8]> = if optval.is_null() {
            if optvallen != 0 {
                return Err(Error::Inval);
            }
            None
        } else {
            // SAFETY: non-NULL, and readable for `optvallen` bytes by libzmq's contract.
            Some(unsafe { std::slice::from_raw_parts(optval.cast(), optvallen) })
        };
        socket.setsockopt(option, value)?;
        Ok(0)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_getsockopt(
    s: *mut c_void,
    option: c_int,
    optval: *mut c_void,
    optvallen: *mut size_t,
) -> c_int {
    guard(|| {
        // SAFETY: `s` is NULL or has a readable tag word.
        let mut socket = unsafe { locked(s)? };
        if optvallen.is_null() {
            return Err(Error::Fault);
        }
        // SAFETY: non-NULL, and points to a readable and writable `size_t` by contract.
        let len = unsafe { *optvallen };
        let out: &mut [u8] = if optval.is_null() {
            if len != 0 {
                return Err(Error::Fault);
            }
            &mut []
        } else {
            // SAFETY: non-NULL, and writable for `*optvallen` bytes by contract.
            unsafe { std::slice::from_raw_parts_mut(optval.cast(), len) }
        };
        let written = socket.getsockopt(option, out)?;
        // SAFETY: as for the read of `*optvallen` above.
        unsafe { *optvallen = written };
        Ok(0)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_bind(s: *mut c_void, addr: *const c_char) -> c_int {
    guard(|| {
        // SAFETY: `s` is NULL or has a readable tag word.
        let mut socket = unsafe { locked(s)? };
        // SAFETY: `addr` is NULL or a NUL-terminated string by contract.
        socket.bind(unsafe { endpoint(addr)? })?;
        Ok(0)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_connect(s: *mut c_void, addr: *const c_char) -> c_int {
    guard(|| {
        // SAFETY: `s` is NULL or has a readable tag word.
        let mut socket = unsafe { locked(s)? };
        // SAFETY: `addr` is NULL or a NUL-terminated string by contract.
        socket.connect(unsafe { endpoint(addr)? })?;
        Ok(0)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_unbind(s: *mut c_void, addr: *const c_char) -> c_int {
    guard(|| {
        // SAFETY: `s` is NULL or has a readable tag word.
        let mut socket = unsafe { locked(s)? };
        // SAFETY: `addr` is NULL or a NUL-terminated string by contract.
        socket.term_endpoint(unsafe { endpoint(addr)? })?;
        Ok(0)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_disconnect(s: *mut c_void, addr: *const c_char) -> c_int {
    guard(|| {
        // SAFETY: `s` is NULL or has a readable tag word.
        let mut socket = unsafe { locked(s)? };
        // SAFETY: `addr` is NULL or a NUL-terminated string by contract.
        socket.term_endpoint(unsafe { endpoint(addr)? })?;
        Ok(0)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_send(
    s: *mut c_void,
    buf: *const c_void,
    len: size_t,
    flags: c_int,
) -> c_int {
    guard(|| {
        // SAFETY: `s` is NULL or has a readable tag word.
        let socket = unsafe { locked(s)? };
        let mut msg = copy_caller_bytes(buf, len)?;
        thread_safe::send(socket, relock(s), &mut msg, flags)?;
        Ok(size_as_int(len))
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_send_const(
    s: *mut c_void,
    buf: *const c_void,
    len: size_t,
    flags: c_int,
) -> c_int {
    guard(|| {
        // SAFETY: `s` is NULL or has a readable tag word.
        let socket = unsafe { locked(s)? };
        if buf.is_null() && len != 0 {
            return Err(Error::Fault);
        }
        // SAFETY: `buf` is readable for `len` bytes and stays valid and unchanged for
        // as long as the library may read it, as zmq_send_const documents.
        let mut msg = unsafe { Msg::from_const(buf.cast(), len) };
        thread_safe::send(socket, relock(s), &mut msg, flags)?;
        Ok(size_as_int(len))
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_recv(
    s: *mut c_void,
    buf: *mut c_void,
    len: size_t,
    flags: c_int,
) -> c_int {
    guard(|| {
        // SAFETY: `s` is NULL or has a readable tag word.
        let socket = unsafe { locked(s)? };
        if buf.is_null() && len != 0 {
            return Err(Error::Fault);
        }
        let msg = thread_safe::recv(socket, relock(s), flags)?;
        let data = msg.data();
        let n = data.len().min(len);
        if n > 0 {
            // SAFETY: `buf` is non-NULL and writable for `len` >= `n` bytes by contract;
            // `data` is the message's own memory, so they do not overlap.
            unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), buf.cast::<u8>(), n) };
        }
        Ok(size_as_int(data.len()))
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_send(msg: *mut zmq_msg_t, s: *mut c_void, flags: c_int) -> c_int {
    guard(|| {
        // SAFETY: `s` is NULL or has a readable tag word.
        let socket = unsafe { locked(s)? };
        // SAFETY: `msg` is NULL or points to a `zmq_msg_t`; checked to hold a message.
        let m = unsafe { msg_mut(msg)? };
        let size = m.len();
        thread_safe::send(socket, relock(s), m, flags)?;
        Ok(size_as_int(size))
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_recv(msg: *mut zmq_msg_t, s: *mut c_void, flags: c_int) -> c_int {
    guard(|| {
        // SAFETY: `s` is NULL or has a readable tag word.
        let socket = unsafe { locked(s)? };
        // SAFETY: `msg` is NULL or points to a `zmq_msg_t`; checked to hold a message.
        unsafe { msg_mut(msg)? };
        let received = thread_safe::recv(socket, relock(s), flags)?;
        let size = received.len();
        // SAFETY: checked above to be storage holding a message, which this replaces.
        unsafe { msg_replace(msg, received) };
        Ok(size_as_int(size))
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_sendmsg(s: *mut c_void, msg: *mut zmq_msg_t, flags: c_int) -> c_int {
    // SAFETY: same contract as zmq_msg_send.
    unsafe { zmq_msg_send(msg, s, flags) }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_recvmsg(s: *mut c_void, msg: *mut zmq_msg_t, flags: c_int) -> c_int {
    // SAFETY: same contract as zmq_msg_recv.
    unsafe { zmq_msg_recv(msg, s, flags) }
}

/// Sends `count` buffers as the frames of one message.
#[no_mangle]
pub unsafe extern "C" fn zmq_sendiov(
    s: *mut c_void,
    iov: *mut iovec,
    count: size_t,
    flags: c_int,
) -> c_int {
    guard(|| {
        // ENOTSOCK first; each frame then takes the lock on its own, as in libzmq.
        // SAFETY: `s` is NULL or has a readable tag word.
        drop(unsafe { locked(s)? });
        if count == 0 || iov.is_null() {
            return Err(Error::Inval);
        }
        // SAFETY: non-NULL, and holds `count` readable entries by contract.
        let parts = unsafe { std::slice::from_raw_parts(iov, count) };
        let mut last = 0;
        for (i, part) in parts.iter().enumerate() {
            let mut msg = copy_caller_bytes(part.iov_base, part.iov_len)?;
            // As libzmq: one multipart message only when the caller asks with ZMQ_SNDMORE.
            let frame_flags = if i + 1 < count {
                flags
            } else {
                flags & !ZMQ_SNDMORE
            };
            // SAFETY: `s` is NULL or has a readable tag word.
            let socket = unsafe { locked(s)? };
            thread_safe::send(socket, relock(s), &mut msg, frame_flags)?;
            last = size_as_int(part.iov_len);
        }
        Ok(last)
    })
}

/// Receives up to `*count` frames into malloc'ed buffers (the caller frees them).
#[no_mangle]
pub unsafe extern "C" fn zmq_recviov(
    s: *mut c_void,
    iov: *mut iovec,
    count: *mut size_t,
    flags: c_int,
) -> c_int {
    guard(|| {
        // ENOTSOCK first; each frame then takes the lock on its own, as in libzmq.
        // SAFETY: `s` is NULL or has a readable tag word.
        drop(unsafe { locked(s)? });
        if iov.is_null() || count.is_null() {
            return Err(Error::Inval);
        }
        // SAFETY: `count` is non-NULL and points to a readable, writable `size_t`.
        let max = unsafe { std::mem::replace(&mut *count, 0) };
        if max == 0 {
            return Err(Error::Inval);
        }
        let mut received = 0;
        for i in 0..max {
            // SAFETY: `s` is NULL or has a readable tag word.
            let socket = unsafe { locked(s)? };
            let msg = thread_safe::recv(socket, relock(s), flags)?;
            let data = msg.data();
            // SAFETY: malloc has no preconditions; the result is checked for NULL.
            let buf = unsafe { libc::malloc(data.len().max(1)) };
            if buf.is_null() {
                return Err(Error::NoMem);
            }
            // SAFETY: `buf` holds at least `data.len()` fresh bytes; `iov` is non-NULL
            // and holds `max` > `i` writable entries by contract; `count` as above.
            unsafe {
                std::ptr::copy_nonoverlapping(data.as_ptr(), buf.cast::<u8>(), data.len());
                let slot = &mut *iov.add(i);
                slot.iov_base = buf;
                slot.iov_len = data.len();
                *count += 1;
            }
            received += 1;
            if !msg.more() {
                break;
            }
        }
        Ok(received)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_socket_monitor(
    s: *mut c_void,
    addr: *const c_char,
    events: c_int,
) -> c_int {
    guard(|| {
        // SAFETY: `s` is NULL or has a readable tag word.
        let mut socket = unsafe { locked(s)? };
        let endpoint = if addr.is_null() {
            None
        } else {
            // SAFETY: non-NULL, and a NUL-terminated string by contract.
            Some(unsafe { endpoint(addr)? })
        };
        socket.monitor(endpoint, events)?;
        Ok(0)
    })
}

/// `int zmq_socket_monitor_versioned(void *s, const char *addr, uint64_t events, int
/// event_version, int type)` (draft): as `zmq_socket_monitor`, with monitor v2's format
/// (64-bit events and values, local and remote endpoints) for version 2, events beyond
/// the first 16 (ZMQ_EVENT_PIPES_STATS) for v2, and a PAIR, PUB or PUSH monitor socket.
#[cfg(zmq_draft_api)]
#[no_mangle]
pub unsafe extern "C" fn zmq_socket_monitor_versioned(
    s: *mut c_void,
    addr: *const c_char,
    events: u64,
    event_version: c_int,
    socket_type: c_int,
) -> c_int {
    guard(|| {
        // SAFETY: `s` is NULL or has a readable tag word.
        let mut socket = unsafe { locked(s)? };
        let endpoint = if addr.is_null() {
            None
        } else {
            // SAFETY: non-NULL, and a NUL-terminated string by contract.
            Some(unsafe { endpoint(addr)? })
        };
        socket.monitor_versioned(endpoint, events, event_version, socket_type)?;
        Ok(0)
    })
}

/// `int zmq_socket_monitor_pipes_stats(void *s)` (draft): asks every pipe of the socket
/// for its queue counts, published later as ZMQ_EVENT_PIPES_STATS events on the v2
/// monitor (EINVAL without a monitor of that event, EAGAIN with no pipe).
#[cfg(zmq_draft_api)]
#[no_mangle]
pub unsafe extern "C" fn zmq_socket_monitor_pipes_stats(s: *mut c_void) -> c_int {
    guard(|| {
        // SAFETY: `s` is NULL or has a readable tag word.
        let mut socket = unsafe { locked(s)? };
        socket.monitor_pipes_stats()?;
        Ok(0)
    })
}

/// A `uint32_t` answer whose failure value is 0 (no peer).
struct PeerId(u32);

impl super::boundary::CFailure for PeerId {
    const FAILURE: Self = PeerId(0);
}

/// Draft: connects a PEER socket; returns the new peer's routing id, 0 on failure.
#[cfg(zmq_draft_api)]
#[no_mangle]
pub unsafe extern "C" fn zmq_connect_peer(s_: *mut c_void, addr_: *const c_char) -> u32 {
    guard(|| {
        // SAFETY: `s_` is NULL or has a readable tag word.
        let mut socket = unsafe { locked(s_)? };
        // SAFETY: `addr_` is NULL or a NUL-terminated string by contract.
        let endpoint = unsafe { endpoint(addr_) };
        socket.connect_peer(endpoint).map(PeerId)
    })
    .0
}

/// A group argument of `zmq_join`/`zmq_leave` as bytes; EINVAL for NULL.
unsafe fn group_arg<'a>(group: *const c_char) -> Result<&'a [u8]> {
    if group.is_null() {
        return Err(Error::Inval);
    }
    // SAFETY: non-NULL, and the caller passes a NUL-terminated string.
    Ok(unsafe { CStr::from_ptr(group) }.to_bytes())
}

/// Draft: a DISH joins a group (ENOTSUP for other socket types).
#[cfg(zmq_draft_api)]
#[no_mangle]
pub unsafe extern "C" fn zmq_join(s: *mut c_void, group: *const c_char) -> c_int {
    guard(|| {
        // SAFETY: `s` is NULL or has a readable tag word.
        let mut socket = unsafe { locked(s)? };
        // SAFETY: `group` is NULL or a NUL-terminated string by contract.
        socket.join(unsafe { group_arg(group)? })?;
        Ok(0)
    })
}

/// Draft: a DISH leaves a group it joined.
#[cfg(zmq_draft_api)]
#[no_mangle]
pub unsafe extern "C" fn zmq_leave(s: *mut c_void, group: *const c_char) -> c_int {
    guard(|| {
        // SAFETY: `s` is NULL or has a readable tag word.
        let mut socket = unsafe { locked(s)? };
        // SAFETY: `group` is NULL or a NUL-terminated string by contract.
        socket.leave(unsafe { group_arg(group)? })?;
        Ok(0)
    })
}

/// Draft: whether a ROUTER's peer can take a message now (ZMQ_POLLOUT) or not (0).
#[cfg(zmq_draft_api)]
#[no_mangle]
pub unsafe extern "C" fn zmq_socket_get_peer_state(
    socket: *mut c_void,
    routing_id: *const c_void,
    routing_id_size: size_t,
) -> c_int {
    guard(|| {
        // SAFETY: `socket` is NULL or has a readable tag word.
        let mut locked_socket = unsafe { locked(socket)? };
        let id: &[u8] = if routing_id.is_null() {
            if routing_id_size != 0 {
                return Err(Error::Fault);
            }
            &[]
        } else {
            // SAFETY: non-NULL, and readable for `routing_id_size` bytes by contract.
            unsafe { std::slice::from_raw_parts(routing_id.cast(), routing_id_size) }
        };
        locked_socket.peer_state(id)
    })
}
