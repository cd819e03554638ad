//! Subscriptions in both wire forms (SUBSCRIBE/CANCEL commands for 3.1 peers,
//! `0x01`/`0x00` messages for older ones): whatever parses re-encodes for either peer
//! version and parses back the same.

use zmq::zmtp::frame::FrameFlags;
use zmq::zmtp::greeting::PeerVersion;
use zmq::zmtp::subscription::{encode, parse};

pub fn run(data: &[u8]) {
    for flags in [FrameFlags::COMMAND, FrameFlags::MESSAGE] {
        let Some(sub) = parse(flags, data) else {
            continue;
        };
        for version in [PeerVersion::V3_0, PeerVersion::V3_1] {
            let mut out = Vec::new();
            let flags = encode(version, sub.kind, sub.topic, &mut out);
            assert_eq!(parse(flags, &out), Some(sub));
        }
    }
}
