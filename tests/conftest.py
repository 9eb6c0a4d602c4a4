"""Session-wide: the personal-data log scan, and the local stacks shared by tests over HTTP.

The log scan: every test's captured output is kept; when the session finishes it is scanned,
with the local stacks' logs (tests/support/log_scan.py), for NIKs, phone numbers and bank account
numbers. A finding fails the run - non-zero exit, a failure named `tests/conftest.py::personal
data in logs` listing where and which kind of data - and the data itself is never printed.

The local stacks (`python -m local` subprocesses, tests/support/local_stack.py), started on first
use and stopped at the end of the session:
- `local_stack_process`: no seed, no SQS pollers, no schedules - the messages the API queues stay
  there for tests to read (tests/e2e, tests/local/test_stack_over_http.py);
- `full_stack`: everything running, rate() schedules every 2 s - what happens downstream
  (bpjs_sync, the BPJS simulator, callbacks, schedules: tests/e2e/test_local_bpjs.py,
  tests/e2e/test_local_flows.py, tests/local/test_full_stack.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.support import log_scan

if TYPE_CHECKING:
    import httpx

    from tests.support.local_stack import StackProcess

# Before any test module imports sutasoma (at collection): the shared Metrics reads its
# namespace once, at import. With metrics disabled nothing is flushed, so values pile up, and
# Powertools serialises the set on a metric's 100th value (EMF limit) whatever the switch:
# without a namespace the 100th registration of a run would fail with SchemaValidationError.
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Sutasoma")

# (where, text) of every test's captured output: "<node id> [Captured stdout call]".
CAPTURED_OUTPUT: list[tuple[str, str]] = []
_SEEN: set[str] = set()
LOG_SCAN_NAME = "personal data in logs"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # A phase's report repeats the sections of the phases before it: each is kept once.
    for name, text in report.sections:
        source = f"{report.nodeid} [{name}]"
        if source not in _SEEN:
            _SEEN.add(source)
            CAPTURED_OUTPUT.append((source, text))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The personal-data log scan, once every test has run and every local stack has stopped."""
    findings = list(log_scan.scan([*CAPTURED_OUTPUT, *log_scan.log_file_texts()]))
    if not findings:
        return
    message = log_scan.report(findings)
    failure = pytest.TestReport(
        nodeid=f"tests/conftest.py::{LOG_SCAN_NAME}",
        location=("tests/conftest.py", 0, LOG_SCAN_NAME),
        keywords={},
        outcome="failed",
        longrepr=message,
        when="call",
    )
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.stats.setdefault("failed", []).append(failure)  # listed in FAILURES and counted
    else:
        print(message)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


# ---------------------------------------------------------------------------------- local stacks


@pytest.fixture(scope="session")
def local_stack_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    from tests.support.local_stack import start_local_stack, stop_local_stack

    running = start_local_stack(
        tmp_path_factory.mktemp("local-stack"), "--no-seed", "--no-sqs-pollers", "--no-schedules"
    )
    try:
        yield running
    finally:
        stop_local_stack(running.process)


@pytest.fixture(scope="session")
def local_stack(local_stack_process: StackProcess) -> dict[str, Any]:
    """The parsed stack.json of the running local stack."""
    return local_stack_process.descriptor


@pytest.fixture(scope="session")
def local_stack_log(local_stack_process: StackProcess) -> Path:
    """stdout+stderr of the local stack (function logs, access log, errors)."""
    return local_stack_process.log_path


@pytest.fixture(scope="session")
def id_token(local_stack: dict[str, Any]) -> Callable[[str], str]:
    """`id_token("agen.lalabata")` -> a fresh ID token of that demo user (cached per session)."""
    from tests.support.local_stack import login

    cache: dict[str, str] = {}

    def get(username: str) -> str:
        if username not in cache:
            cache[username] = login(local_stack, username)
        return cache[username]

    return get


@pytest.fixture(scope="session")
def api(local_stack: dict[str, Any]) -> Iterator[httpx.Client]:
    """HTTP client for the local API (never through a proxy: it is on 127.0.0.1)."""
    import httpx

    with httpx.Client(base_url=local_stack["api_url"], timeout=30.0, trust_env=False) as client:
        yield client


@pytest.fixture(scope="session")
def full_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackProcess]:
    """A stack with everything running; rate() schedules every 2 s to see them fire."""
    from tests.support.local_stack import start_local_stack, stop_local_stack

    running = start_local_stack(
        tmp_path_factory.mktemp("full-stack"), "--no-seed", "--schedule-rate-seconds", "2"
    )
    try:
        yield running
    finally:
        stop_local_stack(running.process)


@pytest.fixture(scope="session")
def simulator(full_stack: StackProcess) -> Iterator[httpx.Client]:
    """HTTP client of the full stack's BPJS simulator (its /_sim/* control endpoints)."""
    import httpx

    url = full_stack.descriptor["bpjs_simulator_url"]
    with httpx.Client(base_url=url, timeout=10.0, trust_env=False) as client:
        yield client
