//! A CURVE key: 32 bytes that are wiped when dropped, set from raw bytes or Z85 text
//! with libzmq's exact rules (the form `ZMQ_CURVE_*KEY` options take). Reading one
//! back as an option is `options::get_curve_key`.

use crate::error::{Error, Result};
use crate::z85;
use std::fmt;
use std::sync::atomic::{compiler_fence, Ordering};

/// Length of a binary CURVE key.
pub const KEY_SIZE: usize = 32;
/// Length of a CURVE key in Z85 text, without the terminating NUL.
pub const KEY_SIZE_Z85: usize = 40;

/// 32 bytes of key material, all zero until set, zeroized on drop. Overwriting the
/// bytes in place (every setter does) leaves no copy of the previous key behind.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CurveKey([u8; KEY_SIZE]);

impl CurveKey {
    /// Wraps raw key bytes.
    pub fn new(bytes: [u8; KEY_SIZE]) -> CurveKey {
        CurveKey(bytes)
    }

    /// The raw key.
    pub fn as_bytes(&self) -> &[u8; KEY_SIZE] {
        &self.0
    }

    /// Whether the key is still all zeros (never set, or set to zeros).
    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|&b| b == 0)
    }

    /// Sets the key from an option value: 32 raw bytes, or 40 Z85 characters
    /// optionally followed by a NUL (41 bytes).
    ///
    /// As in libzmq the text is read up to its first NUL and decoded group by group
    /// straight into the key: a shorter text that is a multiple of 5 characters
    /// replaces only the first bytes, and an invalid group fails after the groups
    /// before it were already written.
    pub fn set(&mut self, value: &[u8]) -> Result<()> {
        match value.len() {
            KEY_SIZE => {
                self.0.copy_from_slice(value);
                Ok(())
            }
            KEY_SIZE_Z85 | 41 => {
                let text = value.split(|&b| b == 0).next().unwrap_or_default();
                if text.len() < 5 || text.len() % 5 != 0 {
                    return Err(Error::Inval);
                }
                for (group, dest) in text.chunks_exact(5).zip(self.0.chunks_exact_mut(4)) {
                    let mut bytes = z85::decode(group).ok_or(Error::Inval)?;
                    dest.copy_from_slice(&bytes);
                    wipe(&mut bytes);
                }
                Ok(())
            }
            _ => Err(Error::Inval),
        }
    }
}

impl Drop for CurveKey {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

/// Overwrites key material with zeros in a way the optimizer may not drop, even though
/// the memory is about to be freed.
pub(crate) fn wipe(bytes: &mut [u8]) {
    for byte in bytes.iter_mut() {
        // SAFETY: `byte` is a valid, aligned, exclusive reference into the slice; the
        // volatile write only stops the compiler from eliding a store to dead memory.
        unsafe { std::ptr::write_volatile(byte, 0) };
    }
    compiler_fence(Ordering::SeqCst);
}

impl fmt::Debug for CurveKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CurveKey(..)")
    }
}
