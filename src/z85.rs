//! Z85 (ZeroMQ RFC 32): binary <-> printable text, 4 bytes to 5 characters. Used by the
//! CURVE key options and by `zmq_z85_encode`/`zmq_z85_decode`.

const ALPHABET: &[u8; 85] =
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/// Maps an ASCII byte to its Z85 digit, or 0xFF when it is not in the alphabet.
const DIGITS: [u8; 256] = {
    let mut table = [0xFFu8; 256];
    let mut i = 0;
    while i < 85 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Encodes `data` (length a multiple of 4) into Z85 text; `None` otherwise.
pub fn encode(data: &[u8]) -> Option<Vec<u8>> {
    if data.len() % 4 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() / 4 * 5);
    for group in data.chunks_exact(4) {
        let mut value = u32::from_be_bytes([group[0], group[1], group[2], group[3]]);
        let mut chars = [0u8; 5];
        for slot in chars.iter_mut().rev() {
            *slot = ALPHABET[(value % 85) as usize];
            value /= 85;
        }
        out.extend_from_slice(&chars);
    }
    Some(out)
}

/// Decodes Z85 `text` (length a multiple of 5, only alphabet characters, each group at
/// most 2^32-1) into bytes; `None` for anything else.
pub fn decode(text: &[u8]) -> Option<Vec<u8>> {
    if text.len() % 5 != 0 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 5 * 4);
    for group in text.chunks_exact(5) {
        let mut value: u64 = 0;
        for &c in group {
            let digit = DIGITS[c as usize];
            if digit == 0xFF {
                return None;
            }
            value = value * 85 + u64::from(digit);
        }
        let value = u32::try_from(value).ok()?;
        out.extend_from_slice(&value.to_be_bytes());
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc32_hello_world_vector() {
        let bin = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B];
        assert_eq!(encode(&bin).unwrap(), b"HelloWorld");
        assert_eq!(decode(b"HelloWorld").unwrap(), bin);
    }

    #[test]
    fn rejects_bad_lengths_and_characters() {
        assert!(encode(&[1, 2, 3]).is_none());
        assert!(decode(b"Hello").is_some());
        assert!(decode(b"Hell").is_none());
        assert!(decode(b"Hell\"").is_none());
        // 85^5 - 1 overflows 32 bits.
        assert!(decode(b"#####").is_none());
    }

    #[test]
    fn round_trips_every_byte_value() {
        let data: Vec<u8> = (0..=255u8).collect();
        assert_eq!(decode(&encode(&data).unwrap()).unwrap(), data);
    }
}
