// TEMPORARY stand-in until the netaddr branch lands; not committed.
use crate::error::Result;
use std::path::PathBuf;
pub enum IpcAddress {
    Path(PathBuf),
    Abstract(Vec<u8>),
}
pub fn parse(address: &str) -> Result<IpcAddress> {
    Ok(match address.strip_prefix('@') {
        Some(n) => IpcAddress::Abstract(n.as_bytes().to_vec()),
        None => IpcAddress::Path(PathBuf::from(address)),
    })
}
pub fn endpoint_string(a: &IpcAddress) -> String {
    match a {
        IpcAddress::Path(p) => format!("ipc://{}", p.display()),
        IpcAddress::Abstract(n) => format!("ipc://@{}", String::from_utf8_lossy(n)),
    }
}
