//! The context as the API hands it out (`zmq_ctx_new`): a handle to the state it
//! shares with its sockets (`ctx_inner::CtxInner`), and the maker of sockets.

use crate::ctx_inner::CtxInner;
use crate::error::Result;
use crate::socket::Socket;
use std::sync::Arc;

/// A handle to a context.
pub struct Context {
    inner: Arc<CtxInner>,
}

impl Default for Context {
    fn default() -> Self {
        Context::new()
    }
}

impl Context {
    pub fn new() -> Context {
        Context {
            inner: Arc::new(CtxInner::new()),
        }
    }

    /// A new socket of a `ZMQ_*` type. ETERM after shutdown, EMFILE at MAX_SOCKETS.
    pub fn socket(&self, socket_type: i32) -> Result<Socket> {
        Socket::create(&self.inner, socket_type)
    }

    /// Makes blocking calls on this context's sockets fail with ETERM; new sockets
    /// can no longer be created.
    pub fn shutdown(&self) {
        self.inner.shutdown()
    }

    /// Shuts down, then waits until every socket has been closed.
    pub fn term(&self) {
        self.inner.term()
    }

    /// Sets a context option (`zmq_ctx_set`).
    pub fn set(&self, option: i32, value: i32) -> Result<()> {
        self.inner.set(option, value)
    }

    /// Reads a context option (`zmq_ctx_get`).
    pub fn get(&self, option: i32) -> Result<i32> {
        self.inner.get(option)
    }

    /// `zmq_ctx_set_ext`: a value of an int's size is an int (`set`); any other size is
    /// taken as bytes, which only ZMQ_THREAD_NAME_PREFIX accepts (1 to 16 of them).
    pub fn set_ext(&self, option: i32, value: &[u8]) -> Result<()> {
        match <[u8; 4]>::try_from(value) {
            Ok(int) => self.inner.set(option, i32::from_ne_bytes(int)),
            Err(_) => self.inner.set_bytes(option, value),
        }
    }

    /// `zmq_ctx_get_ext` into `room` bytes: an int's size reads an int (`get`); any
    /// other size reads ZMQ_THREAD_NAME_PREFIX's bytes if they fit (EINVAL otherwise,
    /// and for other options).
    pub fn get_ext(&self, option: i32, room: usize) -> Result<ExtValue> {
        if room == std::mem::size_of::<i32>() {
            self.inner.get(option).map(ExtValue::Int)
        } else {
            self.inner.get_bytes(option, room).map(ExtValue::Bytes)
        }
    }
}

/// What `Context::get_ext` read.
#[derive(Debug, PartialEq, Eq)]
pub enum ExtValue {
    Int(i32),
    Bytes(Vec<u8>),
}
