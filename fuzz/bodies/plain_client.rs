//! PLAIN client: the input chooses our socket and credentials, then is the server's
//! byte stream (WELCOME, READY, ERROR in both spellings, anything).

use zmq::zmtp::mechanism::{Mechanism, MechanismConfig, Security};
use zmq::zmtp::plain::PlainCredentials;
use zmq::zmtp::zap::ZapPolicy;

use crate::common::{socket_pair, Reader};
use crate::handshake::{base_config, drive};

pub fn run(data: &[u8]) {
    let mut r = Reader::new(data);
    let (socket_type, _) = socket_pair(r.u8());
    let base = base_config(&mut r, socket_type);
    let credentials = PlainCredentials {
        username: r.bytes().to_vec(),
        password: r.bytes().to_vec(),
    };
    let chunk_seed = r.u8();
    let config = MechanismConfig {
        base,
        security: Security::PlainClient(credentials),
        zap: ZapPolicy::default(),
    };
    let Ok(mut mech) = Mechanism::new(&config) else {
        return;
    };
    drive(&mut mech, r.rest(), chunk_seed, &[]);
}
