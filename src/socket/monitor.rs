//! `zmq_socket_monitor`: a PAIR socket, bound at an inproc address, on which the
//! monitored socket publishes its events (`crate::monitor::Monitor`).

use super::Socket;
use crate::constants::*;
use crate::ctx_inner::CtxInner;
use crate::error::{Error, Result};
use crate::monitor::{Monitor, MonitorSocket};
use crate::msg::Msg;
use crate::transport::Endpoint;
use std::sync::Arc;

impl MonitorSocket for Socket {
    fn send(&mut self, msg: &mut Msg, flags: i32) -> Result<()> {
        Socket::send(self, msg, flags)
    }
}

/// Binds a monitor's PAIR socket at `endpoint` (inproc only, as libzmq).
pub fn start(ctx: &Arc<CtxInner>, endpoint: &str, events: i32) -> Result<Monitor> {
    match Endpoint::parse(endpoint)? {
        Endpoint::Inproc(_) => {}
        Endpoint::Network { .. } => return Err(Error::ProtoNoSupport),
    }
    let mut socket = Box::new(Socket::create(ctx, ZMQ_PAIR)?);
    socket.bind(endpoint)?;
    Ok(Monitor::new(socket, events))
}
