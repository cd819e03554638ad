//! Reading a CURVE key back as a socket option (`zmq_getsockopt`), with libzmq's exact
//! rules. The key type, and how it is set from raw bytes or Z85 text, is
//! `zmtp::curve::CurveKey`.

use super::codec::put_bytes;
use crate::error::{Error, Result};
use crate::z85;
use crate::zmtp::curve::key::wipe;
pub use crate::zmtp::curve::key::{CurveKey, KEY_SIZE, KEY_SIZE_Z85};

/// Writes `key` into the caller's buffer: exactly 32 bytes gives the raw key, exactly 41
/// bytes gives Z85 text and a NUL. Returns the length reported back, which is the
/// buffer's own length in both cases.
pub fn get_curve_key(key: &CurveKey, out: &mut [u8]) -> Result<usize> {
    match out.len() {
        KEY_SIZE => put_bytes(out, key.as_bytes()),
        41 => {
            let mut text = z85::encode(key.as_bytes()).ok_or(Error::Inval)?;
            text.push(0);
            let written = put_bytes(out, &text);
            wipe(&mut text);
            written
        }
        _ => Err(Error::Inval),
    }
}
