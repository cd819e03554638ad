//! `zmq_msg_*`: the C view of `Msg`. A `zmq_msg_t` is the storage of one `Msg`
//! (same size and alignment); these functions construct, inspect and destroy it in place.

use super::boundary::{guard, CFailure};
use super::types::zmq_msg_t;
use crate::constants::*;
use crate::error::{Error, Result};
use crate::msg::{Msg, SOURCE_FD_PROPERTY};
use libc::{c_char, c_int, c_void, size_t};

/// The live message in C storage; EFAULT for NULL or storage that holds no message.
///
/// # Safety
/// `msg` must be NULL or point to a `zmq_msg_t`.
pub(crate) unsafe fn msg_mut<'a>(msg: *mut zmq_msg_t) -> Result<&'a mut Msg> {
    let storage = msg.cast::<Msg>();
    // SAFETY: non-NULL (checked first) and points to a `zmq_msg_t`, which has the size
    // and alignment of a `Msg`, by the caller's contract.
    if storage.is_null() || !unsafe { Msg::is_valid(storage) } {
        return Err(Error::Fault);
    }
    // SAFETY: the storage holds a valid message; the caller gives us sole use of it.
    Ok(unsafe { &mut *storage })
}

/// Writes a new message into C storage without reading what was there.
///
/// # Safety
/// `msg` must be non-NULL and point to a `zmq_msg_t`.
pub(crate) unsafe fn msg_init_with(msg: *mut zmq_msg_t, value: Msg) {
    // SAFETY: non-NULL, writable storage of a `Msg`'s size and alignment (the caller's
    // contract); `write` does not read or drop what was there.
    unsafe { msg.cast::<Msg>().write(value) };
}

/// Replaces the message in C storage (dropping the old one).
///
/// # Safety
/// As for `msg_mut`, and the storage must hold a valid message.
pub(crate) unsafe fn msg_replace(msg: *mut zmq_msg_t, value: Msg) {
    // SAFETY: the caller promises storage holding a valid message, which is dropped.
    unsafe { *msg.cast::<Msg>() = value };
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_init(msg: *mut zmq_msg_t) -> c_int {
    guard(|| {
        if msg.is_null() {
            return Err(Error::Fault);
        }
        // SAFETY: non-NULL storage provided by the caller.
        unsafe { msg_init_with(msg, Msg::new()) };
        Ok(0)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_init_size(msg: *mut zmq_msg_t, size: size_t) -> c_int {
    guard(|| {
        if msg.is_null() {
            return Err(Error::Fault);
        }
        let value = Msg::with_size(size).ok_or(Error::NoMem)?;
        // SAFETY: non-NULL storage provided by the caller.
        unsafe { msg_init_with(msg, value) };
        Ok(0)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_init_data(
    msg: *mut zmq_msg_t,
    data: *mut c_void,
    size: size_t,
    ffn: Option<unsafe extern "C" fn(data: *mut c_void, hint: *mut c_void)>,
    hint: *mut c_void,
) -> c_int {
    guard(|| {
        if msg.is_null() {
            return Err(Error::Fault);
        }
        if data.is_null() && size != 0 {
            return Err(Error::Inval);
        }
        // SAFETY: the caller keeps `data` valid for `size` bytes until `ffn` runs (or
        // forever without one), as zmq_msg_init_data documents.
        let value = unsafe {
            match ffn {
                Some(ffn) => Msg::from_user(data.cast(), size, ffn, hint).ok_or(Error::NoMem)?,
                None => Msg::from_const(data.cast(), size),
            }
        };
        // SAFETY: non-NULL storage provided by the caller.
        unsafe { msg_init_with(msg, value) };
        Ok(0)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_close(msg: *mut zmq_msg_t) -> c_int {
    guard(|| {
        // SAFETY: validated by msg_mut before it is destroyed.
        unsafe {
            msg_mut(msg)?;
            Msg::close_in_place(msg as *mut Msg);
        }
        Ok(0)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_move(dest: *mut zmq_msg_t, src: *mut zmq_msg_t) -> c_int {
    guard(|| {
        // SAFETY: both checked to hold messages; dest's old content is dropped.
        unsafe {
            let moved = std::mem::take(msg_mut(src)?);
            msg_mut(dest)?;
            msg_replace(dest, moved);
        }
        Ok(0)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_copy(dest: *mut zmq_msg_t, src: *mut zmq_msg_t) -> c_int {
    guard(|| {
        // SAFETY: both checked to hold messages.
        unsafe {
            let copy = msg_mut(src)?.share();
            msg_mut(dest)?;
            msg_replace(dest, copy);
        }
        Ok(0)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_data(msg: *mut zmq_msg_t) -> *mut c_void {
    // SAFETY: checked to hold a message.
    guard(|| Ok(unsafe { msg_mut(msg)? }.data_ptr().cast()))
}

/// A `size_t` answer whose failure value is 0: `zmq_msg_size` has no error value in
/// libzmq, and a message that is not one has no bytes.
struct Size(size_t);

impl CFailure for Size {
    const FAILURE: Self = Size(0);
}

/// An `int` yes/no answer whose failure value is 0 ("no"), not -1: programs loop
/// `while (zmq_msg_more (&msg))`, and -1 would read as "yes" for ever.
struct YesNo(c_int);

impl CFailure for YesNo {
    const FAILURE: Self = YesNo(0);
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_size(msg: *const zmq_msg_t) -> size_t {
    guard(|| {
        // SAFETY: `msg` is NULL or points to a `zmq_msg_t`; checked to hold a message.
        let m = unsafe { msg_mut(msg.cast_mut())? };
        Ok(Size(m.len()))
    })
    .0
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_more(msg: *const zmq_msg_t) -> c_int {
    guard(|| {
        // SAFETY: `msg` is NULL or points to a `zmq_msg_t`; checked to hold a message.
        let m = unsafe { msg_mut(msg.cast_mut())? };
        Ok(YesNo(c_int::from(m.more())))
    })
    .0
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_get(msg: *const zmq_msg_t, property: c_int) -> c_int {
    guard(|| {
        // SAFETY: checked to hold a message.
        let m = unsafe { msg_mut(msg as *mut zmq_msg_t)? };
        match property {
            ZMQ_MORE => Ok(c_int::from(m.more())),
            // The descriptor is a property of the connection's messages; a message
            // without it fails like the property lookup (EINVAL), as in libzmq.
            ZMQ_SRCFD => m
                .metadata()
                .and_then(|props| props.get(SOURCE_FD_PROPERTY))
                .and_then(|text| text.to_str().ok()?.parse::<c_int>().ok())
                .ok_or(Error::Inval),
            ZMQ_SHARED => Ok(c_int::from(m.is_shared())),
            _ => Err(Error::Inval),
        }
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_set(
    msg: *mut zmq_msg_t,
    _property: c_int,
    _value: c_int,
) -> c_int {
    guard(|| {
        // SAFETY: checked to hold a message.
        unsafe { msg_mut(msg)? };
        // libzmq defines no settable message property.
        Err::<c_int, _>(Error::Inval)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_msg_gets(
    msg: *const zmq_msg_t,
    property: *const c_char,
) -> *const c_char {
    guard(|| {
        // SAFETY: checked to hold a message; property is a C string by contract.
        let m = unsafe { msg_mut(msg as *mut zmq_msg_t)? };
        if property.is_null() {
            return Err(Error::Inval);
        }
        // SAFETY: non-NULL, and a NUL-terminated string by contract.
        let name = unsafe { std::ffi::CStr::from_ptr(property) }
            .to_str()
            .map_err(|_| Error::Inval)?;
        let metadata = m.metadata().ok_or(Error::Inval)?;
        // The value lives in the message's metadata, as long as the message does.
        metadata.get(name).map(|v| v.as_ptr()).ok_or(Error::Inval)
    })
}

/// Draft: a message holding a copy of `size` bytes at `buf`.
#[cfg(zmq_draft_api)]
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_init_buffer(
    msg: *mut zmq_msg_t,
    buf: *const c_void,
    size: size_t,
) -> c_int {
    guard(|| {
        if msg.is_null() {
            return Err(Error::Fault);
        }
        // As zmq_msg_init_size: the storage first, so a size that cannot be had is
        // ENOMEM whatever `buf` is; a NULL `buf` with bytes is EFAULT (libzmq asserts).
        if buf.is_null() && size != 0 {
            Msg::with_size(size).ok_or(Error::NoMem)?;
            return Err(Error::Fault);
        }
        // SAFETY: `buf` is non-NULL (or `size` is 0) and readable for `size` bytes by
        // the caller's contract.
        let value = unsafe { Msg::copy_from_raw(buf.cast(), size) }.ok_or(Error::NoMem)?;
        // SAFETY: non-NULL storage provided by the caller.
        unsafe { msg_init_with(msg, value) };
        Ok(0)
    })
}

/// Draft: the routing id a SERVER or PEER socket uses to send the message; 0 is none,
/// and is EINVAL here, as in libzmq.
#[cfg(zmq_draft_api)]
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_set_routing_id(msg: *mut zmq_msg_t, routing_id: u32) -> c_int {
    guard(|| {
        // SAFETY: `msg` is NULL or points to a `zmq_msg_t`; checked to hold a message.
        let m = unsafe { msg_mut(msg)? };
        if routing_id == 0 {
            return Err(Error::Inval);
        }
        m.set_routing_id(routing_id);
        Ok(0)
    })
}

/// A `uint32_t` answer whose failure value is 0 ("no routing id").
struct RoutingId(u32);

impl CFailure for RoutingId {
    const FAILURE: Self = RoutingId(0);
}

/// Draft: the routing id of a message received from a SERVER or PEER socket (0: none).
#[cfg(zmq_draft_api)]
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_routing_id(msg: *mut zmq_msg_t) -> u32 {
    guard(|| {
        // SAFETY: `msg` is NULL or points to a `zmq_msg_t`; checked to hold a message.
        let m = unsafe { msg_mut(msg)? };
        Ok(RoutingId(m.routing_id()))
    })
    .0
}

/// Draft: the message's group (RADIO/DISH). As in libzmq 4.3.5, only the first
/// `ZMQ_GROUP_MAX_LENGTH` (255) bytes of `group` are read: a longer group is cut there.
#[cfg(zmq_draft_api)]
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_set_group(msg: *mut zmq_msg_t, group: *const c_char) -> c_int {
    guard(|| {
        // SAFETY: `msg` is NULL or points to a `zmq_msg_t`; checked to hold a message.
        let m = unsafe { msg_mut(msg)? };
        if group.is_null() {
            return Err(Error::Inval);
        }
        // SAFETY: non-NULL, and a C string by contract: readable up to its NUL or the
        // length limit, whichever comes first (strnlen's contract).
        let len = unsafe { libc::strnlen(group, crate::msg::GROUP_MAX_LENGTH) };
        // SAFETY: the `len` bytes just measured are readable.
        let bytes = unsafe { std::slice::from_raw_parts(group.cast::<u8>(), len) };
        m.set_group(bytes)?;
        Ok(0)
    })
}

/// Draft: the message's group, "" if none; valid as long as the message is unchanged.
#[cfg(zmq_draft_api)]
#[no_mangle]
pub unsafe extern "C" fn zmq_msg_group(msg: *mut zmq_msg_t) -> *const c_char {
    guard(|| {
        // SAFETY: `msg` is NULL or points to a `zmq_msg_t`; checked to hold a message.
        let m = unsafe { msg_mut(msg)? };
        Ok(m.group().as_ptr())
    })
}
