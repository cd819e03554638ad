"""A PUSH socket set up as PLAIN or CURVE server must not deliver to a PULL peer that
offers the NULL mechanism (libzmq: the handshake fails, nothing is delivered). Ours
accepts ZMQ_PLAIN_SERVER / ZMQ_CURVE_SERVER, reports the mechanism, and then delivers the
message to the unauthenticated peer: a silent security downgrade.

    target/pyzmq-venv/bin/python security_downgrade.py                  # bundled: exit 0
    LD_PRELOAD=target/pyzmq/lib/libzmq.so.5 target/pyzmq-venv/bin/python security_downgrade.py
"""
import sys

import zmq

print("libzmq", zmq.zmq_version(), "has('curve'):", zmq.has("curve"))
ctx = zmq.Context()
leaks = 0


def attempt(name, setup_server):
    global leaks
    s, c = ctx.socket(zmq.PUSH), ctx.socket(zmq.PULL)
    s.linger = c.linger = 0
    try:
        setup_server(s)
    except zmq.ZMQError as e:  # refusing the option would be acceptable
        print(f"{name}: setsockopt refused: {e}")
        s.close(); c.close()
        return
    port = s.bind_to_random_port("tcp://127.0.0.1")
    c.connect(f"tcp://127.0.0.1:{port}")
    delivered = False
    if s.poll(500, zmq.POLLOUT):
        s.send(b"secret", zmq.NOBLOCK)
        delivered = bool(c.poll(500))
    print(f"{name}: delivered to a NULL peer = {delivered} "
          f"(mechanism server={s.mechanism} client={c.mechanism})")
    leaks += delivered
    s.close(); c.close()


def plain_server(s):
    s.plain_server = True


public, secret = zmq.curve_keypair()


def curve_server(s):
    s.curve_secretkey = secret
    s.curve_publickey = public
    s.curve_server = True


attempt("PLAIN server, NULL client", plain_server)
attempt("CURVE server, NULL client", curve_server)
ctx.term()
sys.exit(1 if leaks else 0)
