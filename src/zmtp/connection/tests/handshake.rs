//! Handshakes: every mechanism both ways, ZAP accept/deny through events, deadlines,
//! and errors mid-handshake with the monitor event each maps to.

use super::*;
use crate::zmtp::greeting::{Greeting, Mechanism as GreetingMechanism};
use crate::zmtp::metadata::Metadata as Properties;

fn t0() -> Instant {
    Instant::now()
}

/// The monitor event a failure is reported with while the handshake runs.
fn event_of(f: &Option<Failure>) -> Option<(i32, u32)> {
    f.as_ref().and_then(|f| f.handshake_event(false))
}

#[test]
fn null_handshake_carries_properties_both_ways() {
    let now = t0();
    for chunk in [1, 7, 100_000] {
        let mut dealer = config(ZMQ_DEALER, Security::Null);
        dealer.routing_id = b"me".to_vec();
        let mut props = Properties::new();
        props.push(b"X-Color", b"blue").unwrap();
        dealer.properties = props;
        let (mut a, mut b) = pair(dealer, config(ZMQ_ROUTER, Security::Null), chunk, now);
        assert_eq!(b.conn.peer_routing_id(), b"me");
        assert_eq!(b.conn.peer_version(), PeerVersion::V3_1);
        a.send(b"hello", true);
        a.send(&[7u8; 60], false);
        b.send(b"back", false);
        exchange(&mut a, &mut b, chunk, now);
        assert_eq!(b.bodies(), vec![b"hello".to_vec(), vec![7u8; 60]]);
        assert!(b.inbox[0].more() && !b.inbox[1].more());
        assert_eq!(a.bodies(), vec![b"back".to_vec()]);
        let msg = &b.inbox[1];
        assert_eq!(property(msg, "Socket-Type").unwrap(), b"DEALER");
        assert_eq!(property(msg, "X-Color").unwrap(), b"blue");
        assert_eq!(property(msg, "Peer-Address").unwrap(), b"127.0.0.1");
        assert_eq!(property(msg, "__fd").unwrap(), b"42");
        assert_eq!(property(&a.inbox[0], "Socket-Type").unwrap(), b"ROUTER");
    }
}

#[test]
fn plain_zap_accept_gives_user_id_and_handler_metadata() {
    let now = t0();
    let mut client = End::new(config(ZMQ_DEALER, plain_client(b"admin", b"secret")), now);
    let mut server = End::new(with_zap(config(ZMQ_DEALER, Security::PlainServer)), now);
    exchange(&mut client, &mut server, 5, now);
    assert!(!client.handshake_done && !server.handshake_done);
    let request = server.zap_requests.pop().expect("a ZAP request");
    assert_eq!(request.mechanism, b"PLAIN");
    assert_eq!(request.domain, b"test");
    assert_eq!(
        request.credentials,
        vec![b"admin".to_vec(), b"secret".to_vec()]
    );
    let mut extra = Properties::new();
    extra.push(b"Hello", b"World").unwrap();
    let mut encoded = Vec::new();
    extra.encode(&mut encoded);
    server.answer_zap(b"200", b"alice", &encoded, now);
    exchange(&mut client, &mut server, 5, now);
    assert!(client.handshake_done && server.handshake_done);
    client.send(b"hi", false);
    exchange(&mut client, &mut server, 5, now);
    assert_eq!(property(&server.inbox[0], "User-Id").unwrap(), b"alice");
    assert_eq!(property(&server.inbox[0], "Hello").unwrap(), b"World");
}

#[test]
fn plain_zap_deny_fails_both_sides_with_auth_events() {
    let now = t0();
    let mut client = End::new(config(ZMQ_DEALER, plain_client(b"admin", b"wrong")), now);
    let mut server = End::new(with_zap(config(ZMQ_DEALER, Security::PlainServer)), now);
    exchange(&mut client, &mut server, 64, now);
    assert_eq!(server.zap_requests.len(), 1);
    server.answer_zap(b"400", b"", b"", now);
    assert_eq!(server.failure, Some(Failure::Auth(400)));
    // The ERROR for the client is still to be written.
    assert!(server.conn.take_farewell());
    exchange(&mut client, &mut server, 64, now);
    assert_eq!(client.failure, Some(Failure::Auth(400)));
    let expected = Some((ZMQ_EVENT_HANDSHAKE_FAILED_AUTH, 400));
    assert_eq!(event_of(&server.failure), expected);
    assert_eq!(event_of(&client.failure), expected);
    assert!(server.failure.unwrap().ends_session(false));
}

#[test]
fn curve_handshake_both_roles_and_messages_both_ways() {
    let now = t0();
    for chunk in [3, 1000, 100_000] {
        let (mut client, mut server) = pair(
            config(ZMQ_REQ, curve_client()),
            config(ZMQ_REP, curve_server()),
            chunk,
            now,
        );
        client.send(b"request", false);
        exchange(&mut client, &mut server, chunk, now);
        assert_eq!(server.bodies(), vec![b"request".to_vec()]);
        assert_eq!(property(&server.inbox[0], "Socket-Type").unwrap(), b"REQ");
        server.send(b"", true);
        server.send(&[5u8; 100], false);
        exchange(&mut client, &mut server, chunk, now);
        assert_eq!(client.bodies(), vec![Vec::new(), vec![5u8; 100]]);
        assert!(client.inbox[0].more());
    }
}

#[test]
fn curve_zap_accept_and_deny() {
    let now = t0();
    for (status, accepted) in [(&b"200"[..], true), (&b"400"[..], false)] {
        let mut client = End::new(config(ZMQ_DEALER, curve_client()), now);
        let mut server = End::new(with_zap(config(ZMQ_DEALER, curve_server())), now);
        exchange(&mut client, &mut server, 17, now);
        let request = server.zap_requests.pop().expect("a ZAP request");
        assert_eq!(request.mechanism, b"CURVE");
        assert_eq!(
            request.credentials,
            vec![z85_key(CLIENT_PUBLIC).as_bytes().to_vec()]
        );
        server.answer_zap(status, b"carol", b"", now);
        exchange(&mut client, &mut server, 17, now);
        if accepted {
            assert!(client.handshake_done && server.handshake_done);
            client.send(b"x", false);
            exchange(&mut client, &mut server, 17, now);
            assert_eq!(property(&server.inbox[0], "User-Id").unwrap(), b"carol");
        } else {
            assert_eq!(server.failure, Some(Failure::Auth(400)));
            assert_eq!(client.failure, Some(Failure::Auth(400)));
        }
    }
}

#[test]
fn null_with_zap_domain_asks_the_handler() {
    let now = t0();
    let mut client = End::new(config(ZMQ_DEALER, Security::Null), now);
    let mut server = End::new(with_zap(config(ZMQ_DEALER, Security::Null)), now);
    exchange(&mut client, &mut server, 64, now);
    let request = server.zap_requests.pop().expect("a ZAP request");
    assert_eq!(request.mechanism, b"NULL");
    assert_eq!(request.address, b"127.0.0.1");
    server.answer_zap(b"200", b"", b"", now);
    exchange(&mut client, &mut server, 64, now);
    assert!(client.handshake_done && server.handshake_done);
}

#[test]
fn zap_reply_that_does_not_parse_is_a_protocol_error() {
    let now = t0();
    let mut client = End::new(config(ZMQ_DEALER, plain_client(b"a", b"b")), now);
    let mut server = End::new(with_zap(config(ZMQ_DEALER, Security::PlainServer)), now);
    exchange(&mut client, &mut server, 64, now);
    let result = server.conn.handle_zap_reply(&[&b""[..], &b"1.0"[..]], now);
    assert_eq!(
        result,
        Err(Failure::Protocol(Some(
            ZMQ_PROTOCOL_ERROR_ZAP_MALFORMED_REPLY
        )))
    );
}

#[test]
fn enforced_zap_domain_without_handler() {
    let now = t0();
    let mut server_config = config(ZMQ_DEALER, Security::PlainServer);
    server_config.zap_domain = b"test".to_vec();
    server_config.zap_enforce_domain = true;
    let mut client = End::new(config(ZMQ_DEALER, plain_client(b"a", b"b")), now);
    let mut server = End::new(server_config, now);
    exchange(&mut client, &mut server, 64, now);
    assert_eq!(server.failure, Some(Failure::NoZapHandler));
    assert_eq!(
        event_of(&server.failure),
        Some((ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, libc::EFAULT as u32))
    );
}

#[test]
fn mechanism_mismatch() {
    let now = t0();
    let mut a = End::new(config(ZMQ_DEALER, Security::Null), now);
    let mut b = End::new(config(ZMQ_DEALER, Security::PlainServer), now);
    exchange(&mut a, &mut b, 64, now);
    let expected = Failure::Protocol(Some(ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH));
    assert_eq!(a.failure, Some(expected.clone()));
    assert_eq!(
        event_of(&a.failure),
        Some((
            ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL,
            ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH as u32
        ))
    );
    assert!(expected.ends_session(false));
}

#[test]
fn socket_type_mismatch_is_only_a_disconnect() {
    let now = t0();
    let mut a = End::new(config(ZMQ_PUSH, Security::Null), now);
    let mut b = End::new(config(ZMQ_PUSH, Security::Null), now);
    exchange(&mut a, &mut b, 64, now);
    assert_eq!(a.failure, Some(Failure::Protocol(None)));
    assert_eq!(event_of(&a.failure), None);
    assert!(a.failure.unwrap().ends_session(false));
}

#[test]
fn wrong_curve_server_key_is_a_cryptographic_error() {
    let now = t0();
    let wrong = Security::CurveClient(CurveClientConfig {
        public_key: z85_key(CLIENT_PUBLIC),
        secret_key: z85_key(CLIENT_SECRET),
        server_key: z85_key(CLIENT_PUBLIC),
    });
    let mut client = End::new(config(ZMQ_DEALER, wrong), now);
    let mut server = End::new(config(ZMQ_DEALER, curve_server()), now);
    exchange(&mut client, &mut server, 64, now);
    assert_eq!(
        server.failure,
        Some(Failure::Protocol(Some(
            ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC
        )))
    );
    assert!(!client.handshake_done);
}

/// A peer's 3.1 greeting for NULL, as bytes.
fn null_greeting() -> Vec<u8> {
    Greeting::new(GreetingMechanism::Null, false)
        .encode()
        .to_vec()
}

#[test]
fn data_frame_during_handshake_is_an_unexpected_command() {
    let now = t0();
    let mut ours = End::new(config(ZMQ_DEALER, Security::Null), now);
    let mut bytes = null_greeting();
    bytes.extend_from_slice(&[0x00, 0x01, b'x']);
    ours.feed(&bytes, 64, now);
    assert_eq!(
        ours.failure,
        Some(Failure::Protocol(Some(
            ZMQ_PROTOCOL_ERROR_ZMTP_UNEXPECTED_COMMAND
        )))
    );
}

#[test]
fn malformed_ready_is_reported_with_its_code() {
    let now = t0();
    let mut ours = End::new(config(ZMQ_DEALER, Security::Null), now);
    let mut bytes = null_greeting();
    // READY with a property whose value length overruns the command.
    bytes.extend_from_slice(&[
        0x04, 0x0A, 0x05, b'R', b'E', b'A', b'D', b'Y', 0x01, b'A', 0, 0,
    ]);
    ours.feed(&bytes, 64, now);
    let Some(Failure::Protocol(Some(code))) = ours.failure else {
        panic!("{:?}", ours.failure);
    };
    assert!(
        code == ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_READY
            || code == ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_METADATA,
        "{code:#x}"
    );
}

#[test]
fn handshake_deadline() {
    let now = t0();
    let mut c = config(ZMQ_DEALER, Security::Null);
    c.handshake_ivl = Some(Duration::from_millis(100));
    let mut alone = End::new(c.clone(), now);
    assert_eq!(
        alone.conn.poll_timeout(),
        Some(now + Duration::from_millis(100))
    );
    assert_eq!(
        alone.conn.handle_timeout(now + Duration::from_millis(99)),
        Ok(())
    );
    let failure = alone.conn.handle_timeout(now + Duration::from_millis(100));
    assert_eq!(failure, Err(Failure::HandshakeTimeout));
    assert_eq!(
        failure.unwrap_err().handshake_event(false),
        Some((ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, libc::EAGAIN as u32))
    );
    // A completed handshake disarms it.
    let (a, _b) = pair(c.clone(), c, 64, now);
    assert_eq!(a.conn.poll_timeout(), None);
    let _ = &mut alone;
}

#[test]
fn failures_map_to_libzmq_monitor_events() {
    use Failure::*;
    let epipe = (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL, libc::EPIPE as u32);
    assert_eq!(Closed.handshake_event(false), Some(epipe));
    assert_eq!(Closed.handshake_event(true), None);
    assert_eq!(Heartbeat.handshake_event(true), None);
    assert_eq!(TooLarge.handshake_event(true), None);
    assert_eq!(Protocol(Some(1)).handshake_event(true), None);
    assert!(!Closed.ends_session(false));
    assert!(!HandshakeTimeout.ends_session(false));
    assert!(!Protocol(None).ends_session(true));
}
