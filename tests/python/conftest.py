"""Description: shared fixtures of the Python tests: a fresh segment name per
test (zt_py_<test>_<pid>, unlinked afterwards), the cross-language helper
programs, and running Python code in a separate interpreter."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import Iterator

import pytest

import zeroipc


@pytest.fixture
def seg_name(request: pytest.FixtureRequest) -> Iterator[str]:
    """A segment name for this test; whatever has it is unlinked afterwards."""
    test = re.sub(r"[^A-Za-z0-9]+", "_", request.node.name)[:40]
    name = f"zt_py_{test}_{os.getpid()}"
    zeroipc.Memory.unlink(name, missing_ok=True)
    yield name
    zeroipc.Memory.unlink(name, missing_ok=True)


@pytest.fixture
def mem(seg_name: str) -> Iterator[zeroipc.Memory]:
    """A new 16 MiB segment."""
    with zeroipc.Memory(seg_name, size=16 << 20) as m:
        yield m


def _helper(var: str) -> str:
    path = os.environ.get(var)
    if not path or not os.access(path, os.X_OK):
        pytest.fail(f"{var} is not set to a built helper: run these tests with meson test")
    return path


@pytest.fixture
def c_helper() -> str:
    """Path of tests/python/helpers/c_helper (built by meson)."""
    return _helper("ZEROIPC_TEST_C_HELPER")


@pytest.fixture
def cpp_helper() -> str:
    """Path of tests/python/helpers/cpp_helper (built by meson)."""
    return _helper("ZEROIPC_TEST_CPP_HELPER")


def run_python(code: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run ``code`` in a new /usr/bin/python3 process with this environment."""
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=timeout, env=os.environ.copy())


def spawn_python(code: str, *args: str) -> subprocess.Popen:
    """Start ``code`` in a new /usr/bin/python3 process; the caller waits."""
    return subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=os.environ.copy())
