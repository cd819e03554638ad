//! `zmq_curve_keypair` and `zmq_curve_public`: CURVE keys as 41-byte Z85 C strings.

use super::boundary::guard;
use crate::curve::keys;
use crate::error::Error;
use libc::{c_char, c_int};

/// Copies 40 Z85 characters and a NUL into `out`.
///
/// # Safety
/// `out` is writable for `text.len() + 1` bytes and does not overlap `text`.
unsafe fn write_key(out: *mut c_char, text: &[u8]) {
    // SAFETY: the caller's contract above.
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), out.cast::<u8>(), text.len());
        *out.add(text.len()) = 0;
    }
}

#[no_mangle]
pub unsafe extern "C" fn zmq_curve_keypair(
    z85_public_key: *mut c_char,
    z85_secret_key: *mut c_char,
) -> c_int {
    guard(|| {
        if z85_public_key.is_null() || z85_secret_key.is_null() {
            return Err(Error::Fault);
        }
        let (public, secret) = keys::generate_keypair()?;
        // SAFETY: each buffer holds 41 bytes, as the libzmq API requires.
        unsafe {
            write_key(z85_public_key, &public);
            write_key(z85_secret_key, &secret);
        }
        Ok(0)
    })
}

#[no_mangle]
pub unsafe extern "C" fn zmq_curve_public(
    z85_public_key: *mut c_char,
    z85_secret_key: *const c_char,
) -> c_int {
    guard(|| {
        if z85_public_key.is_null() || z85_secret_key.is_null() {
            return Err(Error::Fault);
        }
        // SAFETY: the secret is a NUL-terminated C string (40 characters).
        let secret = unsafe { std::ffi::CStr::from_ptr(z85_secret_key) }.to_bytes();
        let public = keys::public_of(secret)?;
        // SAFETY: the output holds 41 bytes, as the libzmq API requires.
        unsafe { write_key(z85_public_key, &public) };
        Ok(0)
    })
}
