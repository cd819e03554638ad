//! `zmq_z85_encode` / `zmq_z85_decode`: the C face of `crate::z85`.
//!
//! Bad input (a length that is not a multiple of 4 / 5, an empty string to decode, a
//! character outside the alphabet, a group above 2^32-1) returns NULL with `EINVAL`, as
//! libzmq does. NULL buffers, which crash libzmq, return NULL with `EFAULT`. Nothing is
//! written to `dest` when the call fails.

use super::boundary::guard;
use crate::error::Error;
use crate::z85;
use libc::{c_char, size_t};
use std::ffi::CStr;

/// `char *zmq_z85_encode(char *dest, const uint8_t *data, size_t size)`: writes the
/// `size * 5 / 4` characters of the encoding of `data` plus a NUL to `dest` and returns
/// `dest`.
///
/// # Safety
/// `data` is NULL (only with `size` 0) or points to `size` readable bytes; `dest` is NULL
/// or points to `size * 5 / 4 + 1` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn zmq_z85_encode(
    dest: *mut c_char,
    data: *const u8,
    size: size_t,
) -> *mut c_char {
    guard(|| {
        if size % 4 != 0 || isize::try_from(size).is_err() {
            return Err(Error::Inval);
        }
        if dest.is_null() || (data.is_null() && size > 0) {
            return Err(Error::Fault);
        }
        let input: &[u8] = if size == 0 {
            &[]
        } else {
            // SAFETY: `data` is non-NULL and the caller promises `size` readable bytes.
            unsafe { std::slice::from_raw_parts(data, size) }
        };
        let text = z85::encode(input).ok_or(Error::Inval)?;
        // SAFETY: the caller promises `dest` has room for `size * 5 / 4 + 1` bytes,
        // which is `text.len() + 1`; `text` is our own buffer, so they do not overlap.
        unsafe {
            std::ptr::copy_nonoverlapping(text.as_ptr(), dest.cast::<u8>(), text.len());
            *dest.add(text.len()) = 0;
        }
        Ok(dest)
    })
}

/// `uint8_t *zmq_z85_decode(uint8_t *dest, const char *string)`: writes the
/// `strlen(string) * 4 / 5` decoded bytes to `dest` and returns `dest`.
///
/// # Safety
/// `string` is NULL or a NUL-terminated string; `dest` is NULL or points to
/// `strlen(string) * 4 / 5` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn zmq_z85_decode(dest: *mut u8, string: *const c_char) -> *mut u8 {
    guard(|| {
        if string.is_null() {
            return Err(Error::Fault);
        }
        // SAFETY: `string` is non-NULL and the caller promises a NUL-terminated string.
        let text = unsafe { CStr::from_ptr(string) }.to_bytes();
        if text.is_empty() {
            return Err(Error::Inval);
        }
        let bytes = z85::decode(text).ok_or(Error::Inval)?;
        if dest.is_null() {
            return Err(Error::Fault);
        }
        // SAFETY: the caller promises `dest` has room for `strlen(string) * 4 / 5`
        // bytes, which is `bytes.len()`; `bytes` is our own buffer.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), dest, bytes.len()) };
        Ok(dest)
    })
}
