//! tcp addresses: the connect syntax check, bind resolution (numeric, interface
//! names, zones, `*`; never DNS), and connect resolution for numeric text only (so
//! the fuzzer never waits on DNS). A resolved bind address prints as an endpoint that
//! resolves back to itself, and converts to a `sockaddr` and back.

use zmq::transport::tcp_address::{
    check_connect_syntax, endpoint_string, from_raw, resolve_bind, resolve_connect, to_raw,
};

pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = check_connect_syntax(text);
    for ipv6 in [false, true] {
        if let Ok(addr) = resolve_bind(text, ipv6) {
            let endpoint = endpoint_string(&addr);
            let printed = endpoint.strip_prefix("tcp://").expect("tcp:// prefix");
            assert_eq!(
                resolve_bind(printed, ipv6),
                Ok(addr),
                "{text:?} -> {endpoint:?} does not resolve back"
            );
            let (storage, _) = to_raw(&addr);
            assert_eq!(from_raw(&storage), Some(addr));
        }
        let numeric = text.bytes().all(|c| b"0123456789.:[];".contains(&c));
        if numeric {
            let _ = resolve_connect(text, ipv6);
        }
    }
}
