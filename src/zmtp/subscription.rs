//! Subscriptions on the wire: SUBSCRIBE/CANCEL commands for ZMTP 3.1 peers,
//! `0x01topic`/`0x00topic` messages for 3.0 and older peers.
//!
//! Encoding follows the peer's version, as libzmq does. On receive both forms must be
//! recognised on every connection (an XSUB's own `0x01topic` message goes out as data
//! even to 3.1 peers); the message form is only a subscription when it is the first
//! frame of a message arriving at a PUB/XPUB, which the caller decides.

use super::command::Command;
use super::frame::FrameFlags;
use super::greeting::PeerVersion;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionKind {
    Subscribe,
    Cancel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subscription<'a> {
    pub kind: SubscriptionKind,
    pub topic: &'a [u8],
}

/// Recognises a subscription in a received frame, in either form.
pub fn parse(flags: FrameFlags, body: &[u8]) -> Option<Subscription<'_>> {
    if flags.command {
        return match Command::parse(body).ok()? {
            Command::Subscribe(topic) => Some(Subscription {
                kind: SubscriptionKind::Subscribe,
                topic,
            }),
            Command::Cancel(topic) => Some(Subscription {
                kind: SubscriptionKind::Cancel,
                topic,
            }),
            _ => None,
        };
    }
    match body.split_first()? {
        (1, topic) => Some(Subscription {
            kind: SubscriptionKind::Subscribe,
            topic,
        }),
        (0, topic) => Some(Subscription {
            kind: SubscriptionKind::Cancel,
            topic,
        }),
        _ => None,
    }
}

/// Appends the frame body that carries `kind`/`topic` to a peer of `version` and
/// returns the flags to frame it with.
pub fn encode(
    version: PeerVersion,
    kind: SubscriptionKind,
    topic: &[u8],
    out: &mut Vec<u8>,
) -> FrameFlags {
    if version == PeerVersion::V3_1 {
        let command = match kind {
            SubscriptionKind::Subscribe => Command::Subscribe(topic),
            SubscriptionKind::Cancel => Command::Cancel(topic),
        };
        command.encode(out);
        return FrameFlags::COMMAND;
    }
    out.push(match kind {
        SubscriptionKind::Subscribe => 1,
        SubscriptionKind::Cancel => 0,
    });
    out.extend_from_slice(topic);
    FrameFlags::MESSAGE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_by_peer_version() {
        let mut out = Vec::new();
        let flags = encode(
            PeerVersion::V3_1,
            SubscriptionKind::Subscribe,
            b"ab",
            &mut out,
        );
        assert_eq!(
            (flags, out.as_slice()),
            (FrameFlags::COMMAND, &b"\x09SUBSCRIBEab"[..])
        );
        out.clear();
        let flags = encode(PeerVersion::V3_1, SubscriptionKind::Cancel, b"", &mut out);
        assert_eq!(
            (flags, out.as_slice()),
            (FrameFlags::COMMAND, &b"\x06CANCEL"[..])
        );
        for version in [PeerVersion::V3_0, PeerVersion::V2, PeerVersion::V1] {
            out.clear();
            let flags = encode(version, SubscriptionKind::Subscribe, b"ab", &mut out);
            assert_eq!(
                (flags, out.as_slice()),
                (FrameFlags::MESSAGE, &b"\x01ab"[..])
            );
            out.clear();
            encode(version, SubscriptionKind::Cancel, b"ab", &mut out);
            assert_eq!(out, b"\x00ab");
        }
    }

    #[test]
    fn recognises_both_forms() {
        let sub = Subscription {
            kind: SubscriptionKind::Subscribe,
            topic: b"t",
        };
        let cancel = Subscription {
            kind: SubscriptionKind::Cancel,
            topic: b"",
        };
        assert_eq!(parse(FrameFlags::COMMAND, b"\x09SUBSCRIBEt"), Some(sub));
        assert_eq!(parse(FrameFlags::MESSAGE, b"\x01t"), Some(sub));
        assert_eq!(parse(FrameFlags::COMMAND, b"\x06CANCEL"), Some(cancel));
        assert_eq!(parse(FrameFlags::MESSAGE, b"\x00"), Some(cancel));
        assert_eq!(parse(FrameFlags::MESSAGE, b""), None);
        assert_eq!(parse(FrameFlags::MESSAGE, b"\x02t"), None);
        assert_eq!(parse(FrameFlags::COMMAND, b"\x04PING\x00\x00"), None);
        assert_eq!(parse(FrameFlags::COMMAND, b"\x09SUBSCRI"), None);
    }
}
