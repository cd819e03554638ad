"""A blocking recv must be interruptible by a signal (libzmq returns EINTR and pyzmq runs
the Python handler). With ours the handler never runs: `timeout 10` ends this (exit 124).

    LD_PRELOAD=target/pyzmq/lib/libzmq.so.5 target/pyzmq-venv/bin/python recv_eintr.py
"""
import signal, zmq, time
class Alarm(Exception): pass
def handler(*a): raise Alarm()
signal.signal(signal.SIGALRM, handler)
ctx = zmq.Context(); s = ctx.socket(zmq.PULL); s.bind("inproc://x")
signal.alarm(1); t0 = time.monotonic()
try:
    s.recv()
except Alarm:
    print(f"ok: SIGALRM handler ran after {time.monotonic()-t0:.1f}s")
s.close(linger=0); ctx.term()
