#!/usr/bin/env python3
"""Compare two runs of pyzmq's test suite: one with the libzmq bundled in the wheel, one
with our libzmq.so.5 in LD_PRELOAD.

    compare.py BUNDLED.jsonl OURS.jsonl KNOWN_DIFFERENCES.txt [--regressions-out FILE]
               [--rerun RERUN.jsonl]

Each .jsonl has one {"id", "outcome", "message"} object per test (outcomes_plugin.py,
plus "<file>::<run>" lines that test-pyzmq.sh adds when a pytest process dies or is
killed). Prints the counts side by side, every test that fails with ours, and exits 1 when
a test fails (or errors, or never ran) with ours but not with the bundled libzmq, unless
KNOWN_DIFFERENCES.txt lists it: one `test-id-or-glob  reason` per line, `#` comments.

--regressions-out writes the ids of the regressions, one a line (for a rerun).
--rerun gives the outcomes of those tests run again with ours: one that passes then is
reported as flaky and does not fail the comparison (it is still listed).
"""

import argparse

import fnmatch
import json
import sys

OUTCOMES = ["passed", "failed", "error", "skipped", "xfailed", "xpassed", "missing"]
BAD = {"failed", "error", "missing"}


def load(path):
    tests = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                rec = json.loads(line)
                tests[rec["id"]] = rec
    return tests


def load_known(path):
    known = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 1)
            if len(parts) < 2 or not parts[1].strip():
                sys.exit(f"{path}:{n}: every allow-listed test needs a reason: {line!r}")
            known.append((parts[0], parts[1].strip()))
    return known


def counts(tests, ids):
    c = dict.fromkeys(OUTCOMES, 0)
    for i in ids:
        c[tests[i]["outcome"] if i in tests else "missing"] += 1
    return c


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bundled")
    ap.add_argument("ours")
    ap.add_argument("known")
    ap.add_argument("--regressions-out")
    ap.add_argument("--rerun")
    args = ap.parse_args()
    bundled, ours, known = load(args.bundled), load(args.ours), load_known(args.known)
    rerun = load(args.rerun) if args.rerun else {}
    if not bundled:
        sys.exit("the run with the bundled libzmq recorded no test: nothing to compare")
    ids = sorted(set(bundled) | set(ours))
    cb, co = counts(bundled, ids), counts(ours, ids)
    width = max(len(o) for o in OUTCOMES)
    print(f"{'outcome':<{width}}  {'bundled':>8}  {'ours':>8}")
    for o in OUTCOMES:
        print(f"{o:<{width}}  {cb[o]:>8}  {co[o]:>8}")
    print(f"{'total':<{width}}  {len(bundled):>8}  {len(ours):>8}")

    def outcome(tests, i):
        return tests[i]["outcome"] if i in tests else "missing"

    def allowed(i):
        for pattern, reason in known:
            if i == pattern or fnmatch.fnmatchcase(i, pattern):
                return pattern, reason
        return None

    failing_both, regressions, allowed_hits, hidden, fixed = [], [], [], [], []
    used_patterns = set()
    for i in ids:
        b, o = outcome(bundled, i), outcome(ours, i)
        if o in BAD and b in BAD:
            failing_both.append(i)
        elif o in BAD:
            a = allowed(i)
            if a:
                used_patterns.add(a[0])
                allowed_hits.append((i, a[1]))
            else:
                regressions.append(i)
        elif b == "passed" and o == "skipped":
            hidden.append(i)
        elif b in BAD and o not in BAD:
            fixed.append(i)

    def show(i):
        msg = ours.get(i, {}).get("message", "") or "(not run: its pytest process died)"
        return f"  {i}  [{outcome(ours, i)}]  {msg[:200]}"

    print(f"\nfail with ours, pass with bundled, allow-listed ({len(allowed_hits)}):")
    for i, reason in allowed_hits:
        print(f"  {i}  -- {reason}")
    print(f"\nfail with both ({len(failing_both)}):")
    for i in failing_both:
        print(show(i))
    if hidden:
        print(f"\npass with bundled, skipped with ours ({len(hidden)}):")
        for i in hidden:
            print(f"  {i}  -- skip reason: {ours[i].get('message', '')[:200]}")
    if fixed:
        print(f"\nfail with bundled, not with ours ({len(fixed)}):")
        for i in fixed:
            print(f"  {i}  [bundled: {outcome(bundled, i)}, ours: {outcome(ours, i)}]")
    stale = [(p, r) for p, r in known if p not in used_patterns]
    if stale:
        print(f"\nallow-list entries that matched no failure (remove them?) ({len(stale)}):")
        for p, r in stale:
            print(f"  {p}  -- {r}")
    flaky = [i for i in regressions if rerun.get(i, {}).get("outcome") in ("passed", "xfailed")]
    regressions = [i for i in regressions if i not in flaky]
    if flaky:
        print(f"\nflaky with ours: failed in the suite run, passed when run again ({len(flaky)}):")
        for i in flaky:
            print(show(i))
    print(f"\nREGRESSIONS: fail with ours, pass with bundled, not allow-listed ({len(regressions)}):")
    for i in regressions:
        print(show(i))
        if i in rerun:
            print(f"      rerun: [{rerun[i]['outcome']}]  {rerun[i].get('message', '')[:200]}")
    if args.regressions_out:
        with open(args.regressions_out, "w", encoding="utf-8") as f:
            f.writelines(i + "\n" for i in regressions)
    print()
    print(f"pyzmq suite: bundled {cb['passed']} passed, {cb['failed'] + cb['error']} failed; "
          f"ours {co['passed']} passed, {co['failed'] + co['error'] + co['missing']} failed "
          f"({len(allowed_hits)} allow-listed, {len(flaky)} flaky), {len(regressions)} regressions")
    return 1 if regressions else 0


if __name__ == "__main__":
    sys.exit(main())
