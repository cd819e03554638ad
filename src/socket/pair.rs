//! PAIR: exactly one peer. A second pipe is refused (closed at once), as in libzmq.

use crate::error::{Error, Result};
use crate::msg::Msg;
use crate::pipe::{PipeKey, Pipes};

#[derive(Default)]
pub struct Pair {
    pipe: Option<PipeKey>,
}

impl Pair {
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
        let key = self.pipe.ok_or(Error::Again)?;
        let more = msg.more();
        match pipes.write(key, std::mem::take(msg)) {
            Ok(()) => {
                if !more {
                    pipes.flush(key);
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
        pipes.read(key).ok_or(Error::Again)
    }

    pub fn has_in(&mut self, pipes: &mut Pipes) -> bool {
        self.pipe.is_some_and(|k| pipes.check_read(k))
    }

    pub fn has_out(&mut self, pipes: &mut Pipes) -> bool {
        self.pipe.is_some_and(|k| pipes.check_write(k))
    }
}
