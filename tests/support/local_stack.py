"""The local stack as a subprocess (`python -m local`), for tests over HTTP (tests/e2e, tests/local).

Each runs on free ports (`--api-port 0 --aws-port 0 --bpjs-port 0`) in a temporary state dir, so
it never clashes with a `make run` on the same machine. Its stdout+stderr go to a log file, which
the session's personal-data log scan reads (tests/support/log_scan.py). The session fixtures that
share them are in tests/conftest.py.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from tests.support.log_scan import watch_log_file

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0

# The test process talks to moto too: fake credentials, passed explicitly to every client.
FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@dataclass
class StackProcess:
    process: subprocess.Popen[bytes]
    state_dir: Path
    log_path: Path
    descriptor: dict[str, Any]

    @property
    def descriptor_path(self) -> Path:
        return self.state_dir / "stack.json"

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def stack_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_PROFILE", "AWS_ENDPOINT_URL"))}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="ap-southeast-3",
        AWS_EC2_METADATA_DISABLED="true",
        PYTHONUNBUFFERED="1",
        # As in the integration tests: EMF metric lines carry 13-digit epoch timestamps, which the
        # personal-data log scan cannot tell from account numbers.
        POWERTOOLS_METRICS_DISABLED="true",
    )
    return env


def start_local_stack(state_dir: Path, *extra_args: str, timeout: float = START_TIMEOUT_S) -> StackProcess:
    """Start `python -m local` and wait (up to `timeout` s) for its stack.json (the "ready" signal)."""
    state_dir.mkdir(parents=True, exist_ok=True)
    log_path = state_dir / "local-stack.log"
    watch_log_file(log_path)  # scanned for personal data when the session finishes
    descriptor_path = state_dir / "stack.json"
    with log_path.open("wb") as log_file:
        ports = ["--api-port", "0", "--aws-port", "0", "--bpjs-port", "0"]  # never clash with `make run`
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "local", *ports, "--state-dir", str(state_dir), *extra_args],
            cwd=REPO_ROOT,
            env=stack_environment(),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + timeout
    while not descriptor_path.exists():
        if process.poll() is not None:
            pytest.fail(
                f"python -m local exited with {process.returncode} before it was ready:\n"
                + log_path.read_text(errors="replace")
            )
        if time.monotonic() > deadline:
            stop_local_stack(process)
            pytest.fail(
                f"python -m local not ready after {timeout:.0f} s:\n" + log_path.read_text(errors="replace")
            )
        time.sleep(0.1)
    descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    return StackProcess(process, state_dir, log_path, descriptor)


def stop_local_stack(process: subprocess.Popen[bytes]) -> int:
    """Ctrl-C (SIGINT) first, as a developer would; kill only if it does not stop."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT_S)
    return process.returncode


def aws_client(descriptor: dict[str, Any], service: str) -> Any:
    return boto3.client(
        service,  # type: ignore[call-overload]
        endpoint_url=descriptor["aws_endpoint_url"],
        region_name=descriptor["region"],
        **FAKE_CREDENTIALS,
    )


def login(descriptor: dict[str, Any], username: str, password: str | None = None) -> str:
    """The ID token of a demo user, through Cognito InitiateAuth (USER_PASSWORD_AUTH)."""
    if password is None:
        password = next(u["password"] for u in descriptor["demo_users"] if u["username"] == username)
    result = aws_client(descriptor, "cognito-idp").initiate_auth(
        ClientId=descriptor["user_pool_client_id"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return str(result["AuthenticationResult"]["IdToken"])


def user_clients(
    descriptor: dict[str, Any], timeout: float = 30.0
) -> Iterator[Callable[[str], httpx.Client]]:
    """For a fixture to `yield from`: `get("agen.lalabata")` is an HTTP client of the API with
    that demo user's ID token, one per user, closed at the end."""
    clients: dict[str, httpx.Client] = {}

    def get(username: str) -> httpx.Client:
        if username not in clients:
            clients[username] = httpx.Client(
                base_url=descriptor["api_url"],
                headers={"Authorization": f"Bearer {login(descriptor, username)}"},
                timeout=timeout,
                trust_env=False,
            )
        return clients[username]

    yield get
    for client in clients.values():
        client.close()
