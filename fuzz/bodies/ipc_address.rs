//! ipc addresses: paths and abstract names parse, print back as the endpoint they
//! came from, and survive the trip through a `sockaddr_un`.

use zmq::transport::ipc_address::{
    endpoint_string, from_sockaddr, is_wildcard, parse, to_sockaddr, IpcAddress,
};
use zmq::transport::Target;

pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = is_wildcard(&text);
    let _ = Target::parse("ipc", &text);
    let Ok(addr) = parse(&text) else {
        return;
    };
    assert_eq!(endpoint_string(&addr), format!("ipc://{text}"));
    if let Ok((sun, len)) = to_sockaddr(&addr) {
        let back = from_sockaddr(&sun, len);
        match &addr {
            IpcAddress::Path(p) if p.as_os_str().is_empty() => assert_eq!(back, None),
            _ => assert_eq!(back, Some(addr)),
        }
    }
}
