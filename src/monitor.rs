//! A socket's monitor (`zmq_socket_monitor`, draft `zmq_socket_monitor_versioned`) as
//! the code that reports events sees it: the socket itself and the I/O threads serving
//! its connections. Events go out on the monitor's socket (PAIR, or PUB/PUSH for v2)
//! in libzmq's formats, host byte order:
//! * v1: two frames, 6 bytes (event as u16, value as u32), then the endpoint (the
//!   pair's identifier);
//! * v2: event (u64), the count of values (u64), each value (u64), the local endpoint,
//!   the remote endpoint.
//!
//! Starting a monitor is `socket::monitor::start`.

use crate::constants::*;
use crate::error::Result;
use crate::msg::Msg;
use std::sync::Arc;

/// The socket a monitor publishes on (a `Socket`; a trait so that the I/O threads can
/// report events without depending on the socket layer).
pub trait MonitorSocket: Send {
    fn send(&mut self, msg: &mut Msg, flags: i32) -> Result<()>;
}

/// A socket's monitor, shared with the I/O threads that report its connections' events.
pub type SharedMonitor = Arc<parking_lot::Mutex<Option<Monitor>>>;

/// The endpoints an event names (libzmq's `endpoint_uri_pair_t`): v2 sends both; v1
/// sends `identifier`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventEndpoints {
    pub local: String,
    pub remote: String,
    pub identifier: String,
}

impl EventEndpoints {
    /// A bound endpoint (LISTENING, BIND_FAILED, ACCEPTED, a listener's CLOSED...).
    pub fn bound(endpoint: &str) -> EventEndpoints {
        EventEndpoints {
            local: endpoint.to_owned(),
            remote: String::new(),
            identifier: endpoint.to_owned(),
        }
    }

    /// A connect attempt (CONNECT_DELAYED, CONNECTED, CONNECT_RETRIED, its CLOSED).
    pub fn connecting(endpoint: &str) -> EventEndpoints {
        EventEndpoints {
            local: String::new(),
            remote: endpoint.to_owned(),
            identifier: endpoint.to_owned(),
        }
    }
}

pub struct Monitor {
    socket: Box<dyn MonitorSocket>,
    events: u64,
    version: i32,
}

impl Monitor {
    /// A monitor publishing the `events` (a ZMQ_EVENT_* bitmask) on `socket` in format
    /// `version` (1 or 2).
    pub fn new(socket: Box<dyn MonitorSocket>, events: u64, version: i32) -> Monitor {
        Monitor {
            socket,
            events,
            version,
        }
    }

    /// Whether `event` was asked for.
    pub fn wants(&self, event: u64) -> bool {
        self.events & event != 0
    }

    /// Publishes `event` with one value if it was asked for; never blocks (a slow
    /// reader loses events).
    pub fn emit(&mut self, event: i32, value: u32, endpoints: &EventEndpoints) {
        self.emit_values(event as u32 as u64, &[u64::from(value)], endpoints);
    }

    /// Publishes `event` with its values if it was asked for (v2 carries any number;
    /// v1 only events with one value that fit its 16 and 32 bits).
    pub fn emit_values(&mut self, event: u64, values: &[u64], endpoints: &EventEndpoints) {
        if !self.wants(event) {
            return;
        }
        let mut frames: Vec<Msg> = Vec::with_capacity(values.len() + 4);
        if self.version == 1 {
            let (Ok(event), [value]) = (u16::try_from(event), values) else {
                return;
            };
            let Ok(value) = u32::try_from(*value) else {
                return;
            };
            let mut head = [0u8; 6];
            head[..2].copy_from_slice(&event.to_ne_bytes());
            head[2..].copy_from_slice(&value.to_ne_bytes());
            frames.push(Msg::from_slice(&head));
            frames.push(Msg::from_slice(endpoints.identifier.as_bytes()));
        } else {
            frames.push(Msg::from_slice(&event.to_ne_bytes()));
            frames.push(Msg::from_slice(&(values.len() as u64).to_ne_bytes()));
            frames.extend(values.iter().map(|v| Msg::from_slice(&v.to_ne_bytes())));
            frames.push(Msg::from_slice(endpoints.local.as_bytes()));
            frames.push(Msg::from_slice(endpoints.remote.as_bytes()));
        }
        let last = frames.len() - 1;
        for (i, mut frame) in frames.into_iter().enumerate() {
            let more = if i < last { ZMQ_SNDMORE } else { 0 };
            if self.socket.send(&mut frame, more | ZMQ_DONTWAIT).is_err() {
                // The first frame not taken means none was (a PAIR/PUSH at its HWM,
                // or no peer); the rest of a message always follows its first.
                return;
            }
        }
    }

    /// Sends MONITOR_STOPPED and closes the socket.
    pub fn stop(mut self) {
        self.emit(ZMQ_EVENT_MONITOR_STOPPED, 0, &EventEndpoints::default());
    }
}
