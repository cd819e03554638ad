//! `zmq_proxy` and `zmq_proxy_steerable`: shuttle whole messages between a frontend and
//! a backend socket, copying each frame to an optional capture socket, until the context
//! terminates (ETERM) or a control socket says TERMINATE. A message is moved only when
//! its destination can take it, and the proxy sleeps (rather than spins) while one side
//! is full. Control commands: PAUSE, RESUME, TERMINATE, STATISTICS (8 u64 counters).
//! A REP control socket gets a reply to every command (empty unless STATISTICS), so a
//! REQ client can keep steering; unknown commands are ignored.

use crate::constants::*;
use crate::error::Result;
use crate::msg::Msg;
use crate::poll::{poll, PollEntry};
use crate::socket::Socket;

#[derive(Default, Clone, Copy)]
struct Counters {
    msgs_in: u64,
    bytes_in: u64,
    msgs_out: u64,
    bytes_out: u64,
}

/// The sockets of one proxy. `backend: None` means the frontend is also the backend.
pub struct Proxy<'a> {
    pub frontend: &'a mut Socket,
    pub backend: Option<&'a mut Socket>,
    pub capture: Option<&'a mut Socket>,
    pub control: Option<&'a mut Socket>,
}

enum Side {
    Front,
    Back,
}

impl Proxy<'_> {
    fn side(&mut self, side: &Side) -> &mut Socket {
        match (side, self.backend.as_deref_mut()) {
            (Side::Back, Some(b)) => b,
            _ => self.frontend,
        }
    }

    /// Runs until TERMINATE (Ok) or an error such as ETERM.
    pub fn run(mut self) -> Result<()> {
        let mut stats = [Counters::default(); 2];
        let mut paused = false;
        loop {
            // Commands first: a PAUSE sent just before a message must hold that message.
            if let Some(control) = self.control.as_deref_mut() {
                match control.recv(ZMQ_DONTWAIT) {
                    Ok(command) => {
                        let mut more = command.more();
                        while more {
                            more = control.recv(0)?.more();
                        }
                        match command.data() {
                            b"PAUSE" => paused = true,
                            b"RESUME" => paused = false,
                            b"TERMINATE" => {
                                reply_if_rep(control)?;
                                return Ok(());
                            }
                            b"STATISTICS" => {
                                send_statistics(control, &stats)?;
                                continue;
                            }
                            _ => {}
                        }
                        reply_if_rep(control)?;
                        continue;
                    }
                    Err(crate::error::Error::Again) => {}
                    Err(e) => return Err(e),
                }
            }
            let fe = self.frontend.events()?;
            let be = match self.backend.as_deref_mut() {
                Some(b) => b.events()?,
                None => fe,
            };
            let fe_in = fe & ZMQ_POLLIN != 0;
            let be_in = be & ZMQ_POLLIN != 0;
            let fe_out = fe & ZMQ_POLLOUT != 0;
            let be_out = be & ZMQ_POLLOUT != 0;
            let mut moved = false;
            // One socket as both ends (a REP echo device): it becomes writable only
            // once it has read, so its writability is not a condition (as in libzmq).
            let same_socket = self.backend.is_none();
            if !paused && fe_in && (be_out || same_socket) {
                self.forward(Side::Front, &mut stats)?;
                moved = true;
            }
            if !paused && be_in && fe_out && self.backend.is_some() {
                self.forward(Side::Back, &mut stats)?;
                moved = true;
            }
            if moved {
                continue;
            }
            self.wait(fe_in, fe_out, be_in, be_out, paused)?;
        }
    }

    /// Sleeps until something the proxy could act on may have changed.
    fn wait(
        &mut self,
        fe_in: bool,
        fe_out: bool,
        be_in: bool,
        be_out: bool,
        paused: bool,
    ) -> Result<()> {
        let want = |other_in: bool, other_out: bool| -> i16 {
            if paused {
                return 0;
            }
            let mut w = 0;
            if other_out {
                w |= ZMQ_POLLIN as i16;
            }
            if other_in {
                w |= ZMQ_POLLOUT as i16;
            }
            if w == 0 {
                w = ZMQ_POLLIN as i16;
            }
            w
        };
        let mut entries = vec![PollEntry {
            fd: self.frontend.fd(),
            is_socket: true,
            events: want(be_in, be_out),
            revents: 0,
        }];
        if let Some(b) = self.backend.as_deref() {
            entries.push(PollEntry {
                fd: b.fd(),
                is_socket: true,
                events: want(fe_in, fe_out),
                revents: 0,
            });
        }
        let control_index = entries.len();
        if let Some(c) = self.control.as_deref() {
            entries.push(PollEntry {
                fd: c.fd(),
                is_socket: true,
                events: ZMQ_POLLIN as i16,
                revents: 0,
            });
        }
        let has_backend = self.backend.is_some();
        poll(&mut entries, -1, None, |i| {
            if i == control_index {
                return self.control.as_deref_mut().map_or(Ok(0), |c| c.events());
            }
            if i == 1 && has_backend {
                return self.side(&Side::Back).events();
            }
            self.frontend.events()
        })?;
        Ok(())
    }

    /// Moves one whole message from `from` to the other side (and the capture socket).
    fn forward(&mut self, from: Side, stats: &mut [Counters; 2]) -> Result<()> {
        let (src, dst) = match from {
            Side::Front => (0, 1),
            Side::Back => (1, 0),
        };
        let to = match from {
            Side::Front => Side::Back,
            Side::Back => Side::Front,
        };
        let mut bytes = 0u64;
        loop {
            let mut msg = self.side(&from).recv(ZMQ_DONTWAIT)?;
            let more = msg.more();
            let flags = if more { ZMQ_SNDMORE } else { 0 };
            bytes += msg.len() as u64;
            if let Some(capture) = self.capture.as_deref_mut() {
                let mut copy: Msg = msg.share();
                capture.send(&mut copy, flags)?;
            }
            self.side(&to).send(&mut msg, flags)?;
            if !more {
                break;
            }
        }
        stats[src].msgs_in += 1;
        stats[src].bytes_in += bytes;
        stats[dst].msgs_out += 1;
        stats[dst].bytes_out += bytes;
        Ok(())
    }
}

fn reply_if_rep(control: &mut Socket) -> Result<()> {
    if control.options().socket_type == ZMQ_REP {
        control.send(&mut Msg::new(), 0)?;
    }
    Ok(())
}

fn send_statistics(control: &mut Socket, stats: &[Counters; 2]) -> Result<()> {
    let values = [
        stats[0].msgs_in,
        stats[0].bytes_in,
        stats[0].msgs_out,
        stats[0].bytes_out,
        stats[1].msgs_in,
        stats[1].bytes_in,
        stats[1].msgs_out,
        stats[1].bytes_out,
    ];
    for (i, v) in values.iter().enumerate() {
        let flags = if i + 1 < values.len() { ZMQ_SNDMORE } else { 0 };
        control.send(&mut Msg::from_slice(&v.to_ne_bytes()), flags)?;
    }
    Ok(())
}
