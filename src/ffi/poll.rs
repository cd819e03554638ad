//! `zmq_poll` over C `zmq_pollitem_t` arrays.

use super::boundary::guard;
use super::socket::locked;
use super::types::zmq_pollitem_t;
use crate::error::Error;
use crate::poll::{poll, PollEntry};
use libc::{c_int, c_long};

#[no_mangle]
pub unsafe extern "C" fn zmq_poll(
    items: *mut zmq_pollitem_t,
    nitems: c_int,
    timeout: c_long,
) -> c_int {
    guard(|| {
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
        let result = poll(&mut entries, timeout, |i| {
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
    })
}
