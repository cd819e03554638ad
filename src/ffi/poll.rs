//! `zmq_poll` and the draft `zmq_ppoll` over C `zmq_pollitem_t` arrays.

use super::boundary::guard;
use super::socket::locked;
use super::types::zmq_pollitem_t;
use crate::error::{Error, Result};
use crate::poll::{poll, PollEntry};
use libc::{c_int, c_long};

/// `int zmq_poll(zmq_pollitem_t *items, int nitems, long timeout)`.
///
/// # Safety
/// `items` is NULL (only with `nitems` 0) or points to `nitems` writable items, whose
/// sockets are NULL or socket handles used by this thread alone during the call.
#[no_mangle]
pub unsafe extern "C" fn zmq_poll(
    items: *mut zmq_pollitem_t,
    nitems: c_int,
    timeout: c_long,
) -> c_int {
    // SAFETY: forwarded caller contract.
    guard(|| unsafe { poll_items(items, nitems, timeout, None) })
}

/// `int zmq_ppoll(zmq_pollitem_t *items, int nitems, long timeout, const sigset_t
/// *sigmask)`: `zmq_poll` with the thread's signal mask replaced by `sigmask` (when not
/// NULL) while it waits, as pselect(2)/ppoll(2) do.
///
/// # Safety
/// As `zmq_poll`; `sigmask` is NULL or points to a valid `sigset_t`.
#[cfg(zmq_draft_api)]
#[no_mangle]
pub unsafe extern "C" fn zmq_ppoll(
    items: *mut zmq_pollitem_t,
    nitems: c_int,
    timeout: c_long,
    sigmask: *const libc::sigset_t,
) -> c_int {
    guard(|| {
        // SAFETY: `sigmask` is NULL or points to a valid sigset_t (the contract).
        let mask = unsafe { sigmask.as_ref() };
        // SAFETY: forwarded caller contract.
        unsafe { poll_items(items, nitems, timeout, mask) }
    })
}

/// The body of both.
///
/// # Safety
/// As `zmq_poll`.
unsafe fn poll_items(
    items: *mut zmq_pollitem_t,
    nitems: c_int,
    timeout: c_long,
    sigmask: Option<&libc::sigset_t>,
) -> Result<c_int> {
    if nitems < 0 {
        return Err(Error::Inval);
    }
    if items.is_null() && nitems > 0 {
        return Err(Error::Fault);
    }
    let items: &mut [zmq_pollitem_t] = if nitems == 0 {
        &mut []
    } else {
        // SAFETY: the caller passes nitems valid entries.
        unsafe { std::slice::from_raw_parts_mut(items, nitems as usize) }
    };
    let mut entries = Vec::with_capacity(items.len());
    for item in items.iter() {
        if item.socket.is_null() {
            entries.push(PollEntry {
                fd: item.fd,
                is_socket: false,
                events: item.events,
                revents: 0,
            });
        } else {
            // SAFETY: each item's socket is NULL or has a readable tag word, and is
            // used by this thread alone during the call (libzmq's contract).
            let socket = unsafe { locked(item.socket)? };
            entries.push(PollEntry {
                fd: socket.fd(),
                is_socket: true,
                events: item.events,
                revents: 0,
            });
        }
    }
    let result = poll(&mut entries, timeout, sigmask, |i| {
        // SAFETY: checked above; each socket is borrowed only for this call, so an
        // array naming one socket twice creates no overlapping borrows.
        let mut socket = unsafe { locked(items[i].socket)? };
        socket.events()
    });
    // Also on failure (EINTR, ETERM): libzmq writes every item's revents on each pass,
    // so an interrupted wait leaves the zeroes of the passes that found nothing, not
    // the previous call's values.
    for (item, entry) in items.iter_mut().zip(entries.iter()) {
        item.revents = entry.revents;
    }
    Ok(result? as c_int)
}
