"""Every scenario test first proves that it runs on the library under test."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from scenario_helpers import assert_on_library_under_test  # noqa: E402


@pytest.fixture(autouse=True)
def on_library_under_test():
    assert_on_library_under_test()
