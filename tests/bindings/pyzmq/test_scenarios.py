"""The patterns a pyzmq user meets first (mostly from the zguide), run with pyzmq on the
library under test (scripts/test-pyzmq.sh puts our libzmq.so.5 in LD_PRELOAD; conftest.py
makes every test check that first). Every blocking call has a timeout, so a bug fails the
test instead of hanging it."""

import asyncio
import multiprocessing
import os
import random
import socket as pysocket
import tempfile
import threading
import time

import pytest
import zmq
import zmq.asyncio
from zmq.utils.monitor import recv_monitor_message

import scenario_helpers

TIMEOUT_MS = 5000


@pytest.fixture
def ctx():
    c = zmq.Context()
    yield c
    # every test closes its sockets; a context that does not terminate is a failure
    t = threading.Thread(target=c.term, daemon=True)
    t.start()
    t.join(10)
    assert not t.is_alive(), "zmq_ctx_term did not return: a socket was left open or hangs"


def sock(ctx, kind, **opts):
    s = ctx.socket(kind)
    s.linger = 0
    s.rcvtimeo = TIMEOUT_MS
    s.sndtimeo = TIMEOUT_MS
    for k, v in opts.items():
        s.setsockopt(getattr(zmq, k.upper()), v)
    return s


def free_tcp_port():
    with pysocket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(target, *args):
    t = threading.Thread(target=target, args=args, daemon=True)
    t.start()
    return t


def join_all(threads, timeout=10):
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    alive = [t.name for t in threads if t.is_alive()]
    assert not alive, f"threads still running: {alive}"


def watch_handshakes(s):
    """Start watching `s` for completed ZMTP handshakes; call before the peers connect."""
    mon = s.get_monitor_socket(zmq.EVENT_HANDSHAKE_SUCCEEDED)
    mon.rcvtimeo = TIMEOUT_MS
    return mon


def wait_for_peers(s, mon, n):
    """Wait until `s` completed the handshake with n peers (monitor events), so that load
    balancing sees all of them from the first message on."""
    try:
        for _ in range(n):
            ev = recv_monitor_message(mon)
            assert ev["event"] == zmq.EVENT_HANDSHAKE_SUCCEEDED, ev
    finally:
        s.disable_monitor()
        mon.close(linger=0)


class Errors:
    """Collects exceptions raised in helper threads so the test fails with them."""

    def __init__(self):
        self.items = []

    def wrap(self, fn):
        def run(*args):
            try:
                fn(*args)
            except BaseException as e:  # noqa: BLE001 - reported by check()
                self.items.append(f"{threading.current_thread().name}: {e!r}")
        return run

    def check(self):
        assert not self.items, self.items


# -- 1. REQ/REP hello world, client started before the server ------------------------------

@pytest.mark.parametrize("transport", ["tcp", "ipc", "inproc"])
def test_hello_world_client_first(ctx, transport, tmp_path):
    if transport == "tcp":
        endpoint = f"tcp://127.0.0.1:{free_tcp_port()}"
    elif transport == "ipc":
        endpoint = f"ipc://{tmp_path}/hello.ipc"
    else:
        endpoint = "inproc://hello"
    client = sock(ctx, zmq.REQ)
    client.connect(endpoint)  # nobody listens yet: the connect is pending
    client.send(b"Hello")     # queued until the server appears
    errors = Errors()

    def server():
        rep = sock(ctx, zmq.REP)
        rep.bind(endpoint)
        for _ in range(3):
            msg = rep.recv()
            assert msg == b"Hello"
            rep.send(b"World")
        rep.close()

    time.sleep(0.3)
    t = start(errors.wrap(server))
    assert client.recv() == b"World"
    for _ in range(2):
        client.send(b"Hello")
        assert client.recv() == b"World"
    join_all([t])
    errors.check()
    client.close()


# -- 2. adder service: one REQ binds, three REP workers connect ----------------------------

def adder_worker(ctx, endpoint, name, errors, stop, die_after=None):
    def run():
        rep = sock(ctx, zmq.REP)
        rep.rcvtimeo = 100
        rep.connect(endpoint)
        served = 0
        try:
            while not stop.is_set():
                try:
                    req = rep.recv_json()
                except zmq.Again:
                    continue
                served += 1
                if die_after is not None and served >= die_after:
                    return  # exits with the request unanswered
                rep.send_json({"sum": req["a"] + req["b"], "worker": name, "id": req["id"]})
        finally:
            rep.close(linger=0)
    return start(errors.wrap(run))


def test_adder_round_robin(ctx):
    client = sock(ctx, zmq.REQ)
    port = client.bind_to_random_port("tcp://127.0.0.1")
    endpoint = f"tcp://127.0.0.1:{port}"
    errors, stop = Errors(), threading.Event()
    mon = watch_handshakes(client)
    workers = [adder_worker(ctx, endpoint, f"w{i}", errors, stop) for i in range(3)]
    wait_for_peers(client, mon, 3)
    served_by = []
    for i in range(12):
        a, b = random.randint(0, 1000), random.randint(0, 1000)
        client.send_json({"a": a, "b": b, "id": i})
        rep = client.recv_json()
        assert rep["sum"] == a + b and rep["id"] == i
        served_by.append(rep["worker"])
    stop.set()
    join_all(workers)
    errors.check()
    client.close()
    # round-robin: each worker once per round, in the same order every round
    assert sorted(served_by[:3]) == ["w0", "w1", "w2"], served_by
    assert served_by == served_by[:3] * 4, served_by


def test_adder_survives_a_dying_worker(ctx):
    """A worker takes one request and exits without answering. With REQ_RELAXED and
    REQ_CORRELATE the client resends after RCVTIMEO (the lazy-pirate idea without
    reopening the socket); no request is lost and the client never stalls."""
    client = sock(ctx, zmq.REQ, req_relaxed=1, req_correlate=1)
    client.rcvtimeo = 500
    port = client.bind_to_random_port("tcp://127.0.0.1")
    endpoint = f"tcp://127.0.0.1:{port}"
    errors, stop = Errors(), threading.Event()
    mon = watch_handshakes(client)
    workers = [adder_worker(ctx, endpoint, "w0", errors, stop),
               adder_worker(ctx, endpoint, "dies", errors, stop, die_after=1),
               adder_worker(ctx, endpoint, "w2", errors, stop)]
    wait_for_peers(client, mon, 3)
    t0 = time.monotonic()
    resends, served_by = 0, []
    for i in range(9):
        req = {"a": i, "b": 2 * i, "id": i}
        for attempt in range(4):
            client.send_json(req)
            try:
                rep = client.recv_json()
                break
            except zmq.Again:
                resends += 1
        else:
            pytest.fail(f"request {i} got no answer after 4 tries")
        assert rep == {"sum": 3 * i, "worker": rep["worker"], "id": i}
        served_by.append(rep["worker"])
    elapsed = time.monotonic() - t0
    stop.set()
    join_all(workers)
    errors.check()
    client.close()
    assert 1 <= resends <= 2, f"expected one resend for the lost request, got {resends}"
    assert "dies" not in served_by
    assert set(served_by) == {"w0", "w2"}
    assert elapsed < 4, f"the client stalled: 9 requests took {elapsed:.1f}s"


# -- 3. weather updates: PUB/SUB with a zip-code filter ------------------------------------

def test_weather_zip_filter(ctx):
    pub = sock(ctx, zmq.PUB)
    port = pub.bind_to_random_port("tcp://127.0.0.1")
    errors, stop = Errors(), threading.Event()
    sent = {"10001": 0, "other": 0}

    def publisher():
        while not stop.is_set():
            zipcode = random.choice([10001, 10002, 10010, 20001, 1000, 100010])
            temperature = random.randrange(-80, 135)
            pub.send_string(f"{zipcode} {temperature} {random.randrange(10, 60)}")
            sent["10001" if zipcode == 10001 else "other"] += 1
            if random.random() < 0.05:
                time.sleep(0.001)

    subs = {}
    for zipcode in ("10001 ", "2000"):
        s = sock(ctx, zmq.SUB)
        s.connect(f"tcp://127.0.0.1:{port}")
        s.setsockopt_string(zmq.SUBSCRIBE, zipcode)
        subs[zipcode] = s
    t = start(errors.wrap(publisher))
    try:
        temps = []
        for _ in range(100):
            msg = subs["10001 "].recv_string()
            assert msg.startswith("10001 "), msg
            temps.append(int(msg.split()[1]))
        for _ in range(20):
            msg = subs["2000"].recv_string()
            assert msg.startswith("2000"), msg  # only 20001 matches the prefix "2000"
    finally:
        stop.set()
        join_all([t])
    errors.check()
    assert -80 <= sum(temps) / len(temps) < 135
    assert sent["other"] > 0
    pub.close()
    for s in subs.values():
        s.close()


# -- 4. divide and conquer: ventilator -> workers -> sink, kill signal over PUB/SUB --------

def test_pipeline_with_kill_signal(ctx):
    vent = sock(ctx, zmq.PUSH)
    vent_port = vent.bind_to_random_port("tcp://127.0.0.1")
    sink = sock(ctx, zmq.PULL)
    sink_port = sink.bind_to_random_port("tcp://127.0.0.1")
    control = sock(ctx, zmq.PUB)
    control_port = control.bind_to_random_port("tcp://127.0.0.1")
    errors = Errors()
    done_by = {}

    def worker(name):
        receiver = sock(ctx, zmq.PULL)
        receiver.connect(f"tcp://127.0.0.1:{vent_port}")
        sender = sock(ctx, zmq.PUSH)
        sender.connect(f"tcp://127.0.0.1:{sink_port}")
        controller = sock(ctx, zmq.SUB)
        controller.connect(f"tcp://127.0.0.1:{control_port}")
        controller.setsockopt(zmq.SUBSCRIBE, b"")
        poller = zmq.Poller()
        poller.register(receiver, zmq.POLLIN)
        poller.register(controller, zmq.POLLIN)
        count = 0
        deadline = time.monotonic() + 15
        try:
            while time.monotonic() < deadline:
                socks = dict(poller.poll(1000))
                if socks.get(receiver) == zmq.POLLIN:
                    workload = int(receiver.recv())
                    time.sleep(workload / 1000)
                    sender.send_string(f"{name}:{workload}")
                    count += 1
                if socks.get(controller) == zmq.POLLIN:
                    assert controller.recv() == b"KILL"
                    done_by[name] = count
                    return
            raise AssertionError(f"{name} never got KILL")
        finally:
            for s in (receiver, sender, controller):
                s.close()

    vent_mon, control_mon = watch_handshakes(vent), watch_handshakes(control)
    workers = [start(errors.wrap(worker), f"w{i}") for i in range(3)]
    wait_for_peers(vent, vent_mon, 3)
    wait_for_peers(control, control_mon, 3)  # the workers' SUB sockets; their subscriptions follow
    time.sleep(0.1)
    tasks = [random.randint(1, 10) for _ in range(60)]
    for workload in tasks:
        vent.send_string(str(workload))
    results = [sink.recv_string() for _ in tasks]
    control.send(b"KILL")
    join_all(workers)
    errors.check()
    assert sorted(int(r.split(":")[1]) for r in results) == sorted(tasks)
    per_worker = {r.split(":")[0] for r in results}
    assert per_worker == {"w0", "w1", "w2"}, "PUSH did not spread tasks over every worker"
    assert sum(done_by.values()) == len(tasks)
    for s in (vent, sink, control):
        s.close()


# -- 5. request-reply broker: ROUTER/DEALER with zmq.Poller, and with zmq.proxy -------------

class Broker:
    """Clients (REQ) -> frontend (ROUTER) -> broker -> backend (DEALER) -> workers (REP).
    The workers are connected (handshakes seen on the backend) before the broker starts,
    so the DEALER spreads requests over all of them."""

    def __init__(self, ctx, n_workers=2):
        self.ctx = ctx
        self.frontend = sock(ctx, zmq.ROUTER)
        self.front = f"tcp://127.0.0.1:{self.frontend.bind_to_random_port('tcp://127.0.0.1')}"
        self.backend = sock(ctx, zmq.DEALER)
        self.back = f"tcp://127.0.0.1:{self.backend.bind_to_random_port('tcp://127.0.0.1')}"
        self.errors, self.stop = Errors(), threading.Event()
        self.served = []
        self.n_workers = n_workers
        mon = watch_handshakes(self.backend)
        self.workers = [start(self.errors.wrap(self.worker), f"w{i}") for i in range(n_workers)]
        wait_for_peers(self.backend, mon, n_workers)

    def worker(self, name):
        rep = sock(self.ctx, zmq.REP)
        rep.rcvtimeo = 100
        rep.connect(self.back)
        try:
            while not self.stop.is_set():
                try:
                    msg = rep.recv()
                except zmq.Again:
                    continue
                self.served.append(name)
                rep.send(msg.upper() + b" by " + name.encode())
        finally:
            rep.close()

    def client(self, name, n_requests):
        req = sock(self.ctx, zmq.REQ)
        req.connect(self.front)
        try:
            for i in range(n_requests):
                req.send(f"{name} request {i}".encode())
                rep = req.recv().decode()
                assert rep.startswith(f"{name.upper()} REQUEST {i} by w"), rep
        finally:
            req.close()

    def run_clients(self, n_clients=3, n_requests=10):
        clients = [start(self.errors.wrap(self.client), f"c{i}", n_requests)
                   for i in range(n_clients)]
        join_all(clients, timeout=15)
        self.stop.set()
        join_all(self.workers)
        self.errors.check()
        assert len(self.served) == n_clients * n_requests
        assert set(self.served) == {f"w{i}" for i in range(self.n_workers)}, \
            "DEALER used only one worker"


def test_broker_with_poller(ctx):
    broker = Broker(ctx)
    frontend, backend = broker.frontend, broker.backend
    stop, errors = threading.Event(), Errors()

    def run():
        poller = zmq.Poller()
        poller.register(frontend, zmq.POLLIN)
        poller.register(backend, zmq.POLLIN)
        while not stop.is_set():
            socks = dict(poller.poll(100))
            if socks.get(frontend) == zmq.POLLIN:
                backend.send_multipart(frontend.recv_multipart())
            if socks.get(backend) == zmq.POLLIN:
                frontend.send_multipart(backend.recv_multipart())

    b = start(errors.wrap(run))
    try:
        broker.run_clients()
    finally:
        stop.set()
        join_all([b])
    errors.check()
    frontend.close()
    backend.close()


def test_broker_with_proxy_thread():
    ctx = zmq.Context()
    broker = Broker(ctx)
    outcome = []

    def proxy():
        try:
            zmq.proxy(broker.frontend, broker.backend)
        except zmq.ContextTerminated:
            outcome.append("ETERM")
        except BaseException as e:  # noqa: BLE001
            outcome.append(repr(e))
        finally:
            broker.frontend.close()
            broker.backend.close()

    p = start(proxy)
    broker.run_clients()
    # zmq_ctx_term makes the blocked proxy fail with ETERM; the thread closes its sockets
    # and then term returns.
    t = start(ctx.term)
    join_all([p, t])
    assert outcome == ["ETERM"]


def test_broker_with_steerable_proxy(ctx):
    broker = Broker(ctx)
    control_in = sock(ctx, zmq.PAIR)
    control_in.bind("inproc://proxy-control")
    control_out = sock(ctx, zmq.PAIR)
    control_out.connect("inproc://proxy-control")
    errors = Errors()
    p = start(errors.wrap(zmq.proxy_steerable), broker.frontend, broker.backend, None,
              control_in)
    broker.run_clients()
    control_out.send(b"TERMINATE")
    join_all([p])
    errors.check()
    for s in (broker.frontend, broker.backend, control_in, control_out):
        s.close()


# -- 6. PAIR relay: across threads over inproc, across processes over ipc -----------------

def test_pair_relay_threads_inproc(ctx):
    """The zguide's mtrelay: step1 -> step2 -> step3, each signalling the next."""
    errors = Errors()

    def step1():
        s = sock(ctx, zmq.PAIR)
        s.connect("inproc://step2")
        s.send(b"READY from step1")
        s.close()

    def step2():
        receiver = sock(ctx, zmq.PAIR)
        receiver.bind("inproc://step2")
        t1 = start(errors.wrap(step1))
        msg = receiver.recv()
        sender = sock(ctx, zmq.PAIR)
        sender.connect("inproc://step3")
        sender.send_multipart([b"READY from step2", msg])
        join_all([t1])
        receiver.close()
        sender.close()

    receiver = sock(ctx, zmq.PAIR)
    receiver.bind("inproc://step3")
    t2 = start(errors.wrap(step2))
    assert receiver.recv_multipart() == [b"READY from step2", b"READY from step1"]
    join_all([t2])
    errors.check()
    receiver.close()


def pair_child(endpoint, rounds):
    """Runs in a process started with multiprocessing's "spawn" method."""
    scenario_helpers.assert_on_library_under_test()
    ctx = zmq.Context()
    s = ctx.socket(zmq.PAIR)
    s.linger = 1000
    s.rcvtimeo = TIMEOUT_MS
    s.connect(endpoint)
    s.send_string(f"child {os.getpid()} ready")
    for _ in range(rounds):
        s.send(s.recv()[::-1])
    s.close()
    ctx.term()


def test_pair_relay_processes_ipc(ctx):
    with tempfile.TemporaryDirectory() as d:
        endpoint = f"ipc://{d}/relay.ipc"
        parent = sock(ctx, zmq.PAIR)
        parent.bind(endpoint)
        mp = multiprocessing.get_context("spawn")
        child = mp.Process(target=pair_child, args=(endpoint, 50))
        child.start()
        try:
            assert parent.recv_string().startswith("child ")
            for i in range(50):
                payload = os.urandom(random.choice([5, 100, 5000, 70000])) + b"%d" % i
                parent.send(payload)
                assert parent.recv() == payload[::-1]
        finally:
            child.join(15)
            if child.is_alive():
                child.kill()
        assert child.exitcode == 0, f"child exited with {child.exitcode}"
        parent.close()


# -- 7. configuration-push centre (synchronized publisher) --------------------------------

def test_config_push_centre(ctx):
    """N subscribers subscribe, then report in over REQ/REP. The centre publishes the
    configuration once every subscriber has reported in *and* its subscription has reached
    the publisher (XPUB_VERBOSE shows each one), and every subscriber gets it."""
    n = 10
    pub = sock(ctx, zmq.XPUB, xpub_verbose=1)
    pub_port = pub.bind_to_random_port("tcp://127.0.0.1")
    sync = sock(ctx, zmq.REP)
    sync_port = sync.bind_to_random_port("tcp://127.0.0.1")
    errors = Errors()
    got = {}

    def subscriber(name):
        sub = sock(ctx, zmq.SUB)
        sub.connect(f"tcp://127.0.0.1:{pub_port}")
        sub.setsockopt(zmq.SUBSCRIBE, b"config")
        req = sock(ctx, zmq.REQ)
        req.connect(f"tcp://127.0.0.1:{sync_port}")
        req.send_string(name)
        assert req.recv() == b"noted"
        topic, config = sub.recv_multipart()
        got[name] = (topic, config)
        assert sub.recv_multipart() == [b"config", b"END"]
        sub.close()
        req.close()

    subs = [start(errors.wrap(subscriber), f"sub{i}") for i in range(n)]
    ready, subscriptions = set(), 0
    poller = zmq.Poller()
    poller.register(pub, zmq.POLLIN)
    poller.register(sync, zmq.POLLIN)
    deadline = time.monotonic() + 10
    while (len(ready) < n or subscriptions < n) and time.monotonic() < deadline:
        events = dict(poller.poll(100))
        if events.get(sync):
            ready.add(sync.recv_string())
            sync.send(b"noted")
        if events.get(pub):
            assert pub.recv() == b"\x01config"
            subscriptions += 1
    assert len(ready) == n and subscriptions == n, (ready, subscriptions)
    pub.send_multipart([b"config", b'{"rate": 100, "mode": "fast"}'])
    pub.send_multipart([b"config", b"END"])
    join_all(subs)
    errors.check()
    assert got == {f"sub{i}": (b"config", b'{"rate": 100, "mode": "fast"}') for i in range(n)}
    pub.close()
    sync.close()


# -- 8. event loops: zmq.asyncio and tornado's ZMQStream (ZMQ_FD edge semantics) -----------

def test_asyncio_echo():
    async def main():
        actx = zmq.asyncio.Context()
        server = actx.socket(zmq.ROUTER)
        port = server.bind_to_random_port("tcp://127.0.0.1")
        client = actx.socket(zmq.DEALER)
        client.connect(f"tcp://127.0.0.1:{port}")
        req = actx.socket(zmq.REQ)
        req.connect(f"tcp://127.0.0.1:{port}")
        n = 500

        async def serve():
            for _ in range(n + 20):
                frames = await server.recv_multipart()
                await server.send_multipart(frames)

        async def burst():
            # all requests first: several messages are queued when the FD fires once,
            # so the loop must drain ZMQ_EVENTS, not expect one edge per message
            for i in range(n):
                await client.send(b"%d" % i)
            return [await client.recv() for _ in range(n)]

        async def lockstep():
            out = []
            for i in range(20):
                await req.send(b"req %d" % i)
                out.append(await req.recv())
            return out

        srv = asyncio.ensure_future(serve())
        replies, rr = await asyncio.wait_for(asyncio.gather(burst(), lockstep()), 10)
        await asyncio.wait_for(srv, 5)
        assert replies == [b"%d" % i for i in range(n)]
        assert rr == [b"req %d" % i for i in range(20)]
        # a recv with nothing to read must wait, not complete spuriously
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(client.recv(), 0.3)
        for s in (server, client, req):
            s.close(linger=0)
        actx.term()

    asyncio.run(asyncio.wait_for(main(), 20))


def test_asyncio_poll_wakes_on_late_message():
    async def main():
        actx = zmq.asyncio.Context()
        a = actx.socket(zmq.PAIR)
        port = a.bind_to_random_port("tcp://127.0.0.1")
        b = actx.socket(zmq.PAIR)
        b.connect(f"tcp://127.0.0.1:{port}")
        await b.send(b"warm-up")
        assert await asyncio.wait_for(a.recv(), 5) == b"warm-up"
        poller = zmq.asyncio.Poller()
        poller.register(a, zmq.POLLIN)
        assert await poller.poll(100) == []
        asyncio.get_running_loop().call_later(0.2, lambda: b.send(b"late"))
        t0 = time.monotonic()
        events = await asyncio.wait_for(poller.poll(), 5)
        assert events == [(a, zmq.POLLIN)]
        assert 0.1 < time.monotonic() - t0 < 3
        assert await a.recv() == b"late"
        a.close(linger=0)
        b.close(linger=0)
        actx.term()

    asyncio.run(asyncio.wait_for(main(), 20))


def test_tornado_zmqstream_echo():
    tornado = pytest.importorskip("tornado")
    from tornado.ioloop import IOLoop

    from zmq.eventloop.zmqstream import ZMQStream

    async def main():
        loop = IOLoop.current()
        c = zmq.Context()
        server = c.socket(zmq.ROUTER)
        port = server.bind_to_random_port("tcp://127.0.0.1")
        client = c.socket(zmq.DEALER)
        client.connect(f"tcp://127.0.0.1:{port}")
        sstream, cstream = ZMQStream(server, loop), ZMQStream(client, loop)
        sstream.on_recv_stream(lambda stream, frames: stream.send_multipart(frames))
        n = 300
        got = []
        done = asyncio.get_running_loop().create_future()

        def on_reply(frames):
            got.append(frames[0])
            if len(got) == n and not done.done():
                done.set_result(None)

        cstream.on_recv(on_reply)
        for i in range(n):
            cstream.send(b"echo %d" % i)
        await asyncio.wait_for(done, 10)
        assert got == [b"echo %d" % i for i in range(n)]
        for s in (sstream, cstream):
            s.close(linger=0)
        c.term()

    assert tornado.version_info >= (6,)
    asyncio.run(asyncio.wait_for(main(), 20))


# -- 9. zero-copy sends tracked to completion ---------------------------------------------

@pytest.mark.parametrize("transport", ["tcp", "inproc"])
def test_zero_copy_tracked_send(ctx, transport):
    a = sock(ctx, zmq.PAIR)
    b = sock(ctx, zmq.PAIR)
    if transport == "tcp":
        port = a.bind_to_random_port("tcp://127.0.0.1")
        b.connect(f"tcp://127.0.0.1:{port}")
    else:
        a.bind("inproc://zero-copy")
        b.connect("inproc://zero-copy")
    mib = 1 << 20
    payloads = [bytes([i]) * mib for i in range(8)]
    trackers = []
    for p in payloads:
        tracker = a.send(p, copy=False, track=True)
        assert isinstance(tracker, zmq.MessageTracker)
        trackers.append(tracker)
    for i, p in enumerate(payloads):
        if i % 2:
            frame = b.recv(copy=False)  # zero-copy on the receiving side too
            assert len(frame) == mib and frame.bytes == p
            del frame
        else:
            assert b.recv() == p
    # the free callback (zmq_msg_init_data's ffn, possibly called on an I/O thread)
    # has run for every message once the peer is done with it
    for t in trackers:
        t.wait(5)
        assert t.done
    # a Frame sent with track=True
    frame = zmq.Frame(b"\xab" * mib, track=True)
    tracker = a.send(frame, copy=False, track=True)
    assert b.recv() == b"\xab" * mib
    del frame
    tracker.wait(5)
    assert tracker.done
    a.close()
    b.close()


# -- 10. Ctrl-C stops a server blocked in recv --------------------------------------------

CTRL_C_SERVER = r"""
import sys
sys.path.insert(0, sys.argv[1])
import scenario_helpers, zmq
scenario_helpers.assert_on_library_under_test()
ctx = zmq.Context()
rep = ctx.socket(zmq.REP)
rep.linger = 0
rep.bind("tcp://127.0.0.1:*")
print("ready", flush=True)
try:
    rep.recv()  # no RCVTIMEO: only a signal ends this
except KeyboardInterrupt:
    print("interrupted", flush=True)
    rep.close()
    ctx.term()
    sys.exit(0)
sys.exit(3)
"""


def test_ctrl_c_interrupts_blocking_recv():
    """The hello-world server stopped with Ctrl-C: SIGINT makes the blocked zmq_recv
    return EINTR, pyzmq runs the Python handler, and KeyboardInterrupt is raised."""
    import signal
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", CTRL_C_SERVER,
                              os.path.dirname(os.path.abspath(__file__))],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        time.sleep(0.2)
        child.send_signal(signal.SIGINT)
        try:
            out, _ = child.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            pytest.fail("SIGINT did not interrupt a blocking recv (zmq_recv never returned EINTR)")
        assert child.returncode == 0 and "interrupted" in out, (child.returncode, out)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


# -- 11. asyncio ROUTER echo: many concurrent REQs over tcp, a pipelining DEALER over ipc --

ECHO_REQS, ECHO_REQ_ROUNDS, ECHO_DEALER_MSGS = 25, 8, 200


def echo_req_body(i, j):
    return b"req %d #%d " % (i, j) + bytes([i]) * (i * 4000 + j)


def echo_dealer_frames(k):
    return [b"dealer %d" % k, bytes([k % 251]) * (k * 997 % 100000)]


def echo_clients_child(port, ipc):
    """Runs in a process started with multiprocessing's "spawn" method: 25 REQs over tcp,
    8 requests each, and a DEALER over ipc with 200 two-frame requests in flight, all at
    once on one asyncio loop. Exits non-zero (with a traceback) on a wrong or missing
    reply."""
    scenario_helpers.assert_on_library_under_test()

    async def main():
        actx = zmq.asyncio.Context()
        socks = []

        async def req(i):
            s = actx.socket(zmq.REQ)
            s.linger = 0
            socks.append(s)
            s.connect(f"tcp://127.0.0.1:{port}")
            for j in range(ECHO_REQ_ROUNDS):
                await s.send(echo_req_body(i, j))
                reply = await s.recv_multipart()
                assert reply == [echo_req_body(i, j)], (i, j, [len(f) for f in reply])

        async def dealer():
            s = actx.socket(zmq.DEALER)
            s.linger = 0
            socks.append(s)
            s.connect(ipc)
            for k in range(ECHO_DEALER_MSGS):  # all in flight before the first reply
                await s.send_multipart(echo_dealer_frames(k))
            for k in range(ECHO_DEALER_MSGS):
                reply = await s.recv_multipart()
                assert reply == echo_dealer_frames(k), (k, [len(f) for f in reply])

        try:
            await asyncio.wait_for(
                asyncio.gather(dealer(), *(req(i) for i in range(ECHO_REQS))), 15)
        finally:
            for s in socks:
                s.close(linger=0)
            actx.term()

    asyncio.run(main())


def test_asyncio_router_echo_many_clients(tmp_path):
    """A zmq.asyncio ROUTER bound on tcp and ipc echoes whatever it gets to 25 REQ clients
    (tcp) and a pipelining DEALER (ipc) in another process. The server's reads see REQ
    messages (routing id, delimiter, body) and DEALER messages (routing id, two frames)
    arrive together; a message must only become readable whole: if the first frames of
    one were readable before its last, recv_multipart's non-blocking reads of the later
    frames fail with EAGAIN, or frames of two connections get mixed into one message and
    an echo goes wrong. Every client must get its own echoes; then ctx.term() returns."""
    async def main():
        actx = zmq.asyncio.Context()
        server = actx.socket(zmq.ROUTER)
        server.linger = 0
        port = server.bind_to_random_port("tcp://127.0.0.1")
        ipc = f"ipc://{tmp_path}/echo.ipc"
        server.bind(ipc)
        for _ in range(3):  # a few rounds, each with a fresh clients' process
            child = multiprocessing.get_context("spawn").Process(
                target=echo_clients_child, args=(port, ipc))
            child.start()
            try:
                for _ in range(ECHO_REQS * ECHO_REQ_ROUNDS + ECHO_DEALER_MSGS):
                    frames = await asyncio.wait_for(server.recv_multipart(), 10)
                    await server.send_multipart(frames)
                loop = asyncio.get_running_loop()
                await asyncio.wait_for(loop.run_in_executor(None, child.join, 5), 6)
                assert child.exitcode == 0, f"the clients' process exited with {child.exitcode}"
            finally:
                if child.is_alive():
                    child.kill()
                    child.join()
        server.close(linger=0)
        t = threading.Thread(target=actx.term, daemon=True)
        t.start()
        t.join(5)
        assert not t.is_alive(), "ctx.term() did not return"

    # within pytest's --timeout=30 of scripts/test-pyzmq.sh
    asyncio.run(asyncio.wait_for(main(), 25))
