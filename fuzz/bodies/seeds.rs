//! The seed corpora, built with the crate's own encoders and the bodies' [`Script`]
//! format: valid greetings of every version, frame streams, every command, property
//! lists, complete NULL/PLAIN transcripts, ZAP replies, CURVE scripts whose all-honest
//! defaults complete the handshake, endpoints and option values. Written to
//! `fuzz/seeds/<target>/` by the ignored `write_seed_corpora` test.

use zmq::constants::*;
use zmq::zmtp::command::Command;
use zmq::zmtp::frame::{Encoder, FrameFlags, Framing};
use zmq::zmtp::greeting::{Greeting, Mechanism};
use zmq::zmtp::metadata::write_property;
use zmq::zmtp::zap::ZapReply;

use crate::common::{socket_pair_index, Script};
use crate::curve_peer::traffic_script;
use crate::handshake::{base_script, command_frame, message_frame, zap_script};

type Seed = (&'static str, String, Vec<u8>);

fn props(list: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in list {
        write_property(&mut out, name.as_bytes(), value).expect("property");
    }
    out
}

fn with_prefix(prefix: &[u8], rest: &[u8]) -> Vec<u8> {
    [prefix, rest].concat()
}

fn greeting_seeds(out: &mut Vec<Seed>) {
    let config = |mech: u8, chunk: u8| Script::new().u8(5).u8(0).u8(mech).u8(0).u8(0).u8(chunk);
    let mut v30 = Greeting::new(Mechanism::Plain, false).encode();
    v30[11] = 0;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "null_3_1",
            config(0, 0)
                .rest(&Greeting::new(Mechanism::Null, false).encode())
                .finish(),
        ),
        (
            "null_3_1_chunked",
            config(0, 9)
                .rest(&Greeting::new(Mechanism::Null, false).encode())
                .finish(),
        ),
        ("plain_3_0", config(1, 3).rest(&v30).finish()),
        (
            "curve_server",
            config(2, 0)
                .rest(&Greeting::new(Mechanism::Curve, true).encode())
                .finish(),
        ),
        (
            "mechanism_mismatch",
            config(0, 0)
                .rest(&Greeting::new(Mechanism::Curve, false).encode())
                .finish(),
        ),
        (
            "zmtp_2_0",
            config(0, 2)
                .rest(&[0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 1, 5])
                .finish(),
        ),
        (
            "zmtp_1_0_versioned",
            config(0, 0)
                .rest(&[0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 0, 5])
                .finish(),
        ),
        (
            "zmtp_1_0_unversioned",
            config(0, 0).rest(b"\x03\x00idmore").finish(),
        ),
        (
            "old_peer_with_zap",
            Script::new()
                .u8(5)
                .u8(0)
                .u8(0)
                .u8(0)
                .u8(1)
                .u8(0)
                .rest(&[0xFF, 0, 0, 0, 0, 0, 0, 0, 1, 0x7F, 1, 5])
                .finish(),
        ),
    ];
    out.extend(
        cases
            .into_iter()
            .map(|(n, b)| ("greeting", n.to_string(), b)),
    );
}

fn frame_seeds(out: &mut Vec<Seed>) {
    let stream = |framing: Framing, frames: &[(FrameFlags, &[u8])]| {
        let enc = Encoder::new(framing);
        let mut s = Vec::new();
        for (flags, body) in frames {
            enc.encode(*flags, body, &mut s).expect("encodes");
        }
        s
    };
    let long = vec![0xABu8; 300];
    let v3 = stream(
        Framing::V3,
        &[
            (FrameFlags::MORE, b"id"),
            (FrameFlags::MORE, b""),
            (FrameFlags::MESSAGE, &long),
            (FrameFlags::COMMAND, b"\x04PING\x00\x0actx"),
        ],
    );
    let v2 = stream(
        Framing::V2,
        &[(FrameFlags::MORE, b"a"), (FrameFlags::MESSAGE, &long)],
    );
    let v1 = stream(
        Framing::V1,
        &[
            (FrameFlags::MORE, b"abc"),
            (FrameFlags::MESSAGE, &long[..254]),
        ],
    );
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "v3_whole",
            Script::new().u8(2).u8(0).u8(0).rest(&v3).finish(),
        ),
        (
            "v3_chunked_direct",
            Script::new().u8(2).u8(0).u8(5).rest(&v3).finish(),
        ),
        (
            "v3_max_64",
            Script::new().u8(2).u8(2).u8(64).u8(3).rest(&v3).finish(),
        ),
        ("v2", Script::new().u8(1).u8(0).u8(7).rest(&v2).finish()),
        ("v1", Script::new().u8(0).u8(0).u8(11).rest(&v1).finish()),
        (
            "v1_identity",
            Script::new()
                .u8(0)
                .u8(0)
                .u8(0)
                .rest(&[0xFF, 0, 0, 0, 0, 0, 0, 0, 3, 0x7F, b'i', b'd'])
                .finish(),
        ),
        (
            "v3_huge_length",
            Script::new()
                .u8(2)
                .u8(0)
                .u8(0)
                .rest(&[0x02, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
                .finish(),
        ),
    ];
    out.extend(
        cases
            .into_iter()
            .map(|(n, b)| ("frame_decoder", n.to_string(), b)),
    );
}

fn command_seeds(out: &mut Vec<Seed>) {
    let ready = props(&[("Socket-Type", b"DEALER"), ("Identity", b"")]);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("ready", Command::Ready(&ready).to_vec()),
        ("error", Command::Error(b"Invalid socket type").to_vec()),
        ("subscribe", Command::Subscribe(b"topic").to_vec()),
        ("cancel", Command::Cancel(b"").to_vec()),
        (
            "ping",
            Command::Ping {
                ttl: 30,
                context: b"0123456789abcdef",
            }
            .to_vec(),
        ),
        ("pong", Command::Pong { context: b"ctx" }.to_vec()),
        ("hello", Command::Hello(b"\x05admin\x06secret").to_vec()),
        ("welcome", Command::Welcome(b"").to_vec()),
        ("initiate", Command::Initiate(&ready).to_vec()),
        ("message", Command::Message(&[0u8; 40]).to_vec()),
        (
            "other",
            Command::Other {
                name: b"JOIN",
                data: b"group",
            }
            .to_vec(),
        ),
        ("libzmq_plain_error", b"\x5eRROR\x03400".to_vec()),
    ];
    out.extend(
        cases
            .into_iter()
            .map(|(n, b)| ("command", n.to_string(), b)),
    );
}

fn metadata_seeds(out: &mut Vec<Seed>) {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "dealer",
            props(&[("Socket-Type", b"DEALER"), ("Identity", b"client-1")]),
        ),
        (
            "push_extra",
            props(&[
                ("Socket-Type", b"PUSH"),
                ("X-Hello", b"world"),
                ("User-Id", b""),
            ]),
        ),
        ("empty", Vec::new()),
        (
            "truncated",
            props(&[("Socket-Type", b"SUB")])[..10].to_vec(),
        ),
    ];
    out.extend(
        cases
            .into_iter()
            .map(|(n, b)| ("metadata", n.to_string(), b)),
    );
}

fn null_seeds(out: &mut Vec<Seed>) {
    let stream = |peer: &str, identity: Option<&[u8]>| {
        let mut list: Vec<(&str, &[u8])> = vec![("Socket-Type", peer.as_bytes())];
        if let Some(id) = identity {
            list.push(("Identity", id));
        }
        let mut s = Vec::new();
        command_frame(&Command::Ready(&props(&list)).to_vec(), &mut s);
        message_frame(b"part", true, &mut s);
        message_frame(b"last", false, &mut s);
        command_frame(
            &Command::Ping {
                ttl: 10,
                context: b"c",
            }
            .to_vec(),
            &mut s,
        );
        s
    };
    let base = |ty: i32, zap: u8, status: u8, chunk: u8| {
        zap_script(
            base_script(Script::new().u8(socket_pair_index(ty))).u8(zap),
            status,
            b"user",
        )
        .u8(chunk)
    };
    let mut error = Vec::new();
    command_frame(&Command::Error(b"go away").to_vec(), &mut error);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "pull_push",
            base(ZMQ_PULL, 0, 0, 0).rest(&stream("PUSH", None)).finish(),
        ),
        (
            "router_req_chunked",
            base(ZMQ_ROUTER, 0, 0, 13)
                .rest(&stream("REQ", Some(b"me")))
                .finish(),
        ),
        (
            "zap_200",
            base(ZMQ_PULL, 3, 0, 0).rest(&stream("PUSH", None)).finish(),
        ),
        (
            "zap_400",
            base(ZMQ_PULL, 3, 2, 0).rest(&stream("PUSH", None)).finish(),
        ),
        (
            "wrong_peer",
            base(ZMQ_PULL, 0, 0, 0).rest(&stream("PUB", None)).finish(),
        ),
        ("peer_error", base(ZMQ_PAIR, 0, 0, 0).rest(&error).finish()),
    ];
    out.extend(
        cases
            .into_iter()
            .map(|(n, b)| ("null_handshake", n.to_string(), b)),
    );
}

fn plain_seeds(out: &mut Vec<Seed>) {
    let ready = props(&[("Socket-Type", b"PUSH")]);
    let mut server_stream = Vec::new();
    command_frame(b"\x07WELCOME", &mut server_stream);
    command_frame(&with_prefix(b"\x05READY", &ready), &mut server_stream);
    message_frame(b"data", false, &mut server_stream);
    let client = |chunk: u8, stream: &[u8]| {
        base_script(Script::new().u8(socket_pair_index(ZMQ_PULL)))
            .bytes(b"admin")
            .bytes(b"secret")
            .u8(chunk)
            .rest(stream)
            .finish()
    };
    let mut refused = Vec::new();
    command_frame(b"\x5eRROR\x03400", &mut refused);
    let mut error = Vec::new();
    command_frame(&Command::Error(b"no").to_vec(), &mut error);
    out.push(("plain_client", "complete".into(), client(0, &server_stream)));
    out.push((
        "plain_client",
        "complete_chunked".into(),
        client(17, &server_stream),
    ));
    out.push(("plain_client", "libzmq_error".into(), client(0, &refused)));
    out.push(("plain_client", "error".into(), client(0, &error)));

    let initiate = props(&[("Socket-Type", b"PULL"), ("X-Extra", b"1")]);
    let mut client_stream = Vec::new();
    command_frame(b"\x05HELLO\x05admin\x06secret", &mut client_stream);
    command_frame(&with_prefix(b"\x08INITIATE", &initiate), &mut client_stream);
    message_frame(b"data", false, &mut client_stream);
    let server = |zap: u8, status: u8, chunk: u8| {
        zap_script(
            base_script(Script::new().u8(socket_pair_index(ZMQ_PUSH))).u8(zap),
            status,
            b"admin",
        )
        .u8(chunk)
        .rest(&client_stream)
        .finish()
    };
    out.push(("plain_server", "complete".into(), server(2, 0, 0)));
    out.push(("plain_server", "complete_chunked".into(), server(3, 0, 5)));
    out.push(("plain_server", "zap_300".into(), server(2, 1, 0)));
    out.push(("plain_server", "zap_400".into(), server(2, 2, 0)));
    out.push(("plain_server", "no_handler".into(), server(0, 0, 0)));
}

fn zap_seeds(out: &mut Vec<Seed>) {
    let meta = props(&[("X-Role", b"admin")]);
    for (i, status) in ["200", "300", "400", "500"].iter().enumerate() {
        let s = Script::new()
            .u8(i as u8)
            .bytes(b"user-1")
            .bytes(&meta)
            .finish();
        out.push(("zap_reply", format!("status_{status}"), s));
    }
    let mut raw = Script::new().u8(4).u8(7);
    for frame in ZapReply::frames(b"200", b"u", b"") {
        raw = raw.bytes(&frame);
    }
    out.push(("zap_reply", "raw_frames".into(), raw.finish()));
    out.push((
        "zap_reply",
        "bad_version".into(),
        Script::new().u8(4).u8(7).bytes(b"").bytes(b"2.0").finish(),
    ));
}

fn curve_seeds(out: &mut Vec<Seed>) {
    // CURVE server: socket, base, ZAP byte + reply, then the honest defaults.
    let server = |zap: u8, status: u8| {
        zap_script(
            base_script(Script::new().u8(socket_pair_index(ZMQ_ROUTER))).u8(zap),
            status,
            b"",
        )
    };
    out.push(("curve_server", "honest".into(), server(0, 0).finish()));
    out.push((
        "curve_server",
        "honest_traffic".into(),
        traffic_script(
            server(0, 0)
                .u8(0)
                .u8(0)
                .u8(0)
                .u8(0)
                .u8(0)
                .u8(0)
                .bytes(b"")
                .u8(0),
        )
        .finish(),
    ));
    out.push((
        "curve_server",
        "zap_200".into(),
        traffic_script(
            server(3, 0)
                .u8(0)
                .u8(0)
                .u8(0)
                .u8(0)
                .u8(0)
                .u8(0)
                .bytes(b"")
                .u8(0),
        )
        .finish(),
    ));
    out.push(("curve_server", "zap_400".into(), server(2, 2).finish()));
    out.push((
        "curve_server",
        "identity".into(),
        server(0, 0)
            .u8(0)
            .u8(0)
            .u8(0)
            .u8(0)
            .u8(0)
            .u8(0)
            .bytes(b"peer-id")
            .u8(0)
            .finish(),
    ));
    out.push((
        "curve_server",
        "raw_hello".into(),
        server(0, 0)
            .u8(0)
            .u8(4)
            .bytes(b"\x05HELLO\x01\x00")
            .finish(),
    ));

    // CURVE client: socket, base, WELCOME tail (16), cookie and WELCOME mutations,
    // READY nonce, metadata, READY mutation, traffic.
    let client = || {
        let mut s = base_script(Script::new().u8(socket_pair_index(ZMQ_DEALER)));
        for _ in 0..16 {
            s = s.u8(0);
        }
        s
    };
    out.push(("curve_client", "honest".into(), client().finish()));
    out.push((
        "curve_client",
        "honest_traffic".into(),
        traffic_script(client().u8(0).u8(0).u8(2).u8(0).bytes(b"").u8(0)).finish(),
    ));
    out.push((
        "curve_client",
        "raw_metadata".into(),
        client()
            .u8(0)
            .u8(0)
            .u8(2)
            .u8(1)
            .bytes(b"\x0bSocket-Type\x00\x00\x00\x06ROUTER")
            .u8(0)
            .finish(),
    ));
    out.push((
        "curve_client",
        "error_instead_of_welcome".into(),
        client().u8(0).u8(4).bytes(b"\x05ERROR\x02no").finish(),
    ));

    // curve_message: each way, copied and in place, raw and replayed.
    let mut m = Script::new();
    for op in 0..4u8 {
        m = m.u8(op).u8(op & 1).bytes(b"frame body").u8(0);
    }
    m = m.u8(4).bytes(b"\x07MESSAGE").u8(6).u8(0).u8(7).u8(1);
    out.push(("curve_message", "both_ways".into(), m.finish()));
    out.push((
        "curve_message",
        "flipped".into(),
        Script::new()
            .u8(0)
            .u8(0)
            .bytes(b"abc")
            .u8(1)
            .u16(20)
            .u8(4)
            .finish(),
    ));
}

fn small_seeds(out: &mut Vec<Seed>) {
    let heartbeat = Script::new()
        .u16(100)
        .u16(300)
        .u16(1000)
        .u8(0)
        .u16(150)
        .u8(4)
        .u8(5)
        .u8(2)
        .u16(10)
        .bytes(b"ctx")
        .u8(5)
        .u8(3)
        .bytes(
            &Command::Ping {
                ttl: 5,
                context: b"0123456789abcdefXYZ",
            }
            .to_vec(),
        )
        .u8(5)
        .u8(0)
        .u16(2000)
        .u8(4)
        .finish();
    out.push(("heartbeat", "ping_pong_timeout".into(), heartbeat));
    out.push((
        "heartbeat",
        "off".into(),
        Script::new().u16(0).u16(0).u16(0).u8(4).u8(5).finish(),
    ));

    for (name, body) in [
        ("command_subscribe", Command::Subscribe(b"topic").to_vec()),
        ("command_cancel", Command::Cancel(b"t").to_vec()),
        ("message_subscribe", b"\x01topic".to_vec()),
        ("message_cancel", b"\x00".to_vec()),
    ] {
        out.push(("subscription", name.into(), body));
    }

    for (name, text) in [
        ("hello_world", &b"HelloWorld"[..]),
        ("curve_key", b"Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"),
        ("bad_char", b"Hello~orld"),
        ("overflow", b"%%%%%"),
        ("raw_key", &[7u8; 32]),
    ] {
        out.push(("z85", name.into(), text.to_vec()));
    }

    for (name, text) in [
        ("inproc", "inproc://service"),
        ("tcp", "tcp://127.0.0.1:5555"),
        ("tcp_wildcard", "tcp://*:*"),
        ("ipc_abstract", "ipc://@name"),
        ("ipc_path", "ipc:///tmp/zmq.sock"),
        ("pgm", "pgm://eth0;239.192.1.1:5555"),
        ("unknown", "foo://x"),
        ("no_separator", "inproc:/x"),
    ] {
        out.push(("endpoint", name.into(), text.as_bytes().to_vec()));
    }

    for (name, text) in [
        ("v4", "127.0.0.1:5555"),
        ("wildcard", "*:*"),
        ("interface", "lo:0"),
        ("v6", "[::1]:5555"),
        ("zone", "[fe80::1%lo]:1"),
        ("source", "127.0.0.1:1;127.0.0.1:2"),
        ("atoi_port", "0:70000"),
        ("inet_aton", "127.1:5"),
        ("name", "localhost:5555"),
    ] {
        out.push(("tcp_address", name.into(), text.as_bytes().to_vec()));
    }

    for (name, text) in [
        ("v4", "127.0.0.1:5555"),
        ("wildcard", "*:*"),
        ("interface", "lo:5555"),
        ("v6", "[::1]:5555"),
        ("zone", "[fe80::1%eth0]:5555"),
        ("multicast", "239.0.0.1:5555"),
        ("multicast_on_interface", "eth0;239.0.0.1:5555"),
        ("multicast_on_address", "127.0.0.1;239.0.0.1:5555"),
        ("multicast_v6", "lo;[ff02::1]:5555"),
        ("multicast_v6_any", "*;[ff02::1]:5555"),
        ("atoi_port", "127.0.0.1:70000"),
        ("name", "localhost:5555"),
    ] {
        out.push(("udp_address", name.into(), text.as_bytes().to_vec()));
    }

    for (name, text) in [
        ("path", "/tmp/zmq.sock"),
        ("abstract", "@name"),
        ("wildcard", "*"),
        ("bare_at", "@"),
        ("relative", "dir/sock"),
    ] {
        out.push(("ipc_address", name.into(), text.as_bytes().to_vec()));
    }

    let opt = |s: Script, option: i32, value: &[u8]| s.u8(option as u8).u8(0).bytes(value);
    let sub = opt(Script::new().u8(2), ZMQ_SUBSCRIBE, b"topic");
    let sub = opt(sub, ZMQ_UNSUBSCRIBE, b"topic");
    out.push(("socket_option", "sub".into(), sub.finish()));
    let dealer = opt(Script::new().u8(5), ZMQ_ROUTING_ID, b"id-1");
    let dealer = opt(dealer, ZMQ_SNDHWM, &5i32.to_ne_bytes());
    let dealer = opt(dealer, ZMQ_LINGER, &(-1i32).to_ne_bytes());
    let dealer = opt(dealer, ZMQ_MAXMSGSIZE, &1024i64.to_ne_bytes());
    let dealer = opt(dealer, ZMQ_TCP_ACCEPT_FILTER, b"127.0.0.1/8");
    let dealer = opt(dealer, ZMQ_METADATA, b"X-Key:value");
    let dealer = opt(dealer, ZMQ_PLAIN_USERNAME, b"admin");
    let dealer = opt(
        dealer,
        ZMQ_CURVE_SECRETKEY,
        b"D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs",
    );
    let dealer = opt(dealer, ZMQ_ZAP_DOMAIN, b"global");
    let dealer = opt(dealer, ZMQ_BINDTODEVICE, b"lo");
    let dealer = dealer.u8(ZMQ_SOCKS_PROXY as u8).u8(0xFF).bytes(b"");
    out.push(("socket_option", "dealer".into(), dealer.finish()));
    let router = opt(
        Script::new().u8(6),
        ZMQ_ROUTER_MANDATORY,
        &1i32.to_ne_bytes(),
    );
    let router = opt(router, ZMQ_CONNECT_ROUTING_ID, b"peer");
    let router = opt(router, ZMQ_HEARTBEAT_IVL, &100i32.to_ne_bytes());
    out.push(("socket_option", "router".into(), router.finish()));
    let xpub = opt(Script::new().u8(9), ZMQ_XPUB_VERBOSE, &1i32.to_ne_bytes());
    let xpub = opt(xpub, ZMQ_XPUB_WELCOME_MSG, b"hi");
    out.push(("socket_option", "xpub".into(), xpub.finish()));
}

/// Every seed: (target, file name, bytes).
pub fn all() -> Vec<Seed> {
    let mut out = Vec::new();
    greeting_seeds(&mut out);
    frame_seeds(&mut out);
    command_seeds(&mut out);
    metadata_seeds(&mut out);
    null_seeds(&mut out);
    plain_seeds(&mut out);
    zap_seeds(&mut out);
    curve_seeds(&mut out);
    small_seeds(&mut out);
    out.extend(
        crate::bodies::connection::seeds()
            .into_iter()
            .map(|(name, bytes)| ("connection", name, bytes)),
    );
    out
}
