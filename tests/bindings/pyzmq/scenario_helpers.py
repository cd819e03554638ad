"""Helpers shared by test_scenarios.py and the processes it starts (multiprocessing with
the "spawn" method imports this module in the child, so it must not import pytest)."""

import os

import zmq

# Set by scripts/test-pyzmq.sh: the path of the libzmq.so.5 the tests must run on, or
# "bundled" to run them on the wheel's own libzmq (to check the tests themselves).
LIB_ENV = "PYZMQ_SCENARIO_LIB"


def mapped_files():
    files = set()
    with open("/proc/self/maps", encoding="utf-8") as f:
        for line in f:
            parts = line.split(None, 5)
            if len(parts) == 6 and parts[5].startswith("/"):
                files.add(parts[5].strip())
    return files


def symbol_file(name):
    """The file from which this process resolves symbol `name` for the global scope
    (what pyzmq's extension gets), via dladdr."""
    import ctypes

    class DlInfo(ctypes.Structure):
        _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                    ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]

    libc = ctypes.CDLL(None)
    addr = ctypes.cast(getattr(libc, name), ctypes.c_void_p)
    info = DlInfo()
    if not libc.dladdr(addr, ctypes.byref(info)):
        raise AssertionError(f"dladdr failed for {name}")
    return os.path.realpath(info.dli_fname.decode())


def assert_on_library_under_test():
    """Fail unless this process runs zmq_* calls on the library under test."""
    want = os.environ.get(LIB_ENV)
    assert want, f"${LIB_ENV} is not set: run through scripts/test-pyzmq.sh"
    files = mapped_files()
    if want == "bundled":
        assert any("/pyzmq.libs/libzmq-" in f for f in files), "the wheel's libzmq is not mapped"
        assert not any(f.endswith("/libzmq.so") for f in files), "another libzmq is mapped"
        return zmq.zmq_version()
    real = os.path.realpath(want)
    assert real in files, f"{real} is not mapped in this process"
    # LD_PRELOAD puts our library first in the global scope, which is where the dynamic
    # linker resolves the extension's zmq_* imports: check that lookup.
    for sym in ("zmq_ctx_new", "zmq_msg_send", "zmq_getsockopt", "zmq_msg_init_data"):
        got = symbol_file(sym)
        assert got == real, f"{sym} resolves to {got}, not to {real}"
    return zmq.zmq_version()
