//! After the handshake: large frames (zero-copy and direct reads, boxed with CURVE),
//! subscriptions, heartbeats, a full sink, MAXMSGSIZE and raw mode.

use super::*;
use crate::msg::flags;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31) ^ seed)
        .collect()
}

#[test]
fn large_frames_arrive_whole_in_any_chunking() {
    let now = Instant::now();
    for security in [
        (Security::Null, Security::Null),
        (curve_client(), curve_server()),
    ] {
        for chunk in [1000, 65536, 1 << 20] {
            let (mut a, mut b) = pair(
                config(ZMQ_DEALER, security.0.clone()),
                config(ZMQ_DEALER, security.1.clone()),
                chunk,
                now,
            );
            let sizes = [9000, 49, 200_000, 8191, 1_000_000, 10];
            for (i, &n) in sizes.iter().enumerate() {
                let mut msg =
                    Msg::from_buffer(crate::msg::Buffer::copy_from(&pattern(n, i as u8)).unwrap());
                msg.set_more(i + 1 < sizes.len());
                // One large body at a time, as the engine queues them.
                while !a.conn.has_room() {
                    let bytes = a.take_output(now);
                    b.feed(&bytes, chunk, now);
                }
                a.conn.send_message(msg, true);
            }
            exchange(&mut a, &mut b, chunk, now);
            assert!(b.failure.is_none(), "{:?}", b.failure);
            assert_eq!(b.inbox.len(), sizes.len());
            for (i, (&n, msg)) in sizes.iter().zip(&b.inbox).enumerate() {
                assert_eq!(msg.data(), pattern(n, i as u8), "frame {i} ({n} bytes)");
                assert_eq!(msg.more(), i + 1 < sizes.len());
                assert!(msg.metadata().is_some());
            }
        }
    }
}

#[test]
fn subscriptions_travel_as_commands_to_3_1_peers() {
    let now = Instant::now();
    for security in [
        (Security::Null, Security::Null),
        (curve_client(), curve_server()),
    ] {
        let (mut sub, mut publisher) = pair(
            config(ZMQ_SUB, security.0),
            config(ZMQ_PUB, security.1),
            64,
            now,
        );
        let mut subscribe = Msg::from_slice(b"topic");
        subscribe.set_flags(flags::SUBSCRIBE);
        sub.conn.send_message(subscribe, true);
        let mut cancel = Msg::from_slice(b"topic");
        cancel.set_flags(flags::CANCEL);
        sub.conn.send_message(cancel, true);
        let wire = sub.take_output(now);
        if !publisher.conn.encrypted {
            assert!(wire.windows(15).any(|w| w == b"\x09SUBSCRIBEtopic"));
        }
        publisher.feed(&wire, 64, now);
        assert_eq!(
            publisher.bodies(),
            vec![b"topic".to_vec(), b"topic".to_vec()]
        );
        assert_ne!(publisher.inbox[0].flags() & flags::SUBSCRIBE, 0);
        assert_ne!(publisher.inbox[1].flags() & flags::CANCEL, 0);
    }
}

#[test]
fn heartbeats_ping_pong_and_keep_the_connection() {
    let now = Instant::now();
    let mut c = config(ZMQ_DEALER, Security::Null);
    c.heartbeat = HeartbeatConfig {
        interval: Some(ms(100)),
        timeout: Some(ms(300)),
        ttl: Duration::ZERO,
    };
    let (mut a, mut b) = pair(c.clone(), c, 64, now);
    assert_eq!(a.conn.poll_timeout(), Some(now + ms(100)));
    let later = now + ms(100);
    a.conn.handle_timeout(later).unwrap();
    let ping = a.take_output(later);
    assert!(ping.windows(5).any(|w| w == b"\x04PING"), "{ping:?}");
    b.feed(&ping, 64, later);
    let pong = b.take_output(later);
    assert!(pong.windows(5).any(|w| w == b"\x04PONG"), "{pong:?}");
    a.feed(&pong, 64, later);
    // The PONG was traffic: no timeout is pending beyond the next PING.
    assert_eq!(a.conn.poll_timeout(), Some(later + ms(100)));
    assert_eq!(a.conn.handle_timeout(later + ms(399)), Ok(()));
    assert!(a.inbox.is_empty() && b.inbox.is_empty());
}

#[test]
fn heartbeat_timeout_without_an_answer() {
    let now = Instant::now();
    let mut c = config(ZMQ_DEALER, Security::Null);
    c.heartbeat = HeartbeatConfig {
        interval: Some(ms(100)),
        timeout: Some(ms(300)),
        ttl: Duration::ZERO,
    };
    let (mut a, _b) = pair(c.clone(), c, 64, now);
    a.conn.handle_timeout(now + ms(100)).unwrap();
    let ping = a.take_output(now + ms(100));
    assert!(!ping.is_empty());
    assert_eq!(a.conn.poll_timeout(), Some(now + ms(200)));
    a.conn.handle_timeout(now + ms(200)).unwrap();
    assert_eq!(a.conn.handle_timeout(now + ms(399)), Ok(()));
    let failure = a.conn.handle_timeout(now + ms(400));
    assert_eq!(failure, Err(Failure::Heartbeat));
    assert_eq!(failure.unwrap_err().handshake_event(true), None);
}

#[test]
fn peer_ttl_ends_a_silent_connection() {
    let now = Instant::now();
    let mut pinging = config(ZMQ_DEALER, Security::Null);
    pinging.heartbeat = HeartbeatConfig {
        interval: Some(ms(100)),
        timeout: None,
        ttl: ms(500),
    };
    let (mut a, mut b) = pair(pinging, config(ZMQ_DEALER, Security::Null), 64, now);
    let at = now + ms(100);
    a.conn.handle_timeout(at).unwrap();
    let ping = a.take_output(at);
    b.feed(&ping, 64, at);
    assert_eq!(b.conn.poll_timeout(), Some(at + ms(500)));
    assert_eq!(b.conn.handle_timeout(at + ms(499)), Ok(()));
    assert_eq!(b.conn.handle_timeout(at + ms(500)), Err(Failure::Heartbeat));
}

#[test]
fn a_full_sink_stops_decoding_and_resumes_in_order() {
    let now = Instant::now();
    let (mut a, mut b) = pair(
        config(ZMQ_PUSH, Security::Null),
        config(ZMQ_PULL, Security::Null),
        64,
        now,
    );
    for i in 0..10u8 {
        a.send(&[i; 3], false);
    }
    b.limit = 3;
    let bytes = a.take_output(now);
    b.feed(&bytes, 1 << 16, now);
    assert_eq!(b.inbox.len(), 3);
    assert!(b.parked.is_some());
    assert!(b.conn.has_buffered_input());
    b.limit = usize::MAX;
    b.process(now);
    let expected: Vec<Vec<u8>> = (0..10u8).map(|i| vec![i; 3]).collect();
    assert_eq!(b.bodies(), expected);
}

#[test]
fn maxmsgsize_ends_the_connection() {
    let now = Instant::now();
    let mut limited = config(ZMQ_PULL, Security::Null);
    limited.maxmsgsize = 100;
    let (mut a, mut b) = pair(config(ZMQ_PUSH, Security::Null), limited, 64, now);
    a.send(&[1u8; 100], false);
    a.send(&[1u8; 101], false);
    exchange(&mut a, &mut b, 64, now);
    assert_eq!(b.inbox.len(), 1);
    assert_eq!(b.failure, Some(Failure::TooLarge));
}

#[test]
fn half_sent_message_is_visible() {
    let now = Instant::now();
    let (mut a, _b) = pair(
        config(ZMQ_DEALER, Security::Null),
        config(ZMQ_DEALER, Security::Null),
        64,
        now,
    );
    a.send(b"first", true);
    assert!(a.conn.mid_message_out());
    a.send(b"last", false);
    assert!(!a.conn.mid_message_out());
    assert!(!a.conn.output_drained());
    a.take_output(now);
    assert!(a.conn.output_drained());
}

#[test]
fn raw_mode_is_active_at_once_and_passes_bytes_through() {
    let now = Instant::now();
    let mut c = config(ZMQ_STREAM, Security::Null);
    c.raw = true;
    let mut stream = End::new(c, now);
    assert!(stream.conn.is_active());
    stream.process(now);
    assert!(stream.handshake_done);
    stream.feed(b"GET / HTTP/1.0\r\n", 1 << 16, now);
    assert_eq!(stream.bodies(), vec![b"GET / HTTP/1.0\r\n".to_vec()]);
    assert_eq!(
        property(&stream.inbox[0], "Peer-Address").unwrap(),
        b"127.0.0.1"
    );
    stream.send(b"HTTP/1.0 200 OK\r\n", false);
    let big = pattern(20_000, 1);
    stream.conn.send_message(Msg::from_slice(&big), true);
    let mut expected = b"HTTP/1.0 200 OK\r\n".to_vec();
    expected.extend_from_slice(&big);
    assert_eq!(stream.take_output(now), expected);
}

#[test]
fn zero_copy_recv_off_copies_bodies_out_of_the_receive_buffer() {
    let now = Instant::now();
    for zero_copy in [true, false] {
        let mut receiver = config(ZMQ_DEALER, Security::Null);
        receiver.zero_copy_recv = zero_copy;
        let (mut a, mut b) = pair(config(ZMQ_DEALER, Security::Null), receiver, 65536, now);
        for i in 0..2u8 {
            let mut msg = Msg::from_slice(&pattern(1000, i));
            msg.set_more(i == 0);
            a.conn.send_message(msg, true);
        }
        exchange(&mut a, &mut b, 65536, now);
        assert_eq!(b.inbox.len(), 2);
        for (i, msg) in b.inbox.iter().enumerate() {
            assert_eq!(msg.data(), pattern(1000, i as u8));
            // A view shares the receive buffer with it (and the other frame); a copy
            // owns its bytes alone.
            assert_eq!(
                msg.is_shared(),
                zero_copy,
                "zero_copy {zero_copy}, frame {i}"
            );
        }
    }
}
