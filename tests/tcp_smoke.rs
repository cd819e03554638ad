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

/// The direct send path (the first message after a socket waited goes straight to an
/// idle connection) mixed with queued bursts: every message arrives once, in order,
/// whole, over tcp and ipc.
fn direct_and_queued_sends_keep_order(endpoint: &str) {
    let ctx = Context::new();
    let timeout = Some(5000i32.to_ne_bytes());
    let mut router = ctx.socket(ZMQ_ROUTER).unwrap();
    router
        .setsockopt(ZMQ_RCVTIMEO, timeout.as_ref().map(|t| &t[..]))
        .unwrap();
    router.bind(endpoint).unwrap();
    let bound = router.options().last_endpoint.clone();
    let mut dealer = ctx.socket(ZMQ_DEALER).unwrap();
    dealer
        .setsockopt(ZMQ_RCVTIMEO, timeout.as_ref().map(|t| &t[..]))
        .unwrap();
    dealer.connect(&bound).unwrap();
    let direct_before = zmq::pipe::direct_sent_count();
    let mut next = 0u32;
    let mut expected = 0u32;
    for round in 0..300u32 {
        // A burst (queued), then a wait for the router's go-ahead, then one message
        // (direct if the connection is idle by then), then another burst.
        let burst = round % 4;
        for _ in 0..burst {
            dealer
                .send(&mut Msg::from_slice(b"head"), ZMQ_SNDMORE)
                .unwrap();
            dealer
                .send(&mut Msg::from_slice(&next.to_be_bytes()), 0)
                .unwrap();
            next += 1;
        }
        let mut id = Vec::new();
        while expected < next {
            id = router.recv(0).unwrap().data().to_vec();
            assert_eq!(router.recv(0).unwrap().data(), b"head");
            assert_eq!(router.recv(0).unwrap().data(), expected.to_be_bytes());
            expected += 1;
        }
        if id.is_empty() {
            dealer
                .send(&mut Msg::from_slice(b"hello"), ZMQ_SNDMORE)
                .unwrap();
            dealer
                .send(&mut Msg::from_slice(&u32::MAX.to_be_bytes()), 0)
                .unwrap();
            id = router.recv(0).unwrap().data().to_vec();
            router.recv(0).unwrap();
            router.recv(0).unwrap();
        }
        router.send(&mut Msg::from_slice(&id), ZMQ_SNDMORE).unwrap();
        router.send(&mut Msg::from_slice(b"go"), 0).unwrap();
        assert_eq!(dealer.recv(0).unwrap().data(), b"go");
        // Frame layouts: small; a large body first; two large bodies; a large last
        // frame (only that one may be written from the message itself).
        let big = |n: u8| vec![n; 100_000];
        let mut frames: Vec<Vec<u8>> = match round % 5 {
            1 => vec![big(7)],
            2 => vec![big(8), big(9)],
            3 => vec![b"head".to_vec(), big(6)],
            _ => vec![b"head".to_vec()],
        };
        frames.push(expected.to_be_bytes().to_vec());
        if round % 5 == 3 {
            frames.swap(1, 2); // [head][seq][big]
        }
        for (i, f) in frames.iter().enumerate() {
            let flags = if i + 1 < frames.len() { ZMQ_SNDMORE } else { 0 };
            dealer.send(&mut Msg::from_slice(f), flags).unwrap();
        }
        next += 1;
        router.recv(0).unwrap();
        for (i, f) in frames.iter().enumerate() {
            let got = router.recv(0).unwrap();
            assert!(got.data() == &f[..], "round {round}: frame {i} differs");
            assert_eq!(got.more(), i + 1 < frames.len());
        }
        expected += 1;
    }
    // The dealer waited before each of 300 messages: the path was taken (the count is
    // per process, so other tests may add to it, never take away).
    let direct = zmq::pipe::direct_sent_count() - direct_before;
    assert!(direct > 0, "no message took the direct path");
    drop(dealer);
    drop(router);
    ctx.term();
}

#[test]
fn direct_and_queued_sends_keep_order_over_tcp() {
    direct_and_queued_sends_keep_order("tcp://127.0.0.1:*");
}

#[test]
fn direct_and_queued_sends_keep_order_over_ipc() {
    let path = std::env::temp_dir().join(format!("zmq-direct-{}.ipc", std::process::id()));
    direct_and_queued_sends_keep_order(&format!("ipc://{}", path.display()));
}
