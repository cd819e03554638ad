//! The draft socket types against a libzmq built with drafts (issue 13): SERVER/CLIENT,
//! RADIO/DISH (tcp, ipc, udp unicast and multicast), SCATTER/GATHER, PEER/PEER and
//! CHANNEL/CHANNEL, each side either library. Both sides run `tests/interop/draft_peer.c`
//! (see its header for the roles); `libzmq` in these runs means the draft build named
//! by `ZMQ_INTEROP_DRAFT_LIBDIR`.

use super::{finish, s, standard, standard_nocmp, Proc, Run, Scenario, Side, Transport};

const STREAMS: &[Transport] = &[Transport::Tcp, Transport::Ipc];
const UDP: &[Transport] = &[Transport::Udp, Transport::UdpMulticast];
const EITHER: &[Side] = &[Side::A, Side::B];
const A_BINDS: &[Side] = &[Side::A];
const B_BINDS: &[Side] = &[Side::B];

/// `--type T --role R` followed by the rest.
fn dpeer(ty: &str, role: &str, rest: &[&str]) -> Vec<String> {
    let mut v = s(&["--type", ty, "--role", role]);
    v.extend(s(rest));
    v
}

pub(super) fn scenarios() -> Vec<Scenario> {
    let draft = |name, f: super::ScenarioFn, transports, binders| Scenario {
        name,
        f,
        draft: true,
        transports,
        binders,
    };
    vec![
        // Three CLIENTs, one SERVER that echoes each request to its routing id: every
        // client gets only its own replies, the server sees three distinct routing ids.
        draft(
            "draft/server_client",
            |r| server_client(r, COUNT, "100"),
            STREAMS,
            EITHER,
        ),
        // The same with 300 kB messages (ZMTP long frames).
        draft(
            "draft/server_client_large",
            |r| server_client(r, "10", "300000"),
            STREAMS,
            B_BINDS,
        ),
        // RADIO sends groups A, B, C and a long one (see `long_group`); the DISH joined A, B and the
        // long one gets exactly those, in order; then it leaves B (and joins "sync2" after the connection is up) and no
        // B message may follow the first "sync2" one.
        draft("draft/radio_dish", radio_dish, STREAMS, EITHER),
        // udp: only a DISH binds (libzmq refuses RADIO bind and DISH connect on udp).
        draft("draft/radio_dish", radio_dish, UDP, B_BINDS),
        // Two DISHes with different groups on one RADIO: each gets its own groups only.
        draft("draft/radio_two_dishes", radio_two_dishes, STREAMS, A_BINDS),
        draft("draft/scatter_gather", scatter_gather, STREAMS, EITHER),
        // PEERs connect with zmq_connect_peer and send to the routing id it returned;
        // the bound PEER answers each to its routing id. Only the connecting side can
        // start, so B always binds; the directions put each library on each side.
        draft("draft/peer_peer", peer_peer, STREAMS, B_BINDS),
        draft("draft/channel_channel", channel_channel, STREAMS, EITHER),
        // Draft types that do not pair refuse each other in the ZMTP handshake (by their
        // Socket-Type names): nothing the sender offers may arrive.
        draft(
            "draft/incompatible/client_gather",
            |r| incompatible(r, "CLIENT", "GATHER"),
            STREAMS,
            EITHER,
        ),
        draft(
            "draft/incompatible/scatter_channel",
            |r| incompatible(r, "SCATTER", "CHANNEL"),
            STREAMS,
            EITHER,
        ),
    ]
}

const COUNT: &str = "50";

/// A clients (side A, each named c<i>) and one server (side B). Either the server binds
/// and the clients connect to it, or every client binds and the server connects to all.
fn fan_in(run: &Run, clients: &[Vec<String>], server: Vec<String>) -> Result<(), String> {
    let mut procs: Vec<Proc> = Vec::new();
    if run.is_binder(Side::B) {
        let mut args = server;
        args.extend(["--bind".into(), run.bind_spec()]);
        let srv = run.spawn(Side::B, "B", args)?;
        let ep = srv.wait_line("ENDPOINT ")?;
        procs.push(srv);
        for (i, c) in clients.iter().enumerate() {
            let mut args = c.clone();
            args.extend(["--connect".into(), ep.clone()]);
            procs.push(run.spawn(Side::A, &format!("A{i}"), args)?);
        }
    } else {
        let mut eps = Vec::new();
        for (i, c) in clients.iter().enumerate() {
            let mut args = c.clone();
            args.extend(["--bind".into(), run.bind_spec()]);
            let p = run.spawn(Side::A, &format!("A{i}"), args)?;
            eps.push(p.wait_line("ENDPOINT ")?);
            procs.push(p);
        }
        let mut args = server;
        for ep in eps {
            args.extend(["--connect".into(), ep]);
        }
        procs.push(run.spawn(Side::B, "B", args)?);
    }
    let mut refs: Vec<&mut Proc> = procs.iter_mut().collect();
    finish(&mut refs)
}

fn server_client(run: &Run, count: &str, size: &str) -> Result<(), String> {
    let clients: Vec<Vec<String>> = (0..3)
        .map(|i| {
            dpeer(
                "CLIENT",
                "client",
                &[
                    "--count",
                    count,
                    "--size",
                    size,
                    "--name",
                    &format!("c{i}"),
                    "--expect-type",
                    "SERVER",
                ],
            )
        })
        .collect();
    let total = (3 * count.parse::<usize>().unwrap_or(0)).to_string();
    let server = dpeer(
        "SERVER",
        "echo",
        &[
            "--count",
            &total,
            "--size",
            size,
            "--clients",
            "3",
            "--expect-type",
            "CLIENT",
        ],
    );
    fan_in(run, &clients, server)
}

fn peer_peer(run: &Run) -> Result<(), String> {
    let clients: Vec<Vec<String>> = (0..2)
        .map(|i| {
            dpeer(
                "PEER",
                "client",
                &[
                    "--count",
                    COUNT,
                    "--size",
                    "100",
                    "--name",
                    &format!("p{i}"),
                    "--expect-type",
                    "PEER",
                ],
            )
        })
        .collect();
    let total = (2 * COUNT.parse::<usize>().unwrap_or(0)).to_string();
    let server = dpeer(
        "PEER",
        "echo",
        &[
            "--count",
            &total,
            "--size",
            "100",
            "--clients",
            "2",
            "--expect-type",
            "PEER",
        ],
    );
    fan_in(run, &clients, server)
}

/// udp is stream-less: the RADIO paces itself so that no datagram is dropped.
fn radio_args(run: &Run, extra: &[&str]) -> Vec<String> {
    let groups = format!("A,B,C,{}", long_group(run));
    let mut v = dpeer("RADIO", "radio", &["--count", COUNT, "--groups", &groups]);
    match run.transport {
        Transport::Udp => v.extend(s(&["--interval-ms", "1"])),
        Transport::UdpMulticast => v.extend(s(&["--interval-ms", "1", "--multicast"])),
        Transport::Tcp | Transport::Ipc => {}
    }
    v.extend(s(extra));
    v
}

/// A group of the longest length libzmq 4.3.5 allows (`ZMQ_GROUP_MAX_LENGTH`, 255), but
/// over udp 127: libzmq's udp DISH (4.3.4 and 4.3.5) reads the datagram's group-length
/// byte as a signed char, so a longer group makes it allocate a "negative" size and
/// abort (udp_engine.cpp, ENOMEM). Ours reads it unsigned and takes 255 (libzmq's RADIO
/// sends it so): a libzmq defect we do not copy.
fn long_group(run: &Run) -> String {
    match run.transport {
        Transport::Udp | Transport::UdpMulticast => "g".repeat(127),
        Transport::Tcp | Transport::Ipc => "g".repeat(255),
    }
}

fn radio_dish(run: &Run) -> Result<(), String> {
    let long = long_group(run);
    let joined = format!("A,B,{long}");
    let mut dish = dpeer(
        "DISH",
        "dish",
        &[
            "--count", COUNT, "--join", &joined, "--expect", &joined, "--leave", "B",
        ],
    );
    if !matches!(run.transport, Transport::Udp | Transport::UdpMulticast) {
        dish.extend(s(&["--expect-type", "RADIO"]));
    }
    let (mut pa, mut pb) = run.pair(radio_args(run, &["--leave-phase"]), dish)?;
    pb.wait_line("SYNCED")?;
    pa.send_line("go")?;
    pb.wait_line("LEFT")?;
    pb.wait_line("DONE")?;
    pa.send_line("stop")?;
    finish(&mut [&mut pa, &mut pb])
}

/// One RADIO (A) bound, DISH "B1" joined to A and C, DISH "B2" joined to B.
fn radio_two_dishes(run: &Run) -> Result<(), String> {
    let mut radio = radio_args(run, &[]);
    radio.extend(["--bind".into(), run.bind_spec()]);
    let mut pa = run.spawn(Side::A, "A", radio)?;
    let ep = pa.wait_line("ENDPOINT ")?;
    let dish = |join: &str| {
        let mut v = dpeer(
            "DISH",
            "dish",
            &["--count", COUNT, "--join", join, "--expect", join],
        );
        v.extend(["--connect".into(), ep.clone()]);
        v
    };
    let mut b1 = run.spawn(Side::B, "B1", dish("A,C"))?;
    let mut b2 = run.spawn(Side::B, "B2", dish("B"))?;
    b1.wait_line("SYNCED")?;
    b2.wait_line("SYNCED")?;
    pa.send_line("go")?;
    finish(&mut [&mut pa, &mut b1, &mut b2])
}

fn scatter_gather(run: &Run) -> Result<(), String> {
    standard(
        run,
        dpeer("SCATTER", "send", &["--count", COUNT, "--size", "100"]),
        dpeer(
            "GATHER",
            "recv",
            &[
                "--count",
                COUNT,
                "--size",
                "100",
                "--expect-type",
                "SCATTER",
            ],
        ),
    )
}

fn channel_channel(run: &Run) -> Result<(), String> {
    standard(
        run,
        dpeer(
            "CHANNEL",
            "client",
            &[
                "--count",
                COUNT,
                "--size",
                "100",
                "--expect-type",
                "CHANNEL",
            ],
        ),
        dpeer(
            "CHANNEL",
            "echo",
            &[
                "--count",
                COUNT,
                "--size",
                "100",
                "--expect-type",
                "CHANNEL",
            ],
        ),
    )
}

fn incompatible(run: &Run, sender: &str, receiver: &str) -> Result<(), String> {
    standard_nocmp(
        run,
        dpeer(
            sender,
            "send",
            &["--nonblock", "--count", "30", "--interval-ms", "20"],
        ),
        dpeer(receiver, "recv", &["--expect-none", "800"]),
    )
}
