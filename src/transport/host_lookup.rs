//! The three questions libzmq's address resolver asks the system, behind one
//! interface: an interface's index (`if_nametoindex`), an interface's first address
//! of a family (`getifaddrs`), and a host's first address (`getaddrinfo`, with the
//! hints libzmq gives). `tcp_address` calls the system versions directly; the udp
//! address parser takes any [`HostLookup`], so its tests and fuzz target run without
//! the network.

use std::ffi::{CStr, CString};
use std::mem;
use std::net::{IpAddr, SocketAddr};
use std::ptr;

use super::socket_options::syscall;
use super::tcp_address::from_sockaddr;

/// How a host name is looked up (libzmq's `ip_resolver_options_t`, as far as
/// `getaddrinfo` sees it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostQuery {
    /// AF_INET6 with AI_V4MAPPED (`ZMQ_IPV6`), else AF_INET.
    pub ipv6: bool,
    /// AI_PASSIVE: the address is to bind to.
    pub passive: bool,
    /// AI_NUMERICHOST: no DNS.
    pub numeric_only: bool,
}

/// Why a host lookup failed: libzmq tells only these two apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupFailure {
    /// EAI_MEMORY.
    NoMemory,
    /// Anything else.
    NotFound,
}

/// What an address resolver asks of the system.
pub trait HostLookup {
    /// The index of the interface called `name`; 0 when there is none.
    fn interface_index(&self, name: &str) -> u32;
    /// The first address of the family (`ipv6` or IPv4) on the interface `name`.
    fn interface_address(&self, name: &str, ipv6: bool) -> Option<IpAddr>;
    /// The first address `getaddrinfo` gives for `host`.
    fn host_address(&self, host: &str, query: &HostQuery) -> Result<IpAddr, LookupFailure>;
}

/// The real thing: libc's calls.
pub struct SystemLookup;

impl HostLookup for SystemLookup {
    fn interface_index(&self, name: &str) -> u32 {
        interface_index(name)
    }

    fn interface_address(&self, name: &str, ipv6: bool) -> Option<IpAddr> {
        interface_address(name, ipv6).map(|a| a.ip())
    }

    fn host_address(&self, host: &str, query: &HostQuery) -> Result<IpAddr, LookupFailure> {
        getaddrinfo(host, query).map(|a| a.ip())
    }
}

/// `if_nametoindex`: 0 for no such interface (or a name with a NUL byte).
pub fn interface_index(name: &str) -> u32 {
    match CString::new(name) {
        // SAFETY: `name` is a NUL-terminated string that outlives the call.
        Ok(name) => unsafe { libc::if_nametoindex(name.as_ptr()) },
        Err(_) => 0,
    }
}

/// The first address of the family on the interface called `name` (`getifaddrs`).
pub fn interface_address(name: &str, ipv6: bool) -> Option<SocketAddr> {
    let family = if ipv6 { libc::AF_INET6 } else { libc::AF_INET };
    let mut list: *mut libc::ifaddrs = ptr::null_mut();
    // SAFETY: `list` is a valid out-pointer; freed below with freeifaddrs.
    syscall!(getifaddrs(&mut list)).ok()?;
    let mut found = None;
    let mut entry = list;
    while !entry.is_null() {
        // SAFETY: `entry` is a node of the list getifaddrs returned, not yet freed.
        let ifa = unsafe { &*entry };
        entry = ifa.ifa_next;
        if ifa.ifa_addr.is_null() || ifa.ifa_name.is_null() {
            continue;
        }
        // SAFETY: ifa_addr points to a sockaddr owned by the list.
        if i32::from(unsafe { (*ifa.ifa_addr).sa_family }) != family {
            continue;
        }
        // SAFETY: ifa_name is a NUL-terminated string owned by the list.
        if unsafe { CStr::from_ptr(ifa.ifa_name) }.to_bytes() != name.as_bytes() {
            continue;
        }
        // SAFETY: ifa_addr is a sockaddr of the family just checked.
        found = unsafe { from_sockaddr(ifa.ifa_addr) };
        break;
    }
    // SAFETY: `list` came from a successful getifaddrs and is freed exactly once.
    unsafe { libc::freeifaddrs(list) };
    found
}

/// `getaddrinfo` with libzmq's hints: the family (AF_INET6 adds AI_V4MAPPED, dropped
/// again if the system refuses the flag), AI_PASSIVE, AI_NUMERICHOST; the first
/// result.
pub fn getaddrinfo(host: &str, query: &HostQuery) -> Result<SocketAddr, LookupFailure> {
    let c_host = CString::new(host).map_err(|_| LookupFailure::NotFound)?;
    // SAFETY: an all-zero addrinfo is the documented "no hints" value.
    let mut hints: libc::addrinfo = unsafe { mem::zeroed() };
    hints.ai_family = if query.ipv6 {
        libc::AF_INET6
    } else {
        libc::AF_INET
    };
    // Any type will do; one avoids duplicate results.
    hints.ai_socktype = libc::SOCK_STREAM;
    if query.passive {
        hints.ai_flags |= libc::AI_PASSIVE;
    }
    if query.numeric_only {
        hints.ai_flags |= libc::AI_NUMERICHOST;
    }
    if query.ipv6 {
        hints.ai_flags |= libc::AI_V4MAPPED;
    }
    let mut rc = first_result(&c_host, &hints);
    if matches!(rc, Err(libc::EAI_BADFLAGS)) && hints.ai_flags & libc::AI_V4MAPPED != 0 {
        hints.ai_flags &= !libc::AI_V4MAPPED;
        rc = first_result(&c_host, &hints);
    }
    rc.map_err(|code| match code {
        libc::EAI_MEMORY => LookupFailure::NoMemory,
        _ => LookupFailure::NotFound,
    })
}

/// One `getaddrinfo` call, keeping the first result (or the EAI code).
fn first_result(host: &CStr, hints: &libc::addrinfo) -> Result<SocketAddr, i32> {
    let mut results: *mut libc::addrinfo = ptr::null_mut();
    // SAFETY: `host` is NUL-terminated, `hints` is initialised, `results` is a valid
    // out-pointer; the list is freed below.
    let rc = unsafe { libc::getaddrinfo(host.as_ptr(), ptr::null(), hints, &mut results) };
    if rc != 0 {
        return Err(rc);
    }
    let first = if results.is_null() {
        None
    } else {
        // SAFETY: `results` is the head of the list getaddrinfo returned; ai_addr, when
        // set, points to a sockaddr of the family it names.
        unsafe {
            let ai = &*results;
            if ai.ai_addr.is_null() {
                None
            } else {
                from_sockaddr(ai.ai_addr)
            }
        }
    };
    if !results.is_null() {
        // SAFETY: the list came from a successful getaddrinfo and is freed exactly once.
        unsafe { libc::freeaddrinfo(results) };
    }
    first.ok_or(libc::EAI_FAIL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_interface() {
        assert_eq!(SystemLookup.interface_index("lo"), 1);
        assert_eq!(SystemLookup.interface_index("no-such-nic0"), 0);
        assert_eq!(SystemLookup.interface_index("l\0o"), 0);
        assert_eq!(
            SystemLookup.interface_address("lo", false),
            Some(IpAddr::from([127, 0, 0, 1]))
        );
        assert_eq!(SystemLookup.interface_address("no-such-nic0", false), None);
    }

    #[test]
    fn numeric_hosts() {
        let v4 = HostQuery {
            ipv6: false,
            passive: true,
            numeric_only: true,
        };
        assert_eq!(
            SystemLookup.host_address("127.0.0.1", &v4),
            Ok(IpAddr::from([127, 0, 0, 1]))
        );
        assert_eq!(
            SystemLookup.host_address("::1", &v4),
            Err(LookupFailure::NotFound)
        );
        assert_eq!(
            SystemLookup.host_address("localhost", &v4),
            Err(LookupFailure::NotFound)
        );
        let v6 = HostQuery { ipv6: true, ..v4 };
        assert_eq!(
            SystemLookup.host_address("::1", &v6),
            Ok("::1".parse::<IpAddr>().unwrap())
        );
        // An IPv4 address comes back mapped when IPv6 is asked for.
        assert_eq!(
            SystemLookup.host_address("127.0.0.1", &v6),
            Ok("::ffff:127.0.0.1".parse::<IpAddr>().unwrap())
        );
    }
}
