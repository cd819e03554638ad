//! udp addresses (`[iface;]host:port`), for bind and connect, with and without
//! ZMQ_IPV6, resolved against a fixed pretend host (interfaces `lo` and `eth0`,
//! numeric addresses, one DNS name) so nothing touches the network. A resolved
//! address has the family ZMQ_IPV6 asks for on both sides, an interface index when
//! it is IPv6 multicast, an interface only with multicast; errors are libzmq's.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use zmq::error::Error;
use zmq::transport::host_lookup::{HostLookup, HostQuery, LookupFailure};
use zmq::transport::udp_address::resolve_with;

struct PretendHost;

impl HostLookup for PretendHost {
    fn interface_index(&self, name: &str) -> u32 {
        match name {
            "lo" => 1,
            "eth0" => 2,
            _ => 0,
        }
    }

    fn interface_address(&self, name: &str, ipv6: bool) -> Option<IpAddr> {
        match (name, ipv6) {
            ("lo", false) => Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            ("lo", true) => Some(IpAddr::V6(Ipv6Addr::LOCALHOST)),
            ("eth0", false) => Some(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 5))),
            _ => None,
        }
    }

    fn host_address(&self, host: &str, query: &HostQuery) -> Result<IpAddr, LookupFailure> {
        match (host.parse::<IpAddr>(), query.ipv6) {
            (Ok(IpAddr::V4(v4)), false) => Ok(IpAddr::V4(v4)),
            (Ok(IpAddr::V4(v4)), true) => Ok(IpAddr::V6(v4.to_ipv6_mapped())),
            (Ok(IpAddr::V6(v6)), true) => Ok(IpAddr::V6(v6)),
            _ if host == "localhost" && !query.numeric_only && query.ipv6 => {
                Ok(IpAddr::V6(Ipv6Addr::LOCALHOST))
            }
            _ if host == "localhost" && !query.numeric_only => Ok(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            _ => Err(LookupFailure::NotFound),
        }
    }
}

pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for bind in [false, true] {
        for ipv6 in [false, true] {
            match resolve_with(&text, bind, ipv6, &PretendHost) {
                Ok(a) => {
                    assert_eq!(a.target.is_ipv6(), ipv6, "{text:?}");
                    assert_eq!(a.local.is_ipv6(), ipv6, "{text:?}");
                    assert_eq!(a.local.port(), a.target.port(), "{text:?}");
                    if ipv6 && a.is_multicast() {
                        assert!(a.interface_index.is_some(), "{text:?}");
                    }
                    if text.contains(';') {
                        assert!(a.is_multicast(), "{text:?}");
                    } else if bind && !a.is_multicast() {
                        assert_eq!(a.bind_address(), a.target, "{text:?}");
                    } else {
                        assert!(a.local.ip().is_unspecified(), "{text:?}");
                    }
                    if a.is_multicast() {
                        assert!(a.bind_address().ip().is_unspecified(), "{text:?}");
                    }
                }
                Err(e) => assert!(
                    matches!(e, Error::Inval | Error::NoDev | Error::NoMem),
                    "{text:?}: {e:?}"
                ),
            }
        }
    }
}
