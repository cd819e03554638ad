//! What every fuzz body shares: reading structured choices out of the fuzz input, the
//! matching writer used to build seed files, and the chunking of a byte stream.
//!
//! A body reads its configuration with [`Reader`] and treats the rest as the peer's
//! bytes. A missing byte reads as 0 and missing bytes as empty, so a short input still
//! runs, and the all-defaults path of each body is its "honest peer" case.
#![allow(dead_code)]

use zmq::constants::*;

/// Structured choices read front to back from the fuzz input.
pub struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data }
    }

    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    pub fn bool(&mut self) -> bool {
        self.u8() & 1 == 1
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }

    pub fn u32(&mut self) -> u32 {
        u32::from_be_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    pub fn u64(&mut self) -> u64 {
        (u64::from(self.u32()) << 32) | u64::from(self.u32())
    }

    /// A length byte, then that many bytes (fewer if the input ends).
    pub fn bytes(&mut self) -> &'a [u8] {
        let len = usize::from(self.u8()).min(self.data.len());
        let (head, rest) = self.data.split_at(len);
        self.data = rest;
        head
    }

    /// Everything not read yet.
    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.data)
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// Builds inputs in the [`Reader`] format (seed generation).
#[derive(Default)]
pub struct Script(Vec<u8>);

impl Script {
    pub fn new() -> Self {
        Script(Vec::new())
    }

    pub fn u8(mut self, v: u8) -> Self {
        self.0.push(v);
        self
    }

    pub fn u16(mut self, v: u16) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub fn u32(mut self, v: u32) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }

    pub fn u64(mut self, v: u64) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }

    /// At most 255 bytes, as [`Reader::bytes`] reads them.
    pub fn bytes(mut self, v: &[u8]) -> Self {
        let v = v.get(..255).unwrap_or(v);
        self.0.push(v.len() as u8);
        self.0.extend_from_slice(v);
        self
    }

    pub fn rest(mut self, v: &[u8]) -> Self {
        self.0.extend_from_slice(v);
        self
    }

    pub fn finish(self) -> Vec<u8> {
        self.0
    }
}

/// Splits `len` bytes into chunks chosen by `seed` (0 = the whole stream at once), so
/// a body can check that the way bytes arrive does not change what is decoded.
pub fn chunk_sizes(len: usize, seed: u8) -> Vec<usize> {
    if seed == 0 {
        return vec![len];
    }
    let mut state = u32::from(seed).wrapping_mul(0x9E37_79B9) | 1;
    let mut out = Vec::new();
    let mut left = len;
    while left > 0 {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let n = match state % 4 {
            0 => 1,
            1 => (state >> 8) as usize % 8,
            2 => (state >> 8) as usize % 64,
            _ => (state >> 8) as usize % (left + 1),
        }
        .clamp(1, left);
        out.push(n);
        left -= n;
    }
    out
}

/// Socket types that speak ZMTP, each with the `Socket-Type` of a valid peer.
pub const SOCKET_PAIRS: &[(i32, &str)] = &[
    (ZMQ_PAIR, "PAIR"),
    (ZMQ_PUB, "SUB"),
    (ZMQ_SUB, "PUB"),
    (ZMQ_REQ, "REP"),
    (ZMQ_REP, "REQ"),
    (ZMQ_DEALER, "ROUTER"),
    (ZMQ_ROUTER, "DEALER"),
    (ZMQ_PULL, "PUSH"),
    (ZMQ_PUSH, "PULL"),
    (ZMQ_XPUB, "XSUB"),
    (ZMQ_XSUB, "XPUB"),
];

/// Our socket type and the peer's `Socket-Type` name, chosen by one byte.
pub fn socket_pair(choice: u8) -> (i32, &'static str) {
    SOCKET_PAIRS[usize::from(choice) % SOCKET_PAIRS.len()]
}

/// Index of `socket_type` in [`SOCKET_PAIRS`] (for seed generation).
pub fn socket_pair_index(socket_type: i32) -> u8 {
    SOCKET_PAIRS
        .iter()
        .position(|(t, _)| *t == socket_type)
        .unwrap_or(0) as u8
}
