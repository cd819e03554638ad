//! DGRAM (draft): raw UDP datagrams over a bound `udp://` endpoint. Every message is
//! two parts: the peer's address as "ip:port" (sent with MORE), then the body. One
//! pipe (its udp endpoint); a second is refused, as libzmq's. Not thread-safe.

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pipe::{PipeKey, Pipes};

#[derive(Default)]
pub struct Dgram {
    pipe: Option<PipeKey>,
    /// The address part was sent; the body comes next.
    more_out: bool,
}

impl Dgram {
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

    /// The address part must have MORE, the body must not (EINVAL otherwise); with no
    /// endpoint bound the message cannot go anywhere (EAGAIN).
    pub fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<()> {
        let key = self.pipe.ok_or(Error::Again)?;
        let more = msg.more();
        if more == self.more_out {
            return Err(Error::Inval);
        }
        match pipes.write(key, std::mem::take(msg)) {
            Ok(()) => {
                if !more {
                    pipes.flush(key);
                }
                self.more_out = !self.more_out;
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
        pipes.read(key).ok_or(Error::Again)
    }

    pub fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        self.pipe.is_some_and(|k| pipes.check_read(k))
    }

    pub fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        self.pipe.is_some_and(|k| pipes.check_write(k))
    }
}
