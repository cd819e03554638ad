//! Older ZMTP peers, faked over raw TCP, exchanging messages with our sockets.
//!
//! * ZMTP 2.0 (RFC 15): greeting = signature (0xFF, 8 padding bytes, 0x7F) + revision
//!   0x01 + socket type byte (PAIR 0, PUB 1, SUB 2, REQ 3, REP 4, DEALER 5, ROUTER 6,
//!   PULL 7, PUSH 8) + an identity frame; frames are flags (bit0 MORE, bit1 LONG) + size
//!   (1 octet, or 8 octets BE with LONG) + body; subscriptions are messages 0x01topic.
//!   libzmq answers a 2.0 peer with its signature, major byte 3 and its socket type byte
//!   (12 bytes), then an (empty) identity frame, then 2.0 frames.
//! * ZMTP 3.0 (RFC 23, minor version 0): a SUB must send its subscriptions to a 3.0
//!   publisher as 0x01topic messages, not as SUBSCRIBE commands (those are 3.1).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use zmq::constants::*;
use zmq::ctx::Context;
use zmq::msg::Msg;
use zmq::socket::Socket;

fn set_int(s: &mut Socket, opt: i32, v: i32) {
    s.setsockopt(opt, Some(&v.to_ne_bytes())).unwrap();
}

fn sock(ctx: &Context, t: i32) -> Socket {
    let mut s = ctx.socket(t).unwrap();
    set_int(&mut s, ZMQ_LINGER, 0);
    set_int(&mut s, ZMQ_RCVTIMEO, 3000);
    set_int(&mut s, ZMQ_SNDTIMEO, 3000);
    s
}

fn bind_tcp(s: &mut Socket) -> String {
    s.bind("tcp://127.0.0.1:*").unwrap();
    s.options()
        .last_endpoint
        .trim_start_matches("tcp://")
        .to_owned()
}

fn read_n(s: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut v = vec![0u8; n];
    s.read_exact(&mut v).unwrap();
    v
}

/// Read one 2.0 frame: (more, body).
fn read_v2_frame(s: &mut TcpStream) -> (bool, Vec<u8>) {
    let flags = read_n(s, 1)[0];
    assert_eq!(flags & !0x03, 0, "2.0 frame flags {flags:#x}");
    let len = if flags & 0x02 != 0 {
        u64::from_be_bytes(read_n(s, 8).try_into().unwrap()) as usize
    } else {
        read_n(s, 1)[0] as usize
    };
    (flags & 0x01 != 0, read_n(s, len))
}

fn v2_frame(more: bool, body: &[u8]) -> Vec<u8> {
    let mut f = Vec::new();
    if body.len() < 256 {
        f.push(more as u8);
        f.push(body.len() as u8);
    } else {
        f.push(more as u8 | 0x02);
        f.extend_from_slice(&(body.len() as u64).to_be_bytes());
    }
    f.extend_from_slice(body);
    f
}

/// Connect a fake ZMTP 2.0 peer of `my_type` to `addr` and do the greeting; checks the
/// greeting we get back names `their_type`.
fn v2_peer(addr: &str, my_type: u8, their_type: u8, identity: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    let mut g = vec![0xffu8, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 0x01, my_type];
    g.extend_from_slice(&v2_frame(false, identity));
    s.write_all(&g).unwrap();
    let theirs = read_n(&mut s, 12);
    assert_eq!(theirs[0], 0xff);
    assert_eq!(theirs[9] & 1, 1);
    assert_eq!(theirs[10], 3, "major version byte");
    assert_eq!(
        theirs[11], their_type,
        "socket type byte in our 2.0 greeting"
    );
    let (more, id) = read_v2_frame(&mut s);
    assert!(!more);
    assert!(id.is_empty(), "our identity frame: {id:?}");
    s
}

#[test]
fn v2_pull_receives_from_our_push() {
    let ctx = Context::new();
    let mut push = sock(&ctx, ZMQ_PUSH);
    let addr = bind_tcp(&mut push);
    let mut peer = v2_peer(&addr, 7, 8, b"");
    push.send(&mut Msg::from_slice(b"hello"), 0).unwrap();
    assert_eq!(read_v2_frame(&mut peer), (false, b"hello".to_vec()));
    push.send(&mut Msg::from_slice(b"a"), ZMQ_SNDMORE).unwrap();
    push.send(&mut Msg::from_slice(&[7u8; 300]), 0).unwrap();
    assert_eq!(read_v2_frame(&mut peer), (true, b"a".to_vec()));
    assert_eq!(read_v2_frame(&mut peer), (false, vec![7u8; 300]));
}

#[test]
fn v2_push_sends_to_our_pull() {
    let ctx = Context::new();
    let mut pull = sock(&ctx, ZMQ_PULL);
    let addr = bind_tcp(&mut pull);
    let mut peer = v2_peer(&addr, 8, 7, b"");
    let mut bytes = v2_frame(false, b"one");
    bytes.extend_from_slice(&v2_frame(true, b"two-a"));
    bytes.extend_from_slice(&v2_frame(false, &[9u8; 1000]));
    peer.write_all(&bytes).unwrap();
    assert_eq!(pull.recv(0).unwrap().data(), b"one");
    let a = pull.recv(0).unwrap();
    assert!(a.more());
    assert_eq!(a.data(), b"two-a");
    let b = pull.recv(0).unwrap();
    assert!(!b.more());
    assert_eq!(b.data(), &[9u8; 1000][..]);
}

#[test]
fn v2_sub_subscribes_to_our_pub() {
    let ctx = Context::new();
    let mut publ = sock(&ctx, ZMQ_PUB);
    let addr = bind_tcp(&mut publ);
    let mut peer = v2_peer(&addr, 2, 1, b"");
    peer.write_all(&v2_frame(false, b"\x01top")).unwrap();
    // publish until the subscription is in force
    let mut got = None;
    for i in 0..100 {
        publ.send(&mut Msg::from_slice(b"other"), 0).unwrap();
        publ.send(&mut Msg::from_slice(format!("top-{i}").as_bytes()), 0)
            .unwrap();
        peer.set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        let mut b = [0u8; 1];
        if peer.peek(&mut b).is_ok() {
            peer.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
            got = Some(read_v2_frame(&mut peer));
            break;
        }
    }
    let (more, body) = got.expect("no message after subscribing (2.0 0x01topic)");
    assert!(!more);
    assert!(
        body.starts_with(b"top-"),
        "got {:?}",
        String::from_utf8_lossy(&body)
    );
}

#[test]
fn v2_router_talks_to_our_dealer() {
    let ctx = Context::new();
    let mut dealer = sock(&ctx, ZMQ_DEALER);
    let addr = bind_tcp(&mut dealer);
    let mut peer = v2_peer(&addr, 6, 5, b"");
    dealer.send(&mut Msg::from_slice(b"req"), 0).unwrap();
    assert_eq!(read_v2_frame(&mut peer), (false, b"req".to_vec()));
    peer.write_all(&v2_frame(false, b"rep")).unwrap();
    assert_eq!(dealer.recv(0).unwrap().data(), b"rep");
}

/// A fake ZMTP 3.0 PUB: our SUB connects; its subscription must arrive as a message.
#[test]
fn v3_0_pub_gets_subscription_messages() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let ctx = Context::new();
    let mut sub = sock(&ctx, ZMQ_SUB);
    sub.setsockopt(ZMQ_SUBSCRIBE, Some(b"top")).unwrap();
    sub.connect(&format!("tcp://{addr}")).unwrap();
    let (mut s, _) = listener.accept().unwrap();
    s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();

    let mut g = vec![0u8; 64];
    g[0] = 0xff;
    g[8] = 1;
    g[9] = 0x7f;
    g[10] = 3;
    g[11] = 0; // ZMTP 3.0
    g[12..16].copy_from_slice(b"NULL");
    s.write_all(&g).unwrap();
    let theirs = read_n(&mut s, 64);
    assert_eq!(theirs[10], 3);
    assert_eq!(&theirs[12..16], b"NULL");
    let mut body = b"\x05READY\x0bSocket-Type\x00\x00\x00\x03PUB".to_vec();
    let mut ready = vec![0x04, body.len() as u8];
    ready.append(&mut body);
    s.write_all(&ready).unwrap();

    // their READY, then the subscription
    let hdr = read_n(&mut s, 2);
    assert_eq!(hdr[0], 0x04);
    let rb = read_n(&mut s, hdr[1] as usize);
    assert_eq!(&rb[..6], b"\x05READY");
    let hdr = read_n(&mut s, 2);
    let sub_body = read_n(&mut s, hdr[1] as usize);
    assert_eq!(
        (hdr[0], sub_body.as_slice()),
        (0x00, &b"\x01top"[..]),
        "a 3.0 peer must get the subscription as a message, not a SUBSCRIBE command"
    );

    let mut msg = vec![0x00, 7];
    msg.extend_from_slice(b"top-one");
    msg.extend_from_slice(&[0x00, 5]);
    msg.extend_from_slice(b"other");
    msg.extend_from_slice(&[0x00, 7]);
    msg.extend_from_slice(b"top-two");
    s.write_all(&msg).unwrap();
    assert_eq!(sub.recv(0).unwrap().data(), b"top-one");
    // (filtering is the publisher's job; a SUB also filters what it receives)
    assert_eq!(sub.recv(0).unwrap().data(), b"top-two");

    // unsubscribe: 0x00topic
    sub.setsockopt(ZMQ_UNSUBSCRIBE, Some(b"top")).unwrap();
    let hdr = read_n(&mut s, 2);
    let unsub = read_n(&mut s, hdr[1] as usize);
    assert_eq!((hdr[0], unsub.as_slice()), (0x00, &b"\x00top"[..]));
}
