//! `udp://` addresses, as libzmq 4.3.5 reads them: `[iface;]host:port`.
//!
//! * `host:port` is the local address to bind (a DISH's or DGRAM's unicast bind: `*`,
//!   an interface name such as `lo` or `eth0`, a numeric address or a DNS name), the
//!   destination (a RADIO's connect: a numeric address or a DNS name), or a multicast
//!   group (both: bound as the any address at the port, the group joined to receive).
//!   `[...]` may surround the host and `%zone` follow it (an interface name or index).
//!   The port is `*` or `0` (bind only: any port), or a number read as C's `atoi`.
//! * `iface;` goes with a multicast group only: the interface to join and send on, by
//!   name, by one of its addresses, or `*`. An IPv4 group uses its address; an IPv6
//!   group needs its index, so IPv6 multicast takes a name or `*` (an address there is
//!   ENODEV, as in libzmq).
//! * IPv6 addresses need `ZMQ_IPV6` (then IPv4 ones resolve as v4-mapped IPv6, the
//!   socket is an IPv6 one and `*` is `::`); without it they are EINVAL (connect) or
//!   ENODEV (bind), the errors of a failed lookup.
//!
//! The parsing and the decisions are here, sans IO: names go to a [`HostLookup`]
//! (the system's in [`resolve`]); `transport/udp.rs` opens the socket.

use super::host_lookup::{HostLookup, HostQuery, LookupFailure, SystemLookup};
use super::tcp_address::atoi;
use crate::error::{Error, Result};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// A resolved udp address: libzmq's `udp_address_t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpAddress {
    /// Where datagrams go (a connect), the multicast group, or (a unicast bind) the
    /// local address.
    pub target: SocketAddr,
    /// The local side: a unicast bind's address; with `iface;`, that interface's
    /// address (the interface of IPv4 multicast) at the target's port; otherwise the
    /// any address of the target's family at the target's port.
    pub local: SocketAddr,
    /// The interface of IPv6 multicast: 0 for any, `None` when `iface;` named an
    /// address rather than an interface (and for a unicast bind).
    pub interface_index: Option<u32>,
}

impl UdpAddress {
    pub fn is_multicast(&self) -> bool {
        self.target.ip().is_multicast()
    }

    pub fn is_ipv6(&self) -> bool {
        self.target.is_ipv6()
    }

    /// Where a receiving socket binds: for multicast the any address at the port (the
    /// group is joined on the interface), otherwise the local address.
    pub fn bind_address(&self) -> SocketAddr {
        if self.is_multicast() {
            any(self.is_ipv6(), self.target.port())
        } else {
            self.local
        }
    }
}

/// Resolves `address` (the part after `udp://`) for a bind (DISH, DGRAM) or a
/// connect (RADIO), with the system's interfaces and DNS; see [`resolve_with`].
pub fn resolve(address: &str, bind: bool, ipv6: bool) -> Result<UdpAddress> {
    resolve_with(address, bind, ipv6, &SystemLookup)
}

/// Resolves `address` with `lookup` answering for interfaces and names. Errors, as
/// libzmq's: EINVAL for a missing or bad port, a bad zone, a peer that does not
/// resolve, an interface with a unicast host or a multicast interface address;
/// ENODEV for an interface or a bind address that does not resolve, and for IPv6
/// multicast on an interface named by address; ENOMEM when the lookup runs out.
pub fn resolve_with(
    address: &str,
    bind: bool,
    ipv6: bool,
    lookup: &dyn HostLookup,
) -> Result<UdpAddress> {
    let (source, name) = match address.rsplit_once(';') {
        Some((iface, rest)) => (Some(resolve_interface(iface, ipv6, lookup)?), rest),
        None => (None, address),
    };
    let target_role = Role {
        bindable: bind,
        dns: true,
        nic_names: bind,
        ipv6,
    };
    let (host, port) = split_port(name, bind)?;
    let target = target_role.resolve(host, port, lookup)?;
    let multicast = target.ip().is_multicast();
    let (local, interface_index) = match source {
        Some(_) if !multicast => return Err(Error::Inval),
        Some((mut local, index)) => {
            local.set_port(target.port());
            (local, index)
        }
        None if multicast || !bind => (any(target.is_ipv6(), target.port()), Some(0)),
        None => (target, None),
    };
    if local.is_ipv6() != target.is_ipv6() {
        return Err(Error::Inval);
    }
    // IPv6 joins and sends by interface index; an address does not name one.
    if ipv6 && multicast && interface_index.is_none() {
        return Err(Error::NoDev);
    }
    Ok(UdpAddress {
        target,
        local,
        interface_index,
    })
}

/// The `iface` of `iface;host:port`: its address (no port) and, when it is `*` or an
/// interface's name, the interface index.
fn resolve_interface(
    iface: &str,
    ipv6: bool,
    lookup: &dyn HostLookup,
) -> Result<(SocketAddr, Option<u32>)> {
    let role = Role {
        bindable: true,
        dns: false,
        nic_names: true,
        ipv6,
    };
    let address = role.resolve(iface, 0, lookup)?;
    if address.ip().is_multicast() {
        return Err(Error::Inval);
    }
    let index = match iface {
        "*" => Some(0),
        name => Some(lookup.interface_index(name)).filter(|&i| i != 0),
    };
    Ok((address, index))
}

/// `host:port` split at the last `:` (IPv6 hosts need no brackets), the port read.
fn split_port(name: &str, bindable: bool) -> Result<(&str, u16)> {
    let (host, port) = name.rsplit_once(':').ok_or(Error::Inval)?;
    let port = match port {
        "*" if bindable => 0,
        "*" => return Err(Error::Inval),
        "0" => 0,
        text => match atoi(text) as u16 {
            0 => return Err(Error::Inval),
            port => port,
        },
    };
    Ok((host, port))
}

/// How one host is resolved (libzmq's `ip_resolver_options_t`).
struct Role {
    /// `*` is the any address, and lookups are passive; a failed lookup is ENODEV
    /// (EINVAL otherwise).
    bindable: bool,
    /// Names may go to DNS; otherwise numeric addresses only.
    dns: bool,
    /// Interface names are tried before addresses.
    nic_names: bool,
    ipv6: bool,
}

impl Role {
    fn resolve(&self, host: &str, port: u16, lookup: &dyn HostLookup) -> Result<SocketAddr> {
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let (host, zone) = match host.rsplit_once('%') {
            Some((host, zone)) => (host, zone_id(zone, lookup)?),
            None => (host, 0),
        };
        let ip = if self.bindable && host == "*" {
            any(self.ipv6, 0).ip()
        } else if let Some(ip) = self
            .nic_names
            .then(|| lookup.interface_address(host, self.ipv6))
            .flatten()
        {
            ip
        } else {
            let query = HostQuery {
                ipv6: self.ipv6,
                passive: self.bindable,
                numeric_only: !self.dns,
            };
            lookup.host_address(host, &query).map_err(|e| match e {
                LookupFailure::NoMemory => Error::NoMem,
                LookupFailure::NotFound if self.bindable => Error::NoDev,
                LookupFailure::NotFound => Error::Inval,
            })?
        };
        let mut address = SocketAddr::new(ip, port);
        if let SocketAddr::V6(v6) = &mut address {
            // As libzmq: the zone (or 0) is the scope, whatever the lookup said.
            v6.set_scope_id(zone);
        }
        Ok(address)
    }
}

/// An IPv6 zone after `%`: an interface name (starting with a letter) or a number
/// (`atoi`). Empty, unknown or zero is EINVAL.
fn zone_id(zone: &str, lookup: &dyn HostLookup) -> Result<u32> {
    let id = match zone.as_bytes().first() {
        None => 0,
        Some(c) if c.is_ascii_alphabetic() => lookup.interface_index(zone),
        Some(_) => atoi(zone) as u32,
    };
    if id == 0 {
        Err(Error::Inval)
    } else {
        Ok(id)
    }
}

fn any(ipv6: bool, port: u16) -> SocketAddr {
    if ipv6 {
        SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port)
    } else {
        SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port)
    }
}

#[cfg(test)]
mod tests;
