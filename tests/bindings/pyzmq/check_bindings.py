#!/usr/bin/env python3
"""Prove that pyzmq's extension calls our library: run a small pyzmq program with
LD_DEBUG=bindings and LD_BIND_NOW=1 (so the dynamic linker resolves every symbol the
extension imports at load time, not only those that happen to be called) and check that
each zmq_* symbol the extension imports (readelf) binds to our file.

    check_bindings.py PYTHON OUR_LIBZMQ_SO_5
"""

import os
import re
import subprocess
import sys

PROGRAM = r"""
import zmq
ctx = zmq.Context()
a, b = ctx.socket(zmq.PAIR), ctx.socket(zmq.PAIR)
a.bind("inproc://bindings"); b.connect("inproc://bindings")
a.send(b"x" * 1000, copy=False); assert b.recv() == b"x" * 1000
print(zmq.zmq_version(), zmq.__file__, zmq.backend.cython._zmq.__file__)
a.close(); b.close(); ctx.term()
"""


def main():
    python, ours = sys.argv[1], sys.argv[2]
    env = dict(os.environ, LD_DEBUG="bindings", LD_BIND_NOW="1", LD_PRELOAD=ours)
    proc = subprocess.run([python, "-c", PROGRAM], env=env, capture_output=True, text=True,
                          timeout=60)
    if proc.returncode != 0:
        print(proc.stderr[-3000:])
        sys.exit(f"the bindings probe failed with exit code {proc.returncode}")
    version, zmq_init, ext = proc.stdout.split()
    print(f"pyzmq extension: {ext} (libzmq version reported: {version})")
    dyn = subprocess.run(["readelf", "--dyn-syms", "-W", ext], capture_output=True,
                         text=True, check=True).stdout
    imported = set()
    for line in dyn.splitlines():
        f = line.split()
        if len(f) >= 8 and f[6] == "UND" and f[7].split("@")[0].startswith("zmq_"):
            imported.add(f[7].split("@")[0])
    if not imported:
        sys.exit(f"readelf found no zmq_* import in {ext}")
    ext_name = os.path.basename(ext)
    bound = {}
    pat = re.compile(r"binding file (\S+) \[\d+\] to (\S+) \[\d+\]: normal symbol `(zmq_\w+)'")
    for line in proc.stderr.splitlines():
        m = pat.search(line)
        if m and os.path.basename(m.group(1)) == ext_name:
            bound.setdefault(m.group(3), set()).add(m.group(2))
    ours_real = os.path.realpath(ours)
    good = sorted(s for s, files in bound.items()
                  if all(os.path.realpath(f) == ours_real for f in files))
    bad = sorted((s, sorted(files)) for s, files in bound.items() if s not in good)
    unbound = sorted(imported - set(bound))
    print(f"zmq_* symbols the extension imports: {len(imported)}; "
          f"bound to {ours}: {len(good)}; bound elsewhere: {len(bad)}; never bound: {len(unbound)}")
    for s, files in bad:
        print(f"  {s} -> {', '.join(files)}")
    for s in unbound:
        print(f"  {s}: no binding seen")
    if bad or unbound or set(good) != imported:
        sys.exit("pyzmq's extension does not use our library for every zmq_* call")
    print("every zmq_* symbol of pyzmq's extension binds to our library")


if __name__ == "__main__":
    main()
