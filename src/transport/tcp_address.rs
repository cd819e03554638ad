//! The address part of `tcp://` endpoints: how libzmq turns it into a socket address,
//! with libzmq's quirks and errno values, and how it prints one back.
//!
//! Grammar (after `tcp://`): `[source;]host:port`, where
//! * `host` is `*` (bind only: INADDR_ANY / in6addr_any), an interface name (bind and
//!   source only, found with `getifaddrs`), a numeric address, optionally in `[...]`
//!   and with an IPv6 zone `%ifname` / `%index`, or a DNS name (connect only);
//! * `port` is `*` (bind and source only) or a number read as C's `atoi`, truncated
//!   to 16 bits: `70000` is 4464, `-1` is 65535, and a result of 0 is EINVAL unless
//!   the text is exactly `0`.
//!
//! Resolution follows libzmq's `ip_resolver_t`: `getaddrinfo` with AF_INET, or AF_INET6
//! plus AI_V4MAPPED when `ZMQ_IPV6` is on; numeric-only for bind and source addresses.
//! A failed lookup is ENODEV for a bind/source address and EINVAL for a peer.
//! Nothing here creates sockets; [`local_addr`] is the one syscall wrapper.

use std::ffi::CStr;
use std::io;
use std::mem;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::unix::io::RawFd;
use std::ptr;

use super::host_lookup::{self, HostQuery, LookupFailure};
use super::socket_options::syscall;
use crate::error::{Error, Result};

/// Where a connecter connects to, and the local address it binds first, if any
/// (`tcp://src:port;dst:port`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpTarget {
    pub source: Option<SocketAddr>,
    pub peer: SocketAddr,
}

/// Resolves a bind address (`*:*`, `lo:5555`, `127.0.0.1:0`, `[::1]:5555`...).
/// A `source;` prefix is accepted and validated as libzmq does, then ignored.
pub fn resolve_bind(address: &str, ipv6: bool) -> Result<SocketAddr> {
    let address = match address.rsplit_once(';') {
        Some((source, rest)) => {
            Resolver::source(ipv6).resolve(source)?;
            rest
        }
        None => address,
    };
    Resolver::local(ipv6).resolve(address)
}

/// Resolves a connect address (`host:port`, `src:port;host:port`), DNS included.
/// This is the deferred resolution libzmq does when the connecter starts; the
/// up-front check `zmq_connect` makes is [`check_connect_syntax`].
pub fn resolve_connect(address: &str, ipv6: bool) -> Result<TcpTarget> {
    let (source, address) = match address.rsplit_once(';') {
        Some((source, rest)) => (Some(Resolver::source(ipv6).resolve(source)?), rest),
        None => (None, address),
    };
    let peer = Resolver::remote(ipv6).resolve(address)?;
    Ok(TcpTarget { source, peer })
}

/// The quick syntax check `zmq_connect` makes before accepting a tcp address (name
/// resolution happens later, so `nosuch.invalid:5555` passes): only letters, digits
/// and `.-:%;[]_*` (the first character a letter, digit, `[` or `:`), and the text
/// after the last `:` must start with a digit. So `*:5555` and `host:*` are EINVAL.
pub fn check_connect_syntax(address: &str) -> Result<()> {
    let bytes = address.as_bytes();
    let first_ok = |c: &u8| c.is_ascii_alphanumeric() || *c == b'[' || *c == b':';
    let rest_ok = |c: &u8| c.is_ascii_alphanumeric() || b".-:%;[]_*".contains(c);
    let valid_chars = match bytes.split_first() {
        None => true,
        Some((first, rest)) => first_ok(first) && rest.iter().all(rest_ok),
    };
    let port_starts_with_digit = address
        .rsplit_once(':')
        .is_some_and(|(_, port)| port.as_bytes().first().is_some_and(u8::is_ascii_digit));
    if valid_chars && port_starts_with_digit {
        Ok(())
    } else {
        Err(Error::Inval)
    }
}

/// The `ZMQ_LAST_ENDPOINT` form of an address: `tcp://0.0.0.0:5555`,
/// `tcp://[::]:5555`, `tcp://[::ffff:127.0.0.1]:5555`, `tcp://[fe80::1%eth0]:5555`.
pub fn endpoint_string(addr: &SocketAddr) -> String {
    let (storage, len) = to_raw(addr);
    let host = numeric_host(&storage, len).unwrap_or_else(|| addr.ip().to_string());
    match addr {
        SocketAddr::V4(_) => format!("tcp://{host}:{}", addr.port()),
        SocketAddr::V6(_) => format!("tcp://[{host}]:{}", addr.port()),
    }
}

/// The address a socket is bound to (`getsockname`), e.g. to learn an ephemeral port.
pub fn local_addr(fd: RawFd) -> io::Result<SocketAddr> {
    // SAFETY: an all-zero sockaddr_storage is a valid value.
    let mut storage: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let mut len = mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: `storage` is writable for `len` bytes; the kernel updates `len`.
    syscall!(getsockname(
        fd,
        (&mut storage as *mut libc::sockaddr_storage).cast(),
        &mut len
    ))?;
    from_raw(&storage).ok_or_else(|| io::Error::from_raw_os_error(libc::EAFNOSUPPORT))
}

/// A socket address as the C structure `bind`/`connect` take, with its length.
pub fn to_raw(addr: &SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: an all-zero sockaddr_storage is a valid value.
    let mut storage: libc::sockaddr_storage = unsafe { mem::zeroed() };
    let len = match addr {
        SocketAddr::V4(a) => {
            // SAFETY: an all-zero sockaddr_in is a valid value.
            let mut sin: libc::sockaddr_in = unsafe { mem::zeroed() };
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_port = a.port().to_be();
            sin.sin_addr.s_addr = u32::from_ne_bytes(a.ip().octets());
            // SAFETY: sockaddr_storage is larger than and aligned for any sockaddr.
            unsafe { ptr::write((&mut storage as *mut libc::sockaddr_storage).cast(), sin) };
            mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            // SAFETY: an all-zero sockaddr_in6 is a valid value.
            let mut sin6: libc::sockaddr_in6 = unsafe { mem::zeroed() };
            sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sin6.sin6_port = a.port().to_be();
            sin6.sin6_flowinfo = a.flowinfo();
            sin6.sin6_addr.s6_addr = a.ip().octets();
            sin6.sin6_scope_id = a.scope_id();
            // SAFETY: sockaddr_storage is larger than and aligned for any sockaddr.
            unsafe { ptr::write((&mut storage as *mut libc::sockaddr_storage).cast(), sin6) };
            mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

/// The inverse of [`to_raw`]; `None` for a family other than AF_INET/AF_INET6.
pub fn from_raw(storage: &libc::sockaddr_storage) -> Option<SocketAddr> {
    let storage: *const libc::sockaddr_storage = storage;
    // SAFETY: `storage` points to a live sockaddr_storage, big enough for either
    // family; the family field says which structure the kernel wrote.
    unsafe { from_sockaddr(storage.cast()) }
}

/// Reads a sockaddr_in or sockaddr_in6 at `sa`.
///
/// # Safety
/// `sa` must point to a readable sockaddr whose family field tells its true size.
pub(crate) unsafe fn from_sockaddr(sa: *const libc::sockaddr) -> Option<SocketAddr> {
    // SAFETY: every sockaddr starts with its family (the caller's contract).
    match i32::from(unsafe { (*sa).sa_family }) {
        libc::AF_INET => {
            // SAFETY: the family says this is a sockaddr_in; read unaligned to be safe.
            let sin: libc::sockaddr_in = unsafe { ptr::read_unaligned(sa.cast()) };
            let ip = Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes());
            Some(SocketAddr::V4(SocketAddrV4::new(
                ip,
                u16::from_be(sin.sin_port),
            )))
        }
        libc::AF_INET6 => {
            // SAFETY: the family says this is a sockaddr_in6; read unaligned to be safe.
            let sin6: libc::sockaddr_in6 = unsafe { ptr::read_unaligned(sa.cast()) };
            Some(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(sin6.sin6_addr.s6_addr),
                u16::from_be(sin6.sin6_port),
                sin6.sin6_flowinfo,
                sin6.sin6_scope_id,
            )))
        }
        _ => None,
    }
}

/// The numeric host text of any socket address, by `getnameinfo(NI_NUMERICHOST)` as
/// libzmq prints it (IPv6 zones as `%ifname`, unix sockets as `localhost`).
pub(crate) fn numeric_host(
    storage: &libc::sockaddr_storage,
    len: libc::socklen_t,
) -> Option<String> {
    let mut host = [0 as libc::c_char; libc::NI_MAXHOST as usize];
    // SAFETY: `storage` is readable for `len` bytes (len never exceeds its size when it
    // comes from the kernel or `to_raw`); `host` is writable for its full length.
    let rc = unsafe {
        libc::getnameinfo(
            (storage as *const libc::sockaddr_storage).cast(),
            len.min(mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t),
            host.as_mut_ptr(),
            host.len() as libc::socklen_t,
            ptr::null_mut(),
            0,
            libc::NI_NUMERICHOST,
        )
    };
    if rc != 0 {
        return None;
    }
    // SAFETY: on success getnameinfo wrote a NUL-terminated string into `host`.
    let text = unsafe { CStr::from_ptr(host.as_ptr()) };
    Some(text.to_string_lossy().into_owned())
}

/// libzmq's `ip_resolver_options_t`, reduced to the three roles tcp uses.
struct Resolver {
    /// `*` means any address and any port; lookups use AI_PASSIVE.
    bindable: bool,
    /// Interface names are tried before addresses.
    nic_names: bool,
    /// Names may go to DNS; otherwise numeric addresses only.
    dns: bool,
    ipv6: bool,
}

impl Resolver {
    fn local(ipv6: bool) -> Resolver {
        Resolver {
            bindable: true,
            nic_names: true,
            dns: false,
            ipv6,
        }
    }

    /// The `source;` part of an address resolves as a local one.
    fn source(ipv6: bool) -> Resolver {
        Resolver::local(ipv6)
    }

    fn remote(ipv6: bool) -> Resolver {
        Resolver {
            bindable: false,
            nic_names: false,
            dns: true,
            ipv6,
        }
    }

    fn resolve(&self, name: &str) -> Result<SocketAddr> {
        // The last ':' separates the port, so IPv6 literals need no brackets.
        let (host, port_text) = name.rsplit_once(':').ok_or(Error::Inval)?;
        let port = self.port(port_text)?;
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let (host, zone) = match host.rsplit_once('%') {
            Some((host, zone)) => (host, zone_id(zone)?),
            None => (host, 0),
        };

        let mut addr = if self.bindable && host == "*" {
            self.any()
        } else if let Some(addr) = self.nic_address(host) {
            addr
        } else {
            self.getaddrinfo(host)?
        };
        addr.set_port(port);
        if let SocketAddr::V6(v6) = &mut addr {
            // As libzmq: the zone (or 0) replaces whatever scope the lookup found.
            v6.set_scope_id(zone);
        }
        Ok(addr)
    }

    fn port(&self, text: &str) -> Result<u16> {
        match text {
            "*" if self.bindable => Ok(0),
            "*" => Err(Error::Inval),
            "0" => Ok(0),
            _ => match atoi(text) as u16 {
                0 => Err(Error::Inval),
                port => Ok(port),
            },
        }
    }

    fn any(&self) -> SocketAddr {
        if self.ipv6 {
            SocketAddr::V6(SocketAddrV6::new(Ipv6Addr::UNSPECIFIED, 0, 0, 0))
        } else {
            SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0))
        }
    }

    /// The first address of the wanted family on the interface called `name`.
    fn nic_address(&self, name: &str) -> Option<SocketAddr> {
        if !self.nic_names {
            return None;
        }
        host_lookup::interface_address(name, self.ipv6)
    }

    fn getaddrinfo(&self, host: &str) -> Result<SocketAddr> {
        let failed = if self.bindable {
            Error::NoDev
        } else {
            Error::Inval
        };
        let query = HostQuery {
            ipv6: self.ipv6,
            passive: self.bindable,
            numeric_only: !self.dns,
        };
        match host_lookup::getaddrinfo(host, &query) {
            Ok(addr) => Ok(addr),
            Err(LookupFailure::NoMemory) => Err(Error::NoMem),
            Err(LookupFailure::NotFound) => Err(failed),
        }
    }
}

/// An IPv6 zone after `%`: an interface name (starting with a letter) or a number.
/// Empty, unknown or zero is EINVAL.
fn zone_id(zone: &str) -> Result<u32> {
    let id = match zone.as_bytes().first() {
        None => 0,
        Some(c) if c.is_ascii_alphabetic() => host_lookup::interface_index(zone),
        Some(_) => atoi(zone) as u32,
    };
    if id == 0 {
        Err(Error::Inval)
    } else {
        Ok(id)
    }
}

/// C's `atoi` as glibc does it, `(int) strtol(s, NULL, 10)`: leading white space, a
/// sign, digits up to the first non-digit; out of range saturates to the `long` limits
/// before the truncation to `int`.
pub(crate) fn atoi(text: &str) -> i32 {
    let mut bytes = text
        .as_bytes()
        .iter()
        .skip_while(|c| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
        .peekable();
    let negative = match bytes.peek() {
        Some(b'-') => {
            bytes.next();
            true
        }
        Some(b'+') => {
            bytes.next();
            false
        }
        _ => false,
    };
    let limit = if negative {
        i64::MIN.unsigned_abs()
    } else {
        i64::MAX as u64
    };
    let mut magnitude: u64 = 0;
    for c in bytes.take_while(|c| c.is_ascii_digit()) {
        magnitude = magnitude
            .saturating_mul(10)
            .saturating_add(u64::from(c - b'0'))
            .min(limit);
    }
    let value = if negative {
        0i64.wrapping_sub_unsigned(magnitude)
    } else {
        magnitude as i64
    };
    value as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(text: &str) -> SocketAddr {
        text.parse().unwrap()
    }

    fn has_ipv6_loopback() -> bool {
        std::net::TcpListener::bind("[::1]:0").is_ok()
    }

    /// The first IPv4 address of a non-loopback interface, if the host has one.
    fn some_interface() -> Option<(String, Ipv4Addr)> {
        let mut list: *mut libc::ifaddrs = ptr::null_mut();
        // SAFETY: `list` is a valid out-pointer; freed below.
        syscall!(getifaddrs(&mut list)).ok()?;
        let mut found = None;
        let mut entry = list;
        while !entry.is_null() {
            // SAFETY: `entry` is a node of the live list.
            let ifa = unsafe { &*entry };
            entry = ifa.ifa_next;
            if ifa.ifa_addr.is_null() {
                continue;
            }
            // SAFETY: as above; the family is read before the address.
            if let Some(SocketAddr::V4(a)) = unsafe { from_sockaddr(ifa.ifa_addr) } {
                // SAFETY: ifa_name is NUL-terminated.
                let name = unsafe { CStr::from_ptr(ifa.ifa_name) };
                if !a.ip().is_loopback() {
                    found = Some((name.to_string_lossy().into_owned(), *a.ip()));
                    break;
                }
            }
        }
        // SAFETY: freed once.
        unsafe { libc::freeifaddrs(list) };
        found
    }

    #[test]
    fn bind_wildcards() {
        assert_eq!(resolve_bind("*:*", false), Ok(v4("0.0.0.0:0")));
        assert_eq!(resolve_bind("*:0", false), Ok(v4("0.0.0.0:0")));
        assert_eq!(resolve_bind("*:5555", false), Ok(v4("0.0.0.0:5555")));
        assert_eq!(resolve_bind("*:*", true), Ok("[::]:0".parse().unwrap()));
        assert_eq!(resolve_bind("0.0.0.0:*", false), Ok(v4("0.0.0.0:0")));
    }

    #[test]
    fn bind_numeric_addresses_as_inet_aton_reads_them() {
        assert_eq!(
            resolve_bind("127.0.0.1:5555", false),
            Ok(v4("127.0.0.1:5555"))
        );
        assert_eq!(resolve_bind("[127.0.0.1]:*", false), Ok(v4("127.0.0.1:0")));
        assert_eq!(resolve_bind("127.1:*", false), Ok(v4("127.0.0.1:0")));
        assert_eq!(resolve_bind("0x7f.0.0.1:*", false), Ok(v4("127.0.0.1:0")));
        // glibc accepts a v4-mapped literal even for AF_INET.
        assert_eq!(
            resolve_bind("[::ffff:127.0.0.1]:*", false),
            Ok(v4("127.0.0.1:0"))
        );
    }

    #[test]
    fn bind_ports_follow_atoi() {
        assert_eq!(
            resolve_bind("127.0.0.1:70000", false),
            Ok(v4("127.0.0.1:4464"))
        );
        assert_eq!(
            resolve_bind("127.0.0.1:-1", false),
            Ok(v4("127.0.0.1:65535"))
        );
        assert_eq!(
            resolve_bind("127.0.0.1:99999999999999999999", false),
            Ok(v4("127.0.0.1:65535"))
        );
        assert_eq!(
            resolve_bind("127.0.0.1: 25001", false),
            Ok(v4("127.0.0.1:25001"))
        );
        assert_eq!(
            resolve_bind("127.0.0.1:25002x", false),
            Ok(v4("127.0.0.1:25002"))
        );
        for bad in [
            "127.0.0.1",
            "127.0.0.1:",
            "127.0.0.1:abc",
            "127.0.0.1:65536",
        ] {
            assert_eq!(resolve_bind(bad, false), Err(Error::Inval), "{bad}");
        }
    }

    #[test]
    fn bind_interface_names() {
        assert_eq!(resolve_bind("lo:*", false), Ok(v4("127.0.0.1:0")));
        assert_eq!(resolve_bind("[lo]:5555", false), Ok(v4("127.0.0.1:5555")));
        if has_ipv6_loopback() {
            assert_eq!(resolve_bind("lo:*", true), Ok("[::1]:0".parse().unwrap()));
        }
        if let Some((name, ip)) = some_interface() {
            assert_eq!(
                resolve_bind(&format!("{name}:7"), false),
                Ok(SocketAddr::new(ip.into(), 7))
            );
        }
        assert_eq!(resolve_bind("nosuchif:5555", false), Err(Error::NoDev));
        assert_eq!(resolve_bind("nosuchif:1", true), Err(Error::NoDev));
    }

    #[test]
    fn bind_never_uses_dns_and_needs_ipv6_for_v6_literals() {
        assert_eq!(resolve_bind("localhost:*", false), Err(Error::NoDev));
        assert_eq!(resolve_bind("localhost:*", true), Err(Error::NoDev));
        assert_eq!(resolve_bind(":*", false), Err(Error::NoDev));
        assert_eq!(resolve_bind(" 127.0.0.1:*", false), Err(Error::NoDev));
        assert_eq!(resolve_bind("[::1]:*", false), Err(Error::NoDev));
        assert_eq!(resolve_bind("::1:*", false), Err(Error::NoDev));
        assert_eq!(
            resolve_bind("[::1]:*", true),
            Ok("[::1]:0".parse().unwrap())
        );
        assert_eq!(resolve_bind("::1:*", true), Ok("[::1]:0".parse().unwrap()));
        assert_eq!(
            resolve_bind("127.0.0.1:5", true),
            Ok("[::ffff:127.0.0.1]:5".parse().unwrap())
        );
    }

    #[test]
    fn bind_zones() {
        assert_eq!(resolve_bind("[fe80::1%nosuch]:*", false), Err(Error::Inval));
        assert_eq!(resolve_bind("[::1%]:*", false), Err(Error::Inval));
        assert_eq!(resolve_bind("[fe80::1%0]:*", true), Err(Error::Inval));
        assert_eq!(resolve_bind("[fe80::1%2]:*", false), Err(Error::NoDev));
        assert_eq!(
            resolve_bind("[fe80::1%lo]:9", true),
            Ok(SocketAddr::V6(SocketAddrV6::new(
                "fe80::1".parse().unwrap(),
                9,
                0,
                1
            )))
        );
        assert_eq!(
            resolve_bind("[fe80::1%7]:9", true),
            Ok(SocketAddr::V6(SocketAddrV6::new(
                "fe80::1".parse().unwrap(),
                9,
                0,
                7
            )))
        );
    }

    #[test]
    fn bind_validates_then_ignores_a_source_part() {
        assert_eq!(
            resolve_bind("127.0.0.1:0;127.0.0.1:*", false),
            Ok(v4("127.0.0.1:0"))
        );
        assert_eq!(resolve_bind("*:*;lo:*", false), Ok(v4("127.0.0.1:0")));
        assert_eq!(
            resolve_bind("127.0.0.1;127.0.0.1:*", false),
            Err(Error::Inval)
        );
        assert_eq!(
            resolve_bind("nosuch:0;127.0.0.1:*", false),
            Err(Error::NoDev)
        );
        assert_eq!(
            resolve_bind("localhost:1;127.0.0.1:*", false),
            Err(Error::NoDev)
        );
    }

    #[test]
    fn connect_resolves_names_and_sources() {
        assert_eq!(
            resolve_connect("127.0.0.1:5555", false),
            Ok(TcpTarget {
                source: None,
                peer: v4("127.0.0.1:5555")
            })
        );
        assert_eq!(
            resolve_connect("localhost:5555", false).map(|t| t.peer.ip().is_loopback()),
            Ok(true)
        );
        assert_eq!(
            resolve_connect("127.0.0.1:0", false).map(|t| t.peer),
            Ok(v4("127.0.0.1:0"))
        );
        assert_eq!(
            resolve_connect("0.0.0.0:*;127.0.0.1:5555", false),
            Ok(TcpTarget {
                source: Some(v4("0.0.0.0:0")),
                peer: v4("127.0.0.1:5555")
            })
        );
        assert_eq!(
            resolve_connect("lo:4000;127.0.0.1:5555", false).map(|t| t.source),
            Ok(Some(v4("127.0.0.1:4000")))
        );
        assert_eq!(
            resolve_connect("[::1]:5555", true).map(|t| t.peer),
            Ok("[::1]:5555".parse().unwrap())
        );
    }

    #[test]
    fn connect_errors() {
        assert_eq!(resolve_connect("*:5555", false), Err(Error::Inval));
        assert_eq!(resolve_connect("127.0.0.1:*", false), Err(Error::Inval));
        assert_eq!(resolve_connect("127.0.0.1", false), Err(Error::Inval));
        assert_eq!(
            resolve_connect("nosuchhost.invalid:5555", false),
            Err(Error::Inval)
        );
        assert_eq!(resolve_connect("[::1]:5555", false), Err(Error::Inval));
        assert_eq!(
            resolve_connect("127.0.0.1;127.0.0.1:5555", false),
            Err(Error::Inval)
        );
        assert_eq!(
            resolve_connect("nosuchif:1;127.0.0.1:5555", false),
            Err(Error::NoDev)
        );
    }

    #[test]
    fn connect_syntax_check_matches_zmq_connect() {
        for ok in [
            "127.0.0.1:0",
            "127.0.0.1:5a",
            "localhost:5555",
            "nosuchhost.invalid:5555",
            "[::1]:5555",
            "::1:5555",
            "127.0.0.1;127.0.0.1:5555",
            "0.0.0.0:*;127.0.0.1:5555",
            "a_b:5555",
            ":5555",
            "[:5555",
            "lo:5555",
        ] {
            assert_eq!(check_connect_syntax(ok), Ok(()), "{ok}");
        }
        for bad in [
            "*:5555",
            "127.0.0.1:*",
            "127.0.0.1",
            "127.0.0.1:abc",
            "*:*;127.0.0.1:5555",
            "-a:5555",
            ".a:5555",
            "a b:5555",
            "a/b:5555",
            "h\u{e9}:5555",
            "127.0.0.1:-1",
            "",
        ] {
            assert_eq!(check_connect_syntax(bad), Err(Error::Inval), "{bad}");
        }
    }

    #[test]
    fn endpoint_strings_as_last_endpoint() {
        assert_eq!(endpoint_string(&v4("0.0.0.0:42999")), "tcp://0.0.0.0:42999");
        assert_eq!(endpoint_string(&v4("127.0.0.1:5")), "tcp://127.0.0.1:5");
        assert_eq!(
            endpoint_string(&"[::]:43905".parse().unwrap()),
            "tcp://[::]:43905"
        );
        assert_eq!(
            endpoint_string(&"[::ffff:127.0.0.1]:37403".parse().unwrap()),
            "tcp://[::ffff:127.0.0.1]:37403"
        );
        let link_local = SocketAddr::V6(SocketAddrV6::new("fe80::1".parse().unwrap(), 80, 0, 1));
        assert_eq!(endpoint_string(&link_local), "tcp://[fe80::1%lo]:80");
    }

    #[test]
    fn raw_round_trip_and_local_addr() {
        for addr in [
            v4("192.0.2.7:1234"),
            "[2001:db8::1]:9".parse().unwrap(),
            SocketAddr::V6(SocketAddrV6::new("fe80::2".parse().unwrap(), 1, 0, 3)),
        ] {
            let (storage, _) = to_raw(&addr);
            assert_eq!(from_raw(&storage), Some(addr));
        }
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        use std::os::unix::io::AsRawFd;
        assert_eq!(
            local_addr(listener.as_raw_fd()).unwrap(),
            listener.local_addr().unwrap()
        );
    }

    #[test]
    fn atoi_is_glibcs() {
        assert_eq!(atoi("5555"), 5555);
        assert_eq!(atoi("  +12x"), 12);
        assert_eq!(atoi("-1"), -1);
        assert_eq!(atoi(""), 0);
        assert_eq!(atoi("x1"), 0);
        assert_eq!(atoi("99999999999999999999"), -1);
        assert_eq!(atoi("-99999999999999999999"), 0);
        assert_eq!(atoi("4294967297"), 1);
    }
}
