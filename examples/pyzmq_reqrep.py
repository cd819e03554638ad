"""pyzmq REQ/REP over inproc: run with our libzmq.so.5 in LD_PRELOAD (scripts/demo.sh)."""
import threading, zmq
ctx = zmq.Context()
print("pyzmq", zmq.pyzmq_version(), "libzmq", zmq.zmq_version())
rep = ctx.socket(zmq.REP); rep.bind("inproc://demo")
def server():
    for _ in range(3):
        rep.send(b"pong " + rep.recv())
t = threading.Thread(target=server); t.start()
req = ctx.socket(zmq.REQ); req.connect("inproc://demo")
for i in range(3):
    req.send(b"%d" % i); print(req.recv())
t.join(); req.close(); rep.close(); ctx.term()
print("ok")
