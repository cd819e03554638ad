//! Our sockets talking to each other over tcp and ipc (interop with real libzmq is in
//! tests/interop.rs).

use zmq::constants::*;
use zmq::ctx::Context;
use zmq::msg::Msg;

fn roundtrip(endpoint: &str) {
    let ctx = Context::new();
    let mut rep = ctx.socket(ZMQ_REP).unwrap();
    rep.bind(endpoint).unwrap();
    let bound = rep.options().last_endpoint.clone();
    let mut req = ctx.socket(ZMQ_REQ).unwrap();
    req.setsockopt(ZMQ_RCVTIMEO, Some(&5000i32.to_ne_bytes()))
        .unwrap();
    rep.setsockopt(ZMQ_RCVTIMEO, Some(&5000i32.to_ne_bytes()))
        .unwrap();
    req.connect(&bound).unwrap();
    for size in [0usize, 1, 255, 256, 70_000, 1 << 20] {
        let body: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        req.send(&mut Msg::from_slice(&body), 0).unwrap();
        let got = rep.recv(0).unwrap();
        assert_eq!(got.data(), &body[..], "request of {size} bytes");
        rep.send(&mut Msg::from_slice(&body), 0).unwrap();
        let back = req.recv(0).unwrap();
        assert_eq!(back.data(), &body[..], "reply of {size} bytes");
    }
    drop(req);
    drop(rep);
    ctx.term();
}

#[test]
fn req_rep_over_tcp() {
    roundtrip("tcp://127.0.0.1:*");
}

#[test]
fn req_rep_over_ipc() {
    let path = std::env::temp_dir().join(format!("zmq-smoke-{}.ipc", std::process::id()));
    roundtrip(&format!("ipc://{}", path.display()));
}
