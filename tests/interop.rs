//! Interop test layer (DESIGN §8, layer 4): our libzmq against the real one over tcp
//! and ipc, in both directions.
//!
//! `tests/interop/peer.c` is compiled twice: against `/usr/include/zmq.h` linked to the
//! system libzmq (`target/interop/libzmq/peer`), and against our `include/zmq.h` linked
//! to our `libzmq.so.5` (`target/interop/ours/peer`, loaded through an rpath plus
//! `LD_LIBRARY_PATH` pointing at `target/interop/ours/lib`, checked with `ldd`). Every
//! scenario has two sides, A and B (A is the first socket type of the pair: REQ in
//! REQ-REP, PUB in PUB-SUB); each runs over tcp and ipc, with A or B binding, and with
//! each direction: `ours->libzmq` means side A runs our library and side B libzmq.
//!
//! Usage mirrors libtest: `cargo test --test interop -- [FILTER...]` runs the tests whose
//! full name (e.g. `pairs/req_rep/tcp/bind-b [ours->libzmq]`) contains any FILTER;
//! `--exact` and `--list` work too. Environment:
//! * `ZMQ_INTEROP_SELF=1`: libzmq on both sides (proves the harness itself);
//! * `ZMQ_INTEROP_DIRECTIONS=ours->libzmq,libzmq->ours` (the default); also
//!   `ours->ours` and `libzmq->libzmq`;
//! * `ZMQ_INTEROP_JOBS` (default 4 scenario runs at once);
//! * `ZMQ_INTEROP_VERBOSE=1` prints both peers' output for passing runs too;
//! * `ZMQ_INTEROP_DRAFT_LIBDIR=<dir>`: a libzmq built with drafts (`scripts/draft-libzmq.sh`
//!   prints its directory; its `zmq.h` is taken from `<dir>/../include` or
//!   `ZMQ_INTEROP_DRAFT_INCDIR`) for the `draft/` scenarios (`interop/draft.rs`), which
//!   run `tests/interop/draft_peer.c` on both sides: SERVER/CLIENT, RADIO/DISH (also over
//!   udp unicast and multicast, the DISH binding), SCATTER/GATHER, PEER and CHANNEL.
//!   Unset, those runs are skipped with a printed reason, or fail the whole test when
//!   `ZMQ_INTEROP_DRAFT_REQUIRED=1` (as `scripts/test.sh` sets). The udp-multicast runs
//!   are skipped, with the reason, where this host does not loop multicast back.

use std::collections::HashMap;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[path = "interop/draft.rs"]
mod draft;

/// Every wait in a scenario gives up after this; peers time out on their own at 10 s.
const STEP: Duration = Duration::from_secs(30);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Lib {
    Libzmq,
    Ours,
}

impl Lib {
    fn name(self) -> &'static str {
        match self {
            Lib::Libzmq => "libzmq",
            Lib::Ours => "ours",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Transport {
    Tcp,
    Ipc,
    /// udp unicast on 127.0.0.1 (RADIO/DISH only; the DISH binds).
    Udp,
    /// udp multicast looped back on this host (RADIO/DISH only; the DISH binds).
    UdpMulticast,
}

impl Transport {
    fn name(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Ipc => "ipc",
            Transport::Udp => "udp",
            Transport::UdpMulticast => "udp-multicast",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    A,
    B,
}

struct Env {
    /// The peer programs by `peer_key`.
    peers: HashMap<&'static str, PathBuf>,
    /// Our `libzmq.so.5` lives here (only when some direction uses ours).
    lib_dir: Option<PathBuf>,
    /// The draft libzmq's directory (only when draft scenarios run).
    draft_lib_dir: Option<PathBuf>,
    tmp: PathBuf,
    counter: AtomicUsize,
}

/// One run of one scenario: transport, who binds, which library on which side.
struct Run<'e> {
    env: &'e Env,
    /// A draft scenario: `draft_peer` on both sides, libzmq meaning the draft build.
    draft: bool,
    transport: Transport,
    binder: Side,
    a: Lib,
    b: Lib,
    /// Command lines and (when each process is dropped) outputs, for failure reports.
    log: Arc<Mutex<Vec<String>>>,
    /// Every process of this run, so that a wait on one ends when another failed.
    siblings: Siblings,
}

type Lines = Arc<Mutex<(Vec<String>, usize)>>;
type Siblings = Arc<Mutex<Vec<(String, Lines)>>>;

/// The first peer of the run that printed an ERROR line, if any.
fn failed_sibling(siblings: &Siblings) -> Option<String> {
    let g = siblings.lock().unwrap();
    g.iter().find_map(|(label, lines)| {
        let l = lines.lock().unwrap();
        l.0.iter()
            .find(|x| x.starts_with("ERROR "))
            .map(|e| format!("{label} failed: {}", &e[6..]))
    })
}

// ------------------------------------------------------------------ processes

struct Proc {
    label: String,
    child: Child,
    stdin: Option<ChildStdin>,
    /// stdout and stderr lines; `None` pushed once both streams hit EOF.
    lines: Lines,
    log: Arc<Mutex<Vec<String>>>,
    siblings: Siblings,
}

impl Proc {
    fn spawn(run: &Run, side: Side, label: &str, args: &[String]) -> Result<Proc, String> {
        let lib = if side == Side::A { run.a } else { run.b };
        let exe = run
            .env
            .peers
            .get(peer_key(lib, run.draft))
            .ok_or_else(|| format!("no peer program for {}", peer_key(lib, run.draft)))?;
        let mut cmd = Command::new(exe);
        cmd.args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let dir = match lib {
            Lib::Ours => &run.env.lib_dir,
            Lib::Libzmq if run.draft => &run.env.draft_lib_dir,
            Lib::Libzmq => &None,
        };
        match dir {
            Some(dir) => {
                let mut p = std::ffi::OsString::from(dir.as_os_str());
                if let Some(old) = std::env::var_os("LD_LIBRARY_PATH") {
                    p.push(":");
                    p.push(old);
                }
                cmd.env("LD_LIBRARY_PATH", p);
            }
            _ => {
                cmd.env_remove("LD_LIBRARY_PATH");
            }
        }
        let label = format!("{label} ({})", lib_label(lib, run.draft));
        run.log
            .lock()
            .unwrap()
            .push(format!("{label}: peer {}", args.join(" ")));
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
        let lines = Arc::new(Mutex::new((Vec::new(), 0usize)));
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        for (stream, prefix) in [
            (Box::new(stdout) as Box<dyn std::io::Read + Send>, ""),
            (Box::new(stderr), "stderr: "),
        ] {
            let lines = lines.clone();
            std::thread::spawn(move || {
                // Lossy: a peer printing a stray non-UTF-8 byte must not hide its output.
                let mut reader = BufReader::new(stream);
                let mut buf = Vec::new();
                while reader.read_until(b'\n', &mut buf).is_ok_and(|n| n > 0) {
                    let l = String::from_utf8_lossy(&buf);
                    let l = l.trim_end_matches(['\n', '\r']);
                    lines.lock().unwrap().0.push(format!("{prefix}{l}"));
                    buf.clear();
                }
                lines.lock().unwrap().1 += 1;
            });
        }
        let stdin = child.stdin.take();
        run.siblings
            .lock()
            .unwrap()
            .push((label.clone(), lines.clone()));
        Ok(Proc {
            label,
            child,
            stdin,
            lines,
            log: run.log.clone(),
            siblings: run.siblings.clone(),
        })
    }

    fn output(&self) -> String {
        let g = self.lines.lock().unwrap();
        g.0.iter().map(|l| format!("    {l}\n")).collect()
    }

    fn find(&self, prefix: &str) -> Option<String> {
        let g = self.lines.lock().unwrap();
        g.0.iter()
            .find(|l| l.starts_with(prefix))
            .map(|l| l[prefix.len()..].trim().to_string())
    }

    fn closed(&self) -> bool {
        self.lines.lock().unwrap().1 == 2
    }

    /// Waits for a line starting with `prefix`; returns the rest of it.
    fn wait_line(&self, prefix: &str) -> Result<String, String> {
        let start = Instant::now();
        loop {
            let closed = self.closed();
            if let Some(rest) = self.find(prefix) {
                return Ok(rest);
            }
            if closed {
                return Err(format!("{} exited without printing {prefix:?}", self.label));
            }
            if let Some(e) = failed_sibling(&self.siblings) {
                return Err(e);
            }
            if start.elapsed() > STEP {
                return Err(format!("{} did not print {prefix:?} in time", self.label));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    fn send_line(&mut self, line: &str) -> Result<(), String> {
        let stdin = self.stdin.as_mut().ok_or("stdin already closed")?;
        writeln!(stdin, "{line}")
            .and_then(|_| stdin.flush())
            .map_err(|e| format!("write to {}: {e}", self.label))
    }

    fn close_stdin(&mut self) {
        self.stdin = None;
    }

    fn signal(&self, sig: &str) {
        let _ = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.child.id().to_string())
            .status();
    }

    /// Waits for the process to exit successfully (kills it after STEP).
    fn wait_ok(&mut self) -> Result<(), String> {
        let start = Instant::now();
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    // Let the reader threads collect the last lines.
                    let t = Instant::now();
                    while !self.closed() && t.elapsed() < Duration::from_secs(1) {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    return if status.success() {
                        Ok(())
                    } else {
                        let err = self.find("ERROR ").unwrap_or_default();
                        Err(format!("{} failed ({status}): {err}", self.label))
                    };
                }
                Ok(None) if failed_sibling(&self.siblings).is_some() => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    return Err(failed_sibling(&self.siblings).unwrap_or_default());
                }
                Ok(None) if start.elapsed() > STEP => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    return Err(format!("{} killed after {}s", self.label, STEP.as_secs()));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(2)),
                Err(e) => return Err(format!("wait: {e}")),
            }
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        let t = Instant::now();
        while !self.closed() && t.elapsed() < Duration::from_secs(1) {
            std::thread::sleep(Duration::from_millis(1));
        }
        let out = format!("{} output:\n{}", self.label, self.output());
        self.log.lock().unwrap().push(out);
    }
}

/// Waits until every process printed `prefix`, failing as soon as one exits without it.
fn wait_all(procs: &[&Proc], prefix: &str) -> Result<(), String> {
    let start = Instant::now();
    loop {
        let mut all = true;
        for p in procs {
            let closed = p.closed();
            if p.find(prefix).is_none() {
                all = false;
                if closed {
                    let err = p.find("ERROR ").unwrap_or_default();
                    return Err(format!("{} exited without {prefix:?}: {err}", p.label));
                }
            }
        }
        if all {
            return Ok(());
        }
        if start.elapsed() > STEP {
            return Err(format!("no {prefix:?} from every peer in time"));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// The usual ending: everyone prints DONE, then stdin EOF lets them close, then every
/// process must exit 0.
fn finish(procs: &mut [&mut Proc]) -> Result<(), String> {
    let refs: Vec<&Proc> = procs.iter().map(|p| &**p).collect();
    wait_all(&refs, "DONE")?;
    for p in procs.iter_mut() {
        p.close_stdin();
    }
    for p in procs.iter_mut() {
        p.wait_ok()?;
    }
    Ok(())
}

// ---------------------------------------------------------------------- runs

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

impl Run<'_> {
    fn tcp(&self) -> bool {
        self.transport == Transport::Tcp
    }

    /// What a binder binds to: a wildcard port, or a fresh ipc path; for udp (no
    /// wildcard port) a port free just now.
    fn bind_spec(&self) -> String {
        match self.transport {
            Transport::Tcp => "tcp://127.0.0.1:*".into(),
            Transport::Ipc => {
                let n = self.env.counter.fetch_add(1, Ordering::SeqCst);
                format!("ipc://{}/s{n}.sock", self.env.tmp.display())
            }
            Transport::Udp => format!("udp://127.0.0.1:{}", free_udp_port()),
            Transport::UdpMulticast => {
                format!("udp://{MULTICAST_GROUP}:{}", free_udp_port())
            }
        }
    }

    /// An endpoint known before anyone binds (for connect-before-bind scenarios).
    fn fixed_endpoint(&self) -> String {
        match self.transport {
            Transport::Tcp => {
                let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
                format!("tcp://127.0.0.1:{}", l.local_addr().unwrap().port())
            }
            Transport::Ipc | Transport::Udp | Transport::UdpMulticast => self.bind_spec(),
        }
    }

    fn spawn(&self, side: Side, label: &str, args: Vec<String>) -> Result<Proc, String> {
        Proc::spawn(self, side, label, &args)
    }

    /// Starts the binder (printing ENDPOINT), then the connecter; returns (A, B).
    fn pair(&self, a: Vec<String>, b: Vec<String>) -> Result<(Proc, Proc), String> {
        let (first, first_args, second, second_args) = match self.binder {
            Side::A => (Side::A, a, Side::B, b),
            Side::B => (Side::B, b, Side::A, a),
        };
        let (p1, p2) = self.pair_sides(first, first_args, second, second_args)?;
        Ok(if self.binder == Side::A {
            (p1, p2)
        } else {
            (p2, p1)
        })
    }

    fn pair_sides(
        &self,
        bs: Side,
        mut bargs: Vec<String>,
        cs: Side,
        mut cargs: Vec<String>,
    ) -> Result<(Proc, Proc), String> {
        bargs.extend(["--bind".into(), self.bind_spec()]);
        let binder = self.spawn(bs, label(bs), bargs)?;
        let ep = binder.wait_line("ENDPOINT ")?;
        cargs.extend(["--connect".into(), ep]);
        let connecter = self.spawn(cs, label(cs), cargs)?;
        Ok((binder, connecter))
    }

    fn is_binder(&self, side: Side) -> bool {
        self.binder == side
    }
}

/// The multicast group of the udp-multicast runs (each run has its own port).
const MULTICAST_GROUP: &str = "239.0.0.91";

/// A udp port nobody uses at this moment (the OS picks it; freed at once).
fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|u| u.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

/// Whether a datagram sent to `MULTICAST_GROUP` comes back on this host (as libzmq's
/// RADIO/DISH need): `None` if it does, else why not.
fn multicast_unavailable() -> Option<String> {
    use std::net::{Ipv4Addr, UdpSocket};
    let group: Ipv4Addr = MULTICAST_GROUP.parse().ok()?;
    let probe = || -> std::io::Result<bool> {
        let rx = UdpSocket::bind("0.0.0.0:0")?;
        rx.join_multicast_v4(&group, &Ipv4Addr::UNSPECIFIED)?;
        rx.set_read_timeout(Some(Duration::from_millis(500)))?;
        let port = rx.local_addr()?.port();
        let tx = UdpSocket::bind("0.0.0.0:0")?;
        tx.set_multicast_loop_v4(true)?;
        tx.set_multicast_ttl_v4(1)?;
        let mut buf = [0u8; 16];
        for _ in 0..3 {
            tx.send_to(b"probe", (group, port))?;
            if let Ok((5, _)) = rx.recv_from(&mut buf) {
                return Ok(true);
            }
        }
        Ok(false)
    };
    match probe() {
        Ok(true) => None,
        Ok(false) => Some(format!("no datagram sent to {MULTICAST_GROUP} looped back")),
        Err(e) => Some(format!("multicast to {MULTICAST_GROUP}: {e}")),
    }
}

/// The key of a peer program in `Env::peers`.
fn peer_key(lib: Lib, draft: bool) -> &'static str {
    match (lib, draft) {
        (Lib::Libzmq, false) => "libzmq",
        (Lib::Ours, false) => "ours",
        (Lib::Libzmq, true) => "libzmq-draft",
        (Lib::Ours, true) => "ours-draft",
    }
}

/// How a library is named in test names and labels: libzmq of a draft scenario is the
/// draft build.
fn lib_label(lib: Lib, draft: bool) -> &'static str {
    match (lib, draft) {
        (Lib::Libzmq, true) => "libzmq-draft",
        _ => lib.name(),
    }
}

fn label(side: Side) -> &'static str {
    match side {
        Side::A => "A",
        Side::B => "B",
    }
}

/// Adds `--hold` and `--type T --role R` in front of the rest.
fn peer(ty: &str, role: &str, rest: &[&str]) -> Vec<String> {
    let mut v = s(&["--type", ty, "--role", role, "--hold"]);
    v.extend(s(rest));
    v
}

/// Both sides run to DONE, then close.
fn standard(run: &Run, a: Vec<String>, b: Vec<String>) -> Result<(), String> {
    let (mut pa, mut pb) = run.pair(a, b)?;
    finish(&mut [&mut pa, &mut pb])?;
    compare_sent_received(&pa, &pb)
}

/// When A is a `send` and B a `recv` of the same messages, their byte counts and
/// payload hashes must agree (each side also checked every message itself).
fn compare_sent_received(pa: &Proc, pb: &Proc) -> Result<(), String> {
    if let (Some(sent), Some(recv)) = (pa.find("SENT "), pb.find("RECEIVED ")) {
        if sent != recv {
            return Err(format!("sent {sent} but received {recv}"));
        }
    }
    Ok(())
}

/// PUB-like A sends after B (SUB-like) saw a probe, relayed by us.
fn pubsub(run: &Run, a: Vec<String>, b: Vec<String>) -> Result<(), String> {
    pubsub_cmp(run, a, b, true)
}

/// As `pubsub`; `compare` is false when B legitimately gets less than A sent.
fn pubsub_cmp(run: &Run, a: Vec<String>, b: Vec<String>, compare: bool) -> Result<(), String> {
    let (mut pa, mut pb) = run.pair(a, b)?;
    pb.wait_line("SYNCED")?;
    pa.send_line("go")?;
    finish(&mut [&mut pa, &mut pb])?;
    if compare {
        compare_sent_received(&pa, &pb)?;
    }
    Ok(())
}

/// As `standard` without comparing what was sent to what arrived.
fn standard_nocmp(run: &Run, a: Vec<String>, b: Vec<String>) -> Result<(), String> {
    let (mut pa, mut pb) = run.pair(a, b)?;
    finish(&mut [&mut pa, &mut pb])
}

// ----------------------------------------------------------------- scenarios

type ScenarioFn = fn(&Run) -> Result<(), String>;

struct Scenario {
    name: &'static str,
    f: ScenarioFn,
    /// Runs `draft_peer` against the draft libzmq (see `draft.rs`).
    draft: bool,
    transports: &'static [Transport],
    /// Which sides bind, one run each.
    binders: &'static [Side],
}

/// Classic scenarios: tcp and ipc, either side binding.
macro_rules! scenarios {
    ($($name:literal => $f:expr,)*) => {
        vec![$(Scenario {
            name: $name,
            f: $f,
            draft: false,
            transports: &[Transport::Tcp, Transport::Ipc],
            binders: &[Side::A, Side::B],
        },)*]
    };
}

const N: &str = "50";

fn scenarios() -> Vec<Scenario> {
    let mut v = classic_scenarios();
    v.extend(draft::scenarios());
    v
}

fn classic_scenarios() -> Vec<Scenario> {
    scenarios![
        // ---- every valid socket-type pair (A first)
        "pairs/pair_pair" => |r| standard(r,
            peer("PAIR", "client", &["--count", N, "--size", "100"]),
            peer("PAIR", "echo", &["--count", N, "--size", "100"])),
        "pairs/push_pull" => |r| standard(r,
            peer("PUSH", "send", &["--count", N, "--size", "100"]),
            peer("PULL", "recv", &["--count", N, "--size", "100"])),
        "pairs/req_rep" => |r| standard(r,
            peer("REQ", "client", &["--count", N, "--size", "100"]),
            peer("REP", "echo", &["--count", N, "--size", "100"])),
        "pairs/req_router" => |r| standard(r,
            peer("REQ", "client", &["--count", N, "--size", "100", "--routing-id", "req-A"]),
            peer("ROUTER", "echo", &["--count", N, "--size", "100", "--delim",
                                     "--peer-id", "req-A"])),
        "pairs/dealer_rep" => |r| standard(r,
            peer("DEALER", "client", &["--count", N, "--size", "100", "--delim"]),
            peer("REP", "echo", &["--count", N, "--size", "100"])),
        "pairs/dealer_router" => |r| standard(r,
            peer("DEALER", "client", &["--count", N, "--size", "100"]),
            peer("ROUTER", "echo", &["--count", N, "--size", "100"])),
        "pairs/dealer_dealer" => |r| standard(r,
            peer("DEALER", "client", &["--count", N, "--size", "100"]),
            peer("DEALER", "echo", &["--count", N, "--size", "100"])),
        "pairs/router_router" => |r| standard(r,
            peer("ROUTER", "client", &["--count", N, "--size", "100",
                                       "--routing-id", "router-A", "--peer-id", "router-B"]),
            peer("ROUTER", "echo", &["--count", N, "--size", "100",
                                     "--routing-id", "router-B", "--peer-id", "router-A"])),
        "pairs/pub_sub" => |r| pubsub(r,
            peer("PUB", "send", &["--count", N, "--size", "100", "--sync"]),
            peer("SUB", "recv", &["--count", N, "--size", "100", "--sync", "--subscribe", ""])),
        "pairs/xpub_xsub" => |r| pubsub(r,
            peer("XPUB", "send", &["--count", N, "--size", "100", "--sync",
                                   "--expect-sub", "probe"]),
            peer("XSUB", "recv", &["--count", N, "--size", "100", "--sync", "--subscribe", ""])),
        "pairs/pub_xsub" => |r| pubsub(r,
            peer("PUB", "send", &["--count", N, "--size", "100", "--sync"]),
            peer("XSUB", "recv", &["--count", N, "--size", "100", "--sync", "--subscribe", ""])),
        "pairs/xpub_sub" => |r| pubsub(r,
            peer("XPUB", "send", &["--count", N, "--size", "100", "--sync",
                                   "--expect-sub", "probe"]),
            peer("SUB", "recv", &["--count", N, "--size", "100", "--sync", "--subscribe", ""])),
        // ---- message sizes, echoed both ways (DEALER client, ROUTER echo)
        "sizes/size_0" => |r| sizes(r, "0", "20"),
        "sizes/size_1" => |r| sizes(r, "1", "20"),
        "sizes/size_255" => |r| sizes(r, "255", "20"),
        "sizes/size_256" => |r| sizes(r, "256", "20"),
        "sizes/size_65536" => |r| sizes(r, "65536", "20"),
        "sizes/size_1mib" => |r| sizes(r, "1048576", "5"),
        "sizes/multipart_3_frames" => |r| standard(r,
            peer("DEALER", "client", &["--count", "20", "--sizes", "20,0,300"]),
            peer("ROUTER", "echo", &["--count", "20", "--sizes", "20,0,300"])),
        "sizes/push_pull_1mib_burst" => |r| standard(r,
            peer("PUSH", "send", &["--count", "20", "--size", "1048576"]),
            peer("PULL", "recv", &["--count", "20", "--size", "1048576"])),
        // ---- subscriptions
        "pubsub/prefix_filter_xsub" => |r| pubsub_cmp(r,
            peer("PUB", "send", &["--count", "30", "--sync", "--topics", "A,AB,B,BA,C"]),
            peer("XSUB", "recv", &["--count", "30", "--sync", "--subscribe", "A",
                                   "--topics", "A,AB"]), false),
        "pubsub/prefix_filter_sub" => |r| pubsub_cmp(r,
            peer("PUB", "send", &["--count", "30", "--sync", "--topics", "A,AB,B,BA,C"]),
            peer("SUB", "recv", &["--count", "30", "--sync", "--subscribe", "A",
                                  "--topics", "A,AB"]), false),
        "pubsub/unsubscribe_xsub" => |r| unsubscribe(r, "XSUB"),
        "pubsub/unsubscribe_sub" => |r| unsubscribe(r, "SUB"),
        "pubsub/late_subscriber" => late_subscriber,
        // ---- incompatible socket types: the handshake fails, no data
        "incompatible/push_sub" => |r| standard_nocmp(r,
            peer("PUSH", "send", &["--nonblock", "--count", "30", "--interval-ms", "20",
                                   "--monitor", "--max-event", "HANDSHAKE_SUCCEEDED=0",
                                   "--min-event", "DISCONNECTED=1"]),
            peer("SUB", "recv", &["--subscribe", "", "--expect-none", "800", "--monitor",
                                  "--max-event", "HANDSHAKE_SUCCEEDED=0",
                                  "--min-event", "DISCONNECTED=1"])),
        "incompatible/pub_push" => |r| standard_nocmp(r,
            peer("PUB", "send", &["--nonblock", "--count", "30", "--interval-ms", "20",
                                  "--monitor", "--max-event", "HANDSHAKE_SUCCEEDED=0",
                                  "--min-event", "DISCONNECTED=1"]),
            peer("PUSH", "send", &["--nonblock", "--count", "30", "--interval-ms", "20",
                                   "--monitor", "--max-event", "HANDSHAKE_SUCCEEDED=0",
                                   "--min-event", "DISCONNECTED=1"])),
        // ---- heartbeats
        "heartbeat/traffic_with_pings" => |r| standard(r,
            peer("DEALER", "client", &["--count", "4", "--interval-ms", "400",
                                       "--sockopt", "HEARTBEAT_IVL=100", "--monitor",
                                       "--max-event", "DISCONNECTED=0",
                                       "--max-event", "HANDSHAKE_SUCCEEDED=1"]),
            peer("ROUTER", "echo", &["--count", "4", "--monitor",
                                     "--max-event", "DISCONNECTED=0",
                                     "--max-event", "HANDSHAKE_SUCCEEDED=1"])),
        "heartbeat/peer_sigkill" => |r| heartbeat_kill(r, "KILL"),
        "heartbeat/peer_sigstop" => |r| heartbeat_kill(r, "STOP"),
        // ---- reconnect after the binder restarts on the same endpoint
        "reconnect/binder_restarts" => reconnect,
        // ---- monitor events and their v1 frame layout
        "monitor/events" => monitor_events,
        // ---- zmq_msg_gets
        "properties/dealer_router" => |r| {
            let peer_addr = if r.tcp() { "Peer-Address=127.0.0.1" } else { "Peer-Address=*" };
            standard(r,
                peer("DEALER", "client", &["--count", "3", "--routing-id", "dealer-A",
                    "--expect-prop", "Socket-Type=ROUTER", "--expect-prop", "Identity=router-B",
                    "--expect-prop", peer_addr, "--expect-prop", "Routing-Id=!",
                    "--expect-prop", "User-Id=!"]),
                peer("ROUTER", "echo", &["--count", "3", "--routing-id", "router-B",
                    "--peer-id", "dealer-A",
                    "--expect-prop", "Socket-Type=DEALER", "--expect-prop", "Identity=dealer-A",
                    "--expect-prop", peer_addr, "--expect-prop", "Routing-Id=!",
                    "--expect-prop", "User-Id=!"]))
        },
        "properties/req_rep" => |r| {
            let peer_addr = if r.tcp() { "Peer-Address=127.0.0.1" } else { "Peer-Address=*" };
            standard(r,
                // REP sends no Identity property; REQ sends an empty one.
                peer("REQ", "client", &["--count", "3", "--expect-prop", "Socket-Type=REP",
                    "--expect-prop", "Identity=!", "--expect-prop", peer_addr]),
                peer("REP", "echo", &["--count", "3", "--expect-prop", "Socket-Type=REQ",
                    "--expect-prop", "Identity=", "--expect-prop", peer_addr]))
        },
        "properties/pub_sub" => |r| {
            let peer_addr = if r.tcp() { "Peer-Address=127.0.0.1" } else { "Peer-Address=*" };
            pubsub(r,
                peer("PUB", "send", &["--count", "3", "--sync"]),
                peer("SUB", "recv", &["--count", "3", "--sync", "--subscribe", "",
                    "--expect-prop", "Socket-Type=PUB", "--expect-prop", "Identity=!",
                    "--expect-prop", peer_addr]))
        },
        // ---- security: PLAIN, CURVE, ZAP (the server side is always B)
        "security/plain_accepted" => |r| standard(r,
            peer("DEALER", "client", &["--count", "20", "--size", "100", "--monitor",
                "--plain-user", "alice", "--plain-pass", "secret",
                "--expect-prop", "User-Id=!", "--min-event", "HANDSHAKE_SUCCEEDED=1"]),
            peer("ROUTER", "echo", &["--count", "20", "--size", "100", "--monitor",
                "--plain-server", "--zap-handler", "allow-users=carol,alice",
                "--expect-prop", "User-Id=alice", "--expect-prop", "Hello=World",
                "--min-event", "HANDSHAKE_SUCCEEDED=1"])),
        "security/plain_rejected" => |r| refused(r,
            &["--plain-user", "mallory", "--plain-pass", "secret"],
            &["--plain-server", "--zap-handler", "allow-users=alice"],
            // libzmq: the server reports the ZAP status, sends ERROR "400"; the client
            // reports the same status and does not reconnect.
            &["--min-event", "HANDSHAKE_FAILED_AUTH=1", "--event-value", "HANDSHAKE_FAILED_AUTH=400"],
            &["--min-event", "HANDSHAKE_FAILED_AUTH=1", "--event-value", "HANDSHAKE_FAILED_AUTH=400"],
            Some("ZAP mechanism=PLAIN domain= user=mallory status=400")),
        "security/plain_no_zap_handler" => |r| refused(r,
            // HANDSHAKE_IVL: libzmq 4.3.4's server does not always close the connection
            // after failing (with a monitor attached, the event it emits can leave errno
            // at EAGAIN, so its engine waits instead of closing): the client then sees
            // the handshake time out, also HANDSHAKE_FAILED_NO_DETAIL.
            &["--plain-user", "alice", "--plain-pass", "secret",
              "--sockopt", "HANDSHAKE_IVL=500"],
            &["--plain-server"],
            // libzmq: the client sees the connection dropped or the handshake time out
            // (value: an errno); the server reports NO_DETAIL with EFAULT (zap_connect
            // failed).
            &["--min-event", "HANDSHAKE_FAILED_NO_DETAIL=1"],
            &["--min-event", "HANDSHAKE_FAILED_NO_DETAIL=1",
              "--event-value", "HANDSHAKE_FAILED_NO_DETAIL=14"],
            None),
        "security/curve_allowed_key" => |r| standard(r,
            peer("DEALER", "client", &curve_client(&["--count", "20", "--size", "100",
                "--monitor", "--curve-client-secret", CLIENT_SECRET,
                "--expect-prop", "User-Id=!", "--min-event", "HANDSHAKE_SUCCEEDED=1"])),
            peer("ROUTER", "echo", &curve_server(&["--count", "20", "--size", "100",
                "--monitor", "--zap-handler", &format!("allow-keys={CLIENT_PUBLIC}"),
                "--expect-prop", &format!("User-Id={CLIENT_PUBLIC}"),
                "--expect-prop", "Hello=World", "--min-event", "HANDSHAKE_SUCCEEDED=1"]))),
        "security/curve_unknown_key" => |r| refused(r,
            &curve_client(&[]),
            &curve_server(&["--zap-handler", &format!("allow-keys={CLIENT_PUBLIC}")]),
            &["--min-event", "HANDSHAKE_FAILED_AUTH=1", "--event-value", "HANDSHAKE_FAILED_AUTH=400"],
            &["--min-event", "HANDSHAKE_FAILED_AUTH=1", "--event-value", "HANDSHAKE_FAILED_AUTH=400"],
            Some("status=400")),
        "security/curve_no_zap_handler" => |r| standard(r,
            peer("DEALER", "client", &curve_client(&["--count", "20", "--size", "100",
                "--monitor", "--min-event", "HANDSHAKE_SUCCEEDED=1"])),
            peer("ROUTER", "echo", &curve_server(&["--count", "20", "--size", "100",
                "--monitor", "--expect-prop", "User-Id=!", "--expect-prop", "Hello=!",
                "--min-event", "HANDSHAKE_SUCCEEDED=1"]))),
        "security/curve_wrong_server_key" => |r| refused(r,
            &["--curve-client", "--curve-server-key", CLIENT_PUBLIC],
            &curve_server(&[]),
            // libzmq: the server cannot open the HELLO box and drops the connection
            // (PROTOCOL, ZMTP_CRYPTOGRAPHIC); the client sees it dropped and retries.
            &["--min-event", "HANDSHAKE_FAILED_NO_DETAIL=1"],
            &["--min-event", "HANDSHAKE_FAILED_PROTOCOL=1",
              "--event-value", "HANDSHAKE_FAILED_PROTOCOL=0x11000001"],
            None),
        "security/null_zap_domain_rejected" => |r| refused(r,
            &[],
            &["--zap-domain", "global", "--zap-handler", "reject"],
            &["--min-event", "HANDSHAKE_FAILED_AUTH=1", "--event-value", "HANDSHAKE_FAILED_AUTH=400"],
            &["--min-event", "HANDSHAKE_FAILED_AUTH=1", "--event-value", "HANDSHAKE_FAILED_AUTH=400"],
            Some("ZAP mechanism=NULL domain=global user=anonymous status=400")),
        "security/null_zap_domain_accepted" => |r| {
            let (mut pa, mut pb) = r.pair(
                peer("DEALER", "client", &["--count", "5"]),
                peer("ROUTER", "echo", &["--count", "5", "--zap-domain", "global",
                    "--zap-handler", "accept", "--expect-prop", "User-Id=anonymous",
                    "--expect-prop", "Hello=World"]))?;
            finish(&mut [&mut pa, &mut pb])?;
            expect_line(&pb, "ZAP mechanism=NULL domain=global user=anonymous status=200")
        },
        "security/null_zap_handler_without_domain" => |r| {
            let (mut pa, mut pb) = r.pair(
                peer("DEALER", "client", &["--count", "5"]),
                peer("ROUTER", "echo", &["--count", "5", "--zap-handler", "reject",
                    "--expect-prop", "User-Id=!"]))?;
            finish(&mut [&mut pa, &mut pb])?;
            expect_line(&pb, "ZAP_REQUESTS 0")
        },
        "security/downgrade_curve_server_null_client" => |r| mismatch(r, &[], &curve_server(&[])),
        "security/downgrade_null_server_curve_client" => |r| mismatch(r, &curve_client(&[]), &[]),
        "security/downgrade_plain_server_null_client" => |r| mismatch(r, &[],
            &["--plain-server", "--zap-handler", "accept"]),
        // ---- CURVE data path (MESSAGE boxes): sizes, multipart, bursts, pub/sub
        "curve/size_1" => |r| curve_sizes(r, "1", "20"),
        "curve/size_255" => |r| curve_sizes(r, "255", "20"),
        "curve/size_65536" => |r| curve_sizes(r, "65536", "20"),
        "curve/size_1mib" => |r| curve_sizes(r, "1048576", "5"),
        "curve/multipart_3_frames" => |r| standard(r,
            peer("DEALER", "client", &curve_client(&["--count", "20", "--sizes", "20,0,300"])),
            peer("ROUTER", "echo", &curve_server(&["--count", "20", "--sizes", "20,0,300"]))),
        "curve/push_pull_1mib_burst" => |r| standard(r,
            peer("PUSH", "send", &curve_client(&["--count", "20", "--size", "1048576"])),
            peer("PULL", "recv", &curve_server(&["--count", "20", "--size", "1048576"]))),
        "curve/pub_sub_prefix_filter" => |r| pubsub_cmp(r,
            peer("PUB", "send", &curve_server(&["--count", "30", "--sync",
                "--topics", "A,AB,B,BA,C"])),
            peer("SUB", "recv", &curve_client(&["--count", "30", "--sync", "--subscribe", "A",
                "--topics", "A,AB"])), false),
        "curve/xpub_sees_subscriptions" => |r| pubsub(r,
            peer("XPUB", "send", &curve_server(&["--count", "20", "--size", "100", "--sync",
                "--expect-sub", "probe"])),
            peer("SUB", "recv", &curve_client(&["--count", "20", "--size", "100", "--sync",
                "--subscribe", ""]))),
        "curve/unsubscribe_sub" => |r| {
            let (mut pa, mut pb) = r.pair(
                peer("PUB", "stream", &curve_server(&["--topics", "A,B", "--interval-ms", "1"])),
                peer("SUB", "unsub", &curve_client(&["--subscribe", "A", "--subscribe", "B"])))?;
            pb.wait_line("DONE")?;
            pb.close_stdin();
            pb.wait_ok()?;
            pa.close_stdin();
            pa.wait_ok()
        },
    ]
}

// Fixed CURVE keypairs (libzmq's test keys, from zmq_curve's documentation).
const SERVER_PUBLIC: &str = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7";
const SERVER_SECRET: &str = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6";
const CLIENT_PUBLIC: &str = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
const CLIENT_SECRET: &str = "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs";

/// CURVE server options (fixed server keypair) followed by `rest`.
fn curve_server<'a>(rest: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["--curve-server", "--curve-secret", SERVER_SECRET];
    v.extend_from_slice(rest);
    v
}

/// CURVE client options (knows the server key; its own keypair is generated unless
/// `rest` gives `--curve-client-secret`) followed by `rest`.
fn curve_client<'a>(rest: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["--curve-client", "--curve-server-key", SERVER_PUBLIC];
    v.extend_from_slice(rest);
    v
}

fn curve_sizes(run: &Run, size: &str, count: &str) -> Result<(), String> {
    standard(
        run,
        peer(
            "DEALER",
            "client",
            &curve_client(&["--count", count, "--size", size]),
        ),
        peer(
            "ROUTER",
            "echo",
            &curve_server(&["--count", count, "--size", size]),
        ),
    )
}

fn expect_line(p: &Proc, line: &str) -> Result<(), String> {
    let g = p.lines.lock().unwrap();
    if g.0.iter().any(|l| l.contains(line)) {
        Ok(())
    } else {
        Err(format!("{} never printed {line:?}", p.label))
    }
}

/// A client (A: PUSH, sending without blocking) that the server (B: PULL) must refuse:
/// no handshake succeeds, nothing arrives, and each side sees the given events.
fn refused(
    run: &Run,
    client: &[&str],
    server: &[&str],
    client_events: &[&str],
    server_events: &[&str],
    zap_line: Option<&str>,
) -> Result<(), String> {
    let mut a = peer(
        "PUSH",
        "send",
        &[
            "--nonblock",
            "--count",
            "30",
            "--interval-ms",
            "20",
            "--sockopt",
            "LINGER=0",
            "--monitor",
            "--max-event",
            "HANDSHAKE_SUCCEEDED=0",
        ],
    );
    a.extend(s(client));
    a.extend(s(client_events));
    let mut b = peer(
        "PULL",
        "recv",
        &[
            "--expect-none",
            "800",
            "--sockopt",
            "LINGER=0",
            "--monitor",
            "--max-event",
            "HANDSHAKE_SUCCEEDED=0",
        ],
    );
    b.extend(s(server));
    b.extend(s(server_events));
    let (mut pa, mut pb) = run.pair(a, b)?;
    finish(&mut [&mut pa, &mut pb])?;
    match zap_line {
        Some(l) => expect_line(&pb, l),
        None => Ok(()),
    }
}

/// Mismatched mechanisms (RFC 23: close the connection): no handshake succeeds, no data,
/// and whichever side reads the other's greeting first reports HANDSHAKE_FAILED_PROTOCOL
/// with ZMTP_MECHANISM_MISMATCH (the other side just sees the connection dropped).
fn mismatch(run: &Run, client: &[&str], server: &[&str]) -> Result<(), String> {
    let mut a = peer(
        "PUSH",
        "send",
        &[
            "--nonblock",
            "--count",
            "30",
            "--interval-ms",
            "20",
            "--sockopt",
            "LINGER=0",
            "--monitor",
            "--max-event",
            "HANDSHAKE_SUCCEEDED=0",
            "--max-event",
            "HANDSHAKE_FAILED_AUTH=0",
            "--event-value",
            "HANDSHAKE_FAILED_PROTOCOL=0x11000002",
        ],
    );
    a.extend(s(client));
    let mut b = peer(
        "PULL",
        "recv",
        &[
            "--expect-none",
            "800",
            "--sockopt",
            "LINGER=0",
            "--monitor",
            "--max-event",
            "HANDSHAKE_SUCCEEDED=0",
            "--max-event",
            "HANDSHAKE_FAILED_AUTH=0",
            "--event-value",
            "HANDSHAKE_FAILED_PROTOCOL=0x11000002",
        ],
    );
    b.extend(s(server));
    let (mut pa, mut pb) = run.pair(a, b)?;
    finish(&mut [&mut pa, &mut pb])?;
    let want = "EVENT HANDSHAKE_FAILED_PROTOCOL value=285212674";
    if expect_line(&pa, want).is_err() && expect_line(&pb, want).is_err() {
        return Err("neither side reported ZMTP_MECHANISM_MISMATCH".into());
    }
    Ok(())
}

fn sizes(run: &Run, size: &str, count: &str) -> Result<(), String> {
    standard(
        run,
        peer("DEALER", "client", &["--count", count, "--size", size]),
        peer("ROUTER", "echo", &["--count", count, "--size", size]),
    )
}

/// B is subscribed to A and B, PUB streams both; after 20 B's it cancels B, then 200
/// A's in a row must come without a B.
fn unsubscribe(run: &Run, sub: &str) -> Result<(), String> {
    let (mut pa, mut pb) = run.pair(
        peer("PUB", "stream", &["--topics", "A,B", "--interval-ms", "1"]),
        peer(sub, "unsub", &["--subscribe", "A", "--subscribe", "B"]),
    )?;
    pb.wait_line("DONE")?;
    pb.close_stdin();
    pb.wait_ok()?;
    pa.close_stdin();
    pa.wait_ok()
}

/// PUB streams one message every 2 ms; SUB arrives 300 ms later and must get an
/// unbroken run that does not start at 0.
fn late_subscriber(run: &Run) -> Result<(), String> {
    let a = peer("PUB", "stream", &["--interval-ms", "2"]);
    let b = peer(
        "SUB",
        "recv",
        &[
            "--subscribe",
            "A",
            "--loose",
            "--consecutive",
            "--min-seq",
            "1",
            "--count",
            "100",
        ],
    );
    let (mut pa, mut pb) = if run.is_binder(Side::A) {
        let mut a = a;
        a.extend(["--bind".into(), run.bind_spec()]);
        let pa = run.spawn(Side::A, "A", a)?;
        let ep = pa.wait_line("ENDPOINT ")?;
        std::thread::sleep(Duration::from_millis(300));
        let mut b = b;
        b.extend(["--connect".into(), ep]);
        (pa, run.spawn(Side::B, "B", b)?)
    } else {
        // The publisher connects to an endpoint nobody listens on yet.
        let ep = run.fixed_endpoint();
        let mut a = a;
        a.extend(["--connect".into(), ep.clone()]);
        let pa = run.spawn(Side::A, "A", a)?;
        pa.wait_line("CONNECTING")?;
        std::thread::sleep(Duration::from_millis(300));
        let mut b = b;
        b.extend(["--bind".into(), ep]);
        (pa, run.spawn(Side::B, "B", b)?)
    };
    pb.wait_line("DONE")?;
    pb.close_stdin();
    pb.wait_ok()?;
    pa.close_stdin();
    pa.wait_ok()
}

/// A (heartbeats every 200 ms, monitored) sees B killed or frozen: DISCONNECTED must
/// follow within 3 intervals. SIGKILL closes B's socket (the kernel sends FIN);
/// SIGSTOP leaves it open, so only the missing PONGs can tell.
fn heartbeat_kill(run: &Run, sig: &str) -> Result<(), String> {
    let (mut pa, pb) = run.pair(
        s(&[
            "--type",
            "PAIR",
            "--role",
            "detect",
            "--monitor",
            "--sockopt",
            "HEARTBEAT_IVL=200",
            "--sockopt",
            "LINGER=0",
            "--detect-within",
            "600",
        ]),
        s(&["--type", "PAIR", "--role", "hang", "--sockopt", "LINGER=0"]),
    )?;
    pa.wait_line("UP")?;
    pb.signal(sig);
    pa.send_line("killed")?;
    let r = pa.wait_ok();
    pb.signal("KILL");
    r
}

/// The binder restarts on the same endpoint; the connecter's messages flow again.
fn reconnect(run: &Run) -> Result<(), String> {
    if run.is_binder(Side::B) {
        // A: PUSH connects and streams; B: PULL takes 20, exits, a new PULL takes 20 more.
        let (mut pa, mut pb1) = run.pair(
            peer("PUSH", "stream", &["--interval-ms", "5"]),
            s(&[
                "--type", "PULL", "--role", "recv", "--loose", "--count", "20",
            ]),
        )?;
        let ep = pb1.wait_line("ENDPOINT ")?;
        pb1.wait_ok()?;
        let last: i64 = pb1
            .find("LAST_SEQ ")
            .and_then(|v| v.parse().ok())
            .ok_or("B1 printed no LAST_SEQ")?;
        let mut pb2 = run.spawn(
            Side::B,
            "B2",
            s(&[
                "--type",
                "PULL",
                "--role",
                "recv",
                "--loose",
                "--count",
                "20",
                "--min-seq",
                &(last + 1).to_string(),
                "--bind",
                &ep,
            ]),
        )?;
        pb2.wait_ok()?;
        pa.close_stdin();
        pa.wait_ok()
    } else {
        // A: PUSH binds, sends 0..20, exits; a new PUSH binds and sends 1000..1020;
        // B: PULL connects and must get all 40 in increasing order.
        let (mut pa1, mut pb) = run.pair(
            peer("PUSH", "send", &["--count", "20"]),
            s(&[
                "--type",
                "PULL",
                "--role",
                "recv",
                "--loose",
                "--count",
                "40",
                "--progress",
                "20",
            ]),
        )?;
        let ep = pa1.wait_line("ENDPOINT ")?;
        pb.wait_line("PROGRESS 20")?;
        pa1.close_stdin();
        pa1.wait_ok()?;
        let mut pa2 = run.spawn(
            Side::A,
            "A2",
            s(&[
                "--type",
                "PUSH",
                "--role",
                "send",
                "--hold",
                "--count",
                "20",
                "--seq-start",
                "1000",
                "--bind",
                &ep,
            ]),
        )?;
        pb.wait_ok()?;
        pa2.close_stdin();
        pa2.wait_ok()
    }
}

/// Both sides monitored. Binder: LISTENING, ACCEPTED, HANDSHAKE_SUCCEEDED, then (after
/// the connecter closes) DISCONNECTED, then on close CLOSED and MONITOR_STOPPED.
/// Connecter: CONNECTED, HANDSHAKE_SUCCEEDED, MONITOR_STOPPED. Every event names the
/// socket's endpoint.
fn monitor_events(run: &Run) -> Result<(), String> {
    let binder_ev = [
        "--monitor",
        "--check-endpoints",
        "--wait-event",
        "DISCONNECTED",
        "--expect-events",
        "LISTENING,ACCEPTED,HANDSHAKE_SUCCEEDED,DISCONNECTED,CLOSED,MONITOR_STOPPED",
        "--min-event",
        "HANDSHAKE_SUCCEEDED=1",
        "--max-event",
        "HANDSHAKE_SUCCEEDED=1",
    ];
    let connecter_ev = [
        "--monitor",
        "--check-endpoints",
        "--expect-events",
        "CONNECTED,HANDSHAKE_SUCCEEDED,MONITOR_STOPPED",
        "--min-event",
        "HANDSHAKE_SUCCEEDED=1",
        "--max-event",
        "HANDSHAKE_SUCCEEDED=1",
        "--max-event",
        "DISCONNECTED=0",
    ];
    let (ea, eb): (&[&str], &[&str]) = if run.is_binder(Side::A) {
        (&binder_ev, &connecter_ev)
    } else {
        (&connecter_ev, &binder_ev)
    };
    let mut a = peer("DEALER", "client", &["--count", "5"]);
    a.extend(s(ea));
    let mut b = peer("ROUTER", "echo", &["--count", "5"]);
    b.extend(s(eb));
    let (mut pa, mut pb) = run.pair(a, b)?;
    wait_all(&[&pa, &pb], "DONE")?;
    // The connecter closes first so that the binder sees DISCONNECTED before CLOSED.
    let (binder, connecter) = if run.is_binder(Side::A) {
        (&mut pa, &mut pb)
    } else {
        (&mut pb, &mut pa)
    };
    connecter.close_stdin();
    connecter.wait_ok()?;
    binder.close_stdin();
    binder.wait_ok()
}

// ------------------------------------------------------------------ building

fn default_triple() -> String {
    let arch = std::env::consts::ARCH;
    match std::env::consts::OS {
        "linux" if cfg!(target_env = "musl") => format!("{arch}-unknown-linux-musl"),
        "linux" => format!("{arch}-unknown-linux-gnu"),
        os => format!("{arch}-unknown-{os}"),
    }
}

/// Compiles `tests/interop/<source>.c` into `out/<source>`: against the system libzmq
/// when `lib` is None, else against the `zmq.h` in `lib`'s include dir and its library.
fn compile(
    manifest: &Path,
    source: &str,
    out: &Path,
    lib: Option<(&Path, &Path)>,
) -> Result<PathBuf, String> {
    let target = std::env::var("TARGET").unwrap_or_else(|_| default_triple());
    let host = std::env::var("HOST").unwrap_or_else(|_| target.clone());
    let mut cc = cc::Build::new()
        .target(&target)
        .host(&host)
        .opt_level(2)
        .debug(true)
        .cargo_metadata(false)
        .cargo_warnings(false)
        .get_compiler()
        .to_command();
    let bin = out.join(source);
    let _ = fs::remove_file(&bin);
    cc.args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pthread"]);
    if let Some((include, dir)) = lib {
        cc.arg("-I").arg(include);
        cc.arg(format!("-L{}", dir.display()));
        cc.arg(format!("-Wl,-rpath,{}", dir.display()));
    }
    cc.arg(manifest.join(format!("tests/interop/{source}.c")))
        .arg("-o")
        .arg(&bin)
        .arg("-lzmq");
    let o = cc.output().map_err(|e| format!("cannot run {cc:?}: {e}"))?;
    if !o.status.success() {
        let line: Vec<String> = std::iter::once(cc.get_program())
            .chain(cc.get_args())
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        return Err(format!(
            "{}\n{}{}",
            line.join(" "),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ));
    }
    Ok(bin)
}

/// `ldd` must resolve libzmq.so.5 into `ours_dir` (ours, or the draft libzmq's dir)
/// when `expect_ours`, else anywhere but there (the system libzmq).
fn check_ldd(bin: &Path, ours_dir: Option<&Path>, expect_ours: bool) -> Result<(), String> {
    let mut cmd = Command::new("ldd");
    cmd.arg(bin);
    match ours_dir {
        Some(d) if expect_ours => {
            cmd.env("LD_LIBRARY_PATH", d);
        }
        _ => {
            cmd.env_remove("LD_LIBRARY_PATH");
        }
    }
    let o = cmd.output().map_err(|e| format!("ldd: {e}"))?;
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let line = text
        .lines()
        .find(|l| l.contains("libzmq.so"))
        .ok_or_else(|| format!("ldd {}: no libzmq\n{text}", bin.display()))?;
    let in_ours = ours_dir.is_some_and(|d| line.contains(&*d.to_string_lossy()));
    if in_ours != expect_ours {
        return Err(format!(
            "{} loads the wrong libzmq: {}",
            bin.display(),
            line.trim()
        ));
    }
    Ok(())
}

fn main() -> ExitCode {
    let mut filters: Vec<String> = Vec::new();
    let (mut exact, mut list) = (false, false);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--exact" => exact = true,
            "--list" => list = true,
            "--test-threads" | "--skip" | "--format" | "--color" | "--logfile" => {
                args.next();
            }
            s if s.starts_with('-') => {}
            s => filters.push(s.to_string()),
        }
    }

    let env_on = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty() && v != "0");
    let directions: Vec<(Lib, Lib)> = if env_on("ZMQ_INTEROP_SELF") {
        vec![(Lib::Libzmq, Lib::Libzmq)]
    } else {
        let spec = std::env::var("ZMQ_INTEROP_DIRECTIONS")
            .unwrap_or_else(|_| "ours->libzmq,libzmq->ours".into());
        let mut v = Vec::new();
        for d in spec.split(',').map(str::trim).filter(|d| !d.is_empty()) {
            let parse = |x: &str| match x {
                "ours" => Some(Lib::Ours),
                "libzmq" => Some(Lib::Libzmq),
                _ => None,
            };
            match d
                .split_once("->")
                .and_then(|(a, b)| Some((parse(a)?, parse(b)?)))
            {
                Some(p) => v.push(p),
                None => {
                    eprintln!("interop: bad direction {d:?} (want e.g. ours->libzmq)");
                    return ExitCode::FAILURE;
                }
            }
        }
        v
    };

    // Every (scenario, transport, binder, direction) is one test.
    struct Case {
        name: String,
        f: ScenarioFn,
        draft: bool,
        transport: Transport,
        binder: Side,
        a: Lib,
        b: Lib,
    }
    let mut cases = Vec::new();
    for sc in scenarios() {
        for &transport in sc.transports {
            for &binder in sc.binders {
                let bname = if binder == Side::A {
                    "bind-a"
                } else {
                    "bind-b"
                };
                for &(a, b) in &directions {
                    cases.push(Case {
                        name: format!(
                            "{}/{}/{bname} [{}->{}]",
                            sc.name,
                            transport.name(),
                            lib_label(a, sc.draft),
                            lib_label(b, sc.draft)
                        ),
                        f: sc.f,
                        draft: sc.draft,
                        transport,
                        binder,
                        a,
                        b,
                    });
                }
            }
        }
    }
    cases.retain(|c| {
        filters.is_empty()
            || filters.iter().any(|f| {
                if exact {
                    c.name == *f
                } else {
                    c.name.contains(f.as_str())
                }
            })
    });
    if list {
        for c in &cases {
            println!("{}: test", c.name);
        }
        return ExitCode::SUCCESS;
    }

    // The draft scenarios need a libzmq built with drafts: ZMQ_INTEROP_DRAFT_LIBDIR (its
    // zmq.h in ZMQ_INTEROP_DRAFT_INCDIR, by default <dir>/../include). Without it they
    // are skipped, loudly, unless ZMQ_INTEROP_DRAFT_REQUIRED is set (CI sets both).
    let env_path = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let draft_lib = env_path("ZMQ_INTEROP_DRAFT_LIBDIR");
    let draft_include = env_path("ZMQ_INTEROP_DRAFT_INCDIR").or_else(|| {
        let guess = draft_lib.as_ref()?.parent()?.join("include");
        guess.join("zmq.h").exists().then_some(guess)
    });
    let wants_draft = cases
        .iter()
        .any(|c| c.draft && (c.a == Lib::Libzmq || c.b == Lib::Libzmq));
    if wants_draft && (draft_lib.is_none() || draft_include.is_none()) {
        let why = if draft_lib.is_none() {
            "ZMQ_INTEROP_DRAFT_LIBDIR is not set (scripts/draft-libzmq.sh builds one)".to_string()
        } else {
            "no zmq.h for it: set ZMQ_INTEROP_DRAFT_INCDIR".to_string()
        };
        if env_on("ZMQ_INTEROP_DRAFT_REQUIRED") {
            eprintln!("interop: the draft scenarios are required but {why}");
            return ExitCode::FAILURE;
        }
        let before = cases.len();
        cases.retain(|c| !(c.draft && (c.a == Lib::Libzmq || c.b == Lib::Libzmq)));
        println!(
            "interop: SKIPPING {} draft scenario run(s) against libzmq: {why}",
            before - cases.len()
        );
    }
    if cases.iter().any(|c| c.transport == Transport::UdpMulticast) {
        if let Some(why) = multicast_unavailable() {
            let before = cases.len();
            cases.retain(|c| c.transport != Transport::UdpMulticast);
            println!(
                "interop: SKIPPING {} udp-multicast run(s): {why}",
                before - cases.len()
            );
        }
    }
    let need_ours = cases
        .iter()
        .any(|c| !c.draft && (c.a == Lib::Ours || c.b == Lib::Ours));
    let need_ours_draft = cases
        .iter()
        .any(|c| c.draft && (c.a == Lib::Ours || c.b == Lib::Ours));
    let need_libzmq = cases
        .iter()
        .any(|c| !c.draft && (c.a == Lib::Libzmq || c.b == Lib::Libzmq));
    let need_libzmq_draft = cases
        .iter()
        .any(|c| c.draft && (c.a == Lib::Libzmq || c.b == Lib::Libzmq));

    // target/<profile>/deps/interop-HASH -> target/<profile>, target/
    let exe = std::env::current_exe().expect("current_exe");
    let mut profile_dir = exe.parent().expect("exe dir").to_path_buf();
    if profile_dir.file_name().is_some_and(|n| n == "deps") {
        profile_dir.pop();
    }
    let target_dir = profile_dir.parent().unwrap_or(&profile_dir).to_path_buf();
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = target_dir.join("interop");

    let mut peers = HashMap::new();
    let libzmq_dir = out.join("libzmq");
    let _ = fs::create_dir_all(&libzmq_dir);
    if need_libzmq {
        match compile(&manifest, "peer", &libzmq_dir, None)
            .and_then(|bin| check_ldd(&bin, None, false).map(|_| bin))
        {
            Ok(bin) => {
                peers.insert("libzmq", bin);
            }
            Err(e) => {
                eprintln!("interop: building the libzmq peer failed:\n{e}");
                return ExitCode::FAILURE;
            }
        }
    }
    let mut draft_lib_dir = None;
    if let (true, Some(lib), Some(include)) = (need_libzmq_draft, &draft_lib, &draft_include) {
        // The draft build's own directory must be the one that loads (ldd checks it).
        match compile(&manifest, "draft_peer", &libzmq_dir, Some((include, lib)))
            .and_then(|bin| check_ldd(&bin, Some(lib), true).map(|_| bin))
        {
            Ok(bin) => {
                peers.insert("libzmq-draft", bin);
            }
            Err(e) => {
                eprintln!("interop: building the draft libzmq peer failed:\n{e}");
                return ExitCode::FAILURE;
            }
        }
        draft_lib_dir = Some(lib.clone());
    }
    let mut lib_dir = None;
    if need_ours || need_ours_draft {
        let candidates = [
            profile_dir.join("deps").join("libzmq.so"),
            profile_dir.join("libzmq.so"),
        ];
        let Some(so) = candidates
            .iter()
            .filter_map(|p| Some((fs::metadata(p).ok()?.modified().ok()?, p.clone())))
            .max()
            .map(|(_, p)| p)
        else {
            eprintln!(
                "interop: our libzmq.so not found in {}",
                profile_dir.display()
            );
            return ExitCode::FAILURE;
        };
        let ours = out.join("ours");
        let dir = ours.join("lib");
        let _ = fs::create_dir_all(&dir);
        for name in ["libzmq.so", "libzmq.so.5"] {
            let link = dir.join(name);
            let _ = fs::remove_file(&link);
            if let Err(e) = std::os::unix::fs::symlink(&so, &link) {
                eprintln!("interop: cannot symlink {}: {e}", link.display());
                return ExitCode::FAILURE;
            }
        }
        let include = manifest.join("include");
        for (need, source, key) in [
            (need_ours, "peer", "ours"),
            (need_ours_draft, "draft_peer", "ours-draft"),
        ] {
            if !need {
                continue;
            }
            match compile(&manifest, source, &ours, Some((&include, &dir)))
                .and_then(|bin| check_ldd(&bin, Some(&dir), true).map(|_| bin))
            {
                Ok(bin) => {
                    peers.insert(key, bin);
                }
                Err(e) => {
                    eprintln!("interop: building our {source} failed:\n{e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        lib_dir = Some(dir);
    }

    // ipc socket paths must stay short (108 bytes), so not under target/.
    let tmp = std::env::temp_dir().join(format!("zmq-interop-{}", std::process::id()));
    let _ = fs::create_dir_all(&tmp);
    let env = Arc::new(Env {
        peers,
        lib_dir,
        draft_lib_dir,
        tmp: tmp.clone(),
        counter: AtomicUsize::new(0),
    });

    let jobs: usize = std::env::var("ZMQ_INTEROP_JOBS")
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(4);
    let verbose = env_on("ZMQ_INTEROP_VERBOSE");
    println!(
        "\nrunning {} interop test(s), directions: {}",
        cases.len(),
        directions
            .iter()
            .map(|(a, b)| format!("{}->{}", a.name(), b.name()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let start = Instant::now();
    let cases = Arc::new(cases);
    let next = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
    let print_lock = Arc::new(Mutex::new(()));
    let workers: Vec<_> = (0..jobs.min(cases.len().max(1)))
        .map(|_| {
            let (env, cases, next, failures, print_lock) = (
                env.clone(),
                cases.clone(),
                next.clone(),
                failures.clone(),
                print_lock.clone(),
            );
            std::thread::spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(c) = cases.get(i) else { break };
                let run = Run {
                    env: &env,
                    draft: c.draft,
                    transport: c.transport,
                    binder: c.binder,
                    a: c.a,
                    b: c.b,
                    log: Arc::new(Mutex::new(Vec::new())),
                    siblings: Arc::new(Mutex::new(Vec::new())),
                };
                let t = Instant::now();
                // Each scenario owns its processes; they are killed when it returns.
                let (result, outputs) = {
                    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (c.f)(&run)));
                    let r = match r {
                        Ok(r) => r,
                        Err(_) => Err("scenario panicked".into()),
                    };
                    (r, run.log.lock().unwrap().join("\n"))
                };
                let _g = print_lock.lock().unwrap();
                match &result {
                    Ok(()) => {
                        println!("test {} ... ok ({:.2}s)", c.name, t.elapsed().as_secs_f64())
                    }
                    Err(_) => println!(
                        "test {} ... FAILED ({:.2}s)",
                        c.name,
                        t.elapsed().as_secs_f64()
                    ),
                }
                let _ = std::io::stdout().flush();
                if let Err(e) = result {
                    failures
                        .lock()
                        .unwrap()
                        .push((c.name.clone(), format!("{e}\n{outputs}")));
                } else if verbose {
                    println!("{outputs}");
                }
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    let _ = fs::remove_dir_all(&tmp);

    let failures = failures.lock().unwrap();
    if !failures.is_empty() {
        println!("\nfailures:\n");
        for (name, detail) in failures.iter() {
            println!("---- {name} ----\n{}\n", detail.trim_end());
        }
        println!("failures:");
        for (name, _) in failures.iter() {
            println!("    {name}");
        }
    }
    println!(
        "\ninterop test result: {}. {} passed; {} failed; finished in {:.2}s\n",
        if failures.is_empty() { "ok" } else { "FAILED" },
        cases.len() - failures.len(),
        failures.len(),
        start.elapsed().as_secs_f64()
    );
    if failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
