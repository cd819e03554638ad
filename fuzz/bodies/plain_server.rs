//! PLAIN server: the input chooses our socket, ZAP settings and the handler's reply,
//! then is the client's byte stream (HELLO, INITIATE, anything).

use zmq::zmtp::mechanism::Security;

pub fn run(data: &[u8]) {
    crate::handshake::run_with_zap(data, Security::PlainServer);
}
