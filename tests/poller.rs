//! The draft poller's promise beyond libzmq's semantics (which `c-tests/test_poller.c`
//! pins): a wait looks only at the sockets that may have changed, not at every socket
//! it holds, and still misses none. The same for thread-safe sockets (SERVER), which
//! reach the poller through its one signaler instead of a `ZMQ_FD` each.

use zmq::constants::{ZMQ_CLIENT, ZMQ_MAX_SOCKETS, ZMQ_PAIR, ZMQ_POLLIN, ZMQ_SERVER};
use zmq::ctx::Context;
use zmq::error::Error;
use zmq::msg::Msg;
use zmq::poller::Poller;
use zmq::socket::Socket;

const PAIRS: usize = 1000;

struct Pairs {
    senders: Vec<Socket>,
    receivers: Vec<Socket>,
}

fn pairs(ctx: &Context, receiver_type: i32, sender_type: i32) -> Pairs {
    let mut pairs = Pairs {
        senders: Vec::new(),
        receivers: Vec::new(),
    };
    for i in 0..PAIRS {
        let endpoint = format!("inproc://looks-{i}");
        let mut receiver = ctx.socket(receiver_type).unwrap();
        receiver.bind(&endpoint).unwrap();
        let mut sender = ctx.socket(sender_type).unwrap();
        sender.connect(&endpoint).unwrap();
        pairs.receivers.push(receiver);
        pairs.senders.push(sender);
    }
    pairs
}

/// The key of receiver `i`: its index (the poller never follows a key).
fn waited(poller: &mut Poller, p: &mut Pairs, timeout_ms: i64) -> Result<Vec<usize>, Error> {
    let receivers = &mut p.receivers;
    let base = receivers.as_mut_ptr();
    let ready = poller.wait(PAIRS, timeout_ms, |key| {
        // SAFETY: each key is an index into `receivers`, and the poller looks at
        // one socket at a time.
        Ok(unsafe { &mut *base.add(key) })
    })?;
    Ok(ready.iter().filter_map(|r| r.socket).collect())
}

#[test]
fn a_wait_looks_only_at_sockets_that_changed() {
    looks_only_at_sockets_that_changed(ZMQ_PAIR, ZMQ_PAIR);
}

#[test]
fn a_wait_looks_only_at_thread_safe_sockets_that_were_signalled() {
    looks_only_at_sockets_that_changed(ZMQ_SERVER, ZMQ_CLIENT);
}

fn looks_only_at_sockets_that_changed(receiver_type: i32, sender_type: i32) {
    let ctx = Context::new();
    ctx.set(ZMQ_MAX_SOCKETS, (2 * PAIRS + 16) as i32).unwrap();
    let mut p = pairs(&ctx, receiver_type, sender_type);
    let mut poller = Poller::new().unwrap();
    for (i, receiver) in p.receivers.iter_mut().enumerate() {
        poller
            .add_socket(i, receiver, i, ZMQ_POLLIN as i16)
            .unwrap();
    }
    // The first wait looks at every socket once: nothing is known yet.
    assert_eq!(waited(&mut poller, &mut p, 0), Err(Error::Again));
    assert_eq!(poller.looks(), PAIRS as u64);

    for round in 0..20 {
        let one = (round * 37) % PAIRS;
        let before = poller.looks();
        p.senders[one].send(&mut Msg::from_slice(b"x"), 0).unwrap();
        assert_eq!(waited(&mut poller, &mut p, 1000), Ok(vec![one]));
        assert_eq!(poller.looks() - before, 1, "only the signalled socket");
        // Still ready (not read): looked at again, and only it.
        assert_eq!(waited(&mut poller, &mut p, 0), Ok(vec![one]));
        assert_eq!(poller.looks() - before, 2);
        // Read: the application used it, so the next wait looks at it once more.
        p.receivers[one].recv(0).unwrap();
        assert_eq!(waited(&mut poller, &mut p, 0), Err(Error::Again));
        assert_eq!(poller.looks() - before, 3);
        // Settled: a wait on nothing looks at nothing.
        assert_eq!(waited(&mut poller, &mut p, 0), Err(Error::Again));
        assert_eq!(poller.looks() - before, 3);
    }
    drop(poller);
    drop(p);
    ctx.term();
}
