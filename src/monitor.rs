//! A socket's monitor (`zmq_socket_monitor`) as the code that reports events sees it:
//! the socket itself and the I/O threads serving its connections. Events go out on the
//! monitor's PAIR socket as two-frame messages: 6 bytes (event as u16, value as u32,
//! host byte order) then the endpoint, as libzmq's v1 format. Starting a monitor (a
//! PAIR socket bound at an inproc address) is `socket::monitor::start`.

use crate::constants::*;
use crate::error::Result;
use crate::msg::Msg;
use std::sync::Arc;

/// The socket a monitor publishes on (a `Socket` of type PAIR; a trait so that the
/// I/O threads can report events without depending on the socket layer).
pub trait MonitorSocket: Send {
    fn send(&mut self, msg: &mut Msg, flags: i32) -> Result<()>;
}

/// A socket's monitor, shared with the I/O threads that report its connections' events.
pub type SharedMonitor = Arc<parking_lot::Mutex<Option<Monitor>>>;

pub struct Monitor {
    socket: Box<dyn MonitorSocket>,
    events: i32,
}

impl Monitor {
    /// A monitor publishing the `events` (a ZMQ_EVENT_* bitmask) on `socket`.
    pub fn new(socket: Box<dyn MonitorSocket>, events: i32) -> Monitor {
        Monitor { socket, events }
    }

    /// Publishes `event` if it was asked for; never blocks (a slow reader loses events).
    pub fn emit(&mut self, event: i32, value: u32, endpoint: &str) {
        if self.events & event == 0 {
            return;
        }
        let mut head = [0u8; 6];
        head[..2].copy_from_slice(&(event as u16).to_ne_bytes());
        head[2..].copy_from_slice(&value.to_ne_bytes());
        let mut first = Msg::from_slice(&head);
        if self
            .socket
            .send(&mut first, ZMQ_SNDMORE | ZMQ_DONTWAIT)
            .is_ok()
        {
            let mut second = Msg::from_slice(endpoint.as_bytes());
            let _ = self.socket.send(&mut second, ZMQ_DONTWAIT);
        }
    }

    /// Sends MONITOR_STOPPED and closes the PAIR socket.
    pub fn stop(mut self) {
        self.emit(ZMQ_EVENT_MONITOR_STOPPED, 0, "");
    }
}
