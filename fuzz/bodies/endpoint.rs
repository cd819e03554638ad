//! Endpoint strings (`transport://address`): parsing, the connect-side target parse,
//! and connect/bind of a real socket for the transports that do no network I/O.

use std::sync::OnceLock;

use zmq::constants::ZMQ_PAIR;
use zmq::ctx::Context;
use zmq::transport::{Endpoint, Target};

fn context() -> &'static Context {
    static CTX: OnceLock<Context> = OnceLock::new();
    CTX.get_or_init(Context::new)
}

pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match Endpoint::parse(&text) {
        Ok(Endpoint::Inproc(name)) => {
            assert_eq!(format!("inproc://{name}"), text);
            // Bind, connect and unbind a real inproc pair under that name.
            let (Ok(mut a), Ok(mut b)) = (context().socket(ZMQ_PAIR), context().socket(ZMQ_PAIR))
            else {
                return;
            };
            let bound = a.bind(&text);
            let _ = b.connect(&text);
            if bound.is_ok() {
                let _ = a.term_endpoint(&text);
            }
        }
        Ok(Endpoint::Network { transport, address }) => {
            assert_eq!(format!("{transport}://{address}"), text);
            // Connecting resolves nothing yet (tcp is only syntax-checked here).
            let _ = Target::parse(&transport, &address);
        }
        Err(_) => {}
    }
}
