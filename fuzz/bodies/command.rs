//! Command parser (every command name): a body that parses re-encodes to itself,
//! except for PING/PONG contexts longer than we send; the heartbeat and the
//! subscription parser take whatever parses.

use std::time::{Duration, Instant};

use zmq::zmtp::command::{Command, MAX_PING_CONTEXT};
use zmq::zmtp::frame::FrameFlags;
use zmq::zmtp::heartbeat::{Heartbeat, HeartbeatConfig};
use zmq::zmtp::subscription;

pub fn run(data: &[u8]) {
    let _ = subscription::parse(FrameFlags::COMMAND, data);
    let Ok(cmd) = Command::parse(data) else {
        return;
    };
    let truncated = match cmd {
        Command::Ping { context, .. } | Command::Pong { context } => {
            context.len() > MAX_PING_CONTEXT
        }
        _ => false,
    };
    let encoded = cmd.to_vec();
    if truncated {
        assert!(encoded.len() < data.len());
        assert!(Command::parse(&encoded).is_ok());
    } else {
        assert_eq!(encoded, data, "{cmd:?} does not re-encode to its bytes");
    }

    let now = Instant::now();
    let mut hb = Heartbeat::new(HeartbeatConfig {
        interval: Some(Duration::from_millis(100)),
        timeout: None,
        ttl: Duration::from_secs(1),
    });
    hb.start(now);
    let is_heartbeat = hb.on_command(now, &cmd);
    assert_eq!(
        is_heartbeat,
        matches!(cmd, Command::Ping { .. } | Command::Pong { .. })
    );
    let mut out = Vec::new();
    if hb.poll_command(now, &mut out) {
        match Command::parse(&out) {
            Ok(Command::Pong { context }) => assert!(context.len() <= MAX_PING_CONTEXT),
            other => panic!("a PING must be answered by a PONG, got {other:?}"),
        }
    }
}
