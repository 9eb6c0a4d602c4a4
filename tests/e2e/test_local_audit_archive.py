"""The audit archive through the local stack: a farmer registered over HTTP has its
FARMER_REGISTERED record in the Object Lock bucket seconds later (the stream poller feeding
AuditArchiveFunction), and `python -m local.invoke` verifies the trail as an operator would."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import httpx
import pytest

from tests.support.farmers import farmer_body, make_nik
from tests.support.local_stack import REPO_ROOT, StackProcess, aws_client, stack_environment

pytestmark = pytest.mark.e2e

ARRIVAL_TIMEOUT_S = 15.0  # the event's batching window is 2 s, the poller reads twice a second


def test_a_registration_reaches_the_archive_and_verifies(
    api: httpx.Client,
    id_token: Callable[[str], str],
    local_stack: dict[str, Any],
    local_stack_process: StackProcess,
) -> None:
    (source,) = (s for s in local_stack["stream_event_sources"] if s["function"] == "AuditArchiveFunction")
    assert (
        source["polled"]
        and source["table"] == local_stack["tables"]["DomainTable"]
        and source["filters"] == 1
    )

    birth = date(1977, 3, 3)
    body = farmer_body(nik=make_nik(birth, "M", serial=8000 + secrets.randbelow(1000)), birth=birth, sex="M")
    created = api.post(
        "/farmers", json=body, headers={"Authorization": f"Bearer {id_token('agen.lalabata')}"}
    )
    assert created.status_code == 201, created.text
    farmer_id = created.json()["farmer_id"]
    registered_at = time.monotonic()

    s3 = aws_client(local_stack, "s3")
    bucket = local_stack["buckets"]["AuditArchiveBucket"]
    while not (found := s3.list_objects_v2(Bucket=bucket, Prefix=f"audit/{farmer_id}/").get("Contents")):
        assert time.monotonic() - registered_at < ARRIVAL_TIMEOUT_S, "not archived in time"
        time.sleep(0.25)
    (archived,) = found
    stored = json.loads(s3.get_object(Bucket=bucket, Key=archived["Key"])["Body"].read())
    assert stored["item"]["action"] == "FARMER_REGISTERED" and stored["item"]["PK"] == f"AUDIT#{farmer_id}"
    assert s3.head_object(Bucket=bucket, Key=archived["Key"])["ObjectLockMode"] == "GOVERNANCE"

    verified = subprocess.run(  # noqa: S603 - our own interpreter and module
        [
            sys.executable, "-m", "local.invoke", "AuditArchiveFunction", "--event", "-",
            "--state-dir", str(local_stack_process.state_dir),
        ],
        input=json.dumps({"verify": farmer_id}),
        cwd=REPO_ROOT,
        env=stack_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stderr
    result = json.loads(verified.stdout[verified.stdout.rindex("{\n") :])
    assert result["ok"] and result["matching"] == result["in_table"] >= 1
