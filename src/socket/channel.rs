//! CHANNEL (draft, thread-safe): PAIR for single-part messages. One peer; a second
//! pipe is closed at once. ZMQ_SNDMORE is EINVAL; multipart messages are dropped.

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pipe::{PipeKey, Pipes};

#[derive(Default)]
pub struct Channel {
    pipe: Option<PipeKey>,
}

impl Channel {
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

    pub fn send(&mut self, pipes: &mut Pipes, msg: &mut Msg) -> Result<()> {
        if msg.more() {
            return Err(Error::Inval);
        }
        let key = self.pipe.ok_or(Error::Again)?;
        match pipes.write(key, std::mem::take(msg)) {
            Ok(()) => {
                pipes.flush(key);
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
