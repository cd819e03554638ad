//! Expected values come from probing real libzmq 4.3.4 (Debian's libzmq5, built with
//! CURVE and GSSAPI, without draft API) with a C program; the draft-only options, which
//! that build rejects, follow libzmq 4.3.5's source. GSSAPI is not built here, so its
//! options are refused as by a libzmq without it (see security.rs).

mod security;

use super::*;
use crate::constants::*;
use crate::error::{Error, Result};

pub(super) fn dealer() -> Options {
    Options::new(ZMQ_DEALER)
}

pub(super) fn get_int(o: &Options, option: libc::c_int) -> Result<i32> {
    let mut buf = [0xAAu8; 4];
    let len = o.get(option, &mut buf)?;
    assert_eq!(len, 4);
    int_value(&buf)
}

pub(super) fn set_int(o: &mut Options, option: libc::c_int, v: i32) -> Result<()> {
    o.set(option, &v.to_ne_bytes())
}

pub(super) fn get_bytes(o: &Options, option: libc::c_int, size: usize) -> Result<Vec<u8>> {
    let mut buf = vec![0xAAu8; size];
    let len = o.get(option, &mut buf)?;
    buf.truncate(len);
    Ok(buf)
}

#[test]
fn int_defaults_match_libzmq() {
    let o = dealer();
    let table = [
        (ZMQ_SNDHWM, 1000),
        (ZMQ_RCVHWM, 1000),
        (ZMQ_RATE, 100),
        (ZMQ_RECOVERY_IVL, 10000),
        (ZMQ_SNDBUF, -1),
        (ZMQ_RCVBUF, -1),
        (ZMQ_TYPE, ZMQ_DEALER),
        (ZMQ_LINGER, -1),
        (ZMQ_RECONNECT_IVL, 100),
        (ZMQ_BACKLOG, 100),
        (ZMQ_RECONNECT_IVL_MAX, 0),
        (ZMQ_MULTICAST_HOPS, 1),
        (ZMQ_RCVTIMEO, -1),
        (ZMQ_SNDTIMEO, -1),
        (ZMQ_IPV4ONLY, 1),
        (ZMQ_TCP_KEEPALIVE, -1),
        (ZMQ_TCP_KEEPALIVE_CNT, -1),
        (ZMQ_TCP_KEEPALIVE_IDLE, -1),
        (ZMQ_TCP_KEEPALIVE_INTVL, -1),
        (ZMQ_IMMEDIATE, 0),
        (ZMQ_IPV6, 0),
        (ZMQ_MECHANISM, ZMQ_NULL),
        (ZMQ_PLAIN_SERVER, 0),
        (ZMQ_CURVE_SERVER, 0),
        (ZMQ_CONFLATE, 0),
        (ZMQ_TOS, 0),
        (ZMQ_HANDSHAKE_IVL, 30000),
        (ZMQ_INVERT_MATCHING, 0),
        (ZMQ_HEARTBEAT_IVL, 0),
        (ZMQ_HEARTBEAT_TTL, 0),
        (ZMQ_HEARTBEAT_TIMEOUT, -1),
        (ZMQ_CONNECT_TIMEOUT, 0),
        (ZMQ_TCP_MAXRT, 0),
        (ZMQ_MULTICAST_MAXTPDU, 1500),
        (ZMQ_USE_FD, -1),
        (ZMQ_ZAP_ENFORCE_DOMAIN, 0),
        (ZMQ_LOOPBACK_FASTPATH, 0),
        (ZMQ_MULTICAST_LOOP, 1),
        (ZMQ_RECONNECT_STOP, 0),
        // Draft, from the 4.3.5 source (the probed build rejects them).
        (ZMQ_ROUTER_NOTIFY, 0),
        (ZMQ_IN_BATCH_SIZE, 8192),
        (ZMQ_OUT_BATCH_SIZE, 8192),
        (ZMQ_PRIORITY, 0),
    ];
    for (option, expected) in table {
        assert_eq!(get_int(&o, option), Ok(expected), "option {option}");
    }
    let mut buf = [0xAAu8; 8];
    assert_eq!(o.get(ZMQ_MAXMSGSIZE, &mut buf), Ok(8));
    assert_eq!(i64_value(&buf), Ok(-1));
    assert_eq!(o.get(ZMQ_AFFINITY, &mut buf), Ok(8));
    assert_eq!(u64_value(&buf), Ok(0));
}

#[test]
fn type_is_the_socket_type_for_every_type() {
    for socket_type in ZMQ_PAIR..=ZMQ_STREAM {
        assert_eq!(
            get_int(&Options::new(socket_type), ZMQ_TYPE),
            Ok(socket_type)
        );
    }
}

#[test]
fn string_defaults_are_empty_and_nul_terminated() {
    let o = dealer();
    for option in [
        ZMQ_ZAP_DOMAIN,
        ZMQ_PLAIN_USERNAME,
        ZMQ_PLAIN_PASSWORD,
        ZMQ_SOCKS_PROXY,
        ZMQ_SOCKS_USERNAME,
        ZMQ_SOCKS_PASSWORD,
        ZMQ_BINDTODEVICE,
        ZMQ_LAST_ENDPOINT,
    ] {
        assert_eq!(
            get_bytes(&o, option, 0),
            Err(Error::Inval),
            "option {option}"
        );
        assert_eq!(get_bytes(&o, option, 1), Ok(vec![0]), "option {option}");
        // The rest of a larger buffer is zeroed, the reported length stays 1.
        let mut buf = [0xAAu8; 8];
        assert_eq!(o.get(option, &mut buf), Ok(1));
        assert_eq!(buf, [0; 8]);
    }
    // Binary: the routing id is empty and needs no room at all.
    assert_eq!(get_bytes(&o, ZMQ_ROUTING_ID, 0), Ok(vec![]));
    assert_eq!(get_bytes(&o, ZMQ_ROUTING_ID, 4), Ok(vec![]));
}

#[test]
fn int_getters_need_exactly_sizeof_int() {
    let o = dealer();
    for size in [0, 2, 3, 5, 8] {
        assert_eq!(get_bytes(&o, ZMQ_SNDHWM, size), Err(Error::Inval));
    }
    for size in [4, 16] {
        assert_eq!(get_bytes(&o, ZMQ_MAXMSGSIZE, size), Err(Error::Inval));
        assert_eq!(get_bytes(&o, ZMQ_AFFINITY, size), Err(Error::Inval));
    }
}

#[test]
fn int_setters_need_exactly_sizeof_int() {
    let mut o = dealer();
    assert_eq!(o.set(ZMQ_SNDHWM, &5i16.to_ne_bytes()), Err(Error::Inval));
    assert_eq!(o.set(ZMQ_SNDHWM, &5i64.to_ne_bytes()), Err(Error::Inval));
    assert_eq!(
        o.set(ZMQ_HEARTBEAT_TTL, &5i16.to_ne_bytes()),
        Err(Error::Inval)
    );
    assert_eq!(
        o.set(ZMQ_MAXMSGSIZE, &5i32.to_ne_bytes()),
        Err(Error::Inval)
    );
    assert_eq!(o.set(ZMQ_AFFINITY, &5i32.to_ne_bytes()), Err(Error::Inval));
    assert_eq!(o.set_nullable(ZMQ_CURVE_SERVER, None), Err(Error::Inval));
    assert_eq!(o.sndhwm, 1000);
}

#[test]
fn int_ranges_match_libzmq() {
    // (option, smallest accepted, rejected value below it)
    let table = [
        (ZMQ_SNDHWM, 0, -1),
        (ZMQ_RCVHWM, 0, -1),
        (ZMQ_RATE, 1, 0),
        (ZMQ_RECOVERY_IVL, 0, -1),
        (ZMQ_SNDBUF, -1, -2),
        (ZMQ_RCVBUF, -1, -2),
        (ZMQ_TOS, 0, -1),
        (ZMQ_LINGER, -1, -2),
        (ZMQ_RECONNECT_IVL, -1, -2),
        (ZMQ_RECONNECT_IVL_MAX, 0, -1),
        (ZMQ_BACKLOG, 0, -1),
        (ZMQ_MULTICAST_HOPS, 1, 0),
        (ZMQ_MULTICAST_MAXTPDU, 1, 0),
        (ZMQ_RCVTIMEO, -1, -2),
        (ZMQ_SNDTIMEO, -1, -2),
        (ZMQ_TCP_KEEPALIVE_CNT, -1, -2),
        (ZMQ_TCP_KEEPALIVE_IDLE, -1, -2),
        (ZMQ_TCP_KEEPALIVE_INTVL, -1, -2),
        (ZMQ_HANDSHAKE_IVL, 0, -1),
        (ZMQ_HEARTBEAT_IVL, 0, -1),
        (ZMQ_HEARTBEAT_TIMEOUT, 0, -1),
        (ZMQ_CONNECT_TIMEOUT, 0, -1),
        (ZMQ_TCP_MAXRT, 0, -1),
        (ZMQ_USE_FD, -1, -2),
        (ZMQ_IN_BATCH_SIZE, 1, 0),
        (ZMQ_OUT_BATCH_SIZE, 1, 0),
        (ZMQ_PRIORITY, 0, -1),
    ];
    for (option, min, below) in table {
        let mut o = dealer();
        assert_eq!(
            set_int(&mut o, option, below),
            Err(Error::Inval),
            "{option}"
        );
        assert_eq!(set_int(&mut o, option, min), Ok(()), "{option}");
        assert_eq!(get_int(&o, option), Ok(min), "{option}");
        assert_eq!(set_int(&mut o, option, 12345.max(min)), Ok(()), "{option}");
    }
    let mut o = dealer();
    assert_eq!(set_int(&mut o, ZMQ_TCP_KEEPALIVE, 2), Err(Error::Inval));
    assert_eq!(set_int(&mut o, ZMQ_TCP_KEEPALIVE, -2), Err(Error::Inval));
    assert_eq!(set_int(&mut o, ZMQ_TCP_KEEPALIVE, 1), Ok(()));
    assert_eq!(get_int(&o, ZMQ_TCP_KEEPALIVE), Ok(1));
    assert_eq!(set_int(&mut o, ZMQ_TCP_KEEPALIVE_CNT, 0), Ok(()));
    assert_eq!(set_int(&mut o, ZMQ_RECONNECT_STOP, -7), Ok(()));
    assert_eq!(get_int(&o, ZMQ_RECONNECT_STOP), Ok(-7));
    assert_eq!(o.set(ZMQ_MAXMSGSIZE, &(-5i64).to_ne_bytes()), Ok(()));
    assert_eq!(o.maxmsgsize, -5);
    assert_eq!(o.set(ZMQ_AFFINITY, &u64::MAX.to_ne_bytes()), Ok(()));
    assert_eq!(o.affinity, u64::MAX);
}

#[test]
fn strict_and_relaxed_booleans() {
    for option in [
        ZMQ_IPV6,
        ZMQ_IPV4ONLY,
        ZMQ_IMMEDIATE,
        ZMQ_CONFLATE,
        ZMQ_PLAIN_SERVER,
        ZMQ_CURVE_SERVER,
    ] {
        assert_eq!(
            set_int(&mut dealer(), option, 2),
            Err(Error::Inval),
            "{option}"
        );
    }
    for option in [
        ZMQ_INVERT_MATCHING,
        ZMQ_ZAP_ENFORCE_DOMAIN,
        ZMQ_LOOPBACK_FASTPATH,
    ] {
        let mut o = dealer();
        assert_eq!(set_int(&mut o, option, 5), Ok(()));
        assert_eq!(get_int(&o, option), Ok(1));
        assert_eq!(set_int(&mut o, option, -3), Ok(()));
        assert_eq!(get_int(&o, option), Ok(1));
    }
    let mut o = dealer();
    assert_eq!(set_int(&mut o, ZMQ_MULTICAST_LOOP, 0), Ok(()));
    assert_eq!(get_int(&o, ZMQ_MULTICAST_LOOP), Ok(0));
    assert_eq!(set_int(&mut o, ZMQ_IPV4ONLY, 0), Ok(()));
    assert_eq!(get_int(&o, ZMQ_IPV6), Ok(1));
    assert_eq!(get_int(&o, ZMQ_IPV4ONLY), Ok(0));
}

#[test]
fn heartbeat_ttl_is_kept_in_deciseconds() {
    let mut o = dealer();
    assert_eq!(set_int(&mut o, ZMQ_HEARTBEAT_TTL, 150), Ok(()));
    assert_eq!(get_int(&o, ZMQ_HEARTBEAT_TTL), Ok(100));
    assert_eq!(set_int(&mut o, ZMQ_HEARTBEAT_TTL, 6_553_599), Ok(()));
    assert_eq!(get_int(&o, ZMQ_HEARTBEAT_TTL), Ok(6_553_500));
    assert_eq!(o.heartbeat_ttl, u16::MAX);
    assert_eq!(
        set_int(&mut o, ZMQ_HEARTBEAT_TTL, 6_553_600),
        Err(Error::Inval)
    );
    assert_eq!(set_int(&mut o, ZMQ_HEARTBEAT_TTL, -99), Ok(()));
    assert_eq!(get_int(&o, ZMQ_HEARTBEAT_TTL), Ok(0));
    assert_eq!(set_int(&mut o, ZMQ_HEARTBEAT_TTL, -100), Err(Error::Inval));
}

#[test]
fn routing_id_is_1_to_255_binary_bytes() {
    let mut o = dealer();
    assert_eq!(o.set(ZMQ_ROUTING_ID, &[]), Err(Error::Inval));
    assert_eq!(o.set(ZMQ_ROUTING_ID, &[b'a'; 256]), Err(Error::Inval));
    assert_eq!(o.set(ZMQ_ROUTING_ID, &[b'a'; 255]), Ok(()));
    assert_eq!(o.set(ZMQ_ROUTING_ID, b"\0ab"), Ok(()));
    assert_eq!(get_bytes(&o, ZMQ_ROUTING_ID, 2), Err(Error::Inval));
    assert_eq!(get_bytes(&o, ZMQ_ROUTING_ID, 3), Ok(b"\0ab".to_vec()));
    let mut buf = [0xAAu8; 5];
    assert_eq!(o.get(ZMQ_ROUTING_ID, &mut buf), Ok(3));
    assert_eq!(buf, *b"\0ab\0\0");
}

#[test]
fn string_options_round_trip_with_their_limits() {
    let long = [b'a'; 300];
    // (option, longest accepted)
    let table = [
        (ZMQ_ZAP_DOMAIN, 255),
        (ZMQ_PLAIN_USERNAME, 255),
        (ZMQ_PLAIN_PASSWORD, 255),
        (ZMQ_SOCKS_USERNAME, 255),
        (ZMQ_SOCKS_PASSWORD, 255),
        (ZMQ_BINDTODEVICE, 16),
    ];
    for (option, max) in table {
        let mut o = dealer();
        assert_eq!(
            o.set(option, &long[..max + 1]),
            Err(Error::Inval),
            "{option}"
        );
        assert_eq!(o.set(option, &long[..max]), Ok(()), "{option}");
        assert_eq!(get_bytes(&o, option, max), Err(Error::Inval), "{option}");
        let mut expected = long[..max].to_vec();
        expected.push(0);
        assert_eq!(get_bytes(&o, option, max + 1), Ok(expected), "{option}");
    }
    let mut o = dealer();
    assert_eq!(o.set(ZMQ_SOCKS_PROXY, &long), Ok(()));
    assert_eq!(
        get_bytes(&o, ZMQ_SOCKS_PROXY, 301).map(|v| v.len()),
        Ok(301)
    );
}

#[test]
fn empty_and_null_values() {
    let mut o = dealer();
    // ZAP_DOMAIN cannot be emptied again, by either form.
    assert_eq!(o.set(ZMQ_ZAP_DOMAIN, b"abc"), Ok(()));
    assert_eq!(o.set(ZMQ_ZAP_DOMAIN, b""), Err(Error::Inval));
    assert_eq!(o.set_nullable(ZMQ_ZAP_DOMAIN, None), Err(Error::Inval));
    assert_eq!(get_bytes(&o, ZMQ_ZAP_DOMAIN, 10), Ok(b"abc\0".to_vec()));
    // NULL resets BINDTODEVICE and SOCKS_PROXY; an empty non-NULL value is refused.
    for option in [ZMQ_BINDTODEVICE, ZMQ_SOCKS_PROXY] {
        assert_eq!(o.set(option, b"lo"), Ok(()));
        assert_eq!(o.set(option, b""), Err(Error::Inval));
        assert_eq!(o.set_nullable(option, None), Ok(()));
        assert_eq!(get_bytes(&o, option, 4), Ok(vec![0]));
    }
    // SOCKS credentials: empty and NULL both reset.
    assert_eq!(o.set(ZMQ_SOCKS_USERNAME, b"me"), Ok(()));
    assert_eq!(o.set(ZMQ_SOCKS_USERNAME, b""), Ok(()));
    assert!(o.socks_username.is_empty());
    assert_eq!(o.set(ZMQ_SOCKS_PASSWORD, b"pw"), Ok(()));
    assert_eq!(o.set_nullable(ZMQ_SOCKS_PASSWORD, None), Ok(()));
    assert!(o.socks_password.is_empty());
    // GSSAPI is not built: its principals are refused whatever the value.
    assert_eq!(
        o.set_nullable(ZMQ_GSSAPI_PRINCIPAL, None),
        Err(Error::Inval)
    );
    assert_eq!(o.set(ZMQ_GSSAPI_SERVICE_PRINCIPAL, b""), Err(Error::Inval));
    // The binary draft messages take anything; empty clears.
    for option in [ZMQ_HELLO_MSG, ZMQ_DISCONNECT_MSG, ZMQ_HICCUP_MSG] {
        assert_eq!(o.set(option, b"\0hi"), Ok(()));
        assert_eq!(o.set_nullable(option, None), Ok(()));
    }
    assert!(o.hello_msg.is_empty() && o.disconnect_msg.is_empty() && o.hiccup_msg.is_empty());
    assert_eq!(o.set(ZMQ_HELLO_MSG, b"hi"), Ok(()));
    assert_eq!(o.hello_msg, b"hi");
}

#[test]
fn write_only_and_unknown_options_cannot_be_read() {
    let mut o = Options::new(ZMQ_ROUTER);
    assert_eq!(o.set(ZMQ_CONNECT_ROUTING_ID, b"peer"), Ok(()));
    assert_eq!(o.set(ZMQ_METADATA, b"X-a:b"), Ok(()));
    for option in [
        ZMQ_TCP_ACCEPT_FILTER,
        ZMQ_IPC_FILTER_PID,
        ZMQ_IPC_FILTER_UID,
        ZMQ_IPC_FILTER_GID,
        ZMQ_METADATA,
        ZMQ_CONNECT_ROUTING_ID,
        ZMQ_HELLO_MSG,
        ZMQ_DISCONNECT_MSG,
        ZMQ_HICCUP_MSG,
        ZMQ_SUBSCRIBE,
        ZMQ_RCVMORE,
        ZMQ_FD,
        ZMQ_EVENTS,
        ZMQ_THREAD_SAFE,
        ZMQ_BLOCKY,
        ZMQ_VMCI_CONNECT_TIMEOUT,
        ZMQ_TOPICS_COUNT,
        10,
        9999,
    ] {
        assert_eq!(get_bytes(&o, option, 4), Err(Error::Inval), "{option}");
        assert_eq!(get_bytes(&o, option, 64), Err(Error::Inval), "{option}");
    }
}

#[test]
fn read_only_options_cannot_be_set() {
    let mut o = dealer();
    for option in [
        ZMQ_TYPE,
        ZMQ_MECHANISM,
        ZMQ_LAST_ENDPOINT,
        ZMQ_ROUTER_NOTIFY,
    ] {
        assert_eq!(set_int(&mut o, option, 1), Err(Error::Inval), "{option}");
    }
}

#[test]
fn socket_type_specific_options_are_left_to_the_socket() {
    let mut o = dealer();
    for option in [
        ZMQ_ROUTER_MANDATORY,
        ZMQ_ROUTER_HANDOVER,
        ZMQ_ROUTER_RAW,
        ZMQ_ROUTER_NOTIFY,
        ZMQ_PROBE_ROUTER,
        ZMQ_REQ_CORRELATE,
        ZMQ_REQ_RELAXED,
        ZMQ_XPUB_VERBOSE,
        ZMQ_XPUB_VERBOSER,
        ZMQ_XPUB_MANUAL,
        ZMQ_XPUB_MANUAL_LAST_VALUE,
        ZMQ_XPUB_NODROP,
        ZMQ_STREAM_NOTIFY,
        ZMQ_ONLY_FIRST_SUBSCRIBE,
        ZMQ_XSUB_VERBOSE_UNSUBSCRIBE,
        ZMQ_BLOCKY,
        ZMQ_RCVMORE,
        ZMQ_FD,
        ZMQ_EVENTS,
        ZMQ_THREAD_SAFE,
    ] {
        assert_eq!(set_int(&mut o, option, 1), Err(Error::Inval), "{option}");
    }
    for option in [ZMQ_SUBSCRIBE, ZMQ_UNSUBSCRIBE, ZMQ_XPUB_WELCOME_MSG] {
        assert_eq!(o.set(option, b"a"), Err(Error::Inval), "{option}");
    }
}

#[test]
fn connect_routing_id_only_on_router_and_stream() {
    for socket_type in ZMQ_PAIR..=ZMQ_STREAM {
        let mut o = Options::new(socket_type);
        let expected = if socket_type == ZMQ_ROUTER || socket_type == ZMQ_STREAM {
            Ok(())
        } else {
            Err(Error::Inval)
        };
        assert_eq!(
            o.set(ZMQ_CONNECT_ROUTING_ID, b"ab"),
            expected,
            "{socket_type}"
        );
        assert_eq!(o.set(ZMQ_CONNECT_ROUTING_ID, b""), Err(Error::Inval));
        assert_eq!(
            o.set_nullable(ZMQ_CONNECT_ROUTING_ID, None),
            Err(Error::Inval)
        );
    }
    let mut o = Options::new(ZMQ_ROUTER);
    assert_eq!(o.set(ZMQ_CONNECT_ROUTING_ID, &[b'r'; 256]), Ok(()));
    assert_eq!(o.connect_routing_id.take().map(|id| id.len()), Some(256));
}

#[test]
fn metadata_validation() {
    let mut o = dealer();
    let table: [(&[u8], bool); 10] = [
        (b"X-foo:bar", true),
        (b"foo:bar", false),
        (b"X-foo:", false),
        (b":X-a", false),
        (b"X-a:b", true),
        (b"X-:b", false), // 4 bytes: taken for an int
        (b"X-:bc", true),
        (b"X-a:b:c", true),
        (b"x-a:2", false),
        (b"", false),
    ];
    for (value, accepted) in table {
        assert_eq!(o.set(ZMQ_METADATA, value).is_ok(), accepted, "{value:?}");
    }
    assert_eq!(o.set_nullable(ZMQ_METADATA, None), Err(Error::Inval));
    let mut long = b"X-".to_vec();
    long.extend_from_slice(&[b'k'; 254]);
    long.extend_from_slice(b":v");
    assert_eq!(o.set(ZMQ_METADATA, &long), Err(Error::Inval));
    // The first value of a name stays.
    assert_eq!(o.set(ZMQ_METADATA, b"X-a:other"), Ok(()));
    assert_eq!(o.metadata.get(&b"X-a"[..]).cloned(), Some(b"b".to_vec()));
    assert_eq!(o.metadata.get(&b"X-"[..]).cloned(), Some(b"bc".to_vec()));
}

#[test]
fn accept_and_ipc_filters() {
    let mut o = dealer();
    assert_eq!(o.set(ZMQ_TCP_ACCEPT_FILTER, b"127.0.0.1"), Ok(()));
    assert_eq!(o.set(ZMQ_TCP_ACCEPT_FILTER, b"10.0.0.0/8"), Ok(()));
    assert_eq!(o.set(ZMQ_TCP_ACCEPT_FILTER, b"bogus"), Err(Error::Inval));
    assert_eq!(o.set(ZMQ_TCP_ACCEPT_FILTER, b""), Err(Error::Inval));
    assert_eq!(
        o.set(ZMQ_TCP_ACCEPT_FILTER, &[b'1'; 256]),
        Err(Error::Inval)
    );
    assert_eq!(o.tcp_accept_filters.len(), 2);
    assert_eq!(o.set_nullable(ZMQ_TCP_ACCEPT_FILTER, None), Ok(()));
    assert!(o.tcp_accept_filters.is_empty());

    let five = 5i32.to_ne_bytes();
    for option in [ZMQ_IPC_FILTER_PID, ZMQ_IPC_FILTER_UID, ZMQ_IPC_FILTER_GID] {
        assert_eq!(o.set(option, &five), Ok(()));
        assert_eq!(o.set(option, &5i64.to_ne_bytes()), Err(Error::Inval));
        assert_eq!(o.set(option, b""), Err(Error::Inval));
    }
    assert!(o.ipc_filter_pids.contains(&5) && o.ipc_filter_uids.contains(&5));
    assert_eq!(o.set_nullable(ZMQ_IPC_FILTER_GID, None), Ok(()));
    assert!(o.ipc_filter_gids.is_empty());
}

#[test]
fn last_endpoint_is_a_nul_terminated_string() {
    let mut o = dealer();
    o.last_endpoint = "tcp://127.0.0.1:38495".to_string();
    assert_eq!(get_bytes(&o, ZMQ_LAST_ENDPOINT, 5), Err(Error::Inval));
    let mut buf = [0xAAu8; 100];
    assert_eq!(o.get(ZMQ_LAST_ENDPOINT, &mut buf), Ok(22));
    assert_eq!(&buf[..22], b"tcp://127.0.0.1:38495\0");
    assert!(buf[22..].iter().all(|&b| b == 0));
}

#[test]
fn busy_poll_getter_fails_after_writing_as_in_libzmq() {
    let mut o = dealer();
    assert_eq!(set_int(&mut o, ZMQ_BUSY_POLL, -1), Ok(()));
    let mut buf = [0u8; 4];
    assert_eq!(o.get(ZMQ_BUSY_POLL, &mut buf), Err(Error::Inval));
    assert_eq!(int_value(&buf), Ok(-1));
}

#[test]
fn decoding_helpers() {
    assert_eq!(int_value(&7i32.to_ne_bytes()), Ok(7));
    assert_eq!(int_value(&[0; 3]), Err(Error::Inval));
    assert_eq!(bool_value(&1i32.to_ne_bytes()), Ok(true));
    assert_eq!(bool_value(&2i32.to_ne_bytes()), Err(Error::Inval));
    assert_eq!(relaxed_bool_value(&2i32.to_ne_bytes()), Ok(true));
    let mut out = [0u8; 4];
    assert_eq!(put_int(&mut out, -2), Ok(4));
    assert_eq!(i32::from_ne_bytes(out), -2);
    assert_eq!(put_int(&mut [0u8; 8], 1), Err(Error::Inval));
    assert_eq!(put_str(&mut [0u8; 3], b"abc"), Err(Error::Inval));
    assert_eq!(put_bytes(&mut [0u8; 3], b"abc"), Ok(3));
}
