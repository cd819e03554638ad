//! Properties attached to received messages (`zmq_msg_gets`): "Socket-Type",
//! "Routing-Id", "User-Id", "Peer-Address" and custom ones. Shared by every message of
//! one connection; values are stored NUL-terminated so C can read them in place.

use std::ffi::CStr;

/// The private property holding the descriptor a message arrived on, in decimal; what
/// `zmq_msg_get(ZMQ_SRCFD)` reports (libzmq's name, also visible to `zmq_msg_gets`).
pub const SOURCE_FD_PROPERTY: &str = "__fd";

/// The private property holding a message's group (`zmq_msg_set_group`). A name no
/// C string can spell, so `zmq_msg_gets` never finds it.
pub const GROUP_PROPERTY: &str = "\0group";

/// The longest group, in bytes (`ZMQ_GROUP_MAX_LENGTH` of libzmq 4.3.5).
pub const GROUP_MAX_LENGTH: usize = 255;

/// An immutable property list; lookups are by exact (case-sensitive) name, as libzmq.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Metadata {
    properties: Vec<(String, Vec<u8>)>,
}

impl Metadata {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a property; the value is copied and NUL-terminated.
    pub fn insert(&mut self, name: &str, value: &[u8]) {
        let mut stored = Vec::with_capacity(value.len() + 1);
        stored.extend_from_slice(value);
        stored.push(0);
        self.properties.retain(|(n, _)| n != name);
        self.properties.push((name.to_owned(), stored));
    }

    /// The value of `name` as a C string (up to its first NUL byte).
    pub fn get(&self, name: &str) -> Option<&CStr> {
        self.properties
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| CStr::from_bytes_until_nul(v).ok())
    }

    pub fn is_empty(&self) -> bool {
        self.properties.is_empty()
    }

    pub fn len(&self) -> usize {
        self.properties.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_is_exact_and_values_are_c_strings() {
        let mut m = Metadata::new();
        m.insert("Socket-Type", b"DEALER");
        assert_eq!(m.get("Socket-Type").unwrap().to_bytes(), b"DEALER");
        assert!(m.get("socket-type").is_none());
        m.insert("Socket-Type", b"ROUTER");
        assert_eq!(m.get("Socket-Type").unwrap().to_bytes(), b"ROUTER");
    }
}
