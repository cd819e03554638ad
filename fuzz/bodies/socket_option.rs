//! Socket options from a C caller: the input picks a socket type, then a series of
//! (option id, value bytes or NULL) set through `zmq_setsockopt`, each read back with
//! `zmq_getsockopt` into buffers of several sizes. A reported length never exceeds
//! the buffer, and a few options must read back what was set.

use std::ffi::c_void;
use std::ptr;
use std::sync::OnceLock;

use zmq::constants::*;
use zmq::ffi::ctx::{zmq_ctx_new, zmq_socket};
use zmq::ffi::socket::{zmq_close, zmq_getsockopt, zmq_setsockopt};

use crate::common::Reader;

struct Ctx(*mut c_void);
// SAFETY: a zmq context handle may be used from any thread.
unsafe impl Send for Ctx {}
// SAFETY: as above; the handle is only passed to zmq_socket.
unsafe impl Sync for Ctx {}

fn context() -> *mut c_void {
    static CTX: OnceLock<Ctx> = OnceLock::new();
    CTX.get_or_init(|| Ctx(zmq_ctx_new())).0
}

const SOCKET_TYPES: &[i32] = &[
    ZMQ_PAIR, ZMQ_PUB, ZMQ_SUB, ZMQ_REQ, ZMQ_REP, ZMQ_DEALER, ZMQ_ROUTER, ZMQ_PULL, ZMQ_PUSH,
    ZMQ_XPUB, ZMQ_XSUB, ZMQ_STREAM,
];

/// Options whose value reads back exactly as a 4-byte int once accepted.
const INT_ROUND_TRIP: &[i32] = &[
    ZMQ_SNDHWM,
    ZMQ_RCVHWM,
    ZMQ_LINGER,
    ZMQ_RCVTIMEO,
    ZMQ_SNDTIMEO,
    ZMQ_BACKLOG,
    ZMQ_RECONNECT_IVL,
    ZMQ_RECONNECT_IVL_MAX,
    ZMQ_HANDSHAKE_IVL,
];

fn get(s: *mut c_void, option: i32, size: usize) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; size];
    let mut len = size;
    let ptr = if size == 0 {
        ptr::null_mut()
    } else {
        buf.as_mut_ptr().cast()
    };
    // SAFETY: buf is writable for len bytes (or NULL with len 0).
    let rc = unsafe { zmq_getsockopt(s, option, ptr, &mut len) };
    if rc != 0 {
        return None;
    }
    assert!(
        len <= size,
        "option {option}: reported {len} bytes into {size}"
    );
    buf.truncate(len);
    Some(buf)
}

pub fn run(data: &[u8]) {
    let mut r = Reader::new(data);
    let socket_type = SOCKET_TYPES[usize::from(r.u8()) % SOCKET_TYPES.len()];
    // SAFETY: a live context handle.
    let s = unsafe { zmq_socket(context(), socket_type) };
    if s.is_null() {
        return;
    }
    for _ in 0..16 {
        if r.is_empty() {
            break;
        }
        let pick = r.u8();
        // Option ids are small; now and then try any int at all.
        let option = if pick == 0xFF {
            r.u32() as i32
        } else {
            i32::from(pick % 128)
        };
        let null = r.u8() == 0xFF;
        let value = r.bytes();
        let rc = if null {
            // SAFETY: NULL with length 0 is allowed by the API.
            unsafe { zmq_setsockopt(s, option, ptr::null(), 0) }
        } else {
            // SAFETY: value is readable for its length.
            unsafe { zmq_setsockopt(s, option, value.as_ptr().cast(), value.len()) }
        };
        for size in [0usize, 1, 4, 8, 41, 256] {
            let _ = get(s, option, size);
        }
        if rc == 0 && !null && value.len() == 4 && INT_ROUND_TRIP.contains(&option) {
            assert_eq!(get(s, option, 4).as_deref(), Some(value), "option {option}");
        }
        if rc == 0 && !null && option == ZMQ_ROUTING_ID {
            assert_eq!(get(s, option, 256).as_deref(), Some(value));
        }
    }
    // SAFETY: s is an open socket, closed once.
    assert_eq!(unsafe { zmq_close(s) }, 0);
}
