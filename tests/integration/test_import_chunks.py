"""An import's commit chunk by chunk on moto: a chunk delivered twice changes nothing, a chunk
failing half-way is written once when tried again, a chunk that keeps failing ends the import
FAILED saying what was and was not written (and a new commit finishes it), and BPJS's
participant look-up puts a mismatched member on the admin's list and says so on the farmer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from local.pollers.sqs import build_sqs_event
from local.seed.members import SampleOptions, csv_bytes, sample_members
from sutasoma.adapters.dynamo.scan import TableScanner
from sutasoma.app.import_commit import CommitChunk
from sutasoma.app.reconcile import reconcile
from sutasoma.domain.changes import ChangeSet
from sutasoma.runtime import import_wiring, wiring
from tests.support.events import claims_for, http_event
from tests.support.imports import ADMIN, Imports, open_imports
from tests.support.road import Road

pytestmark = pytest.mark.usefixtures("calm_bpjs")
_first = iter(range(500_000, 10_000_000, 10_000))


@pytest.fixture(scope="module")
def imports(road: Road) -> Imports:
    return open_imports(road)


def validated(imports: Imports, count: int, **options: Any) -> str:
    members = list(sample_members(SampleOptions(count=count, first_index=next(_first), **options)))
    import_id, status = imports.run(csv_bytes(members))
    assert status["status"] == "VALIDATED", status
    return import_id


def chunk_event(
    imports: Imports, import_id: str, chunk: int, queue: str = "ImportChunkQueue"
) -> dict[str, Any]:
    sqs = imports.road.stack.clients("sqs")
    url = imports.road.stack.ref(queue)
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    message = {
        "MessageId": f"m-{import_id}-{chunk}", "ReceiptHandle": "r", "Body": f'{{"import_id": "{import_id}", "chunk": {chunk}}}',
        "Attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1"}, "MD5OfBody": "",
    }  # fmt: skip
    return build_sqs_event([message], arn, "ap-southeast-3")


def drain(imports: Imports) -> None:
    """The chunk messages of the commit, not delivered by the event source: the test does."""
    sqs = imports.road.stack.clients("sqs")
    url = imports.road.stack.ref("ImportChunkQueue")
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def domain_items(imports: Imports) -> list[str]:
    return sorted(
        f"{i['PK']['S']}|{i['SK']['S']}|{sorted(i)}"
        for i in imports.road.stack.table_items()
        if not i["PK"]["S"].startswith("IMPORT#")
    )


def chunk_count(imports: Imports, import_id: str) -> int:
    from sutasoma.adapters.dynamo.imports import ImportRepository

    record = ImportRepository(imports.road.stack.table()).get(import_id)
    assert record is not None
    return record.chunks_total


def no_differences(imports: Imports) -> None:
    imports.road.pump()
    assert reconcile(TableScanner(imports.road.stack.table()))["differences"] == []


def test_a_chunk_delivered_twice_changes_nothing(imports: Imports) -> None:
    import_id = validated(imports, 60, with_agents=False)
    assert imports.commit(import_id).status == 202
    drain(imports)
    first = imports.chunk_fn.raw(chunk_event(imports, import_id, 1))
    assert first == {"batchItemFailures": []}
    after_first, counted = domain_items(imports), imports.status(import_id).body
    again = imports.chunk_fn.raw(chunk_event(imports, import_id, 1))
    assert again == {"batchItemFailures": []}
    assert domain_items(imports) == after_first
    assert imports.status(import_id).body["created"] == counted["created"] > 0
    for chunk in range(2, chunk_count(imports, import_id) + 1):
        assert imports.chunk_fn.raw(chunk_event(imports, import_id, chunk)) == {"batchItemFailures": []}
    done = imports.status(import_id).body
    assert (done["status"], done["created"], done["rows_done"]) == ("COMMITTED", 60, 60)
    no_differences(imports)


class FailingAfter:
    """The unit of work, failing every commit after the first `n` (a DynamoDB outage half-way)."""

    def __init__(self, unit: Any, n: int) -> None:
        self.unit, self.left = unit, n

    def commit(self, changes: ChangeSet) -> None:
        if self.left <= 0:
            raise ConnectionError("DynamoDB unreachable")
        self.left -= 1
        self.unit.commit(changes)


def committing_chunk(imports: Imports, n: int | None = None) -> Iterator[CommitChunk]:
    settings = imports.chunk_fn.settings()
    with_env = imports.chunk_fn.env
    from local.loader import applied_environment

    with applied_environment(with_env):
        wiring.reset()
        real = import_wiring.commit_chunk(settings)
        unit = real.unit if n is None else FailingAfter(real.unit, n)
        yield CommitChunk(real.store, unit, real.files, real.outbox, real.queue)  # type: ignore[arg-type]
        wiring.reset()


def test_a_chunk_failing_half_way_is_written_once_when_tried_again(imports: Imports) -> None:
    import_id = validated(imports, 240, with_agents=False)  # one chunk of one kecamatan is > 100 items
    imports.commit(import_id)
    drain(imports)
    for chunk in committing_chunk(imports, n=1):
        with pytest.raises(ConnectionError):
            chunk(import_id, 1)
    half = imports.status(import_id).body
    assert (half["status"], half["created"], half["rows_done"]) == ("COMMITTING", 0, 0)
    written_half = len([i for i in domain_items(imports) if i.startswith("NIK#")])
    assert written_half > 0
    for chunk in committing_chunk(imports):
        outcome = chunk(import_id, 1)
        assert outcome is not None and outcome.created == outcome.rows and outcome.not_written == 0
        for n in range(2, chunk_count(imports, import_id) + 1):
            assert chunk(import_id, n) is not None
    done = imports.status(import_id).body
    assert (done["status"], done["created"], done["not_written"]) == ("COMMITTED", 240, 0)
    no_differences(imports)


def test_a_chunk_that_keeps_failing_ends_the_import_failed_then_a_new_commit_finishes(
    imports: Imports,
) -> None:
    import_id = validated(imports, 240, with_agents=False)
    imports.commit(import_id)
    drain(imports)
    total = imports.status(import_id).body
    for chunk in committing_chunk(imports, n=1):
        with pytest.raises(ConnectionError):
            chunk(import_id, 1)
    # SQS gave up on chunk 1 after its receives: it reaches the dead-letter queue, and the
    # function reads it from there; the other chunks were written.
    assert imports.chunk_fn.raw(chunk_event(imports, import_id, 1, "ImportChunkDlq")) == {
        "batchItemFailures": []
    }
    for n in range(2, chunk_count(imports, import_id) + 1):
        imports.chunk_fn.raw(chunk_event(imports, import_id, n))
    failed = imports.status(import_id).body
    assert failed["status"] == "FAILED", failed
    assert failed["failure"].startswith("1 bagian impor gagal berulang kali (baris ")
    assert "baris sudah tertulis" in failed["failure"] and failed["not_written"] > 0
    assert {r["reason"] for r in failed["not_written_rows"]} == {
        "Bagian impor ini gagal berulang kali; kirim ulang commit."
    }
    # Fixed: a new commit sends the chunk not done, and only it.
    again = imports.commit(import_id)
    assert again.status == 202 and again.body["status"] == "COMMITTING"
    assert imports.pump_chunks() == (1, 0)
    done = imports.status(import_id).body
    assert (done["status"], done["created"], done["not_written"], done["failure"]) == (
        "COMMITTED",
        240,
        0,
        None,
    )
    assert total["valid"] == 240
    no_differences(imports)


def test_bpjs_look_up_mismatches_are_listed_and_shown_on_the_farmer(imports: Imports) -> None:
    members = list(sample_members(SampleOptions(count=20, first_index=next(_first), with_agents=False)))
    members[3][10] = "17000000099"  # a KPJ BPJS knows as another person's (simulator rule)
    members[5][10] = "17000010000"  # a KPJ BPJS does not know
    import_id, _ = imports.run(csv_bytes(members))
    imports.commit(import_id)
    imports.pump_chunks()
    imports.road.pump()
    status = imports.status(import_id).body
    assert (status["status"], status["bpjs_mismatches"]) == ("COMMITTED", 2)
    listed = imports.http(
        http_event(
            "GET",
            "/imports/{import_id}/mismatches",
            path_params={"import_id": import_id},
            query={"limit": "1"},
            claims=ADMIN,
        )
    )
    assert listed.status == 200 and len(listed.body["items"]) == 1 and listed.body["next_cursor"]
    rest = imports.http(
        http_event(
            "GET",
            "/imports/{import_id}/mismatches",
            path_params={"import_id": import_id},
            query={"cursor": listed.body["next_cursor"]},
            claims=ADMIN,
        )
    )
    items = listed.body["items"] + rest.body["items"]
    assert sorted(i["result"] for i in items) == ["KPJ_NOT_FOUND", "NIK_MISMATCH"]
    assert {i["note"] for i in items} == {
        "Nomor KPJ terdaftar di BPJS dengan NIK lain.",
        "Nomor KPJ tidak terdaftar di BPJS.",
    }
    mismatched = next(i for i in items if i["result"] == "NIK_MISMATCH")
    coordinator = claims_for("coordinator", mismatched["kecamatan_code"], username="koordinator.x")
    farmer = imports.road.register(
        http_event(
            "GET",
            "/farmers/{farmer_id}",
            path_params={"farmer_id": mismatched["farmer_id"]},
            claims=coordinator,
        )
    ).body
    assert farmer["imported"]["bpjs_check"] == "NIK_MISMATCH"
    assert farmer["imported"]["note"] == "Nomor KPJ terdaftar di BPJS dengan NIK lain."
    assert (farmer["registration_status"], farmer["kpj_number"]) == ("CONFIRMED", "17000000099")
    matched = imports.road.register(
        http_event("GET", "/farmers", query={"kecamatan_code": members[1][5], "limit": "100"}, claims=ADMIN)
    ).body["items"]
    assert {f["imported"]["bpjs_check"] for f in matched if f["imported"]} <= {
        "MATCH",
        "NIK_MISMATCH",
        "KPJ_NOT_FOUND",
    }
    assert (
        imports.http(
            http_event(
                "GET",
                "/imports/{import_id}/mismatches",
                path_params={"import_id": import_id},
                claims=coordinator,
            )
        ).code
        == "FORBIDDEN"
    )
