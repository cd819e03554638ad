//! Frame codec for ZMTP 3.x, 2.0 and 1.0.
//!
//! The decoder is built for the engine's hot path: hand it whatever bytes arrived and it
//! returns zero-copy ranges of frame bodies that lie entirely in that input; for a body
//! that does not, it announces the size and then yields chunks, or lets the engine read
//! the remaining [`Decoder::body_remaining`] bytes straight into the message buffer and
//! report them with [`Decoder::body_received`]. Partial headers are kept inside (at most
//! 10 bytes), so any chunking of the stream decodes the same.
//!
//! The encoder writes headers (and, for small frames, bodies) into the caller's batch
//! buffer; a large body is left for the caller to send by `writev` without a copy.
//!
//! Wire formats:
//! * 3.x: flags (bit0 MORE, bit1 LONG, bit2 COMMAND, others reserved) + size (1 or 8
//!   bytes BE) + body. ZMTP 3.0/3.1 peers use this framing.
//! * 2.0: the same without COMMAND.
//! * 1.0: length (1 byte, or `0xFF` + 8 bytes BE) counting the flags byte too, then
//!   flags (bit0 MORE; other bits ignored, as libzmq does), then body.

use std::ops::Range;

use super::ProtocolError;

/// Longest header of any framing (1.0 long form: `0xFF` + 8 + flags).
pub const MAX_HEADER_LEN: usize = 10;

const MORE: u8 = 0x01;
const LONG: u8 = 0x02;
const COMMAND: u8 = 0x04;

/// Which wire format frames use on this connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// ZMTP 1.0.
    V1,
    /// ZMTP 2.0 (no COMMAND flag).
    V2,
    /// ZMTP 3.0 and 3.1.
    V3,
}

/// The flags that matter above the codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FrameFlags {
    pub more: bool,
    pub command: bool,
}

impl FrameFlags {
    /// A data frame, with more to follow or not.
    pub const fn data(more: bool) -> FrameFlags {
        FrameFlags {
            more,
            command: false,
        }
    }

    pub const MESSAGE: FrameFlags = FrameFlags {
        more: false,
        command: false,
    };
    pub const MORE: FrameFlags = FrameFlags {
        more: true,
        command: false,
    };
    pub const COMMAND: FrameFlags = FrameFlags {
        more: false,
        command: true,
    };
}

/// What one [`Decoder::decode`] call found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// A whole frame; its body is `input[body]` of the input just passed.
    Frame {
        flags: FrameFlags,
        body: Range<usize>,
    },
    /// A frame of `size` bytes starts but its body is not all in the input; `Chunk`s
    /// (or `body_remaining`/`body_received`) follow.
    Start { flags: FrameFlags, size: usize },
    /// The next part of the current body, `input[body]`; `last` when it completes it.
    Chunk { body: Range<usize>, last: bool },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Header,
    Body { remaining: usize },
    Failed,
}

/// Incremental frame decoder.
#[derive(Debug, Clone)]
pub struct Decoder {
    framing: Framing,
    max_msg_size: i64,
    state: State,
    header: [u8; MAX_HEADER_LEN],
    header_len: usize,
}

impl Decoder {
    /// `max_msg_size` is `ZMQ_MAXMSGSIZE`: a body larger than it is an error; -1 (any
    /// negative value) means no limit.
    pub fn new(framing: Framing, max_msg_size: i64) -> Self {
        Decoder {
            framing,
            max_msg_size,
            state: State::Header,
            header: [0u8; MAX_HEADER_LEN],
            header_len: 0,
        }
    }

    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// Decodes from `input`, returning the bytes consumed and at most one event. Call
    /// again with `&input[consumed..]` until it consumes everything and returns `None`.
    /// Ranges in the event are relative to this call's `input`. After an error the
    /// decoder stays failed.
    pub fn decode(&mut self, input: &[u8]) -> Result<(usize, Option<Decoded>), ProtocolError> {
        match self.state {
            State::Failed => Err(ProtocolError::InvalidFrameLength),
            State::Body { remaining } => {
                let take = remaining.min(input.len());
                if take == 0 {
                    return Ok((0, None));
                }
                let last = self.advance_body(take);
                Ok((
                    take,
                    Some(Decoded::Chunk {
                        body: 0..take,
                        last,
                    }),
                ))
            }
            State::Header => {
                // Fast path: the whole header is in the input (nearly always).
                if self.header_len == 0 {
                    match self.parse_header(input) {
                        Err(e) => {
                            self.state = State::Failed;
                            return Err(e);
                        }
                        Ok(Some((flags, size, header))) => {
                            return Ok(self.after_header(input.len(), header, flags, size));
                        }
                        Ok(None) => {}
                    }
                }
                let mut pos = 0;
                loop {
                    match self.parse_header(self.header.get(..self.header_len).unwrap_or(&[])) {
                        Err(e) => {
                            self.state = State::Failed;
                            return Err(e);
                        }
                        Ok(Some((flags, size, _))) => {
                            self.header_len = 0;
                            return Ok(self.after_header(input.len(), pos, flags, size));
                        }
                        Ok(None) => {
                            let Some(&byte) = input.get(pos) else {
                                return Ok((pos, None));
                            };
                            if let Some(slot) = self.header.get_mut(self.header_len) {
                                *slot = byte;
                            }
                            self.header_len += 1;
                            pos += 1;
                        }
                    }
                }
            }
        }
    }

    /// The event for a header that ends at `input[pos]`: the whole frame if its body is
    /// in the input, else its start (the body follows in chunks).
    fn after_header(
        &mut self,
        input_len: usize,
        pos: usize,
        flags: FrameFlags,
        size: usize,
    ) -> (usize, Option<Decoded>) {
        if input_len - pos >= size {
            let body = pos..pos + size;
            return (pos + size, Some(Decoded::Frame { flags, body }));
        }
        self.state = State::Body { remaining: size };
        (pos, Some(Decoded::Start { flags, size }))
    }

    /// Body bytes still expected for the current frame (0 between frames); the engine
    /// may read them directly into the message buffer.
    pub fn body_remaining(&self) -> usize {
        match self.state {
            State::Body { remaining } => remaining,
            _ => 0,
        }
    }

    /// Reports `n` body bytes the engine read directly. Returns true when the body is
    /// complete. `n` beyond `body_remaining` is clamped.
    pub fn body_received(&mut self, n: usize) -> bool {
        let remaining = self.body_remaining();
        if remaining == 0 {
            return false;
        }
        self.advance_body(n.min(remaining))
    }

    fn advance_body(&mut self, n: usize) -> bool {
        if let State::Body { remaining } = self.state {
            let left = remaining - n.min(remaining);
            if left == 0 {
                self.state = State::Header;
                return true;
            }
            self.state = State::Body { remaining: left };
        }
        false
    }

    /// `Some((flags, body size, header length))` when `h` starts with a complete, valid
    /// header; None while it is incomplete.
    fn parse_header(&self, h: &[u8]) -> Result<Option<(FrameFlags, usize, usize)>, ProtocolError> {
        match self.framing {
            Framing::V2 | Framing::V3 => {
                let Some(&flags) = h.first() else {
                    return Ok(None);
                };
                // Bits 3-7 are reserved; libzmq ignores them, and so do we (a peer
                // setting them keeps its connection). A command cannot have more frames.
                let flags = flags & (MORE | LONG | COMMAND);
                if flags & (MORE | COMMAND) == MORE | COMMAND
                    || (self.framing == Framing::V2 && flags & COMMAND != 0)
                {
                    return Err(ProtocolError::InvalidFrameFlags(flags));
                }
                let size_len = if flags & LONG != 0 { 8 } else { 1 };
                let Some(size_bytes) = h.get(1..1 + size_len) else {
                    return Ok(None);
                };
                let size = be_u64(size_bytes);
                let flags = FrameFlags {
                    more: flags & MORE != 0,
                    command: flags & COMMAND != 0,
                };
                Ok(Some((flags, self.check_size(size)?, 1 + size_len)))
            }
            Framing::V1 => {
                let Some(&first) = h.first() else {
                    return Ok(None);
                };
                let (length, flags_pos) = if first == 0xFF {
                    let Some(len_bytes) = h.get(1..9) else {
                        return Ok(None);
                    };
                    (be_u64(len_bytes), 9)
                } else {
                    (u64::from(first), 1)
                };
                if length == 0 {
                    return Err(ProtocolError::InvalidFrameLength);
                }
                let size = self.check_size(length - 1)?;
                let Some(&flags) = h.get(flags_pos) else {
                    return Ok(None);
                };
                Ok(Some((
                    FrameFlags {
                        more: flags & MORE != 0,
                        command: false,
                    },
                    size,
                    flags_pos + 1,
                )))
            }
        }
    }

    fn check_size(&self, size: u64) -> Result<usize, ProtocolError> {
        let over_limit = u64::try_from(self.max_msg_size).is_ok_and(|max| size > max);
        if over_limit || size > i64::MAX as u64 {
            return Err(ProtocolError::MessageTooLarge);
        }
        usize::try_from(size).map_err(|_| ProtocolError::MessageTooLarge)
    }
}

fn be_u64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}

/// Frame encoder: writes headers into the caller's batch buffer.
#[derive(Debug, Clone, Copy)]
pub struct Encoder {
    framing: Framing,
}

impl Encoder {
    pub fn new(framing: Framing) -> Self {
        Encoder { framing }
    }

    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// Writes the header of a frame with a `body_len`-byte body into `out` and returns
    /// its length. COMMAND cannot be expressed in 1.0/2.0 framing: `Err` then.
    pub fn header(
        &self,
        flags: FrameFlags,
        body_len: usize,
        out: &mut [u8; MAX_HEADER_LEN],
    ) -> Result<usize, ProtocolError> {
        let size = body_len as u64;
        match self.framing {
            Framing::V2 | Framing::V3 => {
                if flags.command && (self.framing == Framing::V2 || flags.more) {
                    return Err(ProtocolError::UnexpectedCommand);
                }
                let mut bits = if flags.more { MORE } else { 0 };
                if flags.command {
                    bits |= COMMAND;
                }
                // libzmq uses the short form up to 255.
                if let Ok(short) = u8::try_from(size) {
                    out[0] = bits;
                    out[1] = short;
                    Ok(2)
                } else {
                    out[0] = bits | LONG;
                    out[1..9].copy_from_slice(&size.to_be_bytes());
                    Ok(9)
                }
            }
            Framing::V1 => {
                if flags.command {
                    return Err(ProtocolError::UnexpectedCommand);
                }
                let bits = if flags.more { MORE } else { 0 };
                let length = size.saturating_add(1);
                if length < 0xFF {
                    out[0] = length as u8;
                    out[1] = bits;
                    Ok(2)
                } else {
                    out[0] = 0xFF;
                    out[1..9].copy_from_slice(&length.to_be_bytes());
                    out[9] = bits;
                    Ok(10)
                }
            }
        }
    }

    /// Appends header and body to the batch `out` (for small bodies; for large ones
    /// use [`Encoder::header`] and send the body by `writev`).
    pub fn encode(
        &self,
        flags: FrameFlags,
        body: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), ProtocolError> {
        let mut header = [0u8; MAX_HEADER_LEN];
        let n = self.header(flags, body.len(), &mut header)?;
        out.extend_from_slice(&header[..n]);
        out.extend_from_slice(body);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes a whole stream into (flags, body) pairs, copying chunked bodies.
    pub(crate) fn decode_all(
        dec: &mut Decoder,
        input: &[u8],
        frames: &mut Vec<(FrameFlags, Vec<u8>)>,
        partial: &mut Option<(FrameFlags, Vec<u8>)>,
    ) -> Result<(), ProtocolError> {
        let mut pos = 0;
        loop {
            let rest = &input[pos..];
            let (n, event) = dec.decode(rest)?;
            match event {
                None => {
                    assert_eq!(n, rest.len());
                    return Ok(());
                }
                Some(Decoded::Frame { flags, body }) => frames.push((flags, rest[body].to_vec())),
                Some(Decoded::Start { flags, size }) => {
                    *partial = Some((flags, Vec::with_capacity(size)))
                }
                Some(Decoded::Chunk { body, last }) => {
                    let (flags, mut data) = partial.take().unwrap();
                    data.extend_from_slice(&rest[body]);
                    if last {
                        frames.push((flags, data));
                    } else {
                        *partial = Some((flags, data));
                    }
                }
            }
            pos += n;
        }
    }

    fn decode_whole(
        framing: Framing,
        input: &[u8],
    ) -> Result<Vec<(FrameFlags, Vec<u8>)>, ProtocolError> {
        let mut dec = Decoder::new(framing, -1);
        let mut frames = Vec::new();
        let mut partial = None;
        decode_all(&mut dec, input, &mut frames, &mut partial)?;
        Ok(frames)
    }

    #[test]
    fn short_frame_bytes() {
        let enc = Encoder::new(Framing::V3);
        let mut out = Vec::new();
        enc.encode(FrameFlags::MESSAGE, b"hello", &mut out).unwrap();
        assert_eq!(out, b"\x00\x05hello");
        out.clear();
        enc.encode(FrameFlags::MORE, b"", &mut out).unwrap();
        assert_eq!(out, [0x01, 0x00]);
        out.clear();
        enc.encode(FrameFlags::COMMAND, b"\x05READY", &mut out)
            .unwrap();
        assert_eq!(out, b"\x04\x06\x05READY");
    }

    #[test]
    fn long_frame_bytes() {
        let enc = Encoder::new(Framing::V3);
        let body = vec![7u8; 256];
        let mut out = Vec::new();
        enc.encode(FrameFlags::MORE, &body, &mut out).unwrap();
        assert_eq!(&out[..9], [0x03, 0, 0, 0, 0, 0, 0, 1, 0]);
        let mut out255 = Vec::new();
        enc.encode(FrameFlags::MESSAGE, &body[..255], &mut out255)
            .unwrap();
        assert_eq!(&out255[..2], [0x00, 0xFF]);
        let frames = decode_whole(Framing::V3, &out).unwrap();
        assert_eq!(frames, vec![(FrameFlags::MORE, body)]);
    }

    #[test]
    fn zero_copy_ranges_and_large_body_streaming() {
        let mut dec = Decoder::new(Framing::V3, -1);
        let input = b"\x01\x02ab\x00\x01c";
        assert_eq!(
            dec.decode(input),
            Ok((
                4,
                Some(Decoded::Frame {
                    flags: FrameFlags::MORE,
                    body: 2..4
                })
            ))
        );
        assert_eq!(
            dec.decode(&input[4..]),
            Ok((
                3,
                Some(Decoded::Frame {
                    flags: FrameFlags::MESSAGE,
                    body: 2..3
                })
            ))
        );
        assert_eq!(dec.decode(&[]), Ok((0, None)));

        // A 1000-byte body with only 10 bytes present: Start, one chunk, then direct reads.
        let mut stream = vec![0x02, 0, 0, 0, 0, 0, 0, 0x03, 0xE8];
        stream.extend_from_slice(&[9u8; 10]);
        assert_eq!(
            dec.decode(&stream),
            Ok((
                9,
                Some(Decoded::Start {
                    flags: FrameFlags::MESSAGE,
                    size: 1000
                })
            ))
        );
        assert_eq!(dec.body_remaining(), 1000);
        assert_eq!(
            dec.decode(&stream[9..]),
            Ok((
                10,
                Some(Decoded::Chunk {
                    body: 0..10,
                    last: false
                })
            ))
        );
        assert_eq!(dec.body_remaining(), 990);
        assert!(!dec.body_received(500));
        assert!(dec.body_received(490));
        assert_eq!(dec.body_remaining(), 0);
        assert_eq!(
            dec.decode(b"\x00\x00"),
            Ok((
                2,
                Some(Decoded::Frame {
                    flags: FrameFlags::MESSAGE,
                    body: 2..2
                })
            ))
        );
    }

    #[test]
    fn reserved_flags_ignored_and_command_with_more_rejected() {
        for bit in 3..8 {
            let mut dec = Decoder::new(Framing::V3, -1);
            let flags = 1u8 << bit;
            assert!(
                matches!(
                    dec.decode(&[flags, 1, b'x']),
                    Ok((3, Some(Decoded::Frame { .. })))
                ),
                "reserved bit {bit} is ignored, as libzmq"
            );
        }
        let mut dec = Decoder::new(Framing::V3, -1);
        assert!(dec.decode(&[0x05, 0]).is_err());
        assert!(dec.decode(&[0, 0]).is_err(), "decoder stays failed");
        let mut dec = Decoder::new(Framing::V2, -1);
        assert_eq!(
            dec.decode(&[0x04, 0]),
            Err(ProtocolError::InvalidFrameFlags(4))
        );
    }

    #[test]
    fn max_msg_size_and_oversize_lengths() {
        let mut dec = Decoder::new(Framing::V3, 4);
        assert!(dec.decode(b"\x00\x04abcd").is_ok());
        assert_eq!(
            dec.decode(b"\x00\x05abcde"),
            Err(ProtocolError::MessageTooLarge)
        );
        let mut dec = Decoder::new(Framing::V3, -1);
        let huge = [0x02, 0x80, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(dec.decode(&huge), Err(ProtocolError::MessageTooLarge));
        let mut dec = Decoder::new(Framing::V1, 0);
        assert_eq!(
            dec.decode(&[0x02, 0x00, b'x']),
            Err(ProtocolError::MessageTooLarge)
        );
        let mut dec = Decoder::new(Framing::V1, 0);
        assert_eq!(
            dec.decode(&[0x01, 0x00]),
            Ok((
                2,
                Some(Decoded::Frame {
                    flags: FrameFlags::MESSAGE,
                    body: 2..2
                })
            ))
        );
    }

    #[test]
    fn zmtp_1_0_framing() {
        let enc = Encoder::new(Framing::V1);
        let mut out = Vec::new();
        enc.encode(FrameFlags::MORE, b"abc", &mut out).unwrap();
        assert_eq!(out, b"\x04\x01abc");
        let body = vec![1u8; 254];
        let mut long = Vec::new();
        enc.encode(FrameFlags::MESSAGE, &body, &mut long).unwrap();
        assert_eq!(&long[..10], [0xFF, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0]);
        out.extend_from_slice(&long);
        let frames = decode_whole(Framing::V1, &out).unwrap();
        assert_eq!(
            frames,
            vec![
                (FrameFlags::MORE, b"abc".to_vec()),
                (FrameFlags::MESSAGE, body)
            ]
        );
        // libzmq's unversioned identity header: 0xFF, length, flags 0x7F (MORE kept only).
        let id = [0xFF, 0, 0, 0, 0, 0, 0, 0, 3, 0x7F, b'i', b'd'];
        assert_eq!(
            decode_whole(Framing::V1, &id).unwrap(),
            vec![(FrameFlags::MORE, b"id".to_vec())]
        );
        assert!(enc.encode(FrameFlags::COMMAND, b"", &mut out).is_err());
        let mut dec = Decoder::new(Framing::V1, -1);
        assert_eq!(dec.decode(&[0x00]), Err(ProtocolError::InvalidFrameLength));
        let mut dec = Decoder::new(Framing::V1, -1);
        assert!(dec.decode(&[0xFF, 0, 0, 0, 0, 0, 0, 0, 0]).is_err());
    }

    #[test]
    fn zmtp_2_0_framing() {
        let enc = Encoder::new(Framing::V2);
        let mut out = Vec::new();
        enc.encode(FrameFlags::MORE, b"ab", &mut out).unwrap();
        assert_eq!(out, b"\x01\x02ab");
        assert!(enc.encode(FrameFlags::COMMAND, b"", &mut out).is_err());
        assert_eq!(
            decode_whole(Framing::V2, b"\x01\x02ab").unwrap(),
            vec![(FrameFlags::MORE, b"ab".to_vec())]
        );
    }

    #[test]
    fn every_prefix_is_incomplete_not_error() {
        let enc = Encoder::new(Framing::V3);
        let mut stream = Vec::new();
        enc.encode(FrameFlags::MORE, b"x", &mut stream).unwrap();
        enc.encode(FrameFlags::MESSAGE, &[5u8; 300], &mut stream)
            .unwrap();
        enc.encode(FrameFlags::COMMAND, b"\x04PING\x00\x0a", &mut stream)
            .unwrap();
        let whole = decode_whole(Framing::V3, &stream).unwrap();
        assert_eq!(whole.len(), 3);
        for n in 0..stream.len() {
            let frames = decode_whole(Framing::V3, &stream[..n]).unwrap();
            assert!(frames.len() < 3);
            // The rest continues where the prefix stopped.
            let mut dec = Decoder::new(Framing::V3, -1);
            let mut frames = Vec::new();
            let mut partial = None;
            decode_all(&mut dec, &stream[..n], &mut frames, &mut partial).unwrap();
            decode_all(&mut dec, &stream[n..], &mut frames, &mut partial).unwrap();
            assert_eq!(frames, whole);
        }
    }
}
