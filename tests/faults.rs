//! Faults on the path between two of our sockets, injected by a TCP relay the test runs
//! between them: added delay, a black hole (bytes accepted and dropped, the link looks
//! up but nothing arrives: a pulled cable), a cut (both directions reset), a listener
//! that restarts, and a peer that dies in the middle of a multipart message.
//!
//! `tc netem` in a network namespace pair would be the kernel's way to do this; this
//! sandbox's kernel has no netem qdisc ("Specified qdisc kind is unknown"), so the relay
//! does it in user space, which also needs no root and runs in CI.
//!
//! What must hold: heartbeats notice a dead link; reconnecting resumes traffic; a
//! multipart message is delivered whole or not at all; REQ with REQ_RELAXED and
//! REQ_CORRELATE recovers from a lost reply; PUSH/PULL and DEALER/ROUTER deliver each
//! message at most once, in order, whatever the cuts.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use zmq::constants::*;
use zmq::ctx::Context;
use zmq::msg::Msg;
use zmq::socket::Socket;

const FORWARD: u8 = 0;
const BLACK_HOLE: u8 = 1;

/// A TCP relay from a local port to `target`, with faults switched on demand.
struct Relay {
    port: u16,
    mode: Arc<AtomicU8>,
    delay_ms: Arc<AtomicU64>,
    links: Arc<Mutex<Vec<TcpStream>>>,
}

impl Relay {
    fn new(target: String) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let mode = Arc::new(AtomicU8::new(FORWARD));
        let delay_ms = Arc::new(AtomicU64::new(0));
        let links = Arc::new(Mutex::new(Vec::new()));
        let (m, d, l) = (mode.clone(), delay_ms.clone(), links.clone());
        thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = TcpStream::connect(&target) else {
                    continue; // the target is down: the client sees its connection drop
                };
                {
                    let mut links = l.lock().unwrap();
                    links.push(client.try_clone().unwrap());
                    links.push(server.try_clone().unwrap());
                }
                pump(
                    client.try_clone().unwrap(),
                    server.try_clone().unwrap(),
                    &m,
                    &d,
                );
                pump(server, client, &m, &d);
            }
        });
        Relay {
            port,
            mode,
            delay_ms,
            links,
        }
    }

    fn endpoint(&self) -> String {
        format!("tcp://127.0.0.1:{}", self.port)
    }

    fn set_mode(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
    }

    fn set_delay(&self, ms: u64) {
        self.delay_ms.store(ms, Ordering::SeqCst);
    }

    /// Resets every connection through the relay (both sides see the link go).
    fn cut(&self) {
        for s in self.links.lock().unwrap().drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

/// Copies `from` to `to` on its own thread, applying the relay's mode and delay.
fn pump(mut from: TcpStream, mut to: TcpStream, mode: &Arc<AtomicU8>, delay: &Arc<AtomicU64>) {
    let (mode, delay) = (mode.clone(), delay.clone());
    thread::spawn(move || {
        let mut buf = [0u8; 16384];
        loop {
            let n = match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let ms = delay.load(Ordering::SeqCst);
            if ms > 0 {
                thread::sleep(Duration::from_millis(ms));
            }
            if mode.load(Ordering::SeqCst) == BLACK_HOLE {
                continue; // accepted, never delivered
            }
            if to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Both);
        let _ = from.shutdown(Shutdown::Both);
    });
}

fn set_int(s: &mut Socket, opt: i32, v: i32) {
    s.setsockopt(opt, Some(&v.to_ne_bytes())).unwrap();
}

fn socket(ctx: &Context, kind: i32) -> Socket {
    let mut s = ctx.socket(kind).unwrap();
    set_int(&mut s, ZMQ_LINGER, 0);
    set_int(&mut s, ZMQ_RECONNECT_IVL, 50);
    s
}

fn bind_any(s: &mut Socket) -> String {
    s.bind("tcp://127.0.0.1:*").unwrap();
    s.options().last_endpoint.clone()
}

fn send(s: &mut Socket, body: &[u8], flags: i32) {
    s.send(&mut Msg::from_slice(body), flags).unwrap();
}

/// Monitor events of `s` as a PAIR to read from.
fn monitor(ctx: &Context, s: &mut Socket, name: &str) -> Socket {
    let ep = format!("inproc://faults-{name}-{}", std::process::id());
    s.monitor(Some(&ep), ZMQ_EVENT_ALL).unwrap();
    let mut m = ctx.socket(ZMQ_PAIR).unwrap();
    set_int(&mut m, ZMQ_LINGER, 0);
    m.connect(&ep).unwrap();
    m
}

/// Waits up to `limit` for `event`; the time it took.
fn wait_event(m: &mut Socket, event: i32, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        let left = limit.saturating_sub(start.elapsed()).as_millis().max(1) as i32;
        set_int(m, ZMQ_RCVTIMEO, left);
        let Ok(head) = m.recv(0) else { continue };
        let d = head.data();
        let ev = u16::from_ne_bytes([d[0], d[1]]) as i32;
        let _ = m.recv(0);
        if ev == event {
            return Some(start.elapsed());
        }
    }
    None
}

/// Receives within `ms`, or None.
fn recv_within(s: &mut Socket, ms: i32) -> Option<Msg> {
    set_int(s, ZMQ_RCVTIMEO, ms);
    s.recv(0).ok()
}

#[test]
fn heartbeats_notice_a_black_hole_and_traffic_resumes_after_it() {
    let ctx = Context::new();
    let mut pull = socket(&ctx, ZMQ_PULL);
    let target = bind_any(&mut pull);
    let relay = Relay::new(target.trim_start_matches("tcp://").to_owned());
    let mut push = socket(&ctx, ZMQ_PUSH);
    set_int(&mut push, ZMQ_HEARTBEAT_IVL, 100);
    set_int(&mut push, ZMQ_HEARTBEAT_TIMEOUT, 400);
    let mut mon = monitor(&ctx, &mut push, "hb");
    push.connect(&relay.endpoint()).unwrap();
    send(&mut push, b"before", 0);
    assert_eq!(recv_within(&mut pull, 2000).unwrap().data(), b"before");

    relay.set_mode(BLACK_HOLE);
    let took = wait_event(&mut mon, ZMQ_EVENT_DISCONNECTED, Duration::from_secs(5))
        .expect("heartbeat timeout must drop the dead link");
    assert!(took < Duration::from_secs(3), "noticed only after {took:?}");

    relay.set_mode(FORWARD);
    relay.cut(); // the old, black-holed link is gone for good
    send(&mut push, b"after", 0);
    assert_eq!(
        recv_within(&mut pull, 5000)
            .expect("reconnect resumes")
            .data(),
        b"after"
    );
}

#[test]
fn delay_slows_but_loses_nothing() {
    let ctx = Context::new();
    let mut rep = socket(&ctx, ZMQ_REP);
    let target = bind_any(&mut rep);
    let relay = Relay::new(target.trim_start_matches("tcp://").to_owned());
    relay.set_delay(30);
    let mut req = socket(&ctx, ZMQ_REQ);
    set_int(&mut req, ZMQ_HEARTBEAT_IVL, 50);
    set_int(&mut req, ZMQ_HEARTBEAT_TIMEOUT, 1000);
    req.connect(&relay.endpoint()).unwrap();
    for i in 0..10u8 {
        send(&mut req, &[i], 0);
        let got = recv_within(&mut rep, 3000).expect("request");
        assert_eq!(got.data(), &[i]);
        send(&mut rep, &[i, i], 0);
        assert_eq!(recv_within(&mut req, 3000).expect("reply").data(), &[i, i]);
    }
}

#[test]
fn a_peer_dying_mid_multipart_delivers_nothing_of_it() {
    // A raw ZMTP 3.1 PUSH: handshake, then the first two frames of a three-frame
    // message, then gone. The PULL must never see those frames; the next peer's
    // message arrives whole.
    let ctx = Context::new();
    let mut pull = socket(&ctx, ZMQ_PULL);
    let ep = bind_any(&mut pull);
    let addr = ep.trim_start_matches("tcp://").to_owned();
    for round in 0..5 {
        let mut raw = TcpStream::connect(&addr).unwrap();
        let mut greeting = vec![0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 1];
        greeting.extend_from_slice(b"NULL");
        greeting.resize(64, 0);
        raw.write_all(&greeting).unwrap();
        let mut ready = b"\x05READY\x0bSocket-Type\x00\x00\x00\x04PUSH".to_vec();
        ready.insert(0, ready.len() as u8);
        ready.insert(0, 0x04);
        raw.write_all(&ready).unwrap();
        let mut peer = [0u8; 64];
        raw.read_exact(&mut peer).unwrap();
        raw.write_all(&[0x01, 5]).unwrap(); // MORE, 5 bytes
        raw.write_all(b"part1").unwrap();
        raw.write_all(&[0x01, 5]).unwrap();
        raw.write_all(b"part2").unwrap();
        raw.write_all(&[0x00, 100]).unwrap(); // the last frame's header, then death
        raw.write_all(b"only a bit").unwrap();
        thread::sleep(Duration::from_millis(20));
        drop(raw);

        let mut good = socket(&ctx, ZMQ_PUSH);
        good.connect(&ep).unwrap();
        send(&mut good, b"whole-1", ZMQ_SNDMORE);
        send(&mut good, b"whole-2", 0);
        let first = recv_within(&mut pull, 3000).expect("the good message");
        assert_eq!(
            first.data(),
            b"whole-1",
            "round {round}: a partial message leaked"
        );
        assert!(first.more());
        let second = recv_within(&mut pull, 1000).unwrap();
        assert_eq!(second.data(), b"whole-2");
        assert!(!second.more());
        assert!(recv_within(&mut pull, 50).is_none());
    }
}

#[test]
fn listener_restart_resumes_traffic() {
    let ctx = Context::new();
    let mut router = socket(&ctx, ZMQ_ROUTER);
    let ep = bind_any(&mut router);
    let mut dealer = socket(&ctx, ZMQ_DEALER);
    dealer
        .setsockopt(ZMQ_ROUTING_ID, Some(b"dealer-1"))
        .unwrap();
    dealer.connect(&ep).unwrap();
    send(&mut dealer, b"one", 0);
    assert_eq!(recv_within(&mut router, 2000).unwrap().data(), b"dealer-1");
    assert_eq!(recv_within(&mut router, 2000).unwrap().data(), b"one");
    drop(router);

    // a new ROUTER on the same port: the DEALER reconnects by itself
    let mut router = socket(&ctx, ZMQ_ROUTER);
    let deadline = Instant::now() + Duration::from_secs(5);
    while router.bind(&ep).is_err() {
        assert!(Instant::now() < deadline, "port never came free");
        thread::sleep(Duration::from_millis(20));
    }
    send(&mut dealer, b"two", 0);
    let mut got = Vec::new();
    while let Some(m) = recv_within(&mut router, 3000) {
        got.push(m.data().to_vec());
        if got.len() == 2 {
            break;
        }
    }
    assert_eq!(got, vec![b"dealer-1".to_vec(), b"two".to_vec()]);
}

#[test]
fn relaxed_correlated_req_recovers_from_a_lost_reply() {
    let ctx = Context::new();
    let mut rep = socket(&ctx, ZMQ_REP);
    let target = bind_any(&mut rep);
    let relay = Relay::new(target.trim_start_matches("tcp://").to_owned());
    let mut req = socket(&ctx, ZMQ_REQ);
    set_int(&mut req, ZMQ_REQ_RELAXED, 1);
    set_int(&mut req, ZMQ_REQ_CORRELATE, 1);
    req.connect(&relay.endpoint()).unwrap();

    send(&mut req, b"first", 0);
    assert_eq!(recv_within(&mut rep, 2000).unwrap().data(), b"first");
    relay.set_mode(BLACK_HOLE); // the reply is lost on the way
    send(&mut rep, b"reply-to-first", 0);
    assert!(recv_within(&mut req, 300).is_none());
    relay.set_mode(FORWARD);
    relay.cut();

    // REQ_RELAXED: a new request without the reply; REQ_CORRELATE: only its reply counts
    send(&mut req, b"second", 0);
    let got = recv_within(&mut rep, 5000).expect("the retried request");
    assert_eq!(got.data(), b"second");
    send(&mut rep, b"reply-to-second", 0);
    assert_eq!(
        recv_within(&mut req, 3000).expect("reply").data(),
        b"reply-to-second"
    );
}

/// Numbered messages through a relay that is cut again and again: whatever arrives
/// arrives once, in order, and whole (each message is two frames).
fn at_most_once(sender_type: i32, receiver_type: i32) {
    let ctx = Context::new();
    let mut receiver = socket(&ctx, receiver_type);
    let target = bind_any(&mut receiver);
    let relay = Arc::new(Relay::new(target.trim_start_matches("tcp://").to_owned()));
    let mut sender = socket(&ctx, sender_type);
    set_int(&mut sender, ZMQ_SNDHWM, 100);
    let mut mon = monitor(&ctx, &mut sender, &format!("amo-{sender_type}"));
    sender.connect(&relay.endpoint()).unwrap();

    let cutter = {
        let relay = relay.clone();
        thread::spawn(move || {
            for _ in 0..8 {
                thread::sleep(Duration::from_millis(60));
                relay.cut();
            }
        })
    };
    let total = 3000u32;
    let sending = thread::spawn(move || {
        for i in 0..total {
            let tag = i.to_be_bytes();
            // blocks while reconnecting (HWM); a message is queued whole or not at all
            set_int(&mut sender, ZMQ_SNDTIMEO, 2000);
            if sender
                .send(&mut Msg::from_slice(&tag), ZMQ_SNDMORE)
                .is_err()
            {
                continue;
            }
            sender.send(&mut Msg::from_slice(&[0xAB; 100]), 0).unwrap();
            // spread the traffic over the cuts (about 0.6 s)
            thread::sleep(Duration::from_micros(200));
        }
        sender
    });
    let mut seen = HashSet::new();
    let mut last = None;
    let routed = receiver_type == ZMQ_ROUTER;
    while let Some(first) = recv_within(&mut receiver, 1500) {
        let tag_msg = if routed {
            assert!(first.more(), "routing id then the message");
            recv_within(&mut receiver, 1000).expect("frame after routing id")
        } else {
            first
        };
        assert!(tag_msg.more(), "a message arrived without its second frame");
        let body = recv_within(&mut receiver, 1000).expect("second frame");
        assert!(!body.more());
        assert_eq!(body.data(), &[0xAB; 100][..]);
        let n = u32::from_be_bytes(tag_msg.data().try_into().unwrap());
        assert!(seen.insert(n), "message {n} delivered twice");
        if let Some(prev) = last {
            assert!(n > prev, "message {n} after {prev}: out of order");
        }
        last = Some(n);
    }
    cutter.join().unwrap();
    drop(sending.join().unwrap());
    let mut cuts = 0;
    while wait_event(&mut mon, ZMQ_EVENT_DISCONNECTED, Duration::from_millis(50)).is_some() {
        cuts += 1;
    }
    assert!(
        cuts >= 2,
        "only {cuts} disconnections seen: the relay did not cut"
    );
    eprintln!(
        "{} of {total} messages delivered through {cuts} disconnections (each at most \
         once, in order)",
        seen.len()
    );
    assert!(
        seen.len() > 100,
        "only {} of {total} messages got through",
        seen.len()
    );
}

#[test]
fn push_pull_delivers_at_most_once_through_cuts() {
    at_most_once(ZMQ_PUSH, ZMQ_PULL);
}

#[test]
fn dealer_router_delivers_at_most_once_through_cuts() {
    at_most_once(ZMQ_DEALER, ZMQ_ROUTER);
}
