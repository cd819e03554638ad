//! The shared interface: NULL with ZAP, the three mechanisms driven the same way, and
//! random input into every side.

use super::*;
use crate::constants::*;
use crate::zmtp::curve::tests::Rng;

fn base(socket_type: i32) -> NullConfig {
    NullConfig {
        socket_type,
        routing_id: b"rid".to_vec(),
        properties: Metadata::new(),
    }
}

fn config(security: Security, zap: ZapPolicy) -> MechanismConfig {
    MechanismConfig {
        base: base(ZMQ_DEALER),
        security,
        zap,
    }
}

fn zap_on() -> ZapPolicy {
    ZapPolicy {
        domain: b"dom".to_vec(),
        handler_available: true,
        peer_address: b"127.0.0.1".to_vec(),
        ..ZapPolicy::default()
    }
}

fn key(text: &[u8]) -> CurveKey {
    let mut key = CurveKey::default();
    key.set(text).unwrap();
    key
}

const SERVER_PUBLIC: &[u8] = b"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
const SERVER_SECRET: &[u8] = b"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";

fn curve_client() -> Security {
    Security::CurveClient(CurveClientConfig {
        public_key: key(b"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"),
        secret_key: key(b"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"),
        server_key: key(SERVER_PUBLIC),
    })
}

/// Runs a handshake between two mechanisms, answering ZAP with `status`. Returns the
/// first error either side reported.
fn run(client: &mut Mechanism, server: &mut Mechanism, status: &[u8]) -> Result<(), ProtocolError> {
    let reply = ZapReply::parse(&ZapReply::frames(
        status,
        b"user-7",
        b"\x06X-Role\x00\x00\x00\x05admin",
    ))?;
    let mut pending = Vec::new();
    for m in [&mut *client, &mut *server] {
        if let Status::NeedsZap(req) = m.start()? {
            pending.push(req);
        }
    }
    for m in [&mut *client, &mut *server] {
        if !pending.is_empty() {
            m.zap_reply(&reply).ok();
        }
    }
    for _ in 0..10 {
        for (from, to) in [(0, 1), (1, 0)] {
            let (a, b) = if from == 0 {
                (&mut *client, &mut *server)
            } else {
                (&mut *server, &mut *client)
            };
            let mut cmd = Vec::new();
            while a.poll_command(&mut cmd) {
                if let Status::NeedsZap(_) = b.handle_command(&cmd)? {
                    b.zap_reply(&reply)?;
                }
                cmd.clear();
            }
            let _ = to;
        }
        if client.is_complete() && server.is_complete() {
            return Ok(());
        }
    }
    Err(ProtocolError::Unspecified)
}

#[test]
fn every_mechanism_through_one_interface() {
    let cases = [
        (Security::Null, Security::Null, ZapPolicy::default()),
        (
            Security::PlainClient(PlainCredentials {
                username: b"u".to_vec(),
                password: b"p".to_vec(),
            }),
            Security::PlainServer,
            zap_on(),
        ),
        (
            curve_client(),
            Security::CurveServer(key(SERVER_SECRET)),
            zap_on(),
        ),
        (
            curve_client(),
            Security::CurveServer(key(SERVER_SECRET)),
            ZapPolicy::default(),
        ),
    ];
    for (client_sec, server_sec, zap) in cases {
        let mut client = Mechanism::new(&config(client_sec, ZapPolicy::default())).unwrap();
        let mut server = Mechanism::new(&config(server_sec, zap.clone())).unwrap();
        assert_eq!(client.name(), server.name());
        assert!(!client.as_server());
        run(&mut client, &mut server, b"200").unwrap();
        assert_eq!(
            server.peer_metadata().unwrap().get("Identity"),
            Some(&b"rid"[..])
        );
        let zap_ran = zap.handler_available && !matches!(server, Mechanism::Null(_));
        assert_eq!(server.user_id(), zap_ran.then_some(&b"user-7"[..]));
        if zap_ran {
            assert_eq!(
                server.zap_metadata().unwrap().get("X-Role"),
                Some(&b"admin"[..])
            );
        }
        if client.is_encrypted() {
            let mut wire = Vec::new();
            client.encode_message(FLAG_MORE, b"abc", &mut wire).unwrap();
            assert_eq!(
                server.decode_message(&wire),
                Ok((FLAG_MORE, b"abc".to_vec()))
            );
            let mut wire = Vec::new();
            server.encode_message(0, b"xyz", &mut wire).unwrap();
            let (flags, range) = client.decode_message_in_place(&mut wire).unwrap();
            assert_eq!((flags, &wire[range]), (0, &b"xyz"[..]));
        } else {
            assert!(client.encode_message(0, b"", &mut Vec::new()).is_err());
        }
    }
}

use crate::zmtp::curve::FLAG_MORE;

#[test]
fn null_consults_zap_only_with_a_domain() {
    // With a domain: READY waits for the handler.
    let mut server = Mechanism::new(&config(Security::Null, zap_on())).unwrap();
    let Ok(Status::NeedsZap(req)) = server.start() else {
        panic!("NULL with a ZAP domain must ask ZAP");
    };
    assert_eq!(
        req.to_frames(),
        vec![
            b"".to_vec(),
            b"1.0".to_vec(),
            b"1".to_vec(),
            b"dom".to_vec(),
            b"127.0.0.1".to_vec(),
            b"rid".to_vec(),
            b"NULL".to_vec()
        ]
    );
    assert!(!server.poll_command(&mut Vec::new()));
    let reply = ZapReply::parse(&ZapReply::frames(b"200", b"", b"")).unwrap();
    assert_eq!(server.zap_reply(&reply), Ok(Status::Continue));
    let mut out = Vec::new();
    assert!(server.poll_command(&mut out));
    assert!(out.starts_with(b"\x05READY"));

    // Refused: ERROR with the status instead of READY.
    let mut server = Mechanism::new(&config(Security::Null, zap_on())).unwrap();
    server.start().unwrap();
    let reply = ZapReply::parse(&ZapReply::frames(b"500", b"", b"")).unwrap();
    assert_eq!(
        server.zap_reply(&reply),
        Err(ProtocolError::AuthFailed(500))
    );
    let mut out = Vec::new();
    assert!(server.poll_command(&mut out));
    assert_eq!(out, b"\x05ERROR\x03500");
    assert!(!server.poll_command(&mut Vec::new()));
    assert!(!server.is_complete());

    // No domain: no ZAP at all. Domain but no handler: enforced fails, else plain NULL.
    let mut plain = Mechanism::new(&config(Security::Null, ZapPolicy::default())).unwrap();
    assert_eq!(plain.start(), Ok(Status::Continue));
    let mut policy = zap_on();
    policy.handler_available = false;
    let mut lax = Mechanism::new(&config(Security::Null, policy.clone())).unwrap();
    assert_eq!(lax.start(), Ok(Status::Continue));
    policy.enforce_domain = true;
    let mut strict = Mechanism::new(&config(Security::Null, policy)).unwrap();
    assert_eq!(strict.start(), Err(ProtocolError::NoZapHandler));
    assert_eq!(
        ProtocolError::NoZapHandler.to_error(),
        Error::Os(libc::EFAULT)
    );
}

#[test]
fn plain_refusal_through_the_interface() {
    let mut client = Mechanism::new(&config(
        Security::PlainClient(PlainCredentials::default()),
        ZapPolicy::default(),
    ))
    .unwrap();
    let mut server = Mechanism::new(&config(Security::PlainServer, zap_on())).unwrap();
    let err = run(&mut client, &mut server, b"400").unwrap_err();
    assert_eq!(err, ProtocolError::AuthFailed(400));
    let mut out = Vec::new();
    assert!(server.poll_command(&mut out));
    assert_eq!(
        client.handle_command(&out).unwrap_err().auth_status(),
        Some(400)
    );
}

#[test]
fn random_bytes_into_every_side_never_panic() {
    let mut rng = Rng::new(42);
    let securities = || {
        vec![
            (Security::Null, ZapPolicy::default()),
            (Security::Null, zap_on()),
            (
                Security::PlainClient(PlainCredentials {
                    username: b"u".to_vec(),
                    password: b"p".to_vec(),
                }),
                ZapPolicy::default(),
            ),
            (Security::PlainServer, zap_on()),
        ]
    };
    let prefixes: [&[u8]; 7] = [
        b"\x05HELLO",
        b"\x07WELCOME",
        b"\x08INITIATE",
        b"\x05READY",
        b"\x05ERROR",
        b"\x07MESSAGE",
        b"",
    ];
    for round in 0..3000 {
        for (security, zap) in securities() {
            let mut m = Mechanism::new(&config(security, zap)).unwrap();
            let _ = m.start();
            m.poll_command(&mut Vec::new());
            let mut body = prefixes[round % prefixes.len()].to_vec();
            body.extend(rng.bytes(64));
            let _ = m.handle_command(&body);
            let _ = m.handle_command(&rng.bytes(64));
            let frames: Vec<Vec<u8>> = (0..rng.next() % 9).map(|_| rng.bytes(8)).collect();
            if let Ok(reply) = ZapReply::parse(&frames) {
                let _ = m.zap_reply(&reply);
            }
            let _ = m.decode_message(&body);
            while m.poll_command(&mut Vec::new()) {}
        }
    }
}
