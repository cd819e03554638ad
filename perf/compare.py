#!/usr/bin/env python3
"""Compares our libzmq.so.5 with the installed libzmq on the perf programs.

The programs are compiled once (against include/zmq.h by default) and linked by soname,
so the same binary runs against either library: LD_LIBRARY_PATH selects a directory
holding a `libzmq.so.5` that points at ours or at libzmq. Each scenario runs alternately,
libzmq then ours, for N rounds; the table shows the medians.

    perf/compare.py                  # 5 rounds of every scenario
    perf/compare.py --rounds 9 --only inproc_lat
    perf/compare.py --header system  # compile against /usr/include/zmq.h

A scenario is a list of commands started together (a local/remote pair for tcp or ipc
is two), the index of the one whose output holds the measurement, and its pattern.
Add more by extending SCENARIOS and PROGRAMS.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PERF = ROOT / "perf"
BUILD = ROOT / "target" / "perf"
SYSTEM_LIBZMQ = Path("/usr/lib/x86_64-linux-gnu/libzmq.so.5")
OUR_LIBZMQ = ROOT / "target" / "release" / "libzmq.so"

# Programs compiled from perf/<name>.c.
PROGRAMS = ["inproc_thr", "inproc_lat"]

THROUGHPUT = (r"mean throughput: (\d+) \[msg/s\]", "msg/s", True)
LATENCY = (r"average latency: ([\d.]+) \[us\]", "us", False)


@dataclass
class Scenario:
    name: str
    # Each command is a program from PROGRAMS followed by its arguments. All start
    # together, in order (a short pause between them lets a bind happen first).
    commands: list
    metric: tuple  # (regex with one group, unit, higher_is_better)
    reader: int = 0  # which command prints the measurement
    timeout: float = 120.0
    startup_pause: float = field(default=0.2)


SCENARIOS = [
    Scenario("inproc_thr 64 B", [["inproc_thr", "64", "2000000"]], THROUGHPUT),
    Scenario("inproc_thr 1 KiB", [["inproc_thr", "1024", "500000"]], THROUGHPUT),
    Scenario("inproc_thr 64 KiB", [["inproc_thr", "65536", "20000"]], THROUGHPUT),
    Scenario("inproc_lat 64 B", [["inproc_lat", "64", "50000"]], LATENCY),
    # Later, e.g.:
    # Scenario("tcp_thr 64 B", [["local_thr", "tcp://127.0.0.1:5555", "64", "1000000"],
    #                           ["remote_thr", "tcp://127.0.0.1:5555", "64", "1000000"]],
    #          THROUGHPUT, reader=0),
]


def compile_programs(header_dir: Path, cc: str) -> None:
    BUILD.mkdir(parents=True, exist_ok=True)
    for name in PROGRAMS:
        cmd = [cc, "-O2", "-std=c11", "-Wall", "-Wextra", "-Werror", f"-I{header_dir}",
               "-o", str(BUILD / name), str(PERF / f"{name}.c"), "-lzmq", "-lpthread"]
        result = subprocess.run(cmd, capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"compiling {name} failed:\n{' '.join(cmd)}\n{result.stderr}")


def library_dir(label: str, library: Path) -> Path:
    """A directory whose libzmq.so.5 is `library`, for LD_LIBRARY_PATH."""
    if not library.exists():
        sys.exit(f"{label}: {library} does not exist"
                 + (" (run cargo build --release)" if label == "ours" else ""))
    d = BUILD / "lib" / label
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


def run_once(scenario: Scenario, lib_dir: Path) -> float:
    env = dict(os.environ, LD_LIBRARY_PATH=str(lib_dir))
    procs = []
    for i, command in enumerate(scenario.commands):
        if i:
            time.sleep(scenario.startup_pause)
        procs.append(subprocess.Popen([str(BUILD / command[0])] + command[1:], env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True))
    outputs = []
    for proc, command in zip(procs, scenario.commands):
        try:
            out, err = proc.communicate(timeout=scenario.timeout)
        except subprocess.TimeoutExpired:
            for p in procs:
                p.kill()
            sys.exit(f"{scenario.name}: {' '.join(command)} timed out")
        if proc.returncode != 0:
            sys.exit(f"{scenario.name}: {' '.join(command)} failed "
                     f"({proc.returncode}):\n{err}")
        outputs.append(out)
    pattern = scenario.metric[0]
    m = re.search(pattern, outputs[scenario.reader])
    if not m:
        sys.exit(f"{scenario.name}: no '{pattern}' in output:\n{outputs[scenario.reader]}")
    return float(m.group(1))


def fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 1000 else f"{value:.3f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5, help="A B rounds (default 5)")
    ap.add_argument("--only", action="append", default=[],
                    help="run scenarios whose name contains this (repeatable)")
    ap.add_argument("--header", choices=["ours", "system"], default="ours",
                    help="compile against include/zmq.h (default) or /usr/include/zmq.h")
    ap.add_argument("--ours", type=Path, default=OUR_LIBZMQ, help="our library")
    ap.add_argument("--libzmq", type=Path, default=SYSTEM_LIBZMQ, help="libzmq to compare with")
    args = ap.parse_args()

    header_dir = ROOT / "include" if args.header == "ours" else Path("/usr/include")
    compile_programs(header_dir, os.environ.get("CC", "cc"))
    libs = {"libzmq": library_dir("libzmq", args.libzmq), "ours": library_dir("ours", args.ours)}
    check_loaded(libs["libzmq"], args.libzmq)
    check_loaded(libs["ours"], args.ours)

    scenarios = [s for s in SCENARIOS if not args.only or any(o in s.name for o in args.only)]
    rows = []
    for scenario in scenarios:
        results = {"libzmq": [], "ours": []}
        for r in range(args.rounds):
            for label in ("libzmq", "ours"):
                results[label].append(run_once(scenario, libs[label]))
            print(f"  {scenario.name}: round {r + 1}/{args.rounds}", file=sys.stderr)
        _, unit, higher_is_better = scenario.metric
        theirs = statistics.median(results["libzmq"])
        ours = statistics.median(results["ours"])
        ratio = (ours / theirs) if higher_is_better else (theirs / ours)
        rows.append((f"{scenario.name} [{unit}]", fmt(theirs), fmt(ours), f"{ratio:.2f}"))

    print(f"\nMedians of {args.rounds} alternating rounds; ratio > 1 means ours is faster.\n")
    print("| scenario | libzmq | ours | ratio |")
    print("|---|---:|---:|---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
