#!/usr/bin/env python3
"""Run pyzmq's test suite (or some of its tests), one pytest process per test file, and
record one JSON line per test in OUT (outcomes_plugin.py).

    run_suite.py --suite DIR --out OUT.jsonl --log LOG [--preload LIB] [TEST_ID ...]

A test that hangs (pytest-timeout's thread method ends the process) or crashes the
process is recorded as an error, and the file is run again without the tests that already
have an outcome, so one bad test does not hide the rest of its file.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def recorded(out):
    ids = set()
    if out.exists():
        for line in out.read_text(encoding="utf-8").splitlines():
            if line.strip():
                ids.add(json.loads(line)["id"])
    return ids


def record(out, nodeid, outcome, message):
    with out.open("a", encoding="utf-8") as f:
        f.write(json.dumps({"id": nodeid, "outcome": outcome, "message": message}) + "\n")


def run_group(args, targets, label, out, log):
    """targets: one test file, or test ids. Re-runs after a hang or crash."""
    current = out.with_suffix(".current")
    skip = set()
    for attempt in range(1, 40):
        before = recorded(out)
        deselect = sorted(i for i in before | skip if any(
            i == t or i.startswith(t + "::") for t in targets))
        current.write_text("", encoding="utf-8")
        env = dict(os.environ, PYZMQ_OUTCOMES=str(out), PYZMQ_CURRENT=str(current),
                   PYTHONPATH=str(HERE), LD_PRELOAD=args.preload or "")
        cmd = [args.pytest, "-p", "outcomes_plugin", "-p", "no:cacheprovider",
               f"--timeout={args.test_timeout}", "--timeout-method=thread", "-q", "-rfE"]
        cmd += [a for i in deselect for a in ("--deselect", i)] + list(targets)
        with log.open("a", encoding="utf-8") as f:
            f.write(f"\n### {label}: {' '.join(targets)} (attempt {attempt})\n")
            f.flush()
            try:
                rc = subprocess.run(cmd, cwd=args.suite, env=env, stdout=f, stderr=subprocess.STDOUT,
                                    timeout=args.file_timeout).returncode
                how = (f"pytest exited with {rc}" if rc >= 0 else f"pytest died from signal {-rc}")
            except subprocess.TimeoutExpired:
                rc, how = None, f"pytest killed after {args.file_timeout}s"
        last = current.read_text(encoding="utf-8").strip()
        after = recorded(out)
        if last and last not in after:
            why = ("hang: still running after the per-test timeout "
                   f"({args.test_timeout}s, pytest-timeout ended the process)"
                   if rc == 1 else f"did not finish: {how}")
            print(f"   {last}: {why}", flush=True)
            record(out, last, "error", why)
            skip.add(last)
            continue  # run the rest of the file
        if rc not in (0, 1, 5):
            print(f"   {targets[0]}: {how}", flush=True)
            record(out, f"{targets[0]}::<run>", "error", how)
        return
    print(f"   {targets[0]}: gave up after repeated hangs", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--suite", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--log", required=True, type=Path)
    ap.add_argument("--preload", default="")
    ap.add_argument("--label", default="")
    ap.add_argument("--pytest", default=str(Path(sys.executable).parent / "pytest"))
    ap.add_argument("--test-timeout", type=int, default=90)
    ap.add_argument("--file-timeout", type=int, default=600)
    ap.add_argument("ids", nargs="*")
    args = ap.parse_args()
    args.out.write_text("", encoding="utf-8")
    args.log.write_text("", encoding="utf-8")
    if args.ids:
        groups = [args.ids]
    else:
        groups = [[f"tests/{p.name}"] for p in sorted((args.suite / "tests").glob("test_*.py"))]
    print(f"-- pyzmq suite with {args.label or 'bundled'} libzmq: {len(groups)} groups, "
          f"log {args.log}", flush=True)
    for g in groups:
        run_group(args, g, args.label, args.out, args.log)
    print(f"   {len(recorded(args.out))} outcomes recorded", flush=True)


if __name__ == "__main__":
    main()
