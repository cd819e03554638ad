//! `udp://` addresses, as libzmq 4.3.5 reads them: `[iface;]host:port`. For a bind
//! (DISH), a unicast host is the local address to bind (`*` = any); for a connect
//! (RADIO), it is the destination. A multicast host is the group in both cases, bound
//! on any address at its port; `iface;` (only with multicast) names the local address
//! to send and join from (`*` or an IPv4 literal here). IPv4 only.

use crate::error::{Error, Result};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, ToSocketAddrs};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdpAddress {
    /// Where the socket binds.
    pub bind: SocketAddrV4,
    /// Where datagrams go (a connect), or the multicast group joined (a bind).
    pub target: SocketAddrV4,
    /// The local interface for multicast (`iface;`), unspecified when not given.
    pub interface: Ipv4Addr,
}

impl UdpAddress {
    pub fn is_multicast(&self) -> bool {
        self.target.ip().is_multicast()
    }
}

/// Parses `address` (the part after `udp://`) for a bind or a connect; EINVAL for a
/// malformed address, an interface with a unicast host, or a multicast interface;
/// ENODEV for an interface we cannot read as an address.
pub fn resolve(address: &str, bind: bool) -> Result<UdpAddress> {
    let (interface, name) = match address.rsplit_once(';') {
        Some((iface, rest)) => (Some(parse_interface(iface)?), rest),
        None => (None, address),
    };
    let (host, port) = name.rsplit_once(':').ok_or(Error::Inval)?;
    let port: u16 = port.parse().map_err(|_| Error::Inval)?;
    let ip = if host == "*" && bind {
        Ipv4Addr::UNSPECIFIED
    } else if let Ok(ip) = host.parse::<Ipv4Addr>() {
        ip
    } else if host.is_empty() || host == "*" || bind {
        // A bind takes literal addresses only (no names, no NIC names here).
        return Err(Error::Inval);
    } else {
        lookup(host, port)?
    };
    let target = SocketAddrV4::new(ip, port);
    let multicast = ip.is_multicast();
    if interface.is_some() && !multicast {
        return Err(Error::Inval);
    }
    let bind_address = if multicast || !bind {
        SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, port)
    } else {
        target
    };
    Ok(UdpAddress {
        bind: bind_address,
        target,
        interface: interface.unwrap_or(Ipv4Addr::UNSPECIFIED),
    })
}

fn parse_interface(iface: &str) -> Result<Ipv4Addr> {
    if iface == "*" {
        return Ok(Ipv4Addr::UNSPECIFIED);
    }
    let ip: Ipv4Addr = iface.parse().map_err(|_| Error::NoDev)?;
    if ip.is_multicast() {
        return Err(Error::Inval);
    }
    Ok(ip)
}

fn lookup(host: &str, port: u16) -> Result<Ipv4Addr> {
    let addresses = (host, port).to_socket_addrs().map_err(|_| Error::Inval)?;
    for a in addresses {
        if let SocketAddr::V4(v4) = a {
            return Ok(*v4.ip());
        }
    }
    Err(Error::Inval)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> SocketAddrV4 {
        s.parse().unwrap()
    }

    #[test]
    fn unicast_bind_is_the_local_address() {
        let a = resolve("127.0.0.1:5556", true).unwrap();
        assert_eq!(a.bind, v4("127.0.0.1:5556"));
        assert!(!a.is_multicast());
        assert_eq!(resolve("*:5556", true).unwrap().bind, v4("0.0.0.0:5556"));
    }

    #[test]
    fn unicast_connect_is_the_destination() {
        let a = resolve("127.0.0.1:5556", false).unwrap();
        assert_eq!(a.target, v4("127.0.0.1:5556"));
        assert_eq!(a.bind, v4("0.0.0.0:5556"));
        assert_eq!(
            resolve("localhost:5556", false).unwrap().target,
            v4("127.0.0.1:5556")
        );
    }

    #[test]
    fn multicast_with_and_without_interface() {
        let a = resolve("239.0.0.1:5556", true).unwrap();
        assert!(a.is_multicast());
        assert_eq!(a.bind, v4("0.0.0.0:5556"));
        assert_eq!(a.interface, Ipv4Addr::UNSPECIFIED);
        let b = resolve("127.0.0.1;239.0.0.1:5556", false).unwrap();
        assert_eq!(b.interface, Ipv4Addr::LOCALHOST);
        assert_eq!(b.target, v4("239.0.0.1:5556"));
        assert!(resolve("*;239.0.0.1:5556", true).is_ok());
    }

    #[test]
    fn malformed_addresses_are_refused() {
        assert_eq!(resolve("127.0.0.1", true), Err(Error::Inval));
        assert_eq!(resolve("127.0.0.1:x", true), Err(Error::Inval));
        assert_eq!(resolve("127.0.0.1:70000", false), Err(Error::Inval));
        assert_eq!(resolve("*:5556", false), Err(Error::Inval));
        // An interface only goes with a multicast group.
        assert_eq!(resolve("127.0.0.1;127.0.0.1:5556", true), Err(Error::Inval));
        assert_eq!(resolve("239.0.0.2;239.0.0.1:5556", true), Err(Error::Inval));
        assert_eq!(resolve("nonic0;239.0.0.1:5556", true), Err(Error::NoDev));
    }
}
