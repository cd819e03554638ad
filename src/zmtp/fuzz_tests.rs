//! Property tests for every parser: thousands of random byte strings, bit flips and
//! random chunkings, driven by an in-file xorshift PRNG (deterministic seeds, no crates).
//! Parsers must return values, never panic; valid streams decoded in random chunks must
//! equal decoding them whole.

use std::time::{Duration, Instant};

use super::command::Command;
use super::frame::{Decoded, Decoder, Encoder, FrameFlags, Framing};
use super::greeting::{Greeting, GreetingConfig, GreetingExchange, Mechanism};
use super::heartbeat::{Heartbeat, HeartbeatConfig};
use super::metadata::{write_property, Metadata};
use super::null::{NullConfig, NullHandshake};
use super::{subscription, ProtocolError};

struct XorShift(u64);

impl XorShift {
    fn new(seed: u64) -> Self {
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn bytes(&mut self, max_len: usize) -> Vec<u8> {
        let len = self.below(max_len + 1);
        (0..len).map(|_| self.next() as u8).collect()
    }

    /// Bytes biased towards protocol-looking values (small lengths, flag bits, 0xFF).
    fn protocol_bytes(&mut self, max_len: usize) -> Vec<u8> {
        let len = self.below(max_len + 1);
        (0..len)
            .map(|_| match self.below(6) {
                0 => 0,
                1 => 0xFF,
                2 => self.below(8) as u8,
                _ => self.next() as u8,
            })
            .collect()
    }

    /// Splits `len` into random chunk lengths (some empty).
    fn chunks(&mut self, len: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut left = len;
        while left > 0 {
            let n = match self.below(4) {
                0 => 0,
                1 => 1,
                2 => self.below(16),
                _ => self.below(left + 1),
            }
            .min(left);
            out.push(n);
            left -= n;
        }
        out
    }

    fn flip_bit(&mut self, data: &mut [u8]) {
        if !data.is_empty() {
            let i = self.below(data.len());
            data[i] ^= 1 << self.below(8);
        }
    }
}

const ITERATIONS: u64 = 3000;

fn greeting_config(mechanism: Mechanism) -> GreetingConfig {
    GreetingConfig {
        socket_type: 6,
        routing_id_len: 0,
        mechanism,
        as_server: false,
        zap_enabled: false,
    }
}

/// Feeds `input` in the given chunks; returns (total consumed, outcome).
fn feed_greeting(
    input: &[u8],
    chunks: &[usize],
) -> (
    usize,
    Result<Option<super::greeting::Detected>, ProtocolError>,
    Vec<u8>,
) {
    let mut ex = GreetingExchange::new(greeting_config(Mechanism::Null));
    let mut out = Vec::new();
    ex.take_output(&mut out);
    let mut pos = 0;
    let mut consumed = 0;
    for &len in chunks {
        let chunk = &input[pos..pos + len];
        pos += len;
        match ex.feed(chunk) {
            Ok((n, detected)) => {
                assert!(n <= chunk.len());
                consumed += n;
                ex.take_output(&mut out);
                if detected.is_some() {
                    return (consumed, Ok(detected), out);
                }
                assert_eq!(n, chunk.len(), "undecided exchange consumes everything");
            }
            // Bytes consumed before a failure do not matter: the connection is closed.
            Err(e) => return (0, Err(e), Vec::new()),
        }
    }
    (consumed, Ok(None), out)
}

#[test]
fn greeting_random_bytes_never_panic_and_chunking_is_invisible() {
    let mut rng = XorShift::new(1);
    let valid = Greeting::new(Mechanism::Null, false).encode();
    for i in 0..ITERATIONS {
        let mut input = match i % 3 {
            0 => rng.protocol_bytes(80),
            1 => {
                let mut v = valid.to_vec();
                for _ in 0..=rng.below(3) {
                    rng.flip_bit(&mut v);
                }
                v
            }
            _ => {
                let mut v = valid.to_vec();
                v.truncate(rng.below(65));
                v
            }
        };
        if i % 7 == 0 {
            input.extend(rng.bytes(20));
        }
        let _ = Greeting::parse(&input);
        let whole = feed_greeting(&input, &[input.len()]);
        let chunks = rng.chunks(input.len());
        let chunked = feed_greeting(&input, &chunks);
        assert_eq!(whole, chunked, "input {input:?} chunks {chunks:?}");
    }
}

fn random_frames(rng: &mut XorShift, framing: Framing) -> Vec<(FrameFlags, Vec<u8>)> {
    (0..rng.below(8))
        .map(|_| {
            let command = framing == Framing::V3 && rng.below(4) == 0;
            let more = !command && rng.below(2) == 0;
            let len = match rng.below(5) {
                0 => 0,
                1 => 250 + rng.below(10),
                2 => 1000 + rng.below(3000),
                _ => rng.below(40),
            };
            let body = (0..len).map(|_| rng.next() as u8).collect();
            (FrameFlags { more, command }, body)
        })
        .collect()
}

/// Decodes `input` in `chunks`; bodies split across chunks are completed either from
/// `Chunk` events or by pretending to read straight into the message buffer.
fn decode_chunked(
    framing: Framing,
    max: i64,
    input: &[u8],
    chunks: &[usize],
    rng: &mut XorShift,
) -> Result<Vec<(FrameFlags, Vec<u8>)>, ProtocolError> {
    let mut dec = Decoder::new(framing, max);
    let mut frames = Vec::new();
    let mut partial: Option<(FrameFlags, Vec<u8>)> = None;
    let mut start = 0;
    for &len in chunks {
        let chunk = &input[start..start + len];
        start += len;
        let mut pos = 0;
        loop {
            let rest = &chunk[pos..];
            // Sometimes read a pending body "directly" instead of through decode().
            if dec.body_remaining() > 0 && !rest.is_empty() && rng.below(2) == 0 {
                let n = rng.below(rest.len()).max(1).min(dec.body_remaining());
                if let Some((_, data)) = partial.as_mut() {
                    data.extend_from_slice(&rest[..n]);
                }
                if dec.body_received(n) {
                    frames.extend(partial.take());
                }
                pos += n;
                continue;
            }
            let (n, event) = dec.decode(rest)?;
            assert!(n <= rest.len());
            match event {
                None => {
                    assert_eq!(n, rest.len());
                    break;
                }
                Some(Decoded::Frame { flags, body }) => {
                    assert!(body.end <= rest.len() && body.end == n);
                    frames.push((flags, rest[body].to_vec()));
                }
                Some(Decoded::Start { flags, size }) => {
                    assert!(size > rest.len() - n);
                    partial = Some((flags, Vec::new()));
                }
                Some(Decoded::Chunk { body, last }) => {
                    if let Some((_, data)) = partial.as_mut() {
                        data.extend_from_slice(&rest[body]);
                    }
                    if last {
                        frames.extend(partial.take());
                    }
                }
            }
            pos += n;
        }
    }
    Ok(frames)
}

#[test]
fn frame_streams_decode_the_same_in_any_chunking() {
    let mut rng = XorShift::new(2);
    for i in 0..ITERATIONS {
        let framing = [Framing::V1, Framing::V2, Framing::V3][i as usize % 3];
        let frames = random_frames(&mut rng, framing);
        let enc = Encoder::new(framing);
        let mut wire = Vec::new();
        for (flags, body) in &frames {
            enc.encode(*flags, body, &mut wire).unwrap();
        }
        let whole = decode_chunked(framing, -1, &wire, &[wire.len()], &mut rng).unwrap();
        assert_eq!(whole, frames);
        let chunks = rng.chunks(wire.len());
        assert_eq!(
            decode_chunked(framing, -1, &wire, &chunks, &mut rng).unwrap(),
            frames
        );
        // Every prefix decodes without error to a prefix of the frames.
        let cut = rng.below(wire.len() + 1);
        let prefix = decode_chunked(framing, -1, &wire[..cut], &rng.chunks(cut), &mut rng).unwrap();
        assert!(prefix.len() <= frames.len() && frames[..prefix.len()] == prefix[..]);
    }
}

#[test]
fn frame_decoder_random_bytes_never_panic() {
    let mut rng = XorShift::new(3);
    for i in 0..ITERATIONS * 2 {
        let framing = [Framing::V1, Framing::V2, Framing::V3][i as usize % 3];
        let max = [-1, 0, 10, 300][rng.below(4)];
        let mut input = rng.protocol_bytes(600);
        if i % 5 == 0 {
            // A valid stream with flipped bits.
            let mut wire = Vec::new();
            for (flags, body) in random_frames(&mut rng, framing) {
                Encoder::new(framing)
                    .encode(flags, &body, &mut wire)
                    .unwrap();
            }
            rng.flip_bit(&mut wire);
            input = wire;
        }
        let whole = decode_chunked(framing, max, &input, &[input.len()], &mut rng);
        let chunks = rng.chunks(input.len());
        let chunked = decode_chunked(framing, max, &input, &chunks, &mut rng);
        match (&whole, &chunked) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(a), Err(b)) => assert_eq!(a, b),
            _ => panic!("chunking changed the outcome: {whole:?} vs {chunked:?}"),
        }
        if let Ok(frames) = whole {
            for (_, body) in frames {
                assert!(max < 0 || body.len() as i64 <= max);
            }
        }
    }
}

#[test]
fn command_parser_random_bytes_and_round_trips() {
    let mut rng = XorShift::new(4);
    let names: [&[u8]; 11] = [
        b"READY",
        b"ERROR",
        b"SUBSCRIBE",
        b"CANCEL",
        b"PING",
        b"PONG",
        b"HELLO",
        b"WELCOME",
        b"INITIATE",
        b"MESSAGE",
        b"JOIN",
    ];
    for _ in 0..ITERATIONS * 2 {
        let mut body = rng.protocol_bytes(64);
        let _ = Command::parse(&body);
        // Well-formed name with random data.
        let name = names[rng.below(names.len())];
        body.clear();
        body.push(name.len() as u8);
        body.extend_from_slice(name);
        body.extend(rng.bytes(24));
        if let Ok(cmd) = Command::parse(&body) {
            let mut again = cmd.to_vec();
            if let Command::Ping { .. } | Command::Pong { .. } = cmd {
                // Encoding truncates the context to 16 bytes; compare that prefix.
                assert!(body.starts_with(&again));
                again.truncate(body.len());
            } else {
                assert_eq!(again, body);
            }
        }
        for n in 0..body.len() {
            let _ = Command::parse(&body[..n]);
        }
        rng.flip_bit(&mut body);
        let _ = Command::parse(&body);
        let flags = FrameFlags {
            more: false,
            command: rng.below(2) == 0,
        };
        let _ = subscription::parse(flags, &body);
    }
}

#[test]
fn metadata_parser_random_bytes_and_round_trips() {
    let mut rng = XorShift::new(5);
    for _ in 0..ITERATIONS * 2 {
        let _ = Metadata::parse(&rng.protocol_bytes(64));
        let mut md = Metadata::new();
        let mut wire = Vec::new();
        for _ in 0..rng.below(5) {
            let mut name = rng.bytes(12);
            if name.is_empty() {
                name.push(b'N');
            }
            let value = rng.bytes(30);
            write_property(&mut wire, &name, &value).unwrap();
            md.push(&name, &value).unwrap();
        }
        assert_eq!(Metadata::parse(&wire), Ok(md.clone()));
        let mut encoded = Vec::new();
        md.encode(&mut encoded);
        assert_eq!(encoded, wire);
        let cut = rng.below(wire.len() + 1);
        let _ = Metadata::parse(&wire[..cut]);
        rng.flip_bit(&mut wire);
        let _ = Metadata::parse(&wire);
    }
}

#[test]
fn null_handshake_random_commands_never_panic() {
    let mut rng = XorShift::new(6);
    let ready = b"\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER".to_vec();
    for i in 0..ITERATIONS {
        let config = NullConfig {
            socket_type: (i % 12) as i32,
            ..NullConfig::default()
        };
        let Ok(mut hs) = NullHandshake::new(&config) else {
            continue;
        };
        let mut out = Vec::new();
        for _ in 0..3 {
            let mut body = if rng.below(2) == 0 {
                ready.clone()
            } else {
                rng.protocol_bytes(48)
            };
            rng.flip_bit(&mut body);
            let _ = hs.handle_command(&body);
            while hs.poll_command(&mut out) {}
        }
    }
}

#[test]
fn heartbeat_random_schedule_never_panics() {
    let mut rng = XorShift::new(7);
    let t0 = Instant::now();
    for _ in 0..200 {
        let cfg = HeartbeatConfig {
            interval: Some(Duration::from_millis(rng.below(50) as u64)),
            timeout: [None, Some(Duration::from_millis(rng.below(80) as u64))][rng.below(2)],
            ttl: Duration::from_millis(rng.below(1000) as u64),
        };
        let mut hb = Heartbeat::new(cfg);
        hb.start(t0);
        let mut now = t0;
        let mut out = Vec::new();
        for _ in 0..100 {
            now += Duration::from_millis(rng.below(30) as u64);
            match rng.below(4) {
                0 => hb.on_traffic(now),
                1 => hb.on_ping(now, rng.below(20) as u16, &rng.bytes(20)),
                _ => {}
            }
            if hb.next_timeout().is_some_and(|t| t <= now) && hb.handle_timeout(now).is_err() {
                break;
            }
            while hb.poll_command(now, &mut out) {}
            if let Some(t) = hb.next_timeout() {
                assert!(t > now || hb.has_command() || hb.handle_timeout(now).is_err());
            }
        }
    }
}
