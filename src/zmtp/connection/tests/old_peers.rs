//! ZMTP 3.0, 2.0 and 1.0 peers, in the byte forms `tests/old_peers.rs` uses on real
//! sockets.

use super::*;

fn v2_frame(more: bool, body: &[u8]) -> Vec<u8> {
    let mut f = vec![u8::from(more), body.len() as u8];
    f.extend_from_slice(body);
    f
}

#[test]
fn a_3_0_peer_gets_subscriptions_as_messages() {
    let now = Instant::now();
    let mut sub = End::new(config(ZMQ_SUB, Security::Null), now);
    let mut publisher = End::new(config(ZMQ_PUB, Security::Null), now);
    // The publisher's greeting says minor version 0 (byte 11 of its stream).
    let mut from_pub_offset = 0usize;
    for _ in 0..20 {
        let mut to_sub = publisher.take_output(now);
        for (i, byte) in to_sub.iter_mut().enumerate() {
            if from_pub_offset + i == 11 {
                *byte = 0;
            }
        }
        from_pub_offset += to_sub.len();
        let to_pub = sub.take_output(now);
        if to_sub.is_empty() && to_pub.is_empty() {
            break;
        }
        sub.feed(&to_sub, 64, now);
        publisher.feed(&to_pub, 64, now);
    }
    assert!(sub.handshake_done && publisher.handshake_done);
    assert_eq!(sub.conn.peer_version(), PeerVersion::V3_0);
    let mut subscribe = Msg::from_slice(b"news");
    subscribe.set_flags(crate::msg::flags::SUBSCRIBE);
    sub.conn.send_message(subscribe, true);
    let wire = sub.take_output(now);
    assert_eq!(wire, b"\x00\x05\x01news");
    publisher.feed(&wire, 64, now);
    assert_eq!(publisher.bodies(), vec![b"\x01news".to_vec()]);
}

#[test]
fn a_2_0_peer_is_answered_in_2_0() {
    let now = Instant::now();
    let mut pull = End::new(config(ZMQ_PULL, Security::Null), now);
    let mut greeting = vec![0xffu8, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 0x01, 8];
    greeting.extend_from_slice(&v2_frame(false, b""));
    for chunk in [1, 64] {
        let mut pull_again = End::new(config(ZMQ_PULL, Security::Null), now);
        pull_again.feed(&greeting, chunk, now);
        assert!(pull_again.handshake_done, "chunk {chunk}");
    }
    pull.feed(&greeting, 64, now);
    assert!(pull.handshake_done);
    assert_eq!(pull.conn.peer_version(), PeerVersion::V2);
    let ours = pull.take_output(now);
    assert_eq!(&ours[..12], &[0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 7]);
    assert_eq!(&ours[12..], &v2_frame(false, b"")[..]);
    let mut bytes = v2_frame(false, b"one");
    bytes.extend_from_slice(&v2_frame(true, b"two-a"));
    bytes.extend_from_slice(&v2_frame(false, b"two-b"));
    pull.feed(&bytes, 5, now);
    assert_eq!(
        pull.bodies(),
        vec![b"one".to_vec(), b"two-a".to_vec(), b"two-b".to_vec()]
    );
    assert!(pull.inbox[1].more());
    assert_eq!(property(&pull.inbox[0], "Socket-Type").unwrap(), b"PUSH");
}

#[test]
fn a_2_0_peer_receives_2_0_frames() {
    let now = Instant::now();
    let mut push = End::new(config(ZMQ_PUSH, Security::Null), now);
    let mut greeting = vec![0xffu8, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 0x01, 7];
    greeting.extend_from_slice(&v2_frame(false, b""));
    push.feed(&greeting, 64, now);
    push.take_output(now);
    push.send(b"a", true);
    push.send(b"bc", false);
    assert_eq!(
        push.take_output(now),
        [&v2_frame(true, b"a")[..], &v2_frame(false, b"bc")].concat()
    );
}

#[test]
fn an_unversioned_1_0_peer_is_served_in_1_0() {
    let now = Instant::now();
    for chunk in [1, 3, 64] {
        let mut pull = End::new(config(ZMQ_PULL, Security::Null), now);
        // Its identity frame (empty: length 1 counts the flags byte), then "abc".
        pull.feed(&[0x01, 0x00, 0x04, 0x00, b'a', b'b', b'c'], chunk, now);
        assert!(pull.handshake_done, "chunk {chunk}");
        assert_eq!(pull.conn.peer_version(), PeerVersion::V1Unversioned);
        assert_eq!(pull.bodies(), vec![b"abc".to_vec()], "chunk {chunk}");
    }
    let mut push = End::new(config(ZMQ_PUSH, Security::Null), now);
    push.feed(&[0x01, 0x00], 64, now);
    let greeting = push.take_output(now);
    // Our signature doubles as the header of our (empty) identity frame.
    assert_eq!(greeting, [0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f]);
    push.send(b"hi", false);
    assert_eq!(push.take_output(now), [0x03, 0x00, b'h', b'i']);
}

#[test]
fn a_1_0_subscriber_gets_everything() {
    let now = Instant::now();
    let mut publisher = End::new(config(ZMQ_PUB, Security::Null), now);
    publisher.feed(&[0x01, 0x00], 64, now);
    assert!(publisher.handshake_done);
    // Handed out once the handshake was reported, before any frame.
    assert!(!publisher.conn.has_queued_message());
    assert_eq!(publisher.bodies(), vec![vec![1u8]]);
}

#[test]
fn old_peers_are_refused_with_security() {
    let now = Instant::now();
    let mut server = End::new(config(ZMQ_PULL, Security::PlainServer), now);
    server.feed(&[0x01, 0x00], 64, now);
    assert_eq!(
        server.failure,
        Some(Failure::Protocol(Some(ZMQ_PROTOCOL_ERROR_ZMTP_UNSPECIFIED)))
    );
}
