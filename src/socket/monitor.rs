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

/// Binds a monitor's socket (PAIR, PUB or PUSH: EINVAL otherwise) at `endpoint`
/// (inproc only, as libzmq), with LINGER 0 (events never hold up termination).
pub fn start(
    ctx: &Arc<CtxInner>,
    endpoint: &str,
    events: u64,
    version: i32,
    socket_type: i32,
) -> Result<Monitor> {
    match Endpoint::parse(endpoint)? {
        Endpoint::Inproc(_) => {}
        Endpoint::Network { .. } => return Err(Error::ProtoNoSupport),
    }
    if !matches!(socket_type, ZMQ_PAIR | ZMQ_PUB | ZMQ_PUSH) {
        return Err(Error::Inval);
    }
    let mut socket = Box::new(Socket::create(ctx, socket_type)?);
    socket.setsockopt(ZMQ_LINGER, Some(&0i32.to_ne_bytes()))?;
    socket.bind(endpoint)?;
    Ok(Monitor::new(socket, events, version))
}
