//! NULL handshake (with the optional ZAP check): the input configures our socket and
//! ZAP, then is the peer's byte stream (READY, ERROR, anything).

use zmq::zmtp::mechanism::{Mechanism, MechanismConfig, Security};

use crate::common::{socket_pair, Reader};
use crate::handshake::{base_config, drive, zap_frames, zap_policy};

pub fn run(data: &[u8]) {
    let mut r = Reader::new(data);
    let (socket_type, _) = socket_pair(r.u8());
    let base = base_config(&mut r, socket_type);
    let zap = zap_policy(&mut r);
    let reply = zap_frames(&mut r);
    let chunk_seed = r.u8();
    let config = MechanismConfig {
        base,
        security: Security::Null,
        zap,
    };
    let Ok(mut mech) = Mechanism::new(&config) else {
        return;
    };
    drive(&mut mech, r.rest(), chunk_seed, &reply);
}
