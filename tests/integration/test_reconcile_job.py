"""The reconcile job on moto: POST answers 202 at once, the workers read the segments from the
queue (here played as Lambda's event source would), GET follows the job through its states to its
result; never a 5xx. Repeated deliveries count nothing twice; a short time budget cuts a segment
into pieces; a task that keeps failing ends the job FAILED."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from local.pollers.sqs import build_sqs_event, settle
from sutasoma.domain.clock import period_of, today_wita
from tests.support.events import LambdaContext, claims_for, http_event
from tests.support.road import Road
from tests.support.stack import FunctionInvoker

ADMIN = claims_for("admin", username="admin.dinas")
PERIOD = period_of(today_wita())


@pytest.fixture(scope="module")
def reconcile(road: Road) -> Iterator[FunctionInvoker]:
    for serial in (8301, 8302, 8303):
        road.new_farmer(serial)
    road.pump()
    yield FunctionInvoker(road.stack, "ReconcileFunction")


def start(fn: FunctionInvoker, claims: dict[str, str] = ADMIN, period: str = PERIOD) -> Any:
    return fn(
        http_event("POST", "/reports/{period}/reconcile", path_params={"period": period}, claims=claims)
    )


def read(fn: FunctionInvoker, job_id: str, claims: dict[str, str] = ADMIN, period: str = PERIOD) -> Any:
    return fn(
        http_event(
            "GET", "/reports/{period}/reconcile/{job_id}", path_params={"period": period, "job_id": job_id},
            claims=claims,
        )
    )  # fmt: skip


class Countdown(LambdaContext):
    """A context whose remaining time is `left_ms` (fixed): what a worker sees of its invocation."""

    left_ms: int = 300_000

    def get_remaining_time_in_millis(self) -> int:
        return self.left_ms


def drain(fn: FunctionInvoker, *, left_ms: int = 300_000, redeliver: bool = False, limit: int = 200) -> int:
    """Lambda's event source on ReconcileQueue, one task a batch; `redeliver`: every task handled
    twice (as a visibility timeout running out would); returns the invocations made."""
    sqs = fn.stack.clients("sqs")
    url = fn.stack.ref("ReconcileQueue")
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    invocations = 0
    context = Countdown("reconcile", timeout_s=300)
    context.left_ms = left_ms
    while invocations < limit:
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=1, AttributeNames=["All"], MessageSystemAttributeNames=["All"]
        ).get("Messages", [])
        if not messages:
            return invocations
        event = build_sqs_event(messages, arn, "ap-southeast-3")
        for _ in range(2 if redeliver else 1):
            result = fn.raw(event, context)
            invocations += 1
        done = settle(result, [m["MessageId"] for m in messages], report_batch_item_failures=True)
        for message in messages:
            if message["MessageId"] in done.delete:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            else:
                sqs.change_message_visibility(
                    QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
    raise AssertionError("the queue never emptied")


def test_the_job_is_queued_read_in_parallel_segments_and_done_without_differences(
    road: Road, reconcile: FunctionInvoker
) -> None:
    accepted = start(reconcile)
    assert accepted.status == 202, accepted.body
    job = accepted.body
    assert job["status"] == "QUEUED" and job["segments"] == 8 and job["segments_done"] == 0
    assert accepted.headers["location"] == f"/reports/{PERIOD}/reconcile/{job['job_id']}"
    assert read(reconcile, job["job_id"]).body["status"] == "QUEUED"
    assert road.depth(road.stack.ref("ReconcileQueue")) == 8  # one task per segment

    assert drain(reconcile) == 8
    done = read(reconcile, job["job_id"])
    assert done.status == 200, done.body
    result = done.body
    assert result["status"] == "DONE" and result["segments_done"] == 8
    assert result["differences"] == [] and result["differences_total"] == 0
    assert result["items_scanned"] >= 3 * 3  # farmers, their NIK claims, outbox, audit, counters ...
    assert result["finished_at"] >= result["started_at"] >= result["created_at"]


def test_a_difference_between_records_and_counters_is_found(road: Road, reconcile: FunctionInvoker) -> None:
    farmer = road.new_farmer(8304)
    road.pump()
    from sutasoma.adapters.dynamo import keys

    # The farmer item goes, its counters stay: the recount finds one registration fewer.
    dynamodb, table = road.stack.clients("dynamodb"), road.stack.ref("DomainTable")
    key = {k: {"S": v} for k, v in keys.farmer(farmer["farmer_id"]).items()}
    item = dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"]
    dynamodb.delete_item(TableName=table, Key=key)
    try:
        job_id = start(reconcile).body["job_id"]
        drain(reconcile)
        result = read(reconcile, job_id).body
    finally:
        dynamodb.put_item(TableName=table, Item=item)
    assert result["status"] == "DONE"
    found = {(d["counter"], d["figure"]) for d in result["differences"]}
    assert ("monthly", "new_registrations") in found
    assert result["differences_total"] == len(result["differences"])


def test_repeated_deliveries_and_short_budgets_count_every_item_once(
    road: Road, reconcile: FunctionInvoker, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = start(reconcile).body["job_id"]
    drain(reconcile)
    expected = read(reconcile, whole).body["items_scanned"]

    # Pages of 2 items, every task delivered twice, and a worker that always has "too little time"
    # left: each segment goes on page by page as new tasks (pieces), and every piece is stored once.
    from sutasoma.adapters.dynamo import keys
    from sutasoma.adapters.dynamo.scan import TableScanner

    monkeypatch.setattr(TableScanner, "page_items", 2)
    cut = start(reconcile).body["job_id"]
    invocations = drain(reconcile, left_ms=1_000, redeliver=True)
    result = read(reconcile, cut).body
    assert result["status"] == "DONE"
    pk, prefix = keys.reconcile_pieces(cut)
    pieces = road.stack.clients("dynamodb").query(
        TableName=road.stack.ref("DomainTable"),
        KeyConditionExpression="PK = :pk AND begins_with(SK, :p)",
        ExpressionAttributeValues={":pk": {"S": pk}, ":p": {"S": prefix}},
    )["Count"]
    assert pieces > 8  # segments in several pieces
    assert result["items_scanned"] == expected  # the jobs' own items are not counted
    assert result["differences"] == []
    assert invocations == 2 * pieces


def test_a_task_that_keeps_failing_ends_the_job_failed(
    road: Road, reconcile: FunctionInvoker, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sutasoma.adapters.dynamo.scan import TableScanner

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("scan failed")

    monkeypatch.setattr(TableScanner, "page", broken)
    job_id = start(reconcile).body["job_id"]
    drain(reconcile)  # each task fails twice, then gives the job up at its third receive
    result = read(reconcile, job_id)
    assert result.status == 200
    assert result.body["status"] == "FAILED" and result.body["failure"].startswith("SEGMENT_")
    assert road.depth(road.stack.ref("ReconcileQueue")) == 0


@pytest.mark.parametrize(
    ("claims", "period", "status", "code"),
    [
        (claims_for("coordinator", "73.12.04"), PERIOD, 403, "FORBIDDEN"),
        (claims_for("agent", "73.12.04"), PERIOD, 403, "FORBIDDEN"),
        (ADMIN, "2026-13", 422, "VALIDATION_ERROR"),
        (ADMIN, "2099-01", 422, "PERIOD_NOT_ENDED"),
    ],
)
def test_only_an_admin_starts_a_job_for_a_month_that_can_be_reported(
    reconcile: FunctionInvoker, claims: dict[str, str], period: str, status: int, code: str
) -> None:
    answer = start(reconcile, claims, period)
    assert (answer.status, answer.body["code"]) == (status, code)


def test_reading_a_job_never_answers_5xx(reconcile: FunctionInvoker) -> None:
    job_id = start(reconcile).body["job_id"]
    assert read(reconcile, job_id, claims_for("coordinator", "73.12.04")).status == 403
    for bad in ("01JUNKNOWN00000000000000000", "not-an-id", "x" * 64):
        answer = read(reconcile, bad)
        assert (answer.status, answer.body["code"]) == (404, "NOT_FOUND")
    assert read(reconcile, job_id, period="2025-01").status == 404  # another month's job
    drain(reconcile)
