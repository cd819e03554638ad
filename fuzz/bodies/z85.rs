//! Z85: text that decodes re-encodes to itself, bytes that encode decode to
//! themselves, the C functions agree with the Rust ones, and a CURVE key option in
//! Z85 form reads back as it was set.

use std::ffi::CString;

use zmq::ffi::z85::{zmq_z85_decode, zmq_z85_encode};
use zmq::options::{get_curve_key, CurveKey, KEY_SIZE_Z85};
use zmq::z85;

pub fn run(data: &[u8]) {
    if let Some(bytes) = z85::decode(data) {
        assert_eq!(bytes.len(), data.len() / 5 * 4);
        assert_eq!(z85::encode(&bytes).as_deref(), Some(data));
    }
    let whole = &data[..data.len() / 4 * 4];
    let text = z85::encode(whole).expect("a multiple of 4 encodes");
    assert_eq!(z85::decode(&text).as_deref(), Some(whole));
    assert_eq!(z85::encode(data).is_some(), data.len() % 4 == 0);

    // The C API: zmq_z85_decode reads up to the NUL (and, as libzmq, refuses an empty
    // string); the output is 4/5 of that.
    let upto_nul = data.split(|&b| b == 0).next().unwrap_or(&[]);
    let c_text = CString::new(upto_nul).expect("no NUL");
    let mut dest = vec![0u8; upto_nul.len() / 5 * 4 + 1];
    // SAFETY: dest holds 4/5 of the text's length; the text is NUL-terminated.
    let ok = unsafe { zmq_z85_decode(dest.as_mut_ptr(), c_text.as_ptr()) };
    let expected = !upto_nul.is_empty() && z85::decode(upto_nul).is_some();
    assert_eq!(!ok.is_null(), expected);
    if !ok.is_null() {
        assert_eq!(
            Some(&dest[..upto_nul.len() / 5 * 4]),
            z85::decode(upto_nul).as_deref()
        );
    }
    let mut text_out = vec![0u8; whole.len() / 4 * 5 + 1];
    // SAFETY: text_out holds 5/4 of the data plus the NUL.
    let ok = unsafe { zmq_z85_encode(text_out.as_mut_ptr().cast(), whole.as_ptr(), whole.len()) };
    assert!(!ok.is_null());
    assert_eq!(&text_out[..text.len()], &text[..]);

    // CURVE keys accept 32 raw bytes or 40 (41 with the NUL) Z85 characters.
    let mut key = CurveKey::default();
    if key.set(data).is_ok() && data.len() == KEY_SIZE_Z85 && !data.contains(&0) {
        let mut out = [0u8; KEY_SIZE_Z85 + 1];
        assert_eq!(get_curve_key(&key, &mut out).ok(), Some(KEY_SIZE_Z85 + 1));
        assert_eq!(&out[..KEY_SIZE_Z85], data);
    }
}
