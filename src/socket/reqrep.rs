//! REQ and REP: the strict request/reply state machines over DEALER and ROUTER.
//! REQ prefixes each request with an empty delimiter (and, with ZMQ_REQ_CORRELATE, a
//! request id), accepts a reply only from the pipe the request went to, and discards
//! anything else. REP copies the envelope of each request onto the reply.

use super::dealer::Dealer;
use super::router::{random_u32, Router};
use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pipe::{PipeKey, Pipes};

pub struct Req {
    pub dealer: Dealer,
    receiving_reply: bool,
    message_begins: bool,
    reply_pipe: Option<PipeKey>,
    request_id: u32,
    /// ZMQ_REQ_CORRELATE.
    pub correlate: bool,
    /// !ZMQ_REQ_RELAXED.
    pub strict: bool,
}

impl Default for Req {
    fn default() -> Self {
        Req {
            dealer: Dealer::default(),
            receiving_reply: false,
            message_begins: true,
            reply_pipe: None,
            request_id: random_u32(),
            correlate: false,
            strict: true,
        }
    }
}

impl Req {
    pub fn pipe_terminated(&mut self, key: PipeKey) {
        if self.reply_pipe == Some(key) {
            self.reply_pipe = None;
        }
        self.dealer.pipe_terminated(key);
    }

    pub fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<()> {
        if self.receiving_reply {
            if self.strict {
                return Err(Error::Fsm);
            }
            self.receiving_reply = false;
            self.message_begins = true;
        }
        if self.message_begins {
            self.reply_pipe = None;
            if self.correlate {
                self.request_id = self.request_id.wrapping_add(1);
                let mut id = Msg::from_slice(&self.request_id.to_ne_bytes());
                id.set_more(true);
                self.reply_pipe = self.dealer.send_pipe(pipes, &mut id)?;
            }
            let mut bottom = Msg::new();
            bottom.set_more(true);
            self.reply_pipe = self.dealer.send_pipe(pipes, &mut bottom)?;
            self.message_begins = false;
            // Drop replies to earlier requests still queued, so a late one is never
            // mistaken for the answer to this request.
            while self.dealer.recv(pipes).is_ok() {}
        }
        let more = msg.more();
        self.dealer.send(pipes, msg)?;
        if !more {
            self.receiving_reply = true;
            self.message_begins = true;
        }
        Ok(())
    }

    /// A frame from the pipe of the outstanding request; frames from others are dropped.
    fn recv_reply_pipe(&mut self, pipes: &mut Pipes) -> Result<Msg> {
        loop {
            let (msg, key) = self.dealer.recv_pipe(pipes)?;
            if self.reply_pipe.is_none() || self.reply_pipe == Some(key) {
                return Ok(msg);
            }
        }
    }

    fn skip_rest(&mut self, pipes: &mut Pipes, mut msg: Msg) -> Result<()> {
        while msg.more() {
            msg = self.recv_reply_pipe(pipes)?;
        }
        Ok(())
    }

    pub fn recv(&mut self, pipes: &mut Pipes) -> Result<Msg> {
        if !self.receiving_reply {
            return Err(Error::Fsm);
        }
        while self.message_begins {
            if self.correlate {
                let id = self.recv_reply_pipe(pipes)?;
                if !id.more() || id.data() != self.request_id.to_ne_bytes() {
                    self.skip_rest(pipes, id)?;
                    continue;
                }
            }
            let bottom = self.recv_reply_pipe(pipes)?;
            if !bottom.more() || !bottom.is_empty() {
                self.skip_rest(pipes, bottom)?;
                continue;
            }
            self.message_begins = false;
        }
        let msg = self.recv_reply_pipe(pipes)?;
        if !msg.more() {
            self.receiving_reply = false;
            self.message_begins = true;
        }
        Ok(msg)
    }

    pub fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        self.receiving_reply && self.dealer.has_in(pipes)
    }

    pub fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        !(self.receiving_reply && self.strict) && self.dealer.has_out(pipes)
    }
}

pub struct Rep {
    pub router: Router,
    sending_reply: bool,
    request_begins: bool,
}

impl Default for Rep {
    fn default() -> Self {
        Rep {
            router: Router::default(),
            sending_reply: false,
            request_begins: true,
        }
    }
}

impl Rep {
    pub fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<()> {
        if !self.sending_reply {
            return Err(Error::Fsm);
        }
        let more = msg.more();
        self.router.send(pipes, msg)?;
        if !more {
            self.sending_reply = false;
        }
        Ok(())
    }

    pub fn recv(&mut self, pipes: &mut Pipes) -> Result<Msg> {
        if self.sending_reply {
            return Err(Error::Fsm);
        }
        if self.request_begins {
            // Copy the envelope (everything up to the empty delimiter) onto the reply.
            loop {
                let mut frame = self.router.recv(pipes)?;
                if frame.more() {
                    let bottom = frame.is_empty();
                    self.router.send(pipes, &mut frame)?;
                    if bottom {
                        break;
                    }
                } else {
                    // A malformed request: forget the envelope copied so far.
                    self.router.rollback(pipes);
                }
            }
            self.request_begins = false;
        }
        let msg = self.router.recv(pipes)?;
        if !msg.more() {
            self.sending_reply = true;
            self.request_begins = true;
        }
        Ok(msg)
    }

    pub fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        !self.sending_reply && self.router.has_in(pipes)
    }

    pub fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        self.sending_reply && self.router.has_out(pipes)
    }
}
