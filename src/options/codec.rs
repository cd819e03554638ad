//! Decoding option values from the C caller's bytes and encoding them back into the
//! caller's buffer, with libzmq's size rules: numbers must match their C size exactly,
//! strings come back NUL-terminated, and a buffer that is too small is `EINVAL`.
//! Shared by the generic option store and the socket-type specific options.

use crate::error::{Error, Result};

fn exact<const N: usize>(value: &[u8]) -> Result<[u8; N]> {
    <[u8; N]>::try_from(value).map_err(|_| Error::Inval)
}

/// A C `int`: exactly `sizeof(int)` bytes in native byte order.
pub fn int_value(value: &[u8]) -> Result<i32> {
    exact::<4>(value).map(i32::from_ne_bytes)
}

/// A C `int` used as a flag that must be exactly 0 or 1 (libzmq's strict booleans).
pub fn bool_value(value: &[u8]) -> Result<bool> {
    match int_value(value)? {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(Error::Inval),
    }
}

/// A C `int` used as a flag where any non-zero value means true (libzmq's relaxed
/// booleans: INVERT_MATCHING, ZAP_ENFORCE_DOMAIN, LOOPBACK_FASTPATH, MULTICAST_LOOP).
pub fn relaxed_bool_value(value: &[u8]) -> Result<bool> {
    int_value(value).map(|v| v != 0)
}

/// A C `int` used as a flag that must not be negative, any positive value meaning true
/// (how libzmq's socket types parse theirs: ROUTER_MANDATORY, PROBE_ROUTER,
/// REQ_CORRELATE, XPUB_VERBOSE, ONLY_FIRST_SUBSCRIBE, ...).
pub fn non_negative_bool_value(value: &[u8]) -> Result<bool> {
    match int_value(value)? {
        v if v < 0 => Err(Error::Inval),
        v => Ok(v != 0),
    }
}

/// An `int64_t`: exactly 8 bytes in native byte order.
pub fn i64_value(value: &[u8]) -> Result<i64> {
    exact::<8>(value).map(i64::from_ne_bytes)
}

/// A `uint64_t`: exactly 8 bytes in native byte order.
pub fn u64_value(value: &[u8]) -> Result<u64> {
    exact::<8>(value).map(u64::from_ne_bytes)
}

fn put_exact(out: &mut [u8], bytes: &[u8]) -> Result<usize> {
    if out.len() != bytes.len() {
        return Err(Error::Inval);
    }
    out.copy_from_slice(bytes);
    Ok(bytes.len())
}

/// Writes a C `int`; the buffer must be exactly `sizeof(int)` long, as libzmq requires.
pub fn put_int(out: &mut [u8], v: i32) -> Result<usize> {
    put_exact(out, &v.to_ne_bytes())
}

/// Writes a C `int` for the options libzmq's socket (not its option store) answers:
/// RCVMORE, FD, EVENTS, THREAD_SAFE. Like a binary value, the buffer may be larger (an
/// `int64_t`, say): the rest is zeroed and the returned length is `sizeof(int)`.
pub fn put_int_or_larger(out: &mut [u8], v: i32) -> Result<usize> {
    put_bytes(out, &v.to_ne_bytes())
}

/// Writes a flag as the C `int` 0 or 1.
pub fn put_bool(out: &mut [u8], v: bool) -> Result<usize> {
    put_int(out, i32::from(v))
}

/// Writes an `int64_t`; the buffer must be exactly 8 bytes long.
pub fn put_i64(out: &mut [u8], v: i64) -> Result<usize> {
    put_exact(out, &v.to_ne_bytes())
}

/// Writes a `uint64_t`; the buffer must be exactly 8 bytes long.
pub fn put_u64(out: &mut [u8], v: u64) -> Result<usize> {
    put_exact(out, &v.to_ne_bytes())
}

/// Writes binary data (no terminator). The buffer may be larger: the rest is zeroed,
/// as libzmq does, and the returned length is the data's length.
pub fn put_bytes(out: &mut [u8], data: &[u8]) -> Result<usize> {
    if out.len() < data.len() {
        return Err(Error::Inval);
    }
    let (head, tail) = out.split_at_mut(data.len());
    head.copy_from_slice(data);
    tail.fill(0);
    Ok(data.len())
}

/// Writes a string followed by a NUL; the returned length counts the NUL, and a buffer
/// shorter than that is `EINVAL` (so an empty string needs a 1-byte buffer).
pub fn put_str(out: &mut [u8], s: &[u8]) -> Result<usize> {
    if out.len() <= s.len() {
        return Err(Error::Inval);
    }
    let (head, tail) = out.split_at_mut(s.len());
    head.copy_from_slice(s);
    tail.fill(0);
    Ok(s.len() + 1)
}
