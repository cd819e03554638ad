//! Metadata (READY/INITIATE property lists, ZAP reply metadata): a list that parses
//! re-encodes to exactly its bytes, and the peer check accepts only a matching
//! `Socket-Type`.

use zmq::zmtp::metadata::{Metadata, Properties};
use zmq::zmtp::null::{check_peer_metadata, is_valid_peer};

use crate::common::SOCKET_PAIRS;

pub fn run(data: &[u8]) {
    let parsed = Metadata::parse(data);
    let items: Vec<_> = Properties::new(data).collect();
    match &parsed {
        Ok(m) => {
            assert_eq!(items.len(), m.len());
            assert!(items.iter().all(|i| i.is_ok()));
            let mut encoded = Vec::new();
            m.encode(&mut encoded);
            assert_eq!(encoded, data, "metadata does not re-encode to its bytes");
            assert_eq!(Metadata::parse(&encoded).as_ref(), Ok(m));
        }
        Err(_) => {
            assert!(
                matches!(items.last(), Some(Err(_))),
                "parse failed, iterator did not"
            );
        }
    }
    for (socket_type, _) in SOCKET_PAIRS {
        let checked = check_peer_metadata(*socket_type, data);
        if let Ok(m) = &checked {
            let name = m.get("Socket-Type").expect("checked Socket-Type");
            assert!(is_valid_peer(*socket_type, name));
        }
        assert!(checked.is_err() || parsed.is_ok());
    }
}
