//! CURVE server: the harness plays the client with fixed keys. The input chooses our
//! socket, ZAP settings and reply, then HELLO (nonce, mutation), then INITIATE (cookie,
//! nonce, vouch, metadata, mutation), then MESSAGE traffic. The all-zero input is a
//! complete honest handshake, so the fuzzer starts past every box.

use zmq::zmtp::mechanism::{Mechanism, MechanismConfig, Security};
use zmq::zmtp::ProtocolError;

use crate::common::{socket_pair, Reader};
use crate::curve_peer::{self, mutate};
use crate::handshake::{base_config, command, failed, step, zap_frames, zap_policy};

pub fn run(data: &[u8]) {
    let mut r = Reader::new(data);
    let (socket_type, peer_type) = socket_pair(r.u8());
    let base = base_config(&mut r, socket_type);
    let zap = zap_policy(&mut r);
    let reply = zap_frames(&mut r);
    let config = MechanismConfig {
        base,
        security: Security::CurveServer(curve_peer::server_secret()),
        zap,
    };
    let Ok(mut mech) = Mechanism::new(&config) else {
        return;
    };
    let started = mech.start();
    if step(&mut mech, started, &reply).is_err() {
        return failed(&mut mech);
    }

    let mut hello = curve_peer::hello(1 + u64::from(r.u8()));
    let hello_mutated = mutate(&mut r, &mut hello);
    let sent = match command(&mut mech, &hello, &reply) {
        Ok(sent) => sent,
        Err(_) => return failed(&mut mech),
    };
    let Some((server_short, cookie)) = sent.first().and_then(|w| curve_peer::open_welcome(w))
    else {
        assert!(hello_mutated, "an honest HELLO got no WELCOME we can open");
        return;
    };

    let mut cookie = cookie;
    let cookie_mutated = mutate(&mut r, &mut cookie);
    let short = 2 + u64::from(r.u8());
    let mut vouch = curve_peer::honest_vouch();
    let vouch_mutated = mutate(&mut r, &mut vouch);
    let (metadata, metadata_honest) = curve_peer::metadata(&mut r, peer_type);
    let (mut initiate, session) =
        curve_peer::initiate(&server_short, &cookie, short, &vouch, &metadata);
    let initiate_mutated = mutate(&mut r, &mut initiate);
    let honest = !(cookie_mutated || vouch_mutated || initiate_mutated) && metadata_honest;
    let sent = match command(&mut mech, &initiate, &reply) {
        Ok(sent) => sent,
        Err(e) => {
            // Only ZAP may refuse an honest client.
            assert!(
                !honest
                    || matches!(
                        e,
                        ProtocolError::AuthFailed(_)
                            | ProtocolError::Zap(_)
                            | ProtocolError::NoZapHandler
                    ),
                "honest INITIATE refused: {e:?}"
            );
            return failed(&mut mech);
        }
    };
    assert!(mech.is_complete(), "INITIATE accepted, no READY: {sent:?}");
    // READY must open under the session key and carry our Socket-Type.
    let ready = sent.last().expect("READY");
    assert!(ready.starts_with(b"\x05READY") && ready.len() >= 30);
    let plain = session.open(
        &zmq::zmtp::curve::boxes::nonce(b"CurveZMQREADY---", &ready[6..14]),
        &ready[14..],
    );
    assert!(plain.is_some(), "our READY does not open");
    curve_peer::traffic(
        &mut r,
        &mut mech,
        &session,
        curve_peer::CLIENT_MESSAGE,
        curve_peer::SERVER_MESSAGE,
        short,
    );
}
