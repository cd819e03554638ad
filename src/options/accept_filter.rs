//! `ZMQ_TCP_ACCEPT_FILTER` entries: a numeric network address and a CIDR prefix length,
//! parsed the way libzmq's address mask does it (numeric hosts only, IPv4 literals in
//! every `inet_aton` form, IPv4-mapped when the socket has `ZMQ_IPV6` set).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::error::{Error, Result};

/// One accept filter: a peer matches when its address has the same family and the
/// same first `prefix_len` bits as `network`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TcpAcceptFilter {
    pub network: IpAddr,
    pub prefix_len: u8,
}

impl TcpAcceptFilter {
    /// Parses `address[/prefix]`. `ipv6` is the socket's `ZMQ_IPV6` at the time of the
    /// call: with it, IPv6 literals are accepted and IPv4 ones become IPv4-mapped IPv6.
    pub fn parse(text: &[u8], ipv6: bool) -> Result<TcpAcceptFilter> {
        // libzmq reads the value as a C string: anything after a NUL is ignored.
        let text = text.split(|&b| b == 0).next().unwrap_or_default();
        let (mut address, prefix) = match text.iter().rposition(|&b| b == b'/') {
            Some(slash) => (&text[..slash], Some(&text[slash + 1..])),
            None => (text, None),
        };
        if address.len() >= 2 && address[0] == b'[' && address[address.len() - 1] == b']' {
            address = &address[1..address.len() - 1];
        }
        if let Some(percent) = address.iter().rposition(|&b| b == b'%') {
            // A zone id must be a non-zero interface index; interface names are not
            // looked up here (libzmq would ask if_nametoindex).
            if c_atoi(&address[percent + 1..]) == 0 {
                return Err(Error::Inval);
            }
            address = &address[..percent];
        }
        let network = parse_numeric_host(address, ipv6).ok_or(Error::Inval)?;
        let full = if network.is_ipv6() { 128 } else { 32 };
        let prefix_len = match prefix {
            None => full,
            Some(b"0") => 0,
            Some(text) => match c_strtol(text) {
                n if (1..=i64::from(full)).contains(&n) => n as u8,
                _ => return Err(Error::Inval),
            },
        };
        Ok(TcpAcceptFilter {
            network,
            prefix_len,
        })
    }

    /// Whether a connecting peer's address passes this filter.
    pub fn matches(&self, peer: &IpAddr) -> bool {
        let (ours, theirs): (Vec<u8>, Vec<u8>) = match (self.network, peer) {
            (IpAddr::V4(a), IpAddr::V4(b)) => (a.octets().to_vec(), b.octets().to_vec()),
            (IpAddr::V6(a), IpAddr::V6(b)) => (a.octets().to_vec(), b.octets().to_vec()),
            _ => return false,
        };
        let bits = usize::from(self.prefix_len).min(ours.len() * 8);
        let full_bytes = bits / 8;
        if ours[..full_bytes] != theirs[..full_bytes] {
            return false;
        }
        let rest = bits % 8;
        if rest == 0 {
            return true;
        }
        let mask = 0xFFu8 << (8 - rest);
        ours[full_bytes] & mask == theirs[full_bytes] & mask
    }
}

/// A numeric host as `getaddrinfo(AI_NUMERICHOST)` accepts it for the family libzmq
/// asks for: IPv4 only, or IPv6 with IPv4 literals mapped (`AI_V4MAPPED`).
fn parse_numeric_host(text: &[u8], ipv6: bool) -> Option<IpAddr> {
    let v4 = parse_inet_aton(text);
    if !ipv6 {
        return v4.map(IpAddr::V4);
    }
    if let Some(v4) = v4 {
        return Some(IpAddr::V6(v4.to_ipv6_mapped()));
    }
    let text = std::str::from_utf8(text).ok()?;
    text.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
}

/// IPv4 in the classic `inet_aton` forms: `a.b.c.d`, `a.b.c` (c is 16 bits), `a.b`
/// (b is 24 bits) and `a` (32 bits), each part decimal, octal (`0` prefix) or hex (`0x`).
pub fn parse_inet_aton(text: &[u8]) -> Option<Ipv4Addr> {
    let mut parts = Vec::with_capacity(4);
    for part in text.split(|&b| b == b'.') {
        if parts.len() == 4 {
            return None;
        }
        parts.push(parse_inet_part(part)?);
    }
    let last = parts.pop()?;
    if parts.iter().any(|&p| p > 0xFF) || u64::from(last) >> (32 - 8 * parts.len()) != 0 {
        return None;
    }
    let head = parts
        .iter()
        .enumerate()
        .fold(0u32, |acc, (i, &p)| acc | p << (24 - 8 * i));
    Some(Ipv4Addr::from(head | last))
}

fn parse_inet_part(part: &[u8]) -> Option<u32> {
    if !part.first()?.is_ascii_digit() {
        return None;
    }
    let (base, digits) = match part {
        [b'0', b'x' | b'X', rest @ ..] => (16, rest),
        [b'0', rest @ ..] => (8, rest),
        _ => (10, part),
    };
    let mut value: u32 = 0;
    for &c in digits {
        let digit = char::from(c).to_digit(base)?;
        value = value.checked_mul(base)?.checked_add(digit)?;
    }
    Some(value)
}

fn skip_c_space(text: &[u8]) -> &[u8] {
    let start = text
        .iter()
        .position(|&b| !matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r'))
        .unwrap_or(text.len());
    &text[start..]
}

/// `strtol(text, NULL, 10)`: leading spaces, a sign, then digits up to the first
/// non-digit; 0 when there are none. Saturates instead of overflowing.
fn c_strtol(text: &[u8]) -> i64 {
    let text = skip_c_space(text);
    let (negative, digits) = match text {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, text),
    };
    let magnitude = digits
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .fold(0i64, |acc, &b| {
            acc.saturating_mul(10).saturating_add(i64::from(b - b'0'))
        });
    if negative {
        -magnitude
    } else {
        magnitude
    }
}

/// `atoi`, for the zone id: like `strtol`, truncated to an `int`.
fn c_atoi(text: &[u8]) -> i64 {
    c_strtol(text).clamp(i64::from(i32::MIN), i64::from(i32::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str, ipv6: bool) -> bool {
        TcpAcceptFilter::parse(text.as_bytes(), ipv6).is_ok()
    }

    /// Each case was run through real libzmq 4.3.4's ZMQ_TCP_ACCEPT_FILTER.
    #[test]
    fn accepts_and_rejects_like_libzmq() {
        let cases = [
            ("10.0.0.0/33", false, true),
            ("127.1", true, true),
            ("10.0.0.0/8x", true, true),
            ("[127.0.0.1]", true, true),
            ("::1", false, true),
            ("10.0.0.0/0", true, true),
            ("10.0.0.0/00", false, false),
            ("10.0.0.0/ 8", true, true),
            ("10.0.0.0/", false, false),
            ("127.0.0.1\0zz", true, true),
            ("localhost", false, false),
            ("10.0.0.0/-1", false, false),
            ("fe80::1%1", false, true),
            ("1.2.3.4%1", true, true),
            ("bogus", false, false),
            ("\0", false, false),
        ];
        for (text, v4_ok, v6_ok) in cases {
            assert_eq!(ok(text, false), v4_ok, "{text:?} without IPV6");
            assert_eq!(ok(text, true), v6_ok, "{text:?} with IPV6");
        }
    }

    #[test]
    fn inet_aton_forms() {
        let parse = |s: &str| parse_inet_aton(s.as_bytes());
        assert_eq!(parse("127.1"), Some(Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(parse("10.1.258"), Some(Ipv4Addr::new(10, 1, 1, 2)));
        assert_eq!(parse("0x7f.010.0.1"), Some(Ipv4Addr::new(127, 8, 0, 1)));
        assert_eq!(parse("4294967295"), Some(Ipv4Addr::BROADCAST));
        assert_eq!(parse("4294967296"), None);
        assert_eq!(parse("1.2.3.4.5"), None);
        assert_eq!(parse("1.2.3."), None);
        assert_eq!(parse("256.1.1.1"), None);
        assert_eq!(parse("08"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn prefix_matching() {
        let filter = TcpAcceptFilter::parse(b"10.1.0.0/12", false).unwrap();
        assert_eq!(filter.prefix_len, 12);
        assert!(filter.matches(&"10.15.255.1".parse().unwrap()));
        assert!(!filter.matches(&"10.16.0.1".parse().unwrap()));
        assert!(!filter.matches(&"::ffff:10.1.0.1".parse().unwrap()));
        let any = TcpAcceptFilter::parse(b"1.2.3.4/0", false).unwrap();
        assert!(any.matches(&"9.9.9.9".parse().unwrap()));
        let mapped = TcpAcceptFilter::parse(b"127.0.0.1", true).unwrap();
        assert_eq!(mapped.prefix_len, 128);
        assert!(mapped.matches(&"::ffff:127.0.0.1".parse().unwrap()));
    }
}
