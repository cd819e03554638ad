"""pytest plugin: append one JSON line per test (nodeid, outcome, message) to the file
named by $PYZMQ_OUTCOMES as soon as the test finishes, so a run that crashes or hangs
still leaves the outcomes of the tests before it.

outcome is one of: passed, failed, error (setup/teardown failed), skipped, xfailed,
xpassed. $PYZMQ_CURRENT names a file that holds the id of the test that started last: if
the process dies, that test (when it has no outcome) is the one that hung or crashed.
Load with `-p outcomes_plugin` (this directory on PYTHONPATH).
"""

import json
import os

import pytest

_path = os.environ.get("PYZMQ_OUTCOMES")
_current = os.environ.get("PYZMQ_CURRENT")  # the id of the test that started last
_state = {}


def pytest_runtest_logstart(nodeid, location):
    if _current:
        with open(_current, "w", encoding="utf-8") as f:
            f.write(nodeid)


def _write(nodeid, outcome, message):
    if not _path:
        return
    with open(_path, "a", encoding="utf-8") as f:
        f.write(json.dumps({"id": nodeid, "outcome": outcome, "message": message}) + "\n")


def _message(report):
    if report.longrepr is None:
        return ""
    if isinstance(report.longrepr, tuple):  # skip: (file, line, reason)
        return str(report.longrepr[2])
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None:
        return crash.message.splitlines()[0] if crash.message else ""
    return str(report.longrepr).strip().splitlines()[-1] if str(report.longrepr).strip() else ""


@pytest.hookimpl(trylast=True)
def pytest_runtest_logreport(report):
    if report.outcome == "rerun":  # pytest-rerunfailures: a later report decides
        return
    st = _state.setdefault(report.nodeid, {"outcome": None, "message": ""})
    wasx = hasattr(report, "wasxfail")
    if report.when == "call":
        if wasx:
            st["outcome"] = "xfailed" if report.skipped else "xpassed"
        elif report.passed:
            st["outcome"] = "passed"
        elif report.skipped:
            st["outcome"] = "skipped"
        else:
            st["outcome"] = "failed"
        if not report.passed or wasx:
            st["message"] = _message(report)
    elif report.when == "setup":
        if report.skipped:
            st["outcome"] = "xfailed" if wasx else "skipped"
            st["message"] = _message(report)
        elif report.failed:
            st["outcome"] = "error"
            st["message"] = _message(report)
    elif report.when == "teardown":
        if report.failed:
            # a failure in the call stays a failure; otherwise the test errored
            if st["outcome"] != "failed":
                st["outcome"] = "error"
                st["message"] = "teardown: " + _message(report)
        _state.pop(report.nodeid, None)
        if st["outcome"] is None:
            # an attempt that pytest-rerunfailures repeats: the next attempt reports
            return
        _write(report.nodeid, st["outcome"], st["message"])


def pytest_collectreport(report):
    if report.failed:
        _write(report.nodeid + "::<collection>", "error", _message(report))
