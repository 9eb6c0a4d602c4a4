"""The reconcile as a client runs it over HTTP: POST the job (202), then GET it until it ends.

The job's segments are read by the local stack's poller of ReconcileQueue, as Lambda would."""

from __future__ import annotations

import time
from typing import Any

import httpx


def reconciled(client: httpx.Client, period: str, timeout: float = 180.0) -> dict[str, Any]:
    """The finished job (DONE or FAILED, or the last state read when `timeout` ran out)."""
    asked = client.post(f"/reports/{period}/reconcile")
    assert asked.status_code == 202, asked.text
    job: dict[str, Any] = asked.json()
    deadline = time.monotonic() + timeout
    while job["status"] in ("QUEUED", "RUNNING") and time.monotonic() < deadline:
        time.sleep(0.5)
        answer = client.get(asked.headers["location"])
        assert answer.status_code == 200, answer.text
        job = answer.json()
    return job
