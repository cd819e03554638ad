use super::*;

/// A host with `lo` (1: 127.0.0.1, ::1), `eth0` (2: 192.0.2.5, 2001:db8::5) and
/// `tun0` (3, no address); numeric addresses resolve as getaddrinfo does (IPv4 as
/// v4-mapped when IPv6 is asked for), names only with DNS: `localhost`, and `oom`
/// runs out of memory.
struct FakeHost;

impl HostLookup for FakeHost {
    fn interface_index(&self, name: &str) -> u32 {
        match name {
            "lo" => 1,
            "eth0" => 2,
            "tun0" => 3,
            _ => 0,
        }
    }

    fn interface_address(&self, name: &str, ipv6: bool) -> Option<IpAddr> {
        let text = match (name, ipv6) {
            ("lo", false) => "127.0.0.1",
            ("lo", true) => "::1",
            ("eth0", false) => "192.0.2.5",
            ("eth0", true) => "2001:db8::5",
            _ => return None,
        };
        text.parse().ok()
    }

    fn host_address(
        &self,
        host: &str,
        query: &HostQuery,
    ) -> std::result::Result<IpAddr, LookupFailure> {
        let numeric = match (host.parse::<IpAddr>(), query.ipv6) {
            (Ok(IpAddr::V4(v4)), false) => Some(IpAddr::V4(v4)),
            (Ok(IpAddr::V4(v4)), true) => Some(IpAddr::V6(v4.to_ipv6_mapped())),
            (Ok(IpAddr::V6(v6)), true) => Some(IpAddr::V6(v6)),
            _ => None,
        };
        if let Some(ip) = numeric {
            return Ok(ip);
        }
        match host {
            _ if query.numeric_only => Err(LookupFailure::NotFound),
            "localhost" if query.ipv6 => Ok(IpAddr::V6(Ipv6Addr::LOCALHOST)),
            "localhost" => Ok(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            "oom" => Err(LookupFailure::NoMemory),
            _ => Err(LookupFailure::NotFound),
        }
    }
}

fn bind(text: &str, ipv6: bool) -> Result<UdpAddress> {
    resolve_with(text, true, ipv6, &FakeHost)
}

fn connect(text: &str, ipv6: bool) -> Result<UdpAddress> {
    resolve_with(text, false, ipv6, &FakeHost)
}

fn sa(text: &str) -> SocketAddr {
    text.parse().unwrap()
}

#[test]
fn unicast_bind_is_the_local_address() {
    let a = bind("127.0.0.1:5556", false).unwrap();
    assert_eq!(a.bind_address(), sa("127.0.0.1:5556"));
    assert!(!a.is_multicast());
    assert_eq!(
        bind("*:5556", false).unwrap().bind_address(),
        sa("0.0.0.0:5556")
    );
    // Any port: `*` or 0.
    assert_eq!(bind("*:*", false).unwrap().bind_address(), sa("0.0.0.0:0"));
    assert_eq!(bind("*:0", false).unwrap().bind_address(), sa("0.0.0.0:0"));
    // Interface names, then names by DNS (libzmq 4.3.5; 4.3.4 took numbers only).
    assert_eq!(
        bind("lo:5556", false).unwrap().bind_address(),
        sa("127.0.0.1:5556")
    );
    assert_eq!(
        bind("eth0:5556", false).unwrap().bind_address(),
        sa("192.0.2.5:5556")
    );
    assert_eq!(
        bind("localhost:5556", false).unwrap().bind_address(),
        sa("127.0.0.1:5556")
    );
}

#[test]
fn ipv6_unicast_needs_zmq_ipv6() {
    let a = bind("[::1]:5556", true).unwrap();
    assert_eq!(a.bind_address(), sa("[::1]:5556"));
    assert!(a.is_ipv6());
    assert_eq!(
        bind("::1:5556", true).unwrap().bind_address(),
        sa("[::1]:5556")
    );
    assert_eq!(
        bind("*:5556", true).unwrap().bind_address(),
        sa("[::]:5556")
    );
    assert_eq!(
        bind("lo:5556", true).unwrap().bind_address(),
        sa("[::1]:5556")
    );
    assert_eq!(
        bind("127.0.0.1:5556", true).unwrap().bind_address(),
        sa("[::ffff:127.0.0.1]:5556")
    );
    let c = connect("[::1]:5556", true).unwrap();
    assert_eq!(c.target, sa("[::1]:5556"));
    assert_eq!(c.local, sa("[::]:5556"));
    assert_eq!(
        connect("localhost:5556", true).unwrap().target,
        sa("[::1]:5556")
    );
    // Without ZMQ_IPV6 an IPv6 address does not resolve: a bind's ENODEV, a
    // connect's EINVAL.
    assert_eq!(bind("[::1]:5556", false), Err(Error::NoDev));
    assert_eq!(connect("[::1]:5556", false), Err(Error::Inval));
}

#[test]
fn zones() {
    let a = connect("[fe80::1%eth0]:5556", true).unwrap();
    assert_eq!(a.target, sa("[fe80::1%2]:5556"));
    assert_eq!(
        connect("[fe80::1%7]:5556", true).unwrap().target,
        sa("[fe80::1%7]:5556")
    );
    assert_eq!(connect("[fe80::1%]:5556", true), Err(Error::Inval));
    assert_eq!(connect("[fe80::1%nonic]:5556", true), Err(Error::Inval));
    assert_eq!(connect("[fe80::1%0]:5556", true), Err(Error::Inval));
    // An IPv4 address takes no scope: the zone is checked, then dropped.
    assert_eq!(
        connect("127.0.0.1%lo:5556", false).unwrap().target,
        sa("127.0.0.1:5556")
    );
}

#[test]
fn unicast_connect_is_the_destination() {
    let a = connect("127.0.0.1:5556", false).unwrap();
    assert_eq!(a.target, sa("127.0.0.1:5556"));
    assert_eq!(a.local, sa("0.0.0.0:5556"));
    assert_eq!(
        connect("localhost:5556", false).unwrap().target,
        sa("127.0.0.1:5556")
    );
    // No interface names and no `*` for a peer.
    assert_eq!(connect("lo:5556", false), Err(Error::Inval));
    assert_eq!(connect("*:5556", false), Err(Error::Inval));
    assert_eq!(connect("127.0.0.1:*", false), Err(Error::Inval));
    assert_eq!(connect("127.0.0.1:0", false).unwrap().target.port(), 0);
}

#[test]
fn ports_are_read_as_atoi() {
    assert_eq!(
        connect("127.0.0.1:70000", false).unwrap().target.port(),
        4464
    );
    assert_eq!(
        connect("127.0.0.1:5556x", false).unwrap().target.port(),
        5556
    );
    assert_eq!(connect("127.0.0.1:-1", false).unwrap().target.port(), 65535);
    assert_eq!(connect("127.0.0.1:x", false), Err(Error::Inval));
    assert_eq!(connect("127.0.0.1:65536", false), Err(Error::Inval));
    assert_eq!(connect("127.0.0.1:", false), Err(Error::Inval));
    assert_eq!(bind("127.0.0.1:00", false), Err(Error::Inval));
}

#[test]
fn ipv4_multicast_with_and_without_interface() {
    let a = bind("239.0.0.1:5556", false).unwrap();
    assert!(a.is_multicast());
    assert_eq!(a.bind_address(), sa("0.0.0.0:5556"));
    assert_eq!(a.local, sa("0.0.0.0:5556"));
    assert_eq!(a.interface_index, Some(0));
    let b = connect("127.0.0.1;239.0.0.1:5556", false).unwrap();
    assert_eq!(b.local, sa("127.0.0.1:5556"));
    assert_eq!(b.target, sa("239.0.0.1:5556"));
    assert_eq!(b.interface_index, None);
    let c = bind("eth0;239.0.0.1:5556", false).unwrap();
    assert_eq!(c.local, sa("192.0.2.5:5556"));
    assert_eq!(c.bind_address(), sa("0.0.0.0:5556"));
    assert_eq!(c.interface_index, Some(2));
    let d = bind("*;239.0.0.1:5556", true);
    assert_eq!(
        d.map(|d| d.interface_index),
        Err(Error::Inval),
        "family mix"
    );
    assert_eq!(
        bind("*;239.0.0.1:5556", false).unwrap().interface_index,
        Some(0)
    );
}

#[test]
fn ipv6_multicast_joins_by_interface_index() {
    let a = bind("[ff02::1]:5556", true).unwrap();
    assert!(a.is_multicast());
    assert_eq!(a.bind_address(), sa("[::]:5556"));
    assert_eq!(a.interface_index, Some(0));
    let b = connect("eth0;[ff02::1]:5556", true).unwrap();
    assert_eq!(b.interface_index, Some(2));
    assert_eq!(b.local, sa("[2001:db8::5]:5556"));
    assert_eq!(
        connect("*;[ff02::1]:5556", true).unwrap().interface_index,
        Some(0)
    );
    // By address there is no index: ENODEV.
    assert_eq!(connect("::1;[ff02::1]:5556", true), Err(Error::NoDev));
    assert_eq!(
        connect("[2001:db8::5];[ff02::1]:5556", true),
        Err(Error::NoDev)
    );
    // An interface without an IPv6 address does not resolve.
    assert_eq!(connect("tun0;[ff02::1]:5556", true), Err(Error::NoDev));
    // Without ZMQ_IPV6, the group does not resolve.
    assert_eq!(connect("[ff02::1]:5556", false), Err(Error::Inval));
    assert_eq!(bind("[ff02::1]:5556", false), Err(Error::NoDev));
    // IPv4 groups with ZMQ_IPV6 are v4-mapped: not multicast to libzmq.
    assert!(!connect("239.0.0.1:5556", true).unwrap().is_multicast());
}

#[test]
fn interface_errors() {
    // Only with a multicast host, never a multicast address, numeric or named.
    assert_eq!(bind("127.0.0.1;127.0.0.1:5556", false), Err(Error::Inval));
    assert_eq!(connect("lo;127.0.0.1:5556", false), Err(Error::Inval));
    assert_eq!(bind("239.0.0.2;239.0.0.1:5556", false), Err(Error::Inval));
    assert_eq!(bind("nonic0;239.0.0.1:5556", false), Err(Error::NoDev));
    assert_eq!(bind("localhost;239.0.0.1:5556", false), Err(Error::NoDev));
    assert_eq!(bind(";239.0.0.1:5556", false), Err(Error::NoDev));
    // The interface is resolved first: its error wins.
    assert_eq!(bind("nonic0;nohost:x", false), Err(Error::NoDev));
    // The last ';' splits.
    assert_eq!(bind("lo;lo;239.0.0.1:5556", false), Err(Error::NoDev));
}

#[test]
fn lookup_failures() {
    assert_eq!(bind("nohost:5556", false), Err(Error::NoDev));
    assert_eq!(connect("nohost:5556", false), Err(Error::Inval));
    assert_eq!(bind(":5556", false), Err(Error::NoDev));
    assert_eq!(connect(":5556", false), Err(Error::Inval));
    assert_eq!(connect("oom:5556", false), Err(Error::NoMem));
    assert_eq!(bind("127.0.0.1", false), Err(Error::Inval));
    assert_eq!(bind("", false), Err(Error::Inval));
}

#[test]
fn the_system_lookup() {
    let a = resolve("lo:5556", true, false).unwrap();
    assert_eq!(a.bind_address(), sa("127.0.0.1:5556"));
    assert_eq!(
        resolve("nonic0;239.0.0.1:5556", true, false),
        Err(Error::NoDev)
    );
    let b = resolve("lo;[ff02::1]:5556", false, true);
    if std::net::UdpSocket::bind("[::1]:0").is_ok() {
        assert_eq!(b.unwrap().interface_index, Some(1));
    }
}

/// libzmq's invariants hold for any text: an address of one family, the option's;
/// IPv6 multicast with an interface index; an interface only with multicast; only
/// the errors libzmq gives.
#[test]
fn arbitrary_text_never_panics() {
    const PIECES: [&str; 24] = [
        "*",
        ":",
        ";",
        "[",
        "]",
        "%",
        "lo",
        "eth0",
        "tun0",
        "nonic",
        "127.0.0.1",
        "::1",
        "239.0.0.1",
        "ff02::1",
        "fe80::1",
        "localhost",
        "oom",
        "5556",
        "0",
        "-1",
        "70000",
        "x",
        "",
        "\0",
    ];
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..20_000 {
        let mut text = String::new();
        for _ in 0..(next() % 8) {
            text.push_str(PIECES[(next() % PIECES.len() as u64) as usize]);
        }
        for (is_bind, ipv6) in [(true, false), (true, true), (false, false), (false, true)] {
            match resolve_with(&text, is_bind, ipv6, &FakeHost) {
                Ok(a) => {
                    assert_eq!(a.target.is_ipv6(), ipv6, "{text:?}");
                    assert_eq!(a.local.is_ipv6(), ipv6, "{text:?}");
                    if a.is_multicast() && ipv6 {
                        assert!(a.interface_index.is_some(), "{text:?}");
                    }
                    if text.contains(';') {
                        assert!(a.is_multicast(), "{text:?}");
                    } else if is_bind && !a.is_multicast() {
                        assert_eq!(a.bind_address(), a.target, "{text:?}");
                    } else {
                        assert!(a.local.ip().is_unspecified(), "{text:?}");
                    }
                    assert_eq!(a.local.port(), a.target.port(), "{text:?}");
                }
                Err(e) => assert!(
                    matches!(e, Error::Inval | Error::NoDev | Error::NoMem),
                    "{text:?}: {e:?}"
                ),
            }
        }
    }
}
