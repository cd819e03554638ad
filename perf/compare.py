#!/usr/bin/env python3
"""Compares our libzmq.so.5 with the installed libzmq on the perf programs.

The programs are compiled once (against include/zmq.h by default) and linked by soname,
so the same binary runs against either library: LD_LIBRARY_PATH selects a directory
holding a `libzmq.so.5` that points at ours or at libzmq. Each scenario runs alternately,
A B then B A (then the raw-socket floor where there is one), for N rounds; the table
shows the medians and how widely the rounds spread.

    perf/compare.py                          # 5 rounds of every scenario (~6-7 minutes)
    perf/compare.py --quick                  # 5 rounds, half-length runs (~2-4 minutes)
    perf/compare.py --rounds 9 --only tcp_lat
    perf/compare.py --only curve --rounds 3  # CURVE tcp throughput (keys via env)
    perf/compare.py --header system          # compile against /usr/include/zmq.h
    perf/compare.py --header system --libs libzmq,libzmq --only "ipc_thr 64 B"
                                             # self-comparison: ratios should be ~1.00
    perf/compare.py --quick --chart docs/benchmark.png   # also draw the matrix (matplotlib)

Besides point-to-point throughput and latency, the matrix has PUB fan-out to 1, 8 and
32 subscribers (pub_thr/sub_thr), one SUB with 10,000 topic subscriptions of which half
the traffic matches, and a ROUTER with 1,000 DEALER connections (router_conns/
dealer_conns: time to connect them all, a round trip to each, RSS per connection), and
the draft poller holding 10 or 1,000 inproc sockets of which one is active (poller_lat:
half a round trip through zmq_poller_wait_all; PAIR sockets, or thread-safe SERVERs),
and SERVER/CLIENT throughput over tcp and inproc (server_client_thr). A run may print
several numbers (a "measure" each): each gets its own row.

Draft-API scenarios (the pollers, SERVER/CLIENT throughput) need a library that
exports the draft API. Ours always does; Debian's libzmq does not, so on its side these
rows run on a libzmq built with drafts, --libzmq-draft (by default the one
scripts/draft-libzmq.sh builds from Debian's source, target/libzmq-draft/lib), and the
table marks those cells with "*" and says so. Without such a build the side shows
"n/a":
    scripts/draft-libzmq.sh && perf/compare.py --only poller --only server_client

A scenario is a list of commands started together: one for inproc, a local/remote pair
for tcp and ipc. The first command (the local side, which binds) starts first; the rest
start once its endpoint is listening (the tcp port shows up in /proc/net/tcp, the ipc
file exists), so the remote side never has to retry. Each tcp run gets a fresh port,
each ipc run a fresh path in a temporary directory. All commands of a run share a
process group that is killed if the run takes longer than --timeout, so a hang costs
one failed cell, not the whole run.

The "floor" column is perf/tcp_floor over plain tcp or unix sockets with no ZeroMQ at
all: the best the machine does for that size; "B/floor" is how much of it B reaches.
"""

import argparse
import dataclasses
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PERF = ROOT / "perf"
BUILD = ROOT / "target" / "perf"
SYSTEM_LIBZMQ = Path("/usr/lib/x86_64-linux-gnu/libzmq.so.5")
OUR_LIBZMQ = ROOT / "target" / "release" / "libzmq.so"

# Programs compiled from perf/<name>.c, and those that must not link ZeroMQ.
PROGRAMS = ["inproc_thr", "inproc_lat", "local_thr", "remote_thr", "local_lat",
            "remote_lat", "tcp_floor", "pub_thr", "sub_thr", "router_conns", "dealer_conns",
            "poller_lat", "server_client_thr"]
NO_ZMQ = {"tcp_floor"}
# Programs that call the draft API: linked against our library (the installed libzmq
# has no draft symbols to link to), run only on libraries that export it.
DRAFT = {"poller_lat", "server_client_thr"}
# libzmq built with drafts (scripts/draft-libzmq.sh), for the draft scenarios on the
# side of a libzmq without them.
DRAFT_LIBZMQ = ROOT / "target" / "libzmq-draft" / "lib" / "libzmq.so.5"


@dataclass(frozen=True)
class Measure:
    """One number a run prints, and the table row it makes."""
    pattern: str  # regex with one group
    unit: str
    higher_is_better: bool
    reader: int = 0  # which command prints it
    label: str = ""  # added to the scenario's name in its row ("" for the main one)

    def at(self, reader: int, label: str = "") -> "Measure":
        return dataclasses.replace(self, reader=reader, label=label)


THROUGHPUT = Measure(r"mean throughput: (\d+) \[msg/s\]", "msg/s", True)
LATENCY = Measure(r"average latency: ([\d.]+) \[us\]", "us", False)
TOTAL_THROUGHPUT = Measure(r"total throughput: (\d+) \[msg/s\]", "msg/s", True)
SEND_THROUGHPUT = Measure(r"send throughput: (\d+) \[msg/s\]", "msg/s", True)
CONNECT_TIME = Measure(r"connect time: ([\d.]+) \[ms\]", "ms", False)
ROUND_TRIP = Measure(r"round trip: ([\d.]+) \[us\]", "us", False)
MEMORY = Measure(r"memory per connection: (-?[\d.]+) \[KiB\]", "KiB", False)


@dataclass
class Scenario:
    name: str
    # Each command is a program from PROGRAMS followed by its arguments; "{endpoint}"
    # is replaced by a fresh endpoint of `transport` and "{count}" by `count` (divided
    # by the --quick factor).
    commands: list
    # What a run prints, one table row each; the first is the one the floor measures.
    measures: list
    count: int
    # A command to send SIGUSR1 once the first measure's reader is done (remote_thr and
    # pub_thr then stop waiting before they close), or None.
    nudge: int = None
    transport: str = ""  # "tcp", "ipc" or "" (inproc: nothing to wait for)
    floor: list = None  # a tcp_floor command ("{count}" = floor_count), or None
    floor_count: int = 0
    env: dict = None  # extra environment for every command (e.g. CURVE keys)
    draft: bool = False  # uses the draft API: runs only on libraries exporting it


SIZES = [1, 64, 1024, 65536]

# Message counts that take about a second with libzmq 4.3 on a quiet 2-core VM:
# tcp/ipc throughput of 1 B..64 KiB runs at roughly 4M, 3.5M, 0.6M and 20k msg/s, a
# round trip takes about 60 us (110 us at 64 KiB). The floor is far faster at small
# sizes. Each progress line shows how long its runs took.
THR_COUNT = {1: 4_000_000, 64: 3_000_000, 1024: 600_000, 65536: 20_000}
LAT_COUNT = {1: 15_000, 64: 15_000, 1024: 15_000, 65536: 8_000}
FLOOR_THR_COUNT = {1: 50_000_000, 64: 20_000_000, 1024: 3_000_000, 65536: 30_000}
FLOOR_LAT_COUNT = {1: 50_000, 64: 50_000, 1024: 50_000, 65536: 25_000}


def size_name(size: int) -> str:
    return f"{size // 1024} KiB" if size >= 1024 else f"{size} B"


def network_scenarios() -> list:
    out = []
    for kind in ("thr", "lat"):
        for transport, raw in (("tcp", "tcp"), ("ipc", "unix")):
            for size in SIZES:
                s = str(size)
                if kind == "thr":
                    commands = [["local_thr", "{endpoint}", s, "{count}"],
                                ["remote_thr", "{endpoint}", s, "{count}"]]
                    measure, count = THROUGHPUT, THR_COUNT[size]
                    nudge = 1
                    floor_count = FLOOR_THR_COUNT[size]
                else:
                    commands = [["local_lat", "{endpoint}", s, "{count}"],
                                ["remote_lat", "{endpoint}", s, "{count}"]]
                    measure, count = LATENCY.at(1), LAT_COUNT[size]
                    nudge = None
                    floor_count = FLOOR_LAT_COUNT[size]
                out.append(Scenario(f"{transport}_{kind} {size_name(size)}", commands,
                                    [measure], count, nudge=nudge,
                                    transport=transport,
                                    floor=["tcp_floor", kind, raw, s, "{count}"],
                                    floor_count=floor_count))
    return out


# CURVE on both sides (perf_common.h's perf_security reads these): tcp throughput with
# every message boxed. libzmq 4.3 reaches roughly 500k, 125k and 5k msg/s here.
CURVE_ENV = {"ZMQ_PERF_CURVE_SERVER_SECRET": "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6",
             "ZMQ_PERF_CURVE_SERVER_KEY": "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"}
CURVE_THR_COUNT = {64: 550_000, 1024: 130_000, 65536: 6_000}


def curve_scenarios() -> list:
    return [Scenario(f"curve_thr {size_name(size)}",
                     [["local_thr", "{endpoint}", str(size), "{count}"],
                      ["remote_thr", "{endpoint}", str(size), "{count}"]],
                     [THROUGHPUT], CURVE_THR_COUNT[size], nudge=1,
                     transport="tcp", env=CURVE_ENV)
            for size in (64, 1024, 65536)]


# Fan-out over tcp: pub_thr sends 64 B messages to N SUB sockets (threads of one
# sub_thr process) subscribed to everything; message counts are per subscriber. With
# libzmq 4.3 each subscriber gets roughly 3.6M, 450k and 140k msg/s for 1, 8 and 32.
FANOUT_COUNT = {1: 4_000_000, 8: 500_000, 32: 150_000}


def fanout_scenarios() -> list:
    out = []
    for subs, count in FANOUT_COUNT.items():
        commands = [["pub_thr", "{endpoint}", "64", "{count}", str(subs), "0"],
                    ["sub_thr", "{endpoint}", "64", "{count}", str(subs), "0"]]
        measures = ([THROUGHPUT.at(1)] if subs == 1 else
                    [THROUGHPUT.at(1, "per sub"), TOTAL_THROUGHPUT.at(1, "total")])
        out.append(Scenario(f"pub_fanout {subs} sub{'s' if subs > 1 else ''}", commands,
                            measures, count, nudge=0, transport="tcp"))
    return out


SCENARIOS = [
    Scenario("inproc_thr 64 B", [["inproc_thr", "64", "{count}"]], [THROUGHPUT], 2_000_000),
    Scenario("inproc_thr 1 KiB", [["inproc_thr", "1024", "{count}"]], [THROUGHPUT], 500_000),
    Scenario("inproc_thr 64 KiB", [["inproc_thr", "65536", "{count}"]], [THROUGHPUT], 20_000),
    Scenario("inproc_lat 64 B", [["inproc_lat", "64", "{count}"]], [LATENCY], 50_000),
] + network_scenarios() + curve_scenarios() + fanout_scenarios() + [
    # One SUB with 10,000 topic subscriptions; pub_thr sends 64 B messages over tcp, every
    # other one on a subscribed topic (libzmq 4.3: about 1.1M sent and 550k received per
    # second). The count is of messages sent.
    Scenario("pub_10k_topics", [["pub_thr", "{endpoint}", "64", "{count}", "1", "10000"],
                                ["sub_thr", "{endpoint}", "64", "{count}", "1", "10000"]],
             [THROUGHPUT.at(1, "received"), SEND_THROUGHPUT.at(0, "sent")], 1_500_000,
             nudge=0, transport="tcp"),
    # A ROUTER accepting 1,000 tcp DEALERs (always 1,000, also with --quick): until all
    # have said hello, a round trip to each in turn, and the ROUTER's RSS per connection.
    Scenario("router_1k_conns", [["router_conns", "{endpoint}", "1000"],
                                 ["dealer_conns", "{endpoint}", "1000"]],
             [CONNECT_TIME.at(0, "connect all"), ROUND_TRIP.at(0, "round trip"),
              MEMORY.at(0, "RSS per conn")], 1000, transport="tcp"),
    # The draft poller with 1,000 inproc PAIR sockets, one of them active: half a round
    # trip through zmq_poller_wait_all (libzmq 4.3 with drafts: about 400 us here, as it
    # polls every socket's fd and reads every socket's ZMQ_EVENTS on each wait). With
    # 10 sockets for scale (about 20 us), and with 1,000 thread-safe SERVERs, which
    # wake the poller through its signaler instead of their own fds (about 40 us).
    Scenario("poller_10_sockets", [["poller_lat", "10", "{count}"]], [LATENCY], 40_000,
             draft=True),
    Scenario("poller_1k_sockets", [["poller_lat", "1000", "{count}"]], [LATENCY], 10_000,
             draft=True),
    Scenario("poller_1k_server_sockets", [["poller_lat", "1000", "{count}", "server"]],
             [LATENCY], 20_000, draft=True),
    # SERVER <- CLIENT throughput, 64 B (libzmq 4.3 with drafts: about 2.4M msg/s over
    # tcp, 4.8M over inproc).
    Scenario("server_client_thr tcp 64 B",
             [["server_client_thr", "server", "{endpoint}", "64", "{count}"],
              ["server_client_thr", "client", "{endpoint}", "64", "{count}"]],
             [THROUGHPUT], 2_500_000, nudge=1, transport="tcp", draft=True),
    Scenario("server_client_thr inproc 64 B",
             [["server_client_thr", "both", "inproc://server_client_thr", "64", "{count}"]],
             [THROUGHPUT], 5_000_000, draft=True),
]


class RunFailed(Exception):
    pass


def compile_programs(header_dir: Path, cc: str, ours: Path) -> None:
    BUILD.mkdir(parents=True, exist_ok=True)
    for name in PROGRAMS:
        libs = [] if name in NO_ZMQ else ["-lzmq", "-lpthread"]
        if name in DRAFT:
            # Link to our libzmq.so (soname libzmq.so.5, so LD_LIBRARY_PATH still picks
            # the library at run time).
            libs = [f"-L{ours.parent}"] + libs
        cmd = [cc, "-O2", "-std=c11", "-Wall", "-Wextra", "-Werror", f"-I{header_dir}",
               "-o", str(BUILD / name), str(PERF / f"{name}.c")] + libs
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"compiling {name} failed:\n{' '.join(cmd)}\n{result.stderr}")


def exports_draft_api(library: Path) -> bool:
    """Whether `library` defines the draft API's symbols (zmq_poller_new stands for it)."""
    out = subprocess.run(["nm", "-D", "--defined-only", str(library)],
                         capture_output=True, text=True).stdout
    return re.search(r" T zmq_poller_new$", out, re.M) is not None


def library_dir(label: str, library: Path) -> Path:
    """A directory whose libzmq.so.5 is `library`, for LD_LIBRARY_PATH."""
    if not library.exists():
        sys.exit(f"{label}: {library} does not exist"
                 + (" (run cargo build --release)" if library == OUR_LIBZMQ else ""))
    d = BUILD / "lib" / re.sub(r"[^\w.-]", "_", label)
    d.mkdir(parents=True, exist_ok=True)
    link = d / "libzmq.so.5"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(library.resolve())
    return d


def check_loaded(lib_dir: Path, library: Path) -> None:
    """Fails unless the perf binaries really load `library` from `lib_dir`."""
    env = dict(os.environ, LD_LIBRARY_PATH=str(lib_dir))
    out = subprocess.run(["ldd", str(BUILD / PROGRAMS[0])], env=env,
                         capture_output=True, text=True).stdout
    m = re.search(r"libzmq\.so\.5 => (\S+)", out)
    if not m or Path(m.group(1)).resolve() != library.resolve():
        sys.exit(f"with LD_LIBRARY_PATH={lib_dir} the programs load "
                 f"{m.group(1) if m else 'no libzmq.so.5'}, not {library}")


class Endpoints:
    """Fresh endpoints: a free tcp port on 127.0.0.1, or a new path in a temp dir."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="zmq-perf-"))
        self.serial = 0

    def new(self, transport: str) -> tuple:
        """(endpoint, readiness check) for one run."""
        if transport == "tcp":
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            return f"tcp://127.0.0.1:{port}", lambda: tcp_listening(port)
        if transport == "ipc":
            self.serial += 1
            path = self.dir / f"run{self.serial}.ipc"
            return f"ipc://{path}", path.exists
        return "", lambda: True

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def tcp_listening(port: int) -> bool:
    """Whether something listens on `port` (state 0A in /proc/net/tcp)."""
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                fields = line.split()
                if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                    return True
    except OSError:
        pass
    return False


def kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def run_once(name: str, commands: list, measures: list, ready, env: dict,
             timeout: float, nudge=None) -> list:
    """Runs `commands` together and returns the numbers of `measures` they printed."""
    deadline = time.monotonic() + timeout
    procs = []

    def fail(message: str):
        for p in procs:
            kill_group(p)
        raise RunFailed(message)

    try:
        for i, command in enumerate(commands):
            if i == 1:  # the local side is first: start the rest once it listens
                while not ready():
                    if procs[0].poll() is not None:
                        fail(f"{command[0]} did not start: {commands[0][0]} exited "
                             f"({procs[0].returncode}): {procs[0].stderr.read().strip()}")
                    if time.monotonic() > deadline:
                        fail(f"{commands[0][0]} never listened")
                    time.sleep(0.005)
            procs.append(subprocess.Popen([str(BUILD / command[0])] + command[1:],
                                          env=env, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True,
                                          start_new_session=True))
        outputs = [None] * len(procs)
        first = measures[0].reader
        order = [first] + [i for i in range(len(procs)) if i != first]
        for i in order:
            proc, command = procs[i], commands[i]
            if nudge is not None and i == nudge:
                try:
                    proc.send_signal(signal.SIGUSR1)
                except ProcessLookupError:
                    pass
            try:
                out, err = proc.communicate(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                # Say why, if another command of the pair has already died.
                why = "".join(f"; {c[0]} exited ({p.returncode}): {p.stderr.read().strip()}"
                              for p, c in zip(procs, commands)
                              if p is not proc and p.poll() not in (None, 0))
                fail(f"{' '.join(command)} timed out after {timeout:g} s{why}")
            if proc.returncode != 0:
                fail(f"{' '.join(command)} failed ({proc.returncode}): {err.strip()}")
            outputs[i] = out
    except KeyboardInterrupt:
        for p in procs:
            kill_group(p)
        raise
    values = []
    for measure in measures:
        m = re.search(measure.pattern, outputs[measure.reader])
        if not m:
            raise RunFailed(f"{name}: no '{measure.pattern}' in output: "
                            f"{outputs[measure.reader]!r}")
        values.append(float(m.group(1)))
    return values


def fmt(value) -> str:
    if value is None:
        return "fail"
    return f"{value:,.0f}" if value >= 1000 else f"{value:.3f}"


def spread(values: list) -> str:
    """Half the range of the rounds, relative to their median: how far to trust it."""
    if len(values) < 2:
        return "-"
    med = statistics.median(values)
    return f"±{50 * (max(values) - min(values)) / med:.0f}%" if med else "-"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, help="A B rounds (default 5)")
    ap.add_argument("--quick", action="store_true",
                    help="half the messages, 5 rounds still (under 5 minutes in all)")
    ap.add_argument("--only", action="append", default=[],
                    help="run scenarios whose name contains this (repeatable)")
    ap.add_argument("--header", choices=["ours", "system"], default="ours",
                    help="compile against include/zmq.h (default) or /usr/include/zmq.h")
    ap.add_argument("--libs", default="libzmq,ours",
                    help="A,B: each 'libzmq', 'ours' or a path to a libzmq.so "
                         "(default libzmq,ours; libzmq,libzmq is a self-comparison)")
    ap.add_argument("--ours", type=Path, default=OUR_LIBZMQ, help="our library")
    ap.add_argument("--libzmq", type=Path, default=SYSTEM_LIBZMQ, help="libzmq to compare with")
    ap.add_argument("--libzmq-draft", type=Path, default=DRAFT_LIBZMQ,
                    help="libzmq built with drafts, for the draft scenarios on the side "
                         "of a library without them (default: scripts/draft-libzmq.sh's)")
    ap.add_argument("--no-floor", action="store_true", help="skip the raw-socket floor")
    ap.add_argument("--chart", type=Path, metavar="PATH",
                    help="also draw the results to a PNG (needs matplotlib)")
    ap.add_argument("--timeout", type=float, default=30.0,
                    help="seconds before a run's processes are killed (default 30)")
    args = ap.parse_args()
    # --quick keeps 5 rounds: on a 2-core machine shared with other jobs a third of
    # the rounds can be disturbed, and the median of 3 then follows the disturbance.
    rounds = args.rounds or 5
    divisor = 2 if args.quick else 1

    names = args.libs.split(",")
    if len(names) != 2 or not all(names):
        sys.exit("--libs takes two comma-separated libraries, e.g. libzmq,ours")
    paths = [args.libzmq if n == "libzmq" else args.ours if n == "ours" else Path(n)
             for n in names]
    labels = [n if n in ("libzmq", "ours") else Path(n).name for n in names]
    if labels[0] == labels[1]:
        labels = [labels[0] + " (A)", labels[1] + " (B)"]

    if args.chart and not have_matplotlib():
        print(f"{NO_MATPLOTLIB}; the table is printed as usual", file=sys.stderr)

    header_dir = ROOT / "include" if args.header == "ours" else Path("/usr/include")
    compile_programs(header_dir, os.environ.get("CC", "cc"), args.ours)
    envs = []
    for label, path in zip(labels, paths):
        lib_dir = library_dir(label, path)
        check_loaded(lib_dir, path)
        envs.append(dict(os.environ, LD_LIBRARY_PATH=str(lib_dir)))

    scenarios = [s for s in SCENARIOS if not args.only or any(o in s.name for o in args.only)]
    if not scenarios:
        sys.exit("no scenario matches --only")
    drafts = [exports_draft_api(path) for path in paths]
    # A side without the draft API runs the draft scenarios on the draft build, if any.
    draft_envs = list(envs)
    substituted = [False, False]
    if not all(drafts) and any(sc.draft for sc in scenarios):
        draft_lib = args.libzmq_draft
        if draft_lib.exists() and exports_draft_api(draft_lib):
            draft_dir = library_dir("libzmq-draft", draft_lib)
            for side in (0, 1):
                if not drafts[side]:
                    draft_envs[side] = dict(os.environ, LD_LIBRARY_PATH=str(draft_dir))
                    substituted[side] = True
                    drafts[side] = True
    endpoints = Endpoints()
    rows, failures = [], []
    try:
        for sc in scenarios:
            rows += run_scenario(sc, args, rounds, divisor, labels,
                                 draft_envs if sc.draft else envs, endpoints, failures,
                                 drafts, tuple(sc.draft and x for x in substituted))
    finally:
        endpoints.close()

    print(f"\nMedians of {rounds} alternating rounds{' (--quick)' if args.quick else ''}; "
          f"ratio > 1 means {labels[1]} is better than {labels[0]} (faster, or less "
          f"memory).\n"
          f"floor: the same measurement over raw tcp/unix sockets, no ZeroMQ "
          f"(perf/tcp_floor); B/floor: the share of it {labels[1]} reaches.\n"
          f"spread: half the range of the rounds over their median (noise; a ratio "
          f"within it means no difference).\n")
    print(f"| scenario | {labels[0]} | {labels[1]} | ratio | spread A | spread B "
          f"| floor | B/floor |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print("| " + " | ".join(row.cells()) + " |")
    if args.chart:
        if write_chart(args.chart, rows, labels):
            print(f"\nchart written to {args.chart}")
        else:
            print(f"\n{NO_MATPLOTLIB}; no chart written", file=sys.stderr)
    for label, has, sub in zip(labels, drafts, substituted):
        if sub:
            print(f"\n*: {label} has no draft API (built without ENABLE_DRAFTS): its side "
                  f"of the draft rows (pollers, SERVER/CLIENT) ran on "
                  f"{args.libzmq_draft.resolve()}, a libzmq built with drafts "
                  f"(scripts/draft-libzmq.sh).")
        elif not has and any(sc.draft for sc in scenarios):
            print(f"\nn/a: {label} has no draft API (built without ENABLE_DRAFTS) and "
                  f"no draft build was found at {args.libzmq_draft} "
                  f"(scripts/draft-libzmq.sh makes one); the draft scenarios ran only on "
                  f"the other side.")
    if failures:
        print("\nFailed runs:")
        for f in failures:
            print(f"* {f}")
        sys.exit(1)


@dataclass
class Row:
    """One line of the table: the medians of one measure for both sides."""
    name: str
    measure: Measure
    runs: list  # [A's values, B's values], None for a side that failed
    floors: list
    not_applicable: tuple = (False, False)  # a side that cannot run it (no draft API)
    substituted: tuple = (False, False)  # a side that ran it on the draft build

    def median(self, side: int):
        values = self.runs[side]
        return statistics.median(values) if values else None

    def floor(self):
        return statistics.median(self.floors) if self.floors else None

    def ratio(self):
        """How many times better B is than A, or None."""
        a, b = self.median(0), self.median(1)
        if not a or not b:
            return None
        return b / a if self.measure.higher_is_better else a / b

    def cells(self) -> list:
        a, b, floor, ratio = self.median(0), self.median(1), self.floor(), self.ratio()
        if floor is None:
            floor_cells = ["-", "-"]
        else:
            better = self.measure.higher_is_better
            of = "-" if b is None else f"{100 * (b / floor if better else floor / b):.0f}%"
            floor_cells = [fmt(floor), of]
        sides = ["n/a" if self.not_applicable[i]
                 else fmt(v) + (" *" if self.substituted[i] else "")
                 for i, v in enumerate((a, b))]
        return ([f"{self.name} [{self.measure.unit}]", sides[0], sides[1],
                 "-" if ratio is None else f"{ratio:.2f}"]
                + [spread(r) if r else "-" for r in self.runs] + floor_cells)


def run_scenario(sc: Scenario, args, rounds: int, divisor: int, labels: list,
                 envs: list, endpoints: Endpoints, failures: list, drafts: list,
                 substituted: tuple = (False, False)) -> list:
    """Runs `sc` for `rounds` alternating rounds; one Row per measure. `substituted`
    marks a side whose `envs` entry is the draft build instead of its library."""
    labels = [label + (" (draft build)" if sub else "")
              for label, sub in zip(labels, substituted)]
    count = str(max(1, sc.count // divisor))
    floor_count = str(max(1, sc.floor_count // divisor))
    results = [[], []]  # per side, per round: the values of sc.measures
    floors = []
    not_applicable = tuple(sc.draft and not drafts[side] for side in (0, 1))
    failed = list(not_applicable)
    use_floor = sc.floor is not None and not args.no_floor
    for r in range(rounds):
        shown = []
        # A B in odd rounds, B A in even ones, so drift in the machine's load
        # (other processes, thermal) does not favour one side.
        for side in ((0, 1) if r % 2 == 0 else (1, 0)):
            if failed[side]:
                continue
            try:
                t0 = time.monotonic()
                for attempt in (1, 2):
                    endpoint, ready = endpoints.new(sc.transport)
                    commands = [[a.replace("{endpoint}", endpoint)
                                 .replace("{count}", count) for a in c]
                                for c in sc.commands]
                    try:
                        v = run_once(sc.name, commands, sc.measures, ready,
                                     dict(envs[side], **(sc.env or {})),
                                     args.timeout, sc.nudge)
                        break
                    except RunFailed as e:
                        # Another process may have taken the free port we found.
                        if attempt == 2 or "in use" not in str(e):
                            raise
                results[side].append(v)
                shown.append(f"{labels[side]} {' / '.join(fmt(x) for x in v)} "
                             f"({time.monotonic() - t0:.1f} s)")
            except RunFailed as e:
                failed[side] = True  # do not wait for it to fail again
                failures.append(f"{sc.name} [{labels[side]}]: {e}")
                shown.append(f"{labels[side]} FAILED")
                print(f"  {sc.name} [{labels[side]}]: {e}", file=sys.stderr)
        if use_floor:
            command = [a.replace("{count}", floor_count) for a in sc.floor]
            try:
                t0 = time.monotonic()
                v = run_once(sc.name, [command], [sc.measures[0].at(0)], lambda: True,
                             dict(os.environ), args.timeout)[0]
                floors.append(v)
                shown.append(f"floor {fmt(v)} ({time.monotonic() - t0:.1f} s)")
            except RunFailed as e:
                use_floor = False
                failures.append(f"{sc.name} [floor]: {e}")
        print(f"  {sc.name}: round {r + 1}/{rounds}: {', '.join(shown)}", file=sys.stderr)
    rows = []
    for k, measure in enumerate(sc.measures):
        runs = [None if failed[side] else [v[k] for v in results[side]] for side in (0, 1)]
        name = f"{sc.name}, {measure.label}" if measure.label else sc.name
        rows.append(Row(name, measure, runs, floors if k == 0 else [], not_applicable,
                        substituted))
    return rows


NO_MATPLOTLIB = ("--chart needs matplotlib, which is not installed "
                 "(pip install matplotlib, or run scripts/bench.sh)")


def have_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


# Throughput scenarios drawn as lines over the message size, one panel each.
SIZE_PANELS = [("inproc_thr", "inproc"), ("ipc_thr", "ipc"), ("tcp_thr", "tcp"),
               ("curve_thr", "tcp + CURVE")]


def write_chart(path: Path, rows: list, labels: list) -> bool:
    """Draws the matrix to a PNG: throughput over message size per transport, and the
    ratio of every other row as bars. False when matplotlib is missing."""
    if not have_matplotlib():
        return False
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_size = {}  # panel prefix -> [(size, row)]
    others = []
    for row in rows:
        m = re.fullmatch(r"(\w+_thr) (\d+) (B|KiB)", row.name)
        if m and m.group(1) in dict(SIZE_PANELS):
            size = int(m.group(2)) * (1024 if m.group(3) == "KiB" else 1)
            by_size.setdefault(m.group(1), []).append((size, row))
        else:
            others.append(row)
    panels = [(prefix, title) for prefix, title in SIZE_PANELS if prefix in by_size]
    columns = max(1, len(panels))
    bar_height = 0.3 * len(others) + 1 if others else 0
    fig = plt.figure(figsize=(4 * columns, (3.6 if panels else 0) + bar_height + 0.6))
    grid = fig.add_gridspec(2 if panels and others else 1, columns,
                            height_ratios=[3.6, bar_height] if panels and others else None)
    colors = ["tab:blue", "tab:orange"]
    for i, (prefix, title) in enumerate(panels):
        ax = fig.add_subplot(grid[0, i])
        points = sorted(by_size[prefix], key=lambda p: p[0])
        sizes = [p[0] for p in points]
        for side in (0, 1):
            ys = [p[1].median(side) for p in points]
            ax.plot([x for x, y in zip(sizes, ys) if y], [y for y in ys if y], "o-",
                    color=colors[side], label=labels[side])
        floors = [(x, p.floor()) for x, p in points if p.floor()]
        if floors:
            ax.plot(*zip(*floors), "x--", color="gray", label="raw sockets")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(sizes, [size_name(x) for x in sizes])
        ax.set_title(f"{title} throughput")
        ax.set_xlabel("message size")
        if i == 0:
            ax.set_ylabel("msg/s")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize="small")
    if others:
        ax = fig.add_subplot(grid[-1, :])
        names = [f"{r.name} [{r.measure.unit}]" for r in others][::-1]
        ratios = [r.ratio() or 0 for r in others][::-1]
        ax.barh(names, ratios, color=["tab:green" if x >= 1 else "tab:red" for x in ratios])
        ax.axvline(1.0, color="black", linewidth=0.8)
        for y, (r, x) in enumerate(zip(others[::-1], ratios)):
            ax.text(x + 0.02, y, f"{x:.2f}  ({fmt(r.median(0))} vs {fmt(r.median(1))})",
                    va="center", fontsize="x-small")
        ax.set_xlim(0, max(ratios + [1.0]) * 1.45)
        ax.set_xlabel(f"{labels[1]} relative to {labels[0]} (> 1: {labels[1]} is better)")
        ax.set_title("other scenarios: ratio (values: " + " vs ".join(labels) + ")")
        ax.tick_params(axis="y", labelsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


if __name__ == "__main__":
    main()
