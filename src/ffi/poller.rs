//! `zmq_poller_*` (draft API, always exported): the C face of `crate::poller::Poller`.
//!
//! A poller is a handle (`super::handles`): NULL, a foreign pointer or a destroyed
//! poller fails with EFAULT, as libzmq's tag check reports; a second destroy too,
//! without touching freed memory. The checks run in libzmq's order (poller, then
//! socket or descriptor, then events). The poller sits behind a lock, so two threads
//! misusing one poller at once are serialised rather than corrupting it.

use super::boundary::guard;
use super::handles::{self, Locked};
use super::socket::locked;
use super::types::{zmq_fd_t, zmq_poller_event_t};
use crate::constants::{ZMQ_POLLERR, ZMQ_POLLIN, ZMQ_POLLOUT, ZMQ_POLLPRI};
use crate::error::{Error, Result};
use crate::poller::{Poller, Ready};
use crate::socket::Socket;
use libc::{c_int, c_long, c_short, c_void};
use parking_lot::Mutex;

/// What `zmq_poller_new` hands to C.
pub struct PollerHandle(Mutex<Poller>);

/// The poller behind a C pointer: EFAULT unless it is a live one.
///
/// # Safety
/// `ptr` is NULL or points to at least a tag word, and the poller is not destroyed while
/// the reference is in use (libzmq's contract).
unsafe fn poller<'a>(ptr: *mut c_void) -> Result<&'a Mutex<Poller>> {
    // SAFETY: forwarded caller contract.
    let PollerHandle(poller) = unsafe { handles::get::<PollerHandle>(ptr)? };
    Ok(poller)
}

/// The socket behind a C pointer, locked: ENOTSOCK unless it is a live one.
///
/// # Safety
/// `ptr` is NULL or points to at least a tag word (libzmq's contract).
unsafe fn socket(ptr: *mut c_void) -> Result<Locked<Socket>> {
    // SAFETY: forwarded caller contract.
    unsafe { locked(ptr) }
}

/// EINVAL for events other than POLLIN, POLLOUT, POLLERR and POLLPRI.
fn check_events(events: c_short) -> Result<()> {
    let known = (ZMQ_POLLIN | ZMQ_POLLOUT | ZMQ_POLLERR | ZMQ_POLLPRI) as c_short;
    if events & !known != 0 {
        return Err(Error::Inval);
    }
    Ok(())
}

/// EBADF for libzmq's "no descriptor" (-1).
fn check_fd(fd: zmq_fd_t) -> Result<()> {
    if fd == -1 {
        return Err(Error::Os(libc::EBADF));
    }
    Ok(())
}

/// What a wait reports for an entry, in C.
fn to_c(ready: &Ready) -> zmq_poller_event_t {
    zmq_poller_event_t {
        socket: ready
            .socket
            .map_or(std::ptr::null_mut(), |key| key as *mut c_void),
        fd: ready.fd,
        user_data: ready.user_data as *mut c_void,
        events: ready.events,
    }
}

/// The value libzmq writes into the entries a wait did not fill.
const NO_EVENT: zmq_poller_event_t = zmq_poller_event_t {
    socket: std::ptr::null_mut(),
    fd: -1,
    user_data: std::ptr::null_mut(),
    events: 0,
};

/// `void *zmq_poller_new(void)`.
///
/// # Safety
/// None: takes no pointers.
#[cfg(zmq_draft_api)]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_new() -> *mut c_void {
    guard(|| {
        let poller = Poller::new()?;
        Ok(handles::into_c(PollerHandle(Mutex::new(poller))))
    })
}

/// `int zmq_poller_destroy(void **poller_p)`: frees the poller and NULLs `*poller_p`.
///
/// # Safety
/// `poller_p` is NULL or points to a writable `void *` holding NULL or a handle from
/// `zmq_poller_new` that is not used afterwards.
#[cfg(zmq_draft_api)]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_destroy(poller_p: *mut *mut c_void) -> c_int {
    guard(|| {
        if poller_p.is_null() {
            return Err(Error::Fault);
        }
        // SAFETY: `poller_p` is non-NULL and points to the caller's handle variable.
        let ptr = unsafe { *poller_p };
        // SAFETY: `ptr` is NULL or points to at least a tag word; no call uses the
        // poller meanwhile (libzmq's contract). A racing destroy fails the tag swap.
        drop(unsafe { handles::destroy::<PollerHandle>(ptr)? });
        // SAFETY: as above, `poller_p` is a valid, writable handle variable.
        unsafe { *poller_p = std::ptr::null_mut() };
        Ok(0)
    })
}

/// `int zmq_poller_size(void *poller)`: how many sockets and descriptors it holds.
///
/// # Safety
/// `poller` is NULL or a live handle from `zmq_poller_new`.
#[cfg(zmq_draft_api)]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_size(poller: *mut c_void) -> c_int {
    guard(|| {
        // SAFETY: NULL or at least a tag word; alive for the call (libzmq's contract).
        let poller = unsafe { self::poller(poller)? };
        let size = poller.lock().size();
        Ok(c_int::try_from(size).unwrap_or(c_int::MAX))
    })
}

/// `int zmq_poller_add(void *poller, void *socket, void *user_data, short events)`:
/// EINVAL if the socket is already in.
///
/// # Safety
/// `poller` is NULL or a live poller; `socket` is NULL or a socket handle, used by this
/// thread alone during the call.
#[cfg(zmq_draft_api)]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_add(
    poller: *mut c_void,
    socket: *mut c_void,
    user_data: *mut c_void,
    events: c_short,
) -> c_int {
    guard(|| {
        // SAFETY: NULL or at least a tag word; alive for the call (libzmq's contract).
        let handle = unsafe { self::poller(poller)? };
        // SAFETY: as above, for the socket, which this thread alone uses meanwhile.
        let mut sock = unsafe { self::socket(socket)? };
        check_events(events)?;
        let key = socket as usize;
        handle
            .lock()
            .add_socket(key, &mut sock, user_data as usize, events)?;
        Ok(0)
    })
}

/// `int zmq_poller_modify(void *poller, void *socket, short events)`: EINVAL if the
/// socket is not in.
///
/// # Safety
/// As `zmq_poller_add`.
#[cfg(zmq_draft_api)]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_modify(
    poller: *mut c_void,
    socket: *mut c_void,
    events: c_short,
) -> c_int {
    guard(|| {
        // SAFETY: NULL or at least a tag word; alive for the call (libzmq's contract).
        let handle = unsafe { self::poller(poller)? };
        // SAFETY: as above, for the socket, which this thread alone uses meanwhile.
        let sock = unsafe { self::socket(socket)? };
        check_events(events)?;
        handle
            .lock()
            .modify_socket(socket as usize, &sock, events)?;
        Ok(0)
    })
}

/// `int zmq_poller_remove(void *poller, void *socket)`: EINVAL if the socket is not in.
///
/// # Safety
/// As `zmq_poller_add`.
#[cfg(zmq_draft_api)]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_remove(poller: *mut c_void, socket: *mut c_void) -> c_int {
    guard(|| {
        // SAFETY: NULL or at least a tag word; alive for the call (libzmq's contract).
        let handle = unsafe { self::poller(poller)? };
        // SAFETY: as above, for the socket, which this thread alone uses meanwhile.
        let sock = unsafe { self::socket(socket)? };
        handle.lock().remove_socket(socket as usize, &sock)?;
        Ok(0)
    })
}

/// `int zmq_poller_add_fd(void *poller, zmq_fd_t fd, void *user_data, short events)`:
/// EBADF for -1, EINVAL if the descriptor is already in.
///
/// # Safety
/// `poller` is NULL or a live handle from `zmq_poller_new`.
#[cfg(zmq_draft_api)]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_add_fd(
    poller: *mut c_void,
    fd: zmq_fd_t,
    user_data: *mut c_void,
    events: c_short,
) -> c_int {
    guard(|| {
        // SAFETY: NULL or at least a tag word; alive for the call (libzmq's contract).
        let handle = unsafe { self::poller(poller)? };
        check_fd(fd)?;
        check_events(events)?;
        handle.lock().add_fd(fd, user_data as usize, events)?;
        Ok(0)
    })
}

/// `int zmq_poller_modify_fd(void *poller, zmq_fd_t fd, short events)`.
///
/// # Safety
/// `poller` is NULL or a live handle from `zmq_poller_new`.
#[cfg(zmq_draft_api)]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_modify_fd(
    poller: *mut c_void,
    fd: zmq_fd_t,
    events: c_short,
) -> c_int {
    guard(|| {
        // SAFETY: NULL or at least a tag word; alive for the call (libzmq's contract).
        let handle = unsafe { self::poller(poller)? };
        check_fd(fd)?;
        check_events(events)?;
        handle.lock().modify_fd(fd, events)?;
        Ok(0)
    })
}

/// `int zmq_poller_remove_fd(void *poller, zmq_fd_t fd)`.
///
/// # Safety
/// `poller` is NULL or a live handle from `zmq_poller_new`.
#[cfg(zmq_draft_api)]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_remove_fd(poller: *mut c_void, fd: zmq_fd_t) -> c_int {
    guard(|| {
        // SAFETY: NULL or at least a tag word; alive for the call (libzmq's contract).
        let handle = unsafe { self::poller(poller)? };
        check_fd(fd)?;
        handle.lock().remove_fd(fd)?;
        Ok(0)
    })
}

/// `int zmq_poller_wait(void *poller, zmq_poller_event_t *event, long timeout)`: the
/// first ready entry; 0 on success. On failure `*event` is cleared (socket NULL,
/// fd -1), as libzmq does.
///
/// # Safety
/// As `zmq_poller_wait_all` with one event.
#[cfg(zmq_draft_api)]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_wait(
    poller: *mut c_void,
    event: *mut zmq_poller_event_t,
    timeout: c_long,
) -> c_int {
    guard(|| {
        // SAFETY: forwarded caller contract, with room for one event.
        let rc = unsafe { zmq_poller_wait_all(poller, event, 1, timeout) };
        if rc < 0 && !event.is_null() {
            // SAFETY: `event` is non-NULL and points to a writable event (the
            // contract). errno stays what the wait set.
            unsafe { event.write(NO_EVENT) };
        }
        Ok(rc.min(0))
    })
}

/// `int zmq_poller_wait_all(void *poller, zmq_poller_event_t *events, int n_events,
/// long timeout)`: waits until entries are ready and fills up to `n_events` of them (in
/// the order they were added), clearing the rest; returns how many. `timeout` in ms:
/// 0 = check once, -1 = forever. EAGAIN when nothing was ready in time.
///
/// # Safety
/// `poller` is NULL or a live poller; `events` is NULL or points to `n_events` writable
/// events; every socket in the poller is used by this thread alone during the call.
#[cfg(zmq_draft_api)]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_wait_all(
    poller: *mut c_void,
    events: *mut zmq_poller_event_t,
    n_events: c_int,
    timeout: c_long,
) -> c_int {
    guard(|| {
        // SAFETY: NULL or at least a tag word; alive for the call (libzmq's contract).
        let handle = unsafe { self::poller(poller)? };
        if events.is_null() {
            return Err(Error::Fault);
        }
        let room = usize::try_from(n_events).map_err(|_| Error::Inval)?;
        let mut poller = handle.lock();
        let ready = poller.wait(room, timeout, |key| {
            // SAFETY: a key is the address of a socket handle the caller added; handle
            // memory is never freed, so it is readable even after a close, and the
            // check fails for a closed one. The caller uses its sockets from this
            // thread alone during the wait.
            unsafe { self::socket(key as *mut c_void) }
        })?;
        // SAFETY: `events` is non-NULL and points to `n_events` (= room) writable
        // events (the contract).
        let out = unsafe { std::slice::from_raw_parts_mut(events, room) };
        for (slot, entry) in out.iter_mut().zip(ready) {
            *slot = to_c(entry);
        }
        for slot in out.iter_mut().skip(ready.len()) {
            *slot = NO_EVENT;
        }
        Ok(c_int::try_from(ready.len()).unwrap_or(c_int::MAX))
    })
}

/// `int zmq_poller_fd(void *poller, zmq_fd_t *fd)`: the descriptor that becomes
/// readable when the poller's thread-safe sockets may have events. EINVAL when the
/// poller holds no thread-safe socket (only those have one, as in libzmq).
///
/// # Safety
/// `poller` is NULL or a live poller; `fd` is NULL or points to a writable `zmq_fd_t`.
#[cfg(zmq_draft_api)]
#[no_mangle]
pub unsafe extern "C" fn zmq_poller_fd(poller: *mut c_void, fd: *mut zmq_fd_t) -> c_int {
    guard(|| {
        // SAFETY: NULL or at least a tag word; alive for the call (libzmq's contract).
        let handle = unsafe { self::poller(poller)? };
        let signaler = handle.lock().signaler_fd()?;
        if fd.is_null() {
            return Err(Error::Fault);
        }
        // SAFETY: `fd` is non-NULL and writable (the contract).
        unsafe { fd.write(signaler) };
        Ok(0)
    })
}
