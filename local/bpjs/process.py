"""The BPJS simulator as `python -m local` runs it: a process of its own, started with the secrets
the functions will read (from moto), under the path of the real base URL, and the template's
`BpjsBaseUrl` pointed at it."""

from __future__ import annotations

import json
import logging
import os
import subprocess  # nosec B404 # - starts our own interpreter for the simulator
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from local.template.template import Template

log = logging.getLogger("local.stack")

REPO_ROOT = Path(__file__).resolve().parents[2]
# The template parameter that points the functions at BPJS, and the Globals variables naming
# the secrets BPJS and SUTASOMA share (read back from moto and handed to the simulator).
BPJS_BASE_URL_PARAMETER = "BpjsBaseUrl"
# BPJS's calls-per-second limit the consumers pace themselves to: with the simulator (no limit of
# its own unless configured) the local stack sets it high, so the pacing costs next to nothing.
BPJS_RATE_LIMIT_PARAMETER = "BpjsRateLimit"
LOCAL_BPJS_RATE_LIMIT = 1000
BPJS_CREDENTIALS_ENV = "BPJS_CREDENTIALS_SECRET_ARN"
BPJS_CALLBACK_SECRET_ENV = "BPJS_CALLBACK_SECRET_ARN"  # nosec B105 # - the name of an environment variable
# Where the functions send BPJS calls when the simulator is off: a loopback port nothing
# listens on (connection refused, a retryable error), never the real BPJS.
BPJS_NOWHERE_URL = "http://127.0.0.1:9"
SIMULATOR_START_TIMEOUT_S = 20.0


def shared_secrets(sm: Any, environment: Mapping[str, str]) -> dict[str, str]:
    """The simulator's BPJS_SIM_* variables: the secrets of the functions' environment, from moto."""
    try:
        credentials = json.loads(
            sm.get_secret_value(SecretId=environment[BPJS_CREDENTIALS_ENV])["SecretString"]
        )
        callback_secret = sm.get_secret_value(SecretId=environment[BPJS_CALLBACK_SECRET_ENV])["SecretString"]
        return {
            "BPJS_SIM_CONS_ID": credentials["cons_id"],
            "BPJS_SIM_SECRET_KEY": credentials["secret_key"],
            "BPJS_SIM_CALLBACK_SECRET": callback_secret,
        }
    except (KeyError, ValueError) as error:
        raise RuntimeError(
            f"the BPJS secrets ({BPJS_CREDENTIALS_ENV} = JSON with cons_id and secret_key, "
            f"{BPJS_CALLBACK_SECRET_ENV}) are not as the simulator needs them: {error!r}"
        ) from None


def switch_arguments(switches: Mapping[str, Any]) -> list[str]:
    """The command-line switches of `python -m local` (latency, error rate…) as the simulator's."""
    args: list[str] = []
    if switches.get("latency_ms"):
        args += ["--latency-ms", str(switches["latency_ms"])]
    if switches.get("error_rate"):
        args += ["--error-rate", str(switches["error_rate"])]
    if switches.get("outage"):
        args.append("--outage")
    if switches.get("async_registration"):
        args.append("--async-registration")
    return args


class SimulatorProcess:
    """`python -m local.bpjs` in a child process; its URL once it listens."""

    def __init__(self, state_path: Path, port: int, switches: Mapping[str, Any]) -> None:
        self.state_path = state_path
        self.port = port
        self.switches = dict(switches)
        self.process: subprocess.Popen[bytes] | None = None
        self.url: str | None = None

    def start(self, template: Template, secrets: Mapping[str, str]) -> str:
        """Start it (secrets by environment, not argv: argv shows in ps), wait until it listens,
        and point the template's BpjsBaseUrl at it."""
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        self.state_path.unlink(missing_ok=True)
        args = [
            sys.executable, "-m", "local.bpjs",
            "--port", str(self.port),
            "--state-file", str(self.state_path),
            # Served under the path of the real base URL (/partner): requests signed with the
            # base path in them fail locally as they would against BPJS.
            "--base-path", urlsplit(str(template.parameters[BPJS_BASE_URL_PARAMETER])).path,
            "--exit-with-parent",  # never outlive a stack that was killed
            *switch_arguments(self.switches),
        ]  # fmt: skip
        env = {**os.environ, **secrets, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(args, cwd=REPO_ROOT, env=env)  # nosec B603 # - our own interpreter and module, arguments built here
        self.url = self._wait_until_listening(self.process)
        template.set_parameter(BPJS_BASE_URL_PARAMETER, self.url)
        log.info("BPJS simulator listening on %s (%s = %s)", self.url, BPJS_BASE_URL_PARAMETER, self.url)
        return self.url

    def _wait_until_listening(self, process: subprocess.Popen[bytes]) -> str:
        deadline = time.monotonic() + SIMULATOR_START_TIMEOUT_S
        while not self.state_path.exists():
            if process.poll() is not None:
                raise RuntimeError(f"the BPJS simulator exited with {process.returncode} at start")
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the BPJS simulator was not ready after {SIMULATOR_START_TIMEOUT_S:.0f} s"
                )
            time.sleep(0.05)
        return str(json.loads(self.state_path.read_text(encoding="utf-8"))["url"])

    def configure(self, changes: Mapping[str, Any]) -> None:
        """POST /_sim/config (e.g. the callback URL, once the gateway listens)."""
        import httpx

        assert self.url is not None  # nosec B101 # - a local tool never run with -O; type narrowing
        response = httpx.post(f"{self.url}/_sim/config", json=dict(changes), timeout=5.0, trust_env=False)
        response.raise_for_status()

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self.state_path.unlink(missing_ok=True)
