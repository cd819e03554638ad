//! Micro-benchmarks of the pieces on the message path, each alone in one thread: the
//! ZMTP frame codec, a pipe's write/flush/read, the subscription trie, and creating and
//! closing a message. They say what a piece costs, not how the library performs: for
//! that, perf/compare.py runs whole programs against libzmq.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use zmq::ffi::msg::{zmq_msg_close, zmq_msg_init_size};
use zmq::ffi::types::zmq_msg_t;
use zmq::msg::Msg;
use zmq::pipe::{pipe_pair, Direction};
use zmq::routing::mtrie::MTrie;
use zmq::routing::trie::Trie;
use zmq::zmtp::frame::{Decoded, Decoder, Encoder, FrameFlags, Framing};

/// Frames per batch in the codec benchmarks, and messages per batch in the pipe one.
const BATCH: usize = 256;

/// A batch of `count` ZMTP 3 frames of `size` bytes, as the engine reads them.
fn encoded_batch(size: usize, count: usize) -> Vec<u8> {
    let encoder = Encoder::new(Framing::V3);
    let body = vec![0x5a; size];
    let mut out = Vec::new();
    for _ in 0..count {
        encoder
            .encode(FrameFlags::MESSAGE, &body, &mut out)
            .expect("a message frame encodes");
    }
    out
}

fn frame_codec(c: &mut Criterion) {
    let mut group = c.benchmark_group("frame");
    group.throughput(Throughput::Elements(BATCH as u64));
    for size in [1usize, 64, 1024] {
        let body = vec![0x5a; size];
        let encoder = Encoder::new(Framing::V3);
        let mut out = Vec::with_capacity(BATCH * (size + 9));
        group.bench_function(format!("encode {size} B x{BATCH}"), |b| {
            b.iter(|| {
                out.clear();
                for _ in 0..BATCH {
                    encoder
                        .encode(FrameFlags::MESSAGE, black_box(&body), &mut out)
                        .expect("encodes");
                }
                black_box(out.len())
            })
        });

        let input = encoded_batch(size, BATCH);
        group.bench_function(format!("decode {size} B x{BATCH}"), |b| {
            b.iter(|| {
                let mut decoder = Decoder::new(Framing::V3, -1);
                let mut rest = black_box(&input[..]);
                let mut bytes = 0;
                loop {
                    match decoder.decode(rest).expect("decodes") {
                        (n, Some(Decoded::Frame { body, .. })) => {
                            bytes += body.len();
                            rest = &rest[n..];
                        }
                        (_, None) => break,
                        (_, Some(other)) => panic!("whole frames only, got {other:?}"),
                    }
                }
                black_box(bytes)
            })
        });
    }
    group.finish();
}

fn pipe(c: &mut Criterion) {
    let mut group = c.benchmark_group("pipe");
    group.throughput(Throughput::Elements(BATCH as u64));
    // libzmq's default HWM. The reader's credit (ActivateWrite every 500 messages) goes
    // to a mailbox that no socket owns here, so the writer is credited by hand after
    // each batch, as its socket would be on that command.
    let limits = Direction {
        hwm: 1000,
        conflate: false,
    };
    let (mut writer, mut reader) = pipe_pair(limits, limits);
    let mut read = 0u64;
    for flush_each in [true, false] {
        let name = if flush_each {
            format!("write+flush, read 64 B x{BATCH}")
        } else {
            format!("write x{BATCH}, flush, read 64 B")
        };
        group.bench_function(name, |b| {
            b.iter(|| {
                for _ in 0..BATCH {
                    let msg = Msg::with_size(64).expect("64 bytes fit");
                    if writer.write(msg).is_err() {
                        panic!("pipe full");
                    }
                    if flush_each {
                        writer.flush();
                    }
                }
                writer.flush();
                for _ in 0..BATCH {
                    black_box(reader.read().expect("written above"));
                }
                read += BATCH as u64;
                writer.activate_write(read);
            })
        });
    }
    group.finish();
}

/// perf/perf_common.h's perf_topic: 8 hex digits of a bijective scramble of `i`.
fn topic(i: u32) -> [u8; 8] {
    let hex = b"0123456789abcdef";
    let mut v = i.wrapping_mul(2_654_435_761);
    let mut out = [0u8; 8];
    for slot in out.iter_mut().rev() {
        *slot = hex[(v & 15) as usize];
        v >>= 4;
    }
    out
}

/// A 64-byte message body starting with `topic`.
fn message(topic: [u8; 8]) -> [u8; 64] {
    let mut body = [0u8; 64];
    body[..8].copy_from_slice(&topic);
    body
}

fn trie(c: &mut Criterion) {
    const TOPICS: u32 = 10_000;
    let mut group = c.benchmark_group("trie");
    group.throughput(Throughput::Elements(u64::from(TOPICS)));
    // The SUB side: one Trie with 10k topics (as perf's pub_10k_topics scenario).
    let mut subscriptions = Trie::new();
    for i in 0..TOPICS {
        subscriptions.add(&topic(i));
    }
    let hits: Vec<[u8; 64]> = (0..TOPICS).map(|i| message(topic(i))).collect();
    let misses: Vec<[u8; 64]> = (TOPICS..2 * TOPICS).map(|i| message(topic(i))).collect();
    for (name, messages) in [("hit", &hits), ("miss", &misses)] {
        group.bench_function(format!("Trie::check 10k topics, {name} x{TOPICS}"), |b| {
            b.iter(|| {
                let mut matched = 0usize;
                for m in messages.iter() {
                    matched += usize::from(subscriptions.check(black_box(m)));
                }
                black_box(matched)
            })
        });
    }
    // The PUB side: 10k topics spread over 32 pipes, plus one pipe subscribed to all.
    let mut publisher = MTrie::<u32>::new();
    for i in 0..TOPICS {
        publisher.add(&topic(i), i % 32);
    }
    publisher.add(b"", 32);
    for (name, messages) in [("hit", &hits), ("miss", &misses)] {
        group.bench_function(format!("MTrie::match 10k topics, {name} x{TOPICS}"), |b| {
            b.iter(|| {
                let mut reports = 0u32;
                for m in messages.iter() {
                    publisher.match_prefixes(black_box(m), |pipe| reports += pipe);
                }
                black_box(reports)
            })
        });
    }
    group.finish();
}

fn message_lifecycle(c: &mut Criterion) {
    let mut group = c.benchmark_group("msg");
    // Up to 48 bytes are held inline; 64 B and up allocate a shared buffer.
    for size in [0usize, 32, 64, 1024, 65536] {
        group.bench_function(format!("with_size+drop {size} B"), |b| {
            b.iter(|| drop(black_box(Msg::with_size(black_box(size)))))
        });
    }
    let big = Msg::from_slice(&[7u8; 1024]);
    group.bench_function("share+drop 1 KiB", |b| {
        b.iter(|| drop(black_box(big.share())))
    });
    // The C ABI around it: zmq_msg_init_size + zmq_msg_close on a caller's zmq_msg_t.
    for size in [32usize, 1024] {
        group.bench_function(format!("zmq_msg_init_size+zmq_msg_close {size} B"), |b| {
            b.iter(|| {
                let mut msg = zmq_msg_t([0; 64]);
                // SAFETY: `msg` is a zmq_msg_t on this stack frame, initialised and
                // closed here.
                unsafe {
                    assert_eq!(zmq_msg_init_size(&mut msg, black_box(size)), 0);
                    assert_eq!(zmq_msg_close(&mut msg), 0);
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, frame_codec, pipe, trie, message_lifecycle);
criterion_main!(benches);
