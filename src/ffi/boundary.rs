//! The boundary every exported function goes through: panics are caught here and never
//! unwind into C, and a failed `Result` becomes libzmq's failure value plus errno.

use super::errno::{errno_of, set_errno};
use crate::error::Error;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A C return type with a distinguished failure value (-1, NULL...).
pub trait CFailure: Sized {
    /// The value returned to C when the call fails.
    const FAILURE: Self;
}

impl CFailure for libc::c_int {
    const FAILURE: Self = -1;
}

impl CFailure for i64 {
    const FAILURE: Self = -1;
}

impl<T> CFailure for *mut T {
    const FAILURE: Self = std::ptr::null_mut();
}

impl<T> CFailure for *const T {
    const FAILURE: Self = std::ptr::null();
}

impl CFailure for () {
    const FAILURE: Self = ();
}

/// Runs the body of an exported function. On `Err(e)` sets errno to libzmq's value for
/// `e` and returns the failure value. A panic is contained here, never unwound into C:
/// the call fails with `ENOTRECOVERABLE`.
pub fn guard<T: CFailure>(body: impl FnOnce() -> Result<T, Error>) -> T {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(value)) => value,
        Ok(Err(e)) => {
            set_errno(errno_of(e));
            T::FAILURE
        }
        Err(_) => {
            set_errno(libc::ENOTRECOVERABLE);
            T::FAILURE
        }
    }
}
