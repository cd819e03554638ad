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

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The exported functions of one source file: (name, body text up to the next item).
    fn exported_functions(source: &str) -> Vec<(String, String)> {
        let mut found = Vec::new();
        let mut rest = source;
        while let Some(at) = rest.find("#[no_mangle]") {
            rest = &rest[at + "#[no_mangle]".len()..];
            let end = rest.find("\n}\n").unwrap_or(rest.len());
            let item = &rest[..end];
            let name = item
                .split("fn ")
                .nth(1)
                .and_then(|after| after.split('(').next())
                .unwrap_or_default()
                .trim()
                .to_owned();
            found.push((name, item.to_owned()));
        }
        found
    }

    /// Every `extern "C"` function runs its body inside `guard`, or is one call to an
    /// exported function that does (`zmq_term` is `zmq_ctx_term`).
    #[test]
    #[cfg_attr(miri, ignore = "reads the source tree")]
    fn every_exported_function_goes_through_the_guard() -> std::io::Result<()> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ffi");
        let mut functions = Vec::new();
        for entry in std::fs::read_dir(&dir)? {
            let source = std::fs::read_to_string(entry?.path())?;
            functions.extend(exported_functions(&source));
        }
        assert!(
            functions.len() > 60,
            "found only {} functions",
            functions.len()
        );
        let guarded: Vec<&str> = functions
            .iter()
            .filter(|(_, body)| body.contains("guard("))
            .map(|(name, _)| name.as_str())
            .collect();
        for (name, body) in &functions {
            let delegates = guarded
                .iter()
                .any(|other| other != name && body.contains(&format!("{other}(")));
            assert!(
                body.contains("guard(") || delegates,
                "{name} does not go through boundary::guard"
            );
        }
        Ok(())
    }
}
