//! CURVE client: the harness plays the server with fixed keys. The input chooses our
//! socket, then WELCOME (nonce tail, cookie, mutation), then READY (nonce, metadata,
//! mutation), then MESSAGE traffic. The all-zero input is a complete honest handshake.

use zmq::zmtp::curve::boxes::{nonce, Cipher, KEY_LEN};
use zmq::zmtp::mechanism::{Mechanism, MechanismConfig, Security};
use zmq::zmtp::zap::ZapPolicy;

use crate::common::{socket_pair, Reader};
use crate::curve_peer::{self, mutate};
use crate::handshake::{base_config, command, drain, failed};

pub fn run(data: &[u8]) {
    let mut r = Reader::new(data);
    let (socket_type, peer_type) = socket_pair(r.u8());
    let base = base_config(&mut r, socket_type);
    let config = MechanismConfig {
        base,
        security: Security::CurveClient(curve_peer::client_config()),
        zap: ZapPolicy::default(),
    };
    let Ok(mut mech) = Mechanism::new(&config) else {
        return;
    };
    let sent = drain(&mut mech);
    let hello = sent.first().expect("HELLO first");
    assert_eq!(hello.len(), 200);
    let mut client_short = [0u8; KEY_LEN];
    client_short.copy_from_slice(&hello[80..112]);

    let mut tail = [0u8; 16];
    tail.iter_mut().for_each(|b| *b = r.u8());
    let mut cookie = vec![0xC0u8; 96];
    let cookie_mutated = mutate(&mut r, &mut cookie);
    let mut welcome = curve_peer::welcome(&client_short, &tail, &cookie);
    let welcome_mutated = mutate(&mut r, &mut welcome);
    let honest_welcome = !(cookie_mutated || welcome_mutated);
    let sent = match command(&mut mech, &welcome, &[]) {
        Ok(sent) => sent,
        Err(e) => {
            assert!(!honest_welcome, "honest WELCOME refused: {e:?}");
            return failed(&mut mech);
        }
    };
    let initiate = sent.first().expect("WELCOME accepted, no INITIATE");
    // INITIATE must echo the cookie and open under C' x S'.
    let session = Cipher::new(&client_short, curve_peer::server_short());
    assert!(initiate.starts_with(b"\x08INITIATE") && initiate.len() >= 257);
    assert_eq!(&initiate[9..105], &cookie[..], "cookie not echoed");
    let opened = session.open(
        &nonce(b"CurveZMQINITIATE", &initiate[105..113]),
        &initiate[113..],
    );
    assert!(opened.is_some(), "our INITIATE does not open");

    let short = u64::from(r.u8());
    let (metadata, metadata_honest) = curve_peer::metadata(&mut r, peer_type);
    let mut ready = curve_peer::ready(&session, short, &metadata);
    let ready_mutated = mutate(&mut r, &mut ready);
    if let Err(e) = command(&mut mech, &ready, &[]) {
        assert!(
            ready_mutated || !metadata_honest,
            "honest READY refused: {e:?}"
        );
        return failed(&mut mech);
    }
    assert!(mech.is_complete(), "READY accepted, not complete");
    curve_peer::traffic(
        &mut r,
        &mut mech,
        &session,
        curve_peer::SERVER_MESSAGE,
        curve_peer::CLIENT_MESSAGE,
        short,
    );
}
