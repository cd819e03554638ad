//! What the library says about itself and about errors: `zmq_version`, `zmq_errno`,
//! `zmq_strerror`, `zmq_has`.

use super::boundary::guard;
use super::errno::{errno, strerror_text};
use crate::constants::{ZMQ_VERSION_MAJOR, ZMQ_VERSION_MINOR, ZMQ_VERSION_PATCH};
use libc::{c_char, c_int};
use std::ffi::CStr;

/// The capabilities `zmq_has` knows, and whether this build has them. The one place to
/// change when a transport or mechanism lands. Names are matched exactly (libzmq uses
/// `strcmp`); anything not listed is absent.
const CAPABILITIES: &[(&str, bool)] = &[
    ("ipc", true),
    ("pgm", false),
    ("tipc", false),
    ("norm", false),
    ("vmci", false),
    ("ws", false),
    ("wss", false),
    ("curve", true),
    ("gssapi", false),
    // The draft API is always exported (declared under ZMQ_BUILD_DRAFT_API in zmq.h).
    ("draft", true),
];

fn has_capability(name: &[u8]) -> bool {
    CAPABILITIES
        .iter()
        .any(|&(known, present)| present && known.as_bytes() == name)
}

/// `void zmq_version(int *major, int *minor, int *patch)`: 4.3.5. NULL out-pointers
/// are skipped.
///
/// # Safety
/// Each pointer is NULL or points to a writable `int`.
#[no_mangle]
pub unsafe extern "C" fn zmq_version(major: *mut c_int, minor: *mut c_int, patch: *mut c_int) {
    guard(|| {
        for (out, value) in [
            (major, ZMQ_VERSION_MAJOR),
            (minor, ZMQ_VERSION_MINOR),
            (patch, ZMQ_VERSION_PATCH),
        ] {
            if !out.is_null() {
                // SAFETY: non-NULL, and the caller passes pointers to writable ints.
                unsafe { *out = value };
            }
        }
        Ok(())
    })
}

/// `int zmq_errno(void)`: the calling thread's errno.
///
/// # Safety
/// None: takes no pointers.
#[no_mangle]
pub unsafe extern "C" fn zmq_errno() -> c_int {
    guard(|| Ok(errno()))
}

/// `const char *zmq_strerror(int errnum)`: libzmq's text for its own error numbers, the
/// C library's for the others.
///
/// # Safety
/// None: takes no pointers.
#[no_mangle]
pub unsafe extern "C" fn zmq_strerror(errnum: c_int) -> *const c_char {
    guard(|| Ok(strerror_text(errnum)))
}

/// `int zmq_has(const char *capability)`: 1 if this build supports `capability`
/// (a transport such as "ipc", a mechanism such as "curve", or "draft"), else 0.
///
/// # Safety
/// `capability` is NULL or a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn zmq_has(capability: *const c_char) -> c_int {
    guard(|| {
        if capability.is_null() {
            return Ok(0);
        }
        // SAFETY: non-NULL, and the caller passes a NUL-terminated string.
        let name = unsafe { CStr::from_ptr(capability) }.to_bytes();
        Ok(c_int::from(has_capability(name)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_answer_from_the_list_only() {
        assert!(has_capability(b"ipc"));
        assert!(has_capability(b"curve"));
        assert!(!has_capability(b"IPC"), "names are case-sensitive");
        assert!(!has_capability(b"tcp"), "unlisted names are absent");
        assert!(!has_capability(b""));
        assert!(has_capability(b"draft"));
    }
}

#[cfg(test)]
mod ffi_tests {
    use super::*;

    #[test]
    fn version_is_4_3_5_and_null_out_pointers_are_skipped() {
        let (mut major, mut patch) = (0, 0);
        // SAFETY: each pointer is NULL or points to a local int.
        unsafe { zmq_version(&mut major, std::ptr::null_mut(), &mut patch) };
        assert_eq!((major, patch), (4, 5));
        // SAFETY: NULL pointers are allowed.
        unsafe {
            zmq_version(
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
    }

    #[test]
    fn has_null_is_zero() {
        // SAFETY: NULL is allowed.
        assert_eq!(unsafe { zmq_has(std::ptr::null()) }, 0);
    }
}
