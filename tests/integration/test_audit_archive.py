"""The audit archive on moto: the table's stream, read as Lambda's event source would
(local/pollers/streams.py), feeds AuditArchiveFunction, which copies each new audit record once to the
Object Lock bucket; verify finds what changed in the table afterwards; an S3 failure loses
nothing; a batch given up on is replayed from the failure queue (docs/security.md "Audit trail")."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.pollers.stream_events import dynamodb_event_sources
from local.pollers.streams import BatchOutcome, StreamPoller
from local.template.specs import Physical
from local.template.template import Template
from sutasoma.adapters.audit_archive import AuditArchiveStore
from sutasoma.adapters.dynamo.codec import to_dynamo
from sutasoma.app.audit_archive import ALREADY_ARCHIVED, WRITTEN
from sutasoma.domain.audit_seal import canonical_json
from tests.support.road import Road, pay_one_month
from tests.support.stack import FunctionInvoker

ROOT = Path(__file__).resolve().parents[2]
RETENTION_DAYS = 1827  # template.yaml: AuditRetentionDays' default


class InProcess:
    """AuditArchiveFunction as the stream poller's function; remembers its answers."""

    name = "AuditArchiveFunction"

    def __init__(self, invoker: FunctionInvoker) -> None:
        self.invoker = invoker
        self.answers: list[Any] = []

    def invoke(self, event: dict[str, Any], aws_request_id: str) -> Any:
        answer = self.invoker.raw(event)
        self.answers.append(answer)
        return answer


@pytest.fixture(scope="module")
def archive_fn(road: Road) -> FunctionInvoker:
    return FunctionInvoker(road.stack, "AuditArchiveFunction")


@pytest.fixture
def function(archive_fn: FunctionInvoker) -> InProcess:
    return InProcess(archive_fn)


def new_poller(road: Road, function: InProcess, **kwargs: Any) -> StreamPoller:
    (source,) = dynamodb_event_sources(road.stack.functions.values())
    return StreamPoller(
        source,
        function,
        road.stack.clients("dynamodbstreams"),
        sqs=road.stack.clients("sqs"),
        retry_delay_s=0,
        **kwargs,
    )


@pytest.fixture
def poller(road: Road, function: InProcess) -> StreamPoller:
    """Reads the stream from its start: what earlier tests archived comes again (412, nothing new)."""
    stream = new_poller(road, function)
    stream.drain()
    function.answers.clear()
    return stream


@pytest.fixture
def outcomes(poller: StreamPoller, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What each put_once (one PutObject) answered, in order, once the poller caught up."""
    seen: list[str] = []
    original = AuditArchiveStore.put_once

    def counted(self: AuditArchiveStore, item: Any) -> bool:
        written = original(self, item)
        seen.append(WRITTEN if written else ALREADY_ARCHIVED)
        return written

    monkeypatch.setattr(AuditArchiveStore, "put_once", counted)
    return seen


# ---------------------------------------------------------------------------- helpers
def bucket(road: Road) -> str:
    return road.stack.ref("AuditArchiveBucket")


def archived(road: Road, subject_id: str) -> dict[str, dict[str, Any]]:
    """Archive key -> its versions (each {VersionId, ...}) under audit/<subject_id>/."""
    s3 = road.stack.clients("s3")
    answer = s3.list_object_versions(Bucket=bucket(road), Prefix=f"audit/{subject_id}/")
    found: dict[str, dict[str, Any]] = {}
    for version in answer.get("Versions", []):
        found.setdefault(version["Key"], {"versions": 0})["versions"] += 1
    return found


def all_versions(road: Road) -> int:
    answer = road.stack.clients("s3").list_object_versions(Bucket=bucket(road), Prefix="audit/")
    return len(answer.get("Versions", [])) + len(answer.get("DeleteMarkers", []))


def verify(archive_fn: FunctionInvoker, subject_id: str) -> dict[str, Any]:
    result: dict[str, Any] = archive_fn.raw({"verify": subject_id})
    return result


def s3_down_for(sk_wanted: set[str], times: int, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """PutObject of these audit records fails (503 SlowDown) `times` times each; returns the SKs refused."""
    refused: list[str] = []
    left = dict.fromkeys(sk_wanted, times)
    original = AuditArchiveStore.put_once

    def flaky(self: AuditArchiveStore, item: Any) -> bool:
        sk = str(item["SK"])
        if left.get(sk, 0) > 0:
            left[sk] -= 1
            refused.append(sk)
            raise ClientError(
                {"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."}}, "PutObject"
            )
        return original(self, item)

    monkeypatch.setattr(AuditArchiveStore, "put_once", flaky)
    return refused


# ---------------------------------------------------------------------------- tests
def test_a_registration_and_a_payment_are_archived_once_under_the_lock(
    road: Road, poller: StreamPoller, function: InProcess, outcomes: list[str], archive_fn: FunctionInvoker
) -> None:
    seen = poller.records_seen
    farmer_id = road.new_farmer(7001)["farmer_id"]
    poller.drain()
    registration_records, seen = poller.records_seen - seen, poller.records_seen
    paid = pay_one_month(road, farmer_id)
    assert paid.status == 201, paid.body
    poller.drain()
    payment_records = poller.records_seen - seen
    # Each write streams all the items of its transaction; the filter passes its audit record only.
    assert registration_records > 1 and payment_records > 1
    assert outcomes == [WRITTEN, WRITTEN]  # one PutObject per audit record
    assert all(answer == {"batchItemFailures": []} for answer in function.answers)

    records = {r["SK"]: r for r in road.audit_trail(farmer_id)}
    assert sorted(r["action"] for r in records.values()) == ["FARMER_REGISTERED", "PAYMENT_RECORDED"]
    keys = archived(road, farmer_id)
    assert set(keys) == {f"audit/{farmer_id}/{sk}.json" for sk in records}
    assert all(k["versions"] == 1 for k in keys.values())

    s3 = road.stack.clients("s3")
    for sk, record in records.items():
        key = f"audit/{farmer_id}/{sk}.json"
        head = s3.head_object(Bucket=bucket(road), Key=key)
        assert head["ObjectLockMode"] == "GOVERNANCE"  # Stage dev; COMPLIANCE in prod (below)
        until = head["ObjectLockRetainUntilDate"].astimezone(UTC)
        expected = datetime.now(UTC) + timedelta(days=RETENTION_DAYS)
        assert abs(until - expected) < timedelta(days=2)
        body = json.loads(s3.get_object(Bucket=bucket(road), Key=key)["Body"].read())
        assert body["item"] == record
        assert body["sha256"] == hashlib.sha256(canonical_json(record).encode()).hexdigest()

    result = verify(archive_fn, farmer_id)
    assert result["ok"] and result["matching"] == result["in_table"] == result["in_archive"] == 2


def test_a_redelivered_batch_writes_nothing_new(
    road: Road, poller: StreamPoller, function: InProcess, outcomes: list[str]
) -> None:
    farmer_id = road.new_farmer(7002)["farmer_id"]
    poller.drain()
    assert outcomes == [WRITTEN]
    versions = all_versions(road)

    again = new_poller(road, function)  # the stream from TRIM_HORIZON: every audit record again
    again.drain()
    assert set(outcomes[1:]) == {ALREADY_ARCHIVED} and len(outcomes) > 2
    assert all(answer == {"batchItemFailures": []} for answer in function.answers)
    assert all_versions(road) == versions
    assert all(k["versions"] == 1 for k in archived(road, farmer_id).values())


def test_verify_reports_what_changed_in_the_table_after_archiving(
    road: Road, poller: StreamPoller, archive_fn: FunctionInvoker
) -> None:
    farmer_id = road.new_farmer(7003)["farmer_id"]
    road.patch(farmer_id, address="Dusun Baru RT 02")
    poller.drain()
    registered, updated = sorted(road.audit_trail(farmer_id), key=lambda r: r["action"])
    assert (registered["action"], updated["action"]) == ("FARMER_REGISTERED", "FARMER_UPDATED")
    assert verify(archive_fn, farmer_id)["ok"]

    ddb, table = road.stack.clients("dynamodb"), road.stack.ref("DomainTable")
    # Someone with write access to the table rewrites who registered the farmer...
    ddb.update_item(
        TableName=table,
        Key=to_dynamo({"PK": registered["PK"], "SK": registered["SK"]}),
        UpdateExpression="SET actor = :a",
        ExpressionAttributeValues={":a": {"S": "admin.palsu"}},
    )
    # ... deletes the update's record, and slips in a record dated last year.
    ddb.delete_item(TableName=table, Key=to_dynamo({"PK": updated["PK"], "SK": updated["SK"]}))
    backdated = {
        **updated,
        "SK": "2025-01-02T03:04:05Z#01JGZZZZZZZZZZZZZZZZZZZZZZ",
        "action": "FARMER_UPDATED",
    }
    ddb.put_item(TableName=table, Item=to_dynamo(backdated))

    result = verify(archive_fn, farmer_id)  # before the stream has delivered the new record
    assert not result["ok"]
    assert result["altered_in_table"] == [{"sk": registered["SK"], "fields": ["actor"]}]
    assert result["missing_from_table"] == [updated["SK"]]
    assert result["missing_from_archive"] == [backdated["SK"]]
    assert result["rewritten_in_archive"] == [] and result["not_yet_archived"] == []

    poller.drain()  # the MODIFY and REMOVE are filtered out: the archive keeps the originals
    still = verify(archive_fn, farmer_id)
    assert still["altered_in_table"] == result["altered_in_table"]
    assert still["missing_from_table"] == result["missing_from_table"]


def test_a_record_written_a_moment_ago_is_not_yet_archived(road: Road, archive_fn: FunctionInvoker) -> None:
    farmer_id = road.new_farmer(7004)["farmer_id"]  # not drained: the stream has not delivered it
    result = verify(archive_fn, farmer_id)
    assert result["ok"] and len(result["not_yet_archived"]) == 1 and result["missing_from_archive"] == []


def test_an_s3_failure_is_reported_and_nothing_is_lost_on_retry(
    road: Road,
    poller: StreamPoller,
    function: InProcess,
    archive_fn: FunctionInvoker,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    farmers = [road.new_farmer(7010 + n)["farmer_id"] for n in range(3)]
    (second,) = road.audit_trail(farmers[1])
    refused = s3_down_for({second["SK"]}, 1, monkeypatch)
    batches: list[BatchOutcome] = []
    poller.on_batch = batches.append
    poller.drain()

    assert refused == [second["SK"]]
    first_answer = function.answers[0]
    assert len(first_answer["batchItemFailures"]) == 1  # the first failure: Lambda retries from it
    (failed_at,) = (f["itemIdentifier"] for f in first_answer["batchItemFailures"])
    assert batches[0].done == 1 and batches[0].size == 3
    assert batches[1].size == 2 and batches[1].done == 2  # retried from the second record
    assert int(failed_at) > 0 and function.answers[1] == {"batchItemFailures": []}
    for farmer_id in farmers:
        assert verify(archive_fn, farmer_id)["ok"] and len(archived(road, farmer_id)) == 1


def test_a_batch_given_up_on_is_replayed_from_the_failure_queue(
    road: Road, poller: StreamPoller, archive_fn: FunctionInvoker, monkeypatch: pytest.MonkeyPatch
) -> None:
    farmer_id = road.new_farmer(7020)["farmer_id"]
    (record,) = road.audit_trail(farmer_id)
    retries = poller.source.maximum_retry_attempts
    s3_down_for({record["SK"]}, retries + 1, monkeypatch)
    poller.drain()
    assert poller.records_given_up == 1
    assert verify(archive_fn, farmer_id)["not_yet_archived"] == [
        record["SK"]
    ]  # recent: missing, not alarming
    assert archived(road, farmer_id) == {}
    queue_url = road.stack.ref("AuditArchiveFailureQueue")
    assert road.depth(queue_url) == 1

    monkeypatch.undo()  # S3 is back
    replayed = archive_fn.raw({"replay_failures": True})
    assert replayed["batches"] == 1 and replayed[WRITTEN] == 1 and replayed["expired"] == 0
    assert road.depth(queue_url) == 0
    assert verify(archive_fn, farmer_id)["ok"] and len(archived(road, farmer_id)) == 1


def test_the_lock_is_compliance_in_prod_and_governance_elsewhere() -> None:
    for stage, mode in (("prod", "COMPLIANCE"), ("staging", "GOVERNANCE"), ("dev", "GOVERNANCE")):
        template = Template(
            ROOT / "template.yaml", parameter_overrides={"Stage": stage, "AuditRetentionDays": 30}
        )
        logs = {
            "AccessLogsBucket": Physical(ref="access-logs"),
            "AccessLogsBucketPolicy": Physical(ref="policy"),
        }
        props = template.resolve(template.properties("AuditArchiveBucket"), logs)
        retention = props["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
        assert (retention["Mode"], int(retention["Days"])) == (mode, 30)
        assert str(props["ObjectLockEnabled"]).lower() == "true"
        assert props["VersioningConfiguration"] == {"Status": "Enabled"}
