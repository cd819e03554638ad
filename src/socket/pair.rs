//! PAIR: exactly one peer. A second pipe is refused (closed at once), as in libzmq.
//! The draft CHANNEL and DGRAM are the same socket with a rule on message parts
//! (`Parts`): CHANNEL carries single-part messages only, DGRAM an address then a body.

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pipe::{PipeKey, Pipes};

/// Which messages the socket lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parts {
    /// PAIR: any message.
    Any,
    /// CHANNEL (draft, thread-safe): ZMQ_SNDMORE is EINVAL; a multipart message from
    /// the peer is dropped.
    Single,
    /// DGRAM (draft, not thread-safe): every message is the peer's address ("ip:port"
    /// over udp), sent with MORE, then the body; anything else is EINVAL.
    AddressThenBody,
}

pub struct Pair {
    pipe: Option<PipeKey>,
    parts: Parts,
    /// DGRAM: the address part was sent; the body comes next.
    more_out: bool,
}

impl Pair {
    pub fn new(parts: Parts) -> Pair {
        Pair {
            pipe: None,
            parts,
            more_out: false,
        }
    }

    pub fn parts(&self) -> Parts {
        self.parts
    }

    pub fn attach(&mut self, pipes: &mut Pipes, key: PipeKey) {
        if self.pipe.is_none() {
            self.pipe = Some(key);
        } else {
            pipes.finish(key);
        }
    }

    pub fn pipe_terminated(&mut self, key: PipeKey) {
        if self.pipe == Some(key) {
            self.pipe = None;
        }
    }

    /// EINVAL for a part the rule refuses; EAGAIN with no peer or a full pipe. As in
    /// libzmq, a DGRAM with no peer fails before its rule is looked at, a CHANNEL after.
    pub fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<()> {
        if self.parts == Parts::AddressThenBody && self.pipe.is_none() {
            return Err(Error::Again);
        }
        let more = msg.more();
        let allowed = match self.parts {
            Parts::Any => true,
            Parts::Single => !more,
            Parts::AddressThenBody => more != self.more_out,
        };
        if !allowed {
            return Err(Error::Inval);
        }
        let key = self.pipe.ok_or(Error::Again)?;
        match pipes.write(key, std::mem::take(msg)) {
            Ok(()) => {
                if !more {
                    pipes.flush(key);
                }
                if self.parts == Parts::AddressThenBody {
                    self.more_out = !self.more_out;
                }
                Ok(())
            }
            Err(back) => {
                *msg = back;
                Err(Error::Again)
            }
        }
    }

    pub fn recv(&mut self, pipes: &mut Pipes) -> Result<Msg> {
        let key = self.pipe.ok_or(Error::Again)?;
        if self.parts != Parts::Single {
            return pipes.read(key).ok_or(Error::Again);
        }
        loop {
            let msg = pipes.read(key).ok_or(Error::Again)?;
            if !msg.more() {
                return Ok(msg);
            }
            // Pipes publish whole messages: the rest of this one is there to drop.
            while pipes.read(key).ok_or(Error::Again)?.more() {}
        }
    }

    pub fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        self.pipe.is_some_and(|k| pipes.check_read(k))
    }

    pub fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        self.pipe.is_some_and(|k| pipes.check_write(k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(more: bool) -> Msg {
        let mut msg = Msg::from_slice(b"x");
        msg.set_more(more);
        msg
    }

    #[test]
    fn with_no_peer_a_dgram_says_eagain_before_its_rule_and_a_channel_after() {
        let mut pipes = Pipes::default();
        let mut dgram = Pair::new(Parts::AddressThenBody);
        // A body first breaks DGRAM's rule, but there is no peer to send to at all.
        assert_eq!(dgram.send(&mut pipes, &mut part(false)), Err(Error::Again));
        let mut channel = Pair::new(Parts::Single);
        assert_eq!(channel.send(&mut pipes, &mut part(true)), Err(Error::Inval));
        assert_eq!(
            channel.send(&mut pipes, &mut part(false)),
            Err(Error::Again)
        );
        let mut pair = Pair::new(Parts::Any);
        assert_eq!(pair.send(&mut pipes, &mut part(true)), Err(Error::Again));
    }
}
