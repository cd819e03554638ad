//! A real cut-off link: our DEALER in this process, an echoing ROUTER (this same test
//! binary, re-run) in a network namespace of its own, joined by a veth pair. Taking the
//! link down drops every packet in the kernel, as a pulled cable would: heartbeats must
//! notice, and once the link is up again the DEALER reconnects and traffic resumes, each
//! two-frame message whole.
//!
//! Needs root and iproute2 (`ip netns`, veth); without them the test says why and skips.
//! `tc netem` (loss, delay, reordering) is not available in this sandbox's kernel ("qdisc
//! kind is unknown"); tests/faults.rs injects those faults with a user-space relay.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use zmq::constants::*;
use zmq::ctx::Context;
use zmq::msg::Msg;
use zmq::socket::Socket;

const CHILD_ENV: &str = "ZMQ_NETNS_ECHO_AT";

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("ip: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// A namespace with one end of a veth pair (10.231.N.1), the other end here (10.231.N.2).
/// Removed when dropped.
struct Namespace {
    name: String,
    veth: String,
    child: Option<Child>,
}

impl Namespace {
    fn create() -> Result<Namespace, String> {
        let id = std::process::id();
        let ns = Namespace {
            name: format!("zmqt{id}"),
            veth: format!("zt{}a", id % 100_000),
            child: None,
        };
        let peer = format!("zt{}b", id % 100_000);
        let subnet = id % 250 + 1;
        let here = format!("10.231.{subnet}.2/24");
        let there = format!("10.231.{subnet}.1/24");
        ip(&["netns", "add", &ns.name])?;
        ip(&[
            "link", "add", &ns.veth, "type", "veth", "peer", "name", &peer,
        ])?;
        ip(&["link", "set", &peer, "netns", &ns.name])?;
        ip(&["addr", "add", &here, "dev", &ns.veth])?;
        ip(&["link", "set", &ns.veth, "up"])?;
        ip(&["-n", &ns.name, "addr", "add", &there, "dev", &peer])?;
        ip(&["-n", &ns.name, "link", "set", &peer, "up"])?;
        ip(&["-n", &ns.name, "link", "set", "lo", "up"])?;
        Ok(ns)
    }

    fn remote_ip(&self) -> String {
        format!("10.231.{}.1", std::process::id() % 250 + 1)
    }

    fn set_link(&self, up: bool) {
        ip(&["link", "set", &self.veth, if up { "up" } else { "down" }]).unwrap();
    }

    /// Runs this test binary's `echo_child` inside the namespace, bound at `endpoint`.
    fn spawn_echo(&mut self, endpoint: &str) {
        let exe = std::env::current_exe().unwrap();
        let child = Command::new("ip")
            .args(["netns", "exec", &self.name])
            .arg(exe)
            .args(["--exact", "echo_child", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, endpoint)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        self.child = Some(child);
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = ip(&["link", "del", &self.veth]);
        let _ = ip(&["netns", "del", &self.name]);
    }
}

fn set_int(s: &mut Socket, opt: i32, v: i32) {
    s.setsockopt(opt, Some(&v.to_ne_bytes())).unwrap();
}

/// Not a test by itself: the echoing ROUTER that `Namespace::spawn_echo` runs in the
/// namespace (returns at once when run normally).
#[test]
fn echo_child() {
    let Ok(endpoint) = std::env::var(CHILD_ENV) else {
        return;
    };
    let ctx = Context::new();
    let mut router = ctx.socket(ZMQ_ROUTER).unwrap();
    set_int(&mut router, ZMQ_LINGER, 0);
    set_int(&mut router, ZMQ_HEARTBEAT_IVL, 100);
    set_int(&mut router, ZMQ_HEARTBEAT_TIMEOUT, 500);
    router.bind(&endpoint).unwrap();
    loop {
        let mut frames = vec![router.recv(0).unwrap()];
        while frames.last().unwrap().more() {
            frames.push(router.recv(0).unwrap());
        }
        let last = frames.len() - 1;
        for (i, mut f) in frames.into_iter().enumerate() {
            router
                .send(&mut f, if i < last { ZMQ_SNDMORE } else { 0 })
                .unwrap();
        }
    }
}

/// Sends a two-frame message and expects it back whole within `ms`.
fn round_trip(dealer: &mut Socket, n: u32, ms: i32) -> bool {
    set_int(dealer, ZMQ_RCVTIMEO, ms);
    let tag = n.to_be_bytes();
    if dealer
        .send(&mut Msg::from_slice(&tag), ZMQ_SNDMORE | ZMQ_DONTWAIT)
        .is_err()
    {
        return false;
    }
    dealer
        .send(&mut Msg::from_slice(&[7u8; 300]), ZMQ_DONTWAIT)
        .unwrap();
    loop {
        let Ok(first) = dealer.recv(0) else {
            return false;
        };
        assert!(
            first.more(),
            "an echoed message arrived without its second frame"
        );
        let second = dealer.recv(0).expect("second frame");
        assert!(!second.more());
        assert_eq!(second.data(), &[7u8; 300][..]);
        if first.data() == tag {
            return true;
        }
        // an echo of an earlier message, sent before the cut: whole, and in order
        let earlier = u32::from_be_bytes(first.data().try_into().unwrap());
        assert!(earlier < n, "echo {earlier} after {n}");
    }
}

fn wait_event(m: &mut Socket, event: i32, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        set_int(m, ZMQ_RCVTIMEO, 50);
        let Ok(head) = m.recv(0) else { continue };
        let d = head.data();
        let ev = i32::from(u16::from_ne_bytes([d[0], d[1]]));
        let _ = m.recv(0);
        if ev == event {
            return Some(start.elapsed());
        }
    }
    None
}

#[test]
fn a_cut_link_is_noticed_and_traffic_resumes_when_it_returns() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("SKIPPED: network namespaces need root");
        return;
    }
    let mut ns = match Namespace::create() {
        Ok(ns) => ns,
        Err(e) => {
            eprintln!("SKIPPED: cannot create a network namespace here ({e})");
            return;
        }
    };
    let endpoint = format!("tcp://{}:{}", ns.remote_ip(), 5555);
    ns.spawn_echo(&endpoint);

    let ctx = Context::new();
    let mut dealer = ctx.socket(ZMQ_DEALER).unwrap();
    set_int(&mut dealer, ZMQ_LINGER, 0);
    set_int(&mut dealer, ZMQ_RECONNECT_IVL, 100);
    set_int(&mut dealer, ZMQ_HEARTBEAT_IVL, 100);
    set_int(&mut dealer, ZMQ_HEARTBEAT_TIMEOUT, 500);
    let mon_ep = format!("inproc://netns-mon-{}", std::process::id());
    dealer.monitor(Some(&mon_ep), ZMQ_EVENT_ALL).unwrap();
    let mut mon = ctx.socket(ZMQ_PAIR).unwrap();
    mon.connect(&mon_ep).unwrap();
    dealer.connect(&endpoint).unwrap();

    // the child needs a moment to start and bind; the DEALER retries meanwhile
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut n = 0;
    while !round_trip(&mut dealer, n, 200) {
        assert!(
            Instant::now() < deadline,
            "the echo in the namespace never answered"
        );
        n += 1;
    }
    for _ in 0..20 {
        n += 1;
        assert!(round_trip(&mut dealer, n, 2000));
    }

    ns.set_link(false);
    let took = wait_event(&mut mon, ZMQ_EVENT_DISCONNECTED, Duration::from_secs(5))
        .expect("the heartbeat must notice the cut link");
    assert!(took < Duration::from_secs(3), "noticed after {took:?}");

    ns.set_link(true);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        n += 1;
        if round_trip(&mut dealer, n, 300) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "traffic did not resume after the link came back"
        );
    }
    for _ in 0..20 {
        n += 1;
        assert!(round_trip(&mut dealer, n, 2000));
    }
}
