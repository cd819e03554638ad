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

#[test]
fn stream_socket_speaks_raw_tcp() {
    use std::io::{Read, Write};
    let ctx = Context::new();
    let mut stream = ctx.socket(ZMQ_STREAM).unwrap();
    stream
        .setsockopt(ZMQ_RCVTIMEO, Some(&5000i32.to_ne_bytes()))
        .unwrap();
    stream.bind("tcp://127.0.0.1:*").unwrap();
    let addr = stream
        .options()
        .last_endpoint
        .trim_start_matches("tcp://")
        .to_owned();
    let mut client = std::net::TcpStream::connect(&addr).unwrap();

    // STREAM_NOTIFY (on by default): [id][""] announces the connection.
    let id = stream.recv(0).unwrap();
    assert!(id.more() && id.len() == 5 && id.data()[0] == 0);
    assert!(stream.recv(0).unwrap().is_empty());

    client.write_all(b"hello").unwrap();
    assert_eq!(stream.recv(0).unwrap().data(), id.data());
    assert_eq!(stream.recv(0).unwrap().data(), b"hello");

    stream
        .send(&mut Msg::from_slice(id.data()), ZMQ_SNDMORE)
        .unwrap();
    stream.send(&mut Msg::from_slice(b"world"), 0).unwrap();
    let mut buf = [0u8; 5];
    client.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"world");

    // An empty message closes the connection.
    stream
        .send(&mut Msg::from_slice(id.data()), ZMQ_SNDMORE)
        .unwrap();
    stream.send(&mut Msg::new(), 0).unwrap();
    client
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    assert_eq!(client.read(&mut buf).unwrap(), 0);
    drop(stream);
    ctx.term();
}

#[test]
fn burst_then_close_delivers_everything() {
    let ctx = Context::new();
    let mut pull = ctx.socket(ZMQ_PULL).unwrap();
    pull.setsockopt(ZMQ_RCVTIMEO, Some(&5000i32.to_ne_bytes()))
        .unwrap();
    pull.bind("tcp://127.0.0.1:*").unwrap();
    let endpoint = pull.options().last_endpoint.clone();
    let sender = std::thread::spawn(move || {
        let ctx = Context::new();
        let mut push = ctx.socket(ZMQ_PUSH).unwrap();
        push.connect(&endpoint).unwrap();
        for i in 0..20_000u32 {
            push.send(&mut Msg::from_slice(&i.to_be_bytes()), 0)
                .unwrap();
        }
        // Default LINGER (-1): close and term must flush everything to the network.
        drop(push);
        ctx.term();
    });
    for i in 0..20_000u32 {
        assert_eq!(pull.recv(0).unwrap().data(), i.to_be_bytes());
    }
    sender.join().unwrap();
    drop(pull);
    ctx.term();
}
