//! CURVE handshakes between our own client and server, libsodium known answers for
//! whole commands, and hostile input.

use super::boxes::KeyPair;
use super::*;
use crate::constants::*;
use crate::zmtp::curve::CurveKey;
use crate::zmtp::mechanism::Status;
use crate::zmtp::metadata::Metadata;
use crate::zmtp::null::NullConfig;
use crate::zmtp::zap::{ZapPolicy, ZapReply};

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn z85_key(text: &[u8]) -> CurveKey {
    let mut key = CurveKey::default();
    key.set(text).unwrap();
    key
}

// libzmq's test keys (tests/testutil_security.cpp); the client pair is RFC 26's.
const CLIENT_PUBLIC: &[u8] = b"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
const CLIENT_SECRET: &[u8] = b"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";
const SERVER_PUBLIC: &[u8] = b"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
const SERVER_SECRET: &[u8] = b"JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";

// Produced with libsodium 1.0.18 (Debian libsodium-dev) by a throwaway C program
// (gcc kat.c -lsodium) that builds the commands byte by byte as libzmq does:
// short-term secrets c' = bytes 1..=32, s' = bytes 33..=64; HELLO with nonce 1 via
// crypto_box_easy(64 zeros, "CurveZMQHELLO---"+1, S, c'); READY and MESSAGEs via
// crypto_box_beforenm + crypto_box_easy_afternm.
const KAT_HELLO: &str = "0548454c4c4f0100000000000000000000000000000000000000000000000000\
    0000000000000000000000000000000000000000000000000000000000000000\
    0000000000000000000000000000000007a37cbc142093c8b755dc1b10e86cb4\
    26374ad16aa853ed0bdfc0b2b86d1c7c00000000000000016e3f26f72fe2f05d\
    b20de7881ee6a08fc432afe73b138226f5930879c93bdd4d8586425a3a8d6bc5\
    d83598a3017e0f1792ff0381360d168b6fe1c5e0bb752b0d365e13ea8e8a29ce\
    1c5052c8c63eced7";
/// Server READY (nonce 1) with Socket-Type DEALER and an empty Identity.
const KAT_READY: &str = "0552454144590000000000000001a106e1258a08c39caf939587b7839a1de5b9\
    76c483ec0654f901c19a18bef5ba9c0f974eadbb7f4fd971d3a3f9629bff74d7\
    9f";
/// Client MESSAGE, nonce 3, flags MORE, body "Hello".
const KAT_MESSAGE_C: &str = "074d4553534147450000000000000003694a5fa569dba9278e3183b0152a097b\
    230731a3f5fd";
/// Server MESSAGE, nonce 2, flags COMMAND, body "\x04PING\x00".
const KAT_MESSAGE_S: &str = "074d4553534147450000000000000002afa3472d60f8a03cdd78f3ce97b3ec25\
    2225d43fd3a55c";

fn base(socket_type: i32) -> NullConfig {
    NullConfig {
        socket_type,
        routing_id: Vec::new(),
        properties: Metadata::new(),
    }
}

fn client_keys(server_public: &[u8]) -> CurveClientConfig {
    CurveClientConfig {
        public_key: z85_key(CLIENT_PUBLIC),
        secret_key: z85_key(CLIENT_SECRET),
        server_key: z85_key(server_public),
    }
}

fn stonehouse() -> ZapPolicy {
    ZapPolicy::default()
}

fn with_zap() -> ZapPolicy {
    ZapPolicy {
        domain: b"global".to_vec(),
        handler_available: true,
        peer_address: b"10.0.0.1".to_vec(),
        ..ZapPolicy::default()
    }
}

fn seq(start: u8) -> [u8; 32] {
    std::array::from_fn(|i| start + i as u8)
}

fn pair(policy: &ZapPolicy) -> (CurveClient, CurveServer) {
    let client = CurveClient::new(&base(ZMQ_DEALER), &client_keys(SERVER_PUBLIC)).unwrap();
    let server = CurveServer::new(&base(ZMQ_ROUTER), &z85_key(SERVER_SECRET), policy).unwrap();
    (client, server)
}

fn next(poll: &mut dyn FnMut(&mut Vec<u8>) -> bool) -> Vec<u8> {
    let mut out = Vec::new();
    assert!(poll(&mut out), "expected a command");
    out
}

/// Runs the handshake up to the server's answer to INITIATE; returns the INITIATE.
fn up_to_initiate(client: &mut CurveClient, server: &mut CurveServer) -> (Vec<u8>, Status) {
    let hello = next(&mut |o| client.poll_command(o));
    assert_eq!(hello.len(), 200);
    assert_eq!(server.handle_command(&hello), Ok(Status::Continue));
    let welcome = next(&mut |o| server.poll_command(o));
    assert_eq!(welcome.len(), 168);
    assert_eq!(client.handle_command(&welcome), Ok(Status::Continue));
    let initiate = next(&mut |o| client.poll_command(o));
    assert!(initiate.len() >= 257);
    let status = server.handle_command(&initiate).unwrap();
    (initiate, status)
}

fn complete(client: &mut CurveClient, server: &mut CurveServer) {
    let ready = next(&mut |o| server.poll_command(o));
    assert!(server.is_complete());
    assert_eq!(client.handle_command(&ready), Ok(Status::Continue));
    assert!(client.is_complete());
}

/// Snapshots of one connection at each step, cloned by the loops below so that they
/// do not redo key agreement (slow in debug builds).
struct Templates {
    fresh_server: CurveServer,
    /// HELLO sent, waiting for WELCOME.
    client_hello_sent: CurveClient,
    /// WELCOME sent, waiting for INITIATE.
    server_welcome_sent: CurveServer,
    /// INITIATE sent, waiting for READY.
    client_initiate_sent: CurveClient,
    hello: Vec<u8>,
    welcome: Vec<u8>,
    initiate: Vec<u8>,
}

fn templates() -> Templates {
    let (mut client, mut server) = pair(&stonehouse());
    let fresh_server = server.clone();
    let hello = next(&mut |o| client.poll_command(o));
    let client_hello_sent = client.clone();
    server.handle_command(&hello).unwrap();
    let welcome = next(&mut |o| server.poll_command(o));
    let server_welcome_sent = server.clone();
    client.handle_command(&welcome).unwrap();
    let initiate = next(&mut |o| client.poll_command(o));
    Templates {
        fresh_server,
        client_hello_sent,
        server_welcome_sent,
        client_initiate_sent: client,
        hello,
        welcome,
        initiate,
    }
}

fn connected() -> (CurveClient, CurveServer) {
    let (mut client, mut server) = pair(&stonehouse());
    let (_, status) = up_to_initiate(&mut client, &mut server);
    assert_eq!(status, Status::Continue);
    complete(&mut client, &mut server);
    (client, server)
}

#[test]
fn stonehouse_handshake_and_messages_both_ways() {
    let (mut client, mut server) = connected();
    assert_eq!(
        server.peer_metadata().unwrap().get("Socket-Type"),
        Some(&b"DEALER"[..])
    );
    assert_eq!(
        client.peer_metadata().unwrap().get("Socket-Type"),
        Some(&b"ROUTER"[..])
    );
    assert_eq!(
        server.client_key().map(|k| k.to_vec()),
        crate::z85::decode(CLIENT_PUBLIC)
    );
    for (flags, body) in [
        (0u8, &b""[..]),
        (FLAG_MORE, b"part"),
        (FLAG_COMMAND, b"\x09SUBSCRIBEtopic"),
        (FLAG_MORE | FLAG_COMMAND, &[7u8; 1000][..]),
    ] {
        let mut wire = Vec::new();
        client.codec().unwrap().encode(flags, body, &mut wire);
        assert_eq!(wire.len(), 33 + body.len());
        assert_eq!(
            server.codec().unwrap().decode(&wire),
            Ok((flags, body.to_vec()))
        );
        let mut wire = Vec::new();
        server.codec().unwrap().encode(flags, body, &mut wire);
        assert_eq!(
            client.codec().unwrap().decode(&wire),
            Ok((flags, body.to_vec()))
        );
    }
    // Flags beyond MORE/COMMAND are not carried.
    let mut wire = Vec::new();
    client.codec().unwrap().encode(0xFF, b"x", &mut wire);
    assert_eq!(
        server.codec().unwrap().decode(&wire),
        Ok((3, b"x".to_vec()))
    );
}

#[test]
fn whole_commands_match_libsodium() {
    let client_short = KeyPair::from_secret(&seq(1));
    let server_short = KeyPair::from_secret(&seq(33));
    let mut client =
        CurveClient::with_short_term(&base(ZMQ_ROUTER), &client_keys(SERVER_PUBLIC), client_short)
            .unwrap();
    let mut server = CurveServer::with_short_term(
        &base(ZMQ_DEALER),
        &z85_key(SERVER_SECRET),
        &stonehouse(),
        server_short,
    )
    .unwrap();
    let hello = next(&mut |o| client.poll_command(o));
    assert_eq!(hello, unhex(KAT_HELLO));
    server.handle_command(&hello).unwrap();
    let welcome = next(&mut |o| server.poll_command(o));
    client.handle_command(&welcome).unwrap();
    let initiate = next(&mut |o| client.poll_command(o));
    assert_eq!(server.handle_command(&initiate), Ok(Status::Continue));
    let ready = next(&mut |o| server.poll_command(o));
    assert_eq!(ready, unhex(KAT_READY));
    client.handle_command(&ready).unwrap();

    let mut wire = Vec::new();
    client
        .codec()
        .unwrap()
        .encode(FLAG_MORE, b"Hello", &mut wire);
    assert_eq!(wire, unhex(KAT_MESSAGE_C));
    let mut wire = Vec::new();
    server
        .codec()
        .unwrap()
        .encode(FLAG_COMMAND, b"\x04PING\x00", &mut wire);
    assert_eq!(wire, unhex(KAT_MESSAGE_S));
    // And our decoders accept libsodium's bytes.
    assert_eq!(
        client.codec().unwrap().decode(&unhex(KAT_MESSAGE_S)),
        Ok((FLAG_COMMAND, b"\x04PING\x00".to_vec()))
    );
    assert_eq!(
        server.codec().unwrap().decode(&unhex(KAT_MESSAGE_C)),
        Ok((FLAG_MORE, b"Hello".to_vec()))
    );
}

#[test]
fn wrong_server_key_fails_at_hello() {
    let (_, mut server) = pair(&stonehouse());
    // The client believes the server's key is its own public key.
    let mut client = CurveClient::new(&base(ZMQ_DEALER), &client_keys(CLIENT_PUBLIC)).unwrap();
    let hello = next(&mut |o| client.poll_command(o));
    assert_eq!(
        server.handle_command(&hello),
        Err(ProtocolError::Cryptographic)
    );
    assert_eq!(
        ProtocolError::Cryptographic.monitor_code(),
        Some(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC)
    );
    assert!(!server.poll_command(&mut Vec::new()));

    // A WELCOME from a server with another long-term key does not open either.
    let mut impostor =
        CurveServer::new(&base(ZMQ_ROUTER), &z85_key(CLIENT_SECRET), &stonehouse()).unwrap();
    let (mut client, _) = pair(&stonehouse());
    let hello = next(&mut |o| client.poll_command(o));
    // The impostor cannot open HELLO (sealed to the real S)...
    assert_eq!(
        impostor.handle_command(&hello),
        Err(ProtocolError::Cryptographic)
    );
}

#[test]
fn zap_gets_client_key_and_can_refuse() {
    let (mut client, mut server) = pair(&with_zap());
    let (_, status) = up_to_initiate(&mut client, &mut server);
    let Status::NeedsZap(request) = status else {
        panic!("server must ask ZAP");
    };
    let frames = request.to_frames();
    assert_eq!(frames.len(), 8);
    assert_eq!(frames[3], b"global");
    assert_eq!(frames[4], b"10.0.0.1");
    assert_eq!(frames[6], b"CURVE");
    assert_eq!(Some(frames[7].clone()), crate::z85::decode(CLIENT_PUBLIC));
    assert!(!server.poll_command(&mut Vec::new()), "READY waits for ZAP");
    let reply = ZapReply::parse(&ZapReply::frames(b"200", b"carol", b"")).unwrap();
    assert_eq!(server.zap_reply(&reply), Ok(Status::Continue));
    complete(&mut client, &mut server);
    assert_eq!(server.zap_result().unwrap().user_id, b"carol");

    let (mut client, mut server) = pair(&with_zap());
    up_to_initiate(&mut client, &mut server);
    let reply = ZapReply::parse(&ZapReply::frames(b"400", b"", b"")).unwrap();
    assert_eq!(
        server.zap_reply(&reply),
        Err(ProtocolError::AuthFailed(400))
    );
    let error = next(&mut |o| server.poll_command(o));
    assert_eq!(error, b"\x05ERROR\x03400");
    let err = client.handle_command(&error).unwrap_err();
    assert_eq!(err, ProtocolError::PeerError(b"400".to_vec()));
    assert_eq!(err.auth_status(), Some(400));

    let (mut client, mut server) = pair(&with_zap());
    up_to_initiate(&mut client, &mut server);
    let reply = ZapReply::parse(&ZapReply::frames(b"300", b"", b"")).unwrap();
    assert_eq!(
        server.zap_reply(&reply),
        Err(ProtocolError::AuthFailed(300))
    );
    assert!(!server.poll_command(&mut Vec::new()), "300 closes silently");
}

#[test]
fn zap_policy_without_handler() {
    // Domain set, no handler, not enforced: accepted (libzmq's legacy behaviour).
    let mut policy = with_zap();
    policy.handler_available = false;
    let (mut client, mut server) = pair(&policy);
    assert_eq!(up_to_initiate(&mut client, &mut server).1, Status::Continue);
    complete(&mut client, &mut server);
    // Enforced: refused without detail.
    policy.enforce_domain = true;
    let (mut client, mut server) = pair(&policy);
    let hello = next(&mut |o| client.poll_command(o));
    server.handle_command(&hello).unwrap();
    let welcome = next(&mut |o| server.poll_command(o));
    client.handle_command(&welcome).unwrap();
    let initiate = next(&mut |o| client.poll_command(o));
    assert_eq!(
        server.handle_command(&initiate),
        Err(ProtocolError::NoZapHandler)
    );
    // Enforced with no domain at all: ZAP is skipped.
    let policy = ZapPolicy {
        enforce_domain: true,
        ..ZapPolicy::default()
    };
    let (mut client, mut server) = pair(&policy);
    assert_eq!(up_to_initiate(&mut client, &mut server).1, Status::Continue);
}

#[test]
fn replayed_reordered_and_tampered_messages_rejected() {
    let (mut client, mut server) = connected();
    let mut first = Vec::new();
    client.codec().unwrap().encode(0, b"one", &mut first);
    let mut second = Vec::new();
    client.codec().unwrap().encode(0, b"two", &mut second);
    let mut tampered = second.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x80;
    assert_eq!(
        server.codec().unwrap().decode(&tampered),
        Err(ProtocolError::Cryptographic)
    );
    let mut bad_mac = second.clone();
    bad_mac[16] ^= 1;
    assert_eq!(
        server.codec().unwrap().decode(&bad_mac),
        Err(ProtocolError::Cryptographic)
    );
    assert_eq!(server.codec().unwrap().decode(&second).unwrap().1, b"two");
    assert_eq!(
        server.codec().unwrap().decode(&first),
        Err(ProtocolError::InvalidSequence),
        "reordered"
    );
    assert_eq!(
        server.codec().unwrap().decode(&second),
        Err(ProtocolError::InvalidSequence),
        "replayed"
    );
    assert_eq!(
        ProtocolError::InvalidSequence.monitor_code(),
        Some(ZMQ_PROTOCOL_ERROR_ZMTP_INVALID_SEQUENCE)
    );
    // A client message replayed back at the client does not open (other prefix).
    let mut third = Vec::new();
    client.codec().unwrap().encode(0, b"three", &mut third);
    third[15] = 0xFF; // push its nonce above the server's
    assert_eq!(
        client.codec().unwrap().decode(&third),
        Err(ProtocolError::Cryptographic)
    );
}

#[test]
fn truncated_commands_rejected() {
    let t = templates();
    for n in 0..t.hello.len() {
        let err = t
            .fresh_server
            .clone()
            .handle_command(&t.hello[..n])
            .unwrap_err();
        if n >= 6 {
            assert_eq!(err, ProtocolError::MalformedCommand(CommandKind::Hello));
            assert_eq!(
                err.monitor_code(),
                Some(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_HELLO)
            );
        }
    }
    let mut long = t.hello.clone();
    long.push(0);
    assert!(t.fresh_server.clone().handle_command(&long).is_err());
    let mut version = t.hello.clone();
    version[6] = 2;
    assert_eq!(
        t.fresh_server.clone().handle_command(&version),
        Err(ProtocolError::MalformedCommand(CommandKind::Hello))
    );

    for n in 0..t.welcome.len() {
        let err = t
            .client_hello_sent
            .clone()
            .handle_command(&t.welcome[..n])
            .unwrap_err();
        if n >= 8 {
            assert_eq!(
                err,
                ProtocolError::Cryptographic,
                "libzmq's code for a short WELCOME"
            );
        }
    }
    for n in 0..t.initiate.len() {
        let err = t
            .server_welcome_sent
            .clone()
            .handle_command(&t.initiate[..n])
            .unwrap_err();
        if (9..257).contains(&n) {
            assert_eq!(err, ProtocolError::MalformedCommand(CommandKind::Initiate));
            assert_eq!(
                err.monitor_code(),
                Some(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_INITIATE)
            );
        }
    }
    // The INITIATE of one connection is refused by another (its cookie is not ours).
    let (mut c, mut s) = pair(&stonehouse());
    let h = next(&mut |o| c.poll_command(o));
    s.handle_command(&h).unwrap();
    s.poll_command(&mut Vec::new());
    assert_eq!(
        s.handle_command(&t.initiate),
        Err(ProtocolError::Cryptographic)
    );

    let mut server = t.server_welcome_sent.clone();
    assert_eq!(server.handle_command(&t.initiate), Ok(Status::Continue));
    let ready = next(&mut |o| server.poll_command(o));
    for n in 0..ready.len() {
        let err = t
            .client_initiate_sent
            .clone()
            .handle_command(&ready[..n])
            .unwrap_err();
        if (6..30).contains(&n) {
            assert_eq!(err, ProtocolError::MalformedCommand(CommandKind::Ready));
        }
    }
    let mut client = t.client_initiate_sent.clone();
    client.handle_command(&ready).unwrap();

    let mut message = Vec::new();
    client.codec().unwrap().encode(0, b"payload", &mut message);
    for n in 0..message.len() {
        let err = server.codec().unwrap().decode(&message[..n]).unwrap_err();
        if (8..33).contains(&n) {
            assert_eq!(err, ProtocolError::MalformedCommand(CommandKind::Message));
            assert_eq!(
                err.monitor_code(),
                Some(ZMQ_PROTOCOL_ERROR_ZMTP_MALFORMED_COMMAND_MESSAGE)
            );
        }
    }
    assert_eq!(
        server.codec().unwrap().decode(&message).unwrap().1,
        b"payload"
    );
}

#[test]
fn out_of_order_handshake_commands() {
    let (mut client, mut server) = pair(&stonehouse());
    assert_eq!(
        server.handle_command(b"\x08INITIATE"),
        Err(ProtocolError::UnexpectedCommand)
    );
    client.poll_command(&mut Vec::new());
    assert_eq!(
        client.handle_command(b"\x05READY"),
        Err(ProtocolError::UnexpectedCommand)
    );
    let (mut client, _) = pair(&stonehouse());
    assert_eq!(
        client.handle_command(b"\x05ERROR\x03500"),
        Err(ProtocolError::UnexpectedCommand),
        "ERROR before HELLO was sent"
    );
    let (mut client, _) = pair(&stonehouse());
    client.poll_command(&mut Vec::new());
    assert_eq!(
        client.handle_command(b"\x05ERROR\x05"),
        Err(ProtocolError::MalformedCommand(CommandKind::Error))
    );
    let (mut client, mut server) = connected();
    assert!(server.handle_command(b"\x05HELLO").is_err());
    assert!(client.handle_command(b"\x07WELCOME").is_err());
    assert!(client.codec().is_none(), "a failed client has no codec");
}

/// xorshift64*: a small deterministic generator for hostile input.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }
    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub(crate) fn bytes(&mut self, max: usize) -> Vec<u8> {
        let len = (self.next() as usize) % (max + 1);
        (0..len).map(|_| self.next() as u8).collect()
    }
    /// A copy of `valid` with a few bytes changed, cut or extended.
    pub(crate) fn mutate(&mut self, valid: &[u8]) -> Vec<u8> {
        let mut out = valid.to_vec();
        match self.next() % 4 {
            0 => out.truncate((self.next() as usize) % (valid.len() + 1)),
            1 => out.extend(self.bytes(8)),
            _ => {
                for _ in 0..1 + self.next() % 4 {
                    if !out.is_empty() {
                        let i = (self.next() as usize) % out.len();
                        out[i] ^= 1 << (self.next() % 8);
                    }
                }
            }
        }
        out
    }
}

#[test]
fn hostile_input_never_panics() {
    let mut rng = Rng::new(0x5EED_CAFE);
    let t = templates();
    for round in 0..2000 {
        let prefix: &[u8] = match round % 4 {
            0 => b"\x05HELLO",
            1 => b"\x08INITIATE",
            2 => b"\x07WELCOME",
            _ => b"\x05READY",
        };
        let mut junk = prefix.to_vec();
        junk.extend(rng.bytes(300));
        let random = rng.bytes(300);
        let bodies = [
            junk,
            random,
            rng.mutate(&t.hello),
            rng.mutate(&t.welcome),
            rng.mutate(&t.initiate),
        ];
        for body in &bodies {
            let _ = t.fresh_server.clone().handle_command(body);
            let _ = t.server_welcome_sent.clone().handle_command(body);
            let _ = t.client_hello_sent.clone().handle_command(body);
            let _ = t.client_initiate_sent.clone().handle_command(body);
        }
        let mutated = rng.mutate(&t.initiate);
        if mutated != t.initiate {
            assert!(t
                .server_welcome_sent
                .clone()
                .handle_command(&mutated)
                .is_err());
        }
    }
    let (mut client, mut server) = connected();
    let mut valid = Vec::new();
    client
        .codec()
        .unwrap()
        .encode(1, b"message body", &mut valid);
    for _ in 0..5000 {
        let mut junk = b"\x07MESSAGE".to_vec();
        junk.extend(rng.bytes(80));
        let _ = server.codec().unwrap().decode(&junk);
        let _ = client.codec().unwrap().decode(&rng.bytes(80));
        let mutated = rng.mutate(&valid);
        if mutated != valid {
            assert!(server.codec().unwrap().decode(&mutated).is_err());
        }
    }
    assert_eq!(
        server.codec().unwrap().decode(&valid).map(|(_, b)| b),
        Ok(b"message body".to_vec())
    );
}
