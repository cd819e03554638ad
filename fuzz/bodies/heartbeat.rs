//! Heartbeat timer state machine: the input sets IVL/TIMEOUT/TTL and then a schedule of
//! traffic, PINGs (any TTL and context), timer expiries and polls. What we send must be
//! a PING or a PONG, and a timeout does not clear itself.

use std::time::{Duration, Instant};

use zmq::zmtp::command::{Command, MAX_PING_CONTEXT};
use zmq::zmtp::heartbeat::{Heartbeat, HeartbeatConfig};

use crate::common::Reader;

pub fn run(data: &[u8]) {
    let mut r = Reader::new(data);
    let ms = |v: u16| Duration::from_millis(u64::from(v));
    let interval = r.u16();
    let timeout = r.u16();
    let config = HeartbeatConfig {
        interval: (interval != 0).then(|| ms(interval)),
        timeout: (timeout != 0).then(|| ms(timeout)),
        ttl: ms(r.u16()),
    };
    let start = Instant::now();
    let mut now = start;
    let mut hb = Heartbeat::new(config);
    hb.start(now);
    for _ in 0..64 {
        if r.is_empty() {
            break;
        }
        match r.u8() % 6 {
            0 => now += ms(r.u16()),
            1 => hb.on_traffic(now),
            2 => {
                let ttl = r.u16();
                hb.on_ping(now, ttl, r.bytes());
            }
            3 => {
                if let Ok(cmd) = Command::parse(r.bytes()) {
                    hb.on_command(now, &cmd);
                }
            }
            4 => {
                if hb.handle_timeout(now).is_err() {
                    assert!(hb.handle_timeout(now).is_err(), "a timeout went away");
                }
            }
            _ => {
                let had = hb.has_command();
                let mut out = Vec::new();
                assert_eq!(hb.poll_command(now, &mut out), had);
                if had {
                    match Command::parse(&out) {
                        Ok(Command::Ping { context, .. }) => assert!(context.is_empty()),
                        Ok(Command::Pong { context }) => {
                            assert!(context.len() <= MAX_PING_CONTEXT)
                        }
                        other => panic!("heartbeat sent {other:?}"),
                    }
                }
            }
        }
        if let Some(at) = hb.next_timeout() {
            assert!(at >= start);
        }
    }
}
