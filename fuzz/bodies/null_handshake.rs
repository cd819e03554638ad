//! NULL handshake (with the optional ZAP check): the input configures our socket and
//! ZAP, then is the peer's byte stream (READY, ERROR, anything).

use zmq::zmtp::mechanism::Security;

pub fn run(data: &[u8]) {
    crate::handshake::run_with_zap(data, Security::Null);
}
