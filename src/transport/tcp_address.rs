// TEMPORARY stand-in until the netaddr branch lands; not committed.
use crate::error::{Error, Result};
use std::net::{SocketAddr, ToSocketAddrs};
pub struct TcpTarget {
    pub source: Option<SocketAddr>,
    pub peer: SocketAddr,
}
pub fn resolve_bind(address: &str, _ipv6: bool) -> Result<SocketAddr> {
    let (h, p) = address.rsplit_once(':').ok_or(Error::Inval)?;
    let h = if h == "*" { "0.0.0.0" } else { h };
    let p = if p == "*" { "0" } else { p };
    format!("{h}:{p}")
        .to_socket_addrs()
        .map_err(|_| Error::Inval)?
        .next()
        .ok_or(Error::Inval)
}
pub fn resolve_connect(address: &str, ipv6: bool) -> Result<TcpTarget> {
    Ok(TcpTarget {
        source: None,
        peer: resolve_bind(address, ipv6)?,
    })
}
pub fn endpoint_string(addr: &SocketAddr) -> String {
    format!("tcp://{addr}")
}
