//! The other side of a CURVE handshake, written from RFC 26 with the crate's own box
//! primitives, so a body can build valid HELLO/WELCOME/INITIATE/READY/MESSAGE commands
//! whose contents (cookie, vouch, metadata, nonces) come from the fuzz input and then
//! mutate them. Fixed keys make every run reproducible up to the state machines' own
//! random short-term keys, which the peer learns from their commands as a real peer
//! would.
#![allow(dead_code)]

use std::sync::OnceLock;

use zmq::options::CurveKey;
use zmq::zmtp::curve::boxes::{nonce, Cipher, KeyPair, KEY_LEN};
use zmq::zmtp::curve::CurveClientConfig;
use zmq::zmtp::mechanism::Mechanism;
use zmq::zmtp::metadata::write_property;

use crate::common::{Reader, Script};

const SERVER_SECRET: [u8; KEY_LEN] = [0x51; KEY_LEN];
const CLIENT_SECRET: [u8; KEY_LEN] = [0x62; KEY_LEN];
const CLIENT_SHORT_SECRET: [u8; KEY_LEN] = [0x73; KEY_LEN];
const SERVER_SHORT_SECRET: [u8; KEY_LEN] = [0x84; KEY_LEN];

pub const CLIENT_MESSAGE: &[u8] = b"CurveZMQMESSAGEC";
pub const SERVER_MESSAGE: &[u8] = b"CurveZMQMESSAGES";

fn cached(cell: &'static OnceLock<KeyPair>, secret: &[u8; KEY_LEN]) -> &'static KeyPair {
    cell.get_or_init(|| KeyPair::from_secret(secret))
}

pub fn server_long() -> &'static KeyPair {
    static K: OnceLock<KeyPair> = OnceLock::new();
    cached(&K, &SERVER_SECRET)
}

pub fn client_long() -> &'static KeyPair {
    static K: OnceLock<KeyPair> = OnceLock::new();
    cached(&K, &CLIENT_SECRET)
}

pub fn client_short() -> &'static KeyPair {
    static K: OnceLock<KeyPair> = OnceLock::new();
    cached(&K, &CLIENT_SHORT_SECRET)
}

pub fn server_short() -> &'static KeyPair {
    static K: OnceLock<KeyPair> = OnceLock::new();
    cached(&K, &SERVER_SHORT_SECRET)
}

/// C' x S: the harness client's HELLO and WELCOME key.
fn hello_cipher() -> &'static Cipher {
    static C: OnceLock<Cipher> = OnceLock::new();
    C.get_or_init(|| Cipher::new(server_long().public(), client_short()))
}

/// `ZMQ_CURVE_SECRETKEY` of a server under test.
pub fn server_secret() -> CurveKey {
    CurveKey::new(SERVER_SECRET)
}

/// The keys of a client under test.
pub fn client_config() -> CurveClientConfig {
    CurveClientConfig {
        public_key: CurveKey::new(*client_long().public()),
        secret_key: CurveKey::new(CLIENT_SECRET),
        server_key: CurveKey::new(*server_long().public()),
    }
}

/// One optional mutation of a command we built; returns whether it changed it.
/// Op 0 (the default) leaves it honest.
pub fn mutate(r: &mut Reader, body: &mut Vec<u8>) -> bool {
    match r.u8() % 8 {
        1 if !body.is_empty() => {
            let at = usize::from(r.u16()) % body.len();
            body[at] ^= r.u8() | 1;
        }
        2 if !body.is_empty() => body.truncate(usize::from(r.u16()) % body.len()),
        3 => body.extend_from_slice(r.bytes()),
        4 => *body = r.bytes().to_vec(),
        _ => return false,
    }
    true
}

/// A property list for READY/INITIATE: honest (`Socket-Type`, optional `Identity`)
/// or, for mode 1, raw bytes from the input. Returns (bytes, honest).
pub fn metadata(r: &mut Reader, peer_type: &str) -> (Vec<u8>, bool) {
    if r.u8() % 2 == 1 {
        return (r.bytes().to_vec(), false);
    }
    let mut out = Vec::new();
    let _ = write_property(&mut out, b"Socket-Type", peer_type.as_bytes());
    let identity = r.bytes();
    if !identity.is_empty() {
        let _ = write_property(&mut out, b"Identity", identity);
    }
    (out, true)
}

/// HELLO from the harness client, short nonce `short`.
pub fn hello(short: u64) -> Vec<u8> {
    let short = short.to_be_bytes();
    let mut out = b"\x05HELLO\x01\x00".to_vec();
    out.extend_from_slice(&[0u8; 72]);
    out.extend_from_slice(client_short().public());
    out.extend_from_slice(&short);
    hello_cipher().seal_into(&nonce(b"CurveZMQHELLO---", &short), &[0u8; 64], &mut out);
    out
}

/// The server's short-term key and cookie from a WELCOME to the harness client.
pub fn open_welcome(body: &[u8]) -> Option<([u8; KEY_LEN], Vec<u8>)> {
    if body.len() != 168 || !body.starts_with(b"\x07WELCOME") {
        return None;
    }
    let plain = hello_cipher().open(&nonce(b"WELCOME-", &body[8..24]), &body[24..])?;
    let mut server_short = [0u8; KEY_LEN];
    server_short.copy_from_slice(&plain[..KEY_LEN]);
    Some((server_short, plain[KEY_LEN..].to_vec()))
}

/// INITIATE from the harness client; `vouch` is the vouch plaintext (C' + S when
/// honest). Returns the command and the C' x S' cipher for MESSAGEs.
pub fn initiate(
    server_short: &[u8; KEY_LEN],
    cookie: &[u8],
    short: u64,
    vouch: &[u8],
    metadata: &[u8],
) -> (Vec<u8>, Cipher) {
    let vouch_tail = [0x5Au8; 16];
    let mut plaintext = client_long().public().to_vec();
    plaintext.extend_from_slice(&vouch_tail);
    Cipher::new(server_short, client_long()).seal_into(
        &nonce(b"VOUCH---", &vouch_tail),
        vouch,
        &mut plaintext,
    );
    plaintext.extend_from_slice(metadata);
    let short = short.to_be_bytes();
    let session = Cipher::new(server_short, client_short());
    let mut out = b"\x08INITIATE".to_vec();
    out.extend_from_slice(cookie);
    out.extend_from_slice(&short);
    session.seal_into(&nonce(b"CurveZMQINITIATE", &short), &plaintext, &mut out);
    (out, session)
}

/// The honest vouch plaintext: C' + S.
pub fn honest_vouch() -> Vec<u8> {
    [&client_short().public()[..], &server_long().public()[..]].concat()
}

/// WELCOME from the harness server to a client whose HELLO carried `client_short`.
pub fn welcome(client_short: &[u8; KEY_LEN], tail: &[u8; 16], cookie: &[u8]) -> Vec<u8> {
    let mut plaintext = server_short().public().to_vec();
    plaintext.extend_from_slice(cookie);
    let mut out = b"\x07WELCOME".to_vec();
    out.extend_from_slice(tail);
    Cipher::new(client_short, server_long()).seal_into(
        &nonce(b"WELCOME-", tail),
        &plaintext,
        &mut out,
    );
    out
}

/// READY from the harness server under the session cipher.
pub fn ready(session: &Cipher, short: u64, metadata: &[u8]) -> Vec<u8> {
    let short = short.to_be_bytes();
    let mut out = b"\x05READY".to_vec();
    out.extend_from_slice(&short);
    session.seal_into(&nonce(b"CurveZMQREADY---", &short), metadata, &mut out);
    out
}

/// A MESSAGE under the session cipher.
pub fn message(session: &Cipher, prefix: &[u8], short: u64, flags: u8, body: &[u8]) -> Vec<u8> {
    let short = short.to_be_bytes();
    let mut out = b"\x07MESSAGE".to_vec();
    out.extend_from_slice(&short);
    let mut plain = vec![flags];
    plain.extend_from_slice(body);
    session.seal_into(&nonce(prefix, &short), &plain, &mut out);
    out
}

/// Opens a MESSAGE: (flags, body).
pub fn open_message(session: &Cipher, prefix: &[u8], body: &[u8]) -> Option<(u8, Vec<u8>)> {
    if body.len() < 33 || !body.starts_with(b"\x07MESSAGE") {
        return None;
    }
    let plain = session.open(&nonce(prefix, &body[8..16]), &body[16..])?;
    let (&flags, rest) = plain.split_first()?;
    Some((flags, rest.to_vec()))
}

/// After a completed handshake: MESSAGEs both ways between the harness (`session`,
/// sending with `to_mech` nonces, receiving `from_mech`) and the mechanism. Honest
/// traffic must round-trip; replays and forgeries must be refused. `floor` is the
/// last short nonce the mechanism saw from us (READY/INITIATE).
pub fn traffic(
    r: &mut Reader,
    mech: &mut Mechanism,
    session: &Cipher,
    to_mech: &[u8],
    from_mech: &[u8],
    mut floor: u64,
) {
    let mut last_honest: Option<Vec<u8>> = None;
    for _ in 0..16 {
        if r.is_empty() {
            return;
        }
        match r.u8() % 4 {
            0 => {
                let flags = r.u8();
                let body = r.bytes();
                let jump = u64::from(r.u8());
                let short = floor.checked_add(1 + jump);
                let mut boxed = message(session, to_mech, short.unwrap_or(0), flags, body);
                let mutated = mutate(r, &mut boxed);
                let result = mech.decode_message(&boxed);
                if let (Some(short), false) = (short, mutated) {
                    assert_eq!(result, Ok((flags & 3, body.to_vec())), "honest MESSAGE");
                    last_honest = Some(boxed.clone());
                    floor = short;
                }
                if result.is_ok() {
                    // A "mutation" that changed nothing is accepted, and moves the
                    // nonce on all the same.
                    let mut nonce = [0u8; 8];
                    nonce.copy_from_slice(&boxed[8..16]);
                    floor = floor.max(u64::from_be_bytes(nonce));
                }
            }
            1 => {
                let flags = r.u8();
                let body = r.bytes();
                let mut out = Vec::new();
                assert!(mech.encode_message(flags, body, &mut out).is_ok());
                let opened = open_message(session, from_mech, &out);
                assert_eq!(opened, Some((flags & 3, body.to_vec())), "our MESSAGE");
            }
            2 => {
                let _ = mech.decode_message(r.bytes());
            }
            _ => {
                if let Some(old) = &last_honest {
                    assert!(
                        mech.decode_message(old).is_err(),
                        "replayed MESSAGE accepted"
                    );
                }
            }
        }
    }
}

/// A traffic script: one honest MESSAGE each way and a replay.
pub fn traffic_script(s: Script) -> Script {
    s.u8(0)
        .u8(1)
        .bytes(b"hello")
        .u8(0)
        .u8(0)
        .u8(1)
        .u8(0)
        .bytes(b"world")
        .u8(3)
}
