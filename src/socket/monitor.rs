//! `zmq_socket_monitor`: a PAIR socket, bound at an inproc address, on which the
//! monitored socket publishes its events as two-frame messages: 6 bytes (event as u16,
//! value as u32, host byte order) then the endpoint, as libzmq's v1 format.

use super::Socket;
use crate::constants::*;
use crate::ctx::CtxInner;
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::transport::Endpoint;
use std::sync::Arc;

/// A socket's monitor, shared with the I/O threads that report its connections' events.
pub type SharedMonitor = Arc<parking_lot::Mutex<Option<Monitor>>>;

pub struct Monitor {
    socket: Box<Socket>,
    events: i32,
}

impl Monitor {
    /// Binds the monitor's PAIR socket at `endpoint` (inproc only, as libzmq).
    pub fn start(ctx: &Arc<CtxInner>, endpoint: &str, events: i32) -> Result<Monitor> {
        match Endpoint::parse(endpoint)? {
            Endpoint::Inproc(_) => {}
            Endpoint::Network { .. } => return Err(Error::ProtoNoSupport),
        }
        let mut socket = Box::new(ctx.create_socket(ZMQ_PAIR)?);
        socket.bind(endpoint)?;
        Ok(Monitor { socket, events })
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
