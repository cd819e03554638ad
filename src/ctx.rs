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
}
