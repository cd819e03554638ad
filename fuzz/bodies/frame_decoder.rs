//! Frame decoder for the three framings: the input picks framing and
//! `ZMQ_MAXMSGSIZE`, then is the byte stream. Decoding whole or in chunks (taking
//! large bodies as chunks or as direct reads) must give the same frames and error,
//! and re-encoding the frames must decode to them again.

use zmq::zmtp::frame::{Decoded, Decoder, Encoder, FrameFlags, Framing};
use zmq::zmtp::ProtocolError;

use crate::common::{chunk_sizes, Reader};

type Frames = Vec<(FrameFlags, Vec<u8>)>;

fn decode(
    framing: Framing,
    max: i64,
    stream: &[u8],
    chunk_seed: u8,
    direct: bool,
) -> (Frames, Option<ProtocolError>) {
    let mut dec = Decoder::new(framing, max);
    let mut frames = Vec::new();
    let mut large: Option<(FrameFlags, usize, Vec<u8>)> = None;
    let mut pos = 0;
    for size in chunk_sizes(stream.len(), chunk_seed) {
        let mut chunk = &stream[pos..pos + size];
        pos += size;
        while !chunk.is_empty() {
            if direct && dec.body_remaining() > 0 {
                // The engine's direct read into the message buffer.
                let n = dec.body_remaining().min(chunk.len());
                let (flags, _, data) = large.as_mut().expect("body without a start");
                data.extend_from_slice(&chunk[..n]);
                let flags = *flags;
                chunk = &chunk[n..];
                if dec.body_received(n) {
                    let (_, announced, data) = large.take().expect("large");
                    assert_eq!(announced, data.len());
                    frames.push((flags, data));
                }
                continue;
            }
            let (consumed, event) = match dec.decode(chunk) {
                Ok(r) => r,
                Err(e) => return (frames, Some(e)),
            };
            assert!(consumed <= chunk.len());
            match event {
                None => assert_eq!(consumed, chunk.len(), "stalled with input left"),
                Some(Decoded::Frame { flags, body }) => {
                    assert!(body.end <= consumed);
                    frames.push((flags, chunk[body].to_vec()));
                }
                Some(Decoded::Start { flags, size }) => {
                    assert!(
                        size > chunk.len() - consumed,
                        "Start for a body that is here"
                    );
                    assert!(max < 0 || size as u64 <= max as u64);
                    large = Some((flags, size, Vec::new()));
                }
                Some(Decoded::Chunk { body, last }) => {
                    let (flags, announced, data) = large.as_mut().expect("chunk without start");
                    data.extend_from_slice(&chunk[body]);
                    assert!(data.len() <= *announced);
                    if last {
                        assert_eq!(data.len(), *announced);
                        let flags = *flags;
                        let (_, _, data) = large.take().expect("large");
                        frames.push((flags, data));
                    }
                }
            }
            chunk = &chunk[consumed..];
        }
    }
    (frames, None)
}

pub fn run(data: &[u8]) {
    let mut r = Reader::new(data);
    let framing = [Framing::V1, Framing::V2, Framing::V3][usize::from(r.u8() % 3)];
    let max = match r.u8() % 4 {
        0 => -1,
        1 => 0,
        2 => i64::from(r.u8()),
        _ => i64::from(r.u16()),
    };
    let chunk_seed = r.u8();
    let stream = r.rest();

    let whole = decode(framing, max, stream, 0, false);
    assert_eq!(whole, decode(framing, max, stream, chunk_seed, false));
    assert_eq!(whole, decode(framing, max, stream, chunk_seed, true));
    for (flags, body) in &whole.0 {
        assert!(max < 0 || body.len() as u64 <= max as u64);
        assert!(!(flags.command && flags.more));
        assert!(!flags.command || framing == Framing::V3);
    }

    let enc = Encoder::new(framing);
    let mut again = Vec::new();
    for (flags, body) in &whole.0 {
        enc.encode(*flags, body, &mut again)
            .expect("a decoded frame encodes");
    }
    assert_eq!(
        decode(framing, max, &again, chunk_seed, false),
        (whole.0, None)
    );
}
