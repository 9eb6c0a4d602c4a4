"""Every sample event in events/ runs through its function's handler on moto and answers what
events/README.md promises: an HTTP event its status and `code`, any other event its result.

The events are the ones `sam local invoke <Function> -e events/<file>.json` uses; here they run
exactly as written (nothing in them is rewritten), each through the function the table names.
Every function of template.yaml has at least one.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from local.loader import applied_environment
from local.template.cfn_yaml import load_yaml
from tests.support.stack import ROOT, FunctionInvoker, MotoStack

EVENTS_DIR = ROOT / "events"

# HTTP events: file -> (function, HTTP status, problem `code` or None for a success).
# Keep in step with events/README.md.
HTTP: dict[str, tuple[str, int, str | None]] = {
    "register_farmer.json": ("RegisterFunction", 201, None),
    "register_farmer_other_kecamatan.json": ("RegisterFunction", 403, "FORBIDDEN"),
    "register_farmer_bad_nik.json": ("RegisterFunction", 422, "NIK_INVALID"),
    "register_farmer_nik_outside_soppeng.json": ("RegisterFunction", 201, None),
    "list_farmers.json": ("RegisterFunction", 200, None),
    "get_farmer.json": ("RegisterFunction", 404, "NOT_FOUND"),
    "health.json": ("RegisterFunction", 200, None),
    "pay_list_refunds.json": ("PayFunction", 200, None),
    "pay_quote_unknown_farmer.json": ("PayFunction", 404, "NOT_FOUND"),
    "claim_list.json": ("ClaimFunction", 200, None),
    "claim_submit_unknown_farmer.json": ("ClaimFunction", 404, "NOT_FOUND"),
    "report_read_unknown.json": ("ReportFunction", 404, "NOT_FOUND"),
    "reconcile_start.json": ("ReconcileFunction", 202, None),
    "reconcile_read_unknown.json": ("ReconcileFunction", 404, "NOT_FOUND"),
    "bpjs_callback_unsigned.json": ("BpjsCallbackFunction", 401, "UNAUTHORIZED"),
    "imports_read_unknown.json": ("ImportsFunction", 404, "NOT_FOUND"),
}


def _partial_failures(*message_ids: str) -> Callable[[Any], bool]:
    return lambda result: result == {"batchItemFailures": [{"itemIdentifier": i} for i in message_ids]}


# Other events: file -> (function, what its result must satisfy).
OTHER: dict[str, tuple[str, Callable[[Any], bool]]] = {
    # The scheduled report of the month before the event's time: generated, the best BPP named or null.
    "report_schedule.json": ("ReportFunction", lambda r: r["period"] == "2026-11" and "best_bpp" in r),
    "report_watchdog.json": (
        "ReportFunction",
        lambda r: r["period"] == "2026-11" and r["report_present"] in (True, False),
    ),
    "outbox_sweeper_schedule.json": (
        "OutboxSweeperFunction",
        lambda r: isinstance(r, dict) and all(isinstance(v, int) for v in r.values()),
    ),
    "dlq_redrive.json": ("DlqRedriveFunction", lambda r: r == {"moved": 0}),
    # Two operations of one farmer that no stack knows: the first fails, the second waits behind it.
    "bpjs_sync_batch.json": (
        "BpjsSyncFunction",
        _partial_failures("5f6e7d8c-0001-4b3a-9c8d-7e6f5a4b3c2d", "5f6e7d8c-0002-4b3a-9c8d-7e6f5a4b3c2d"),
    ),
    # A task of a job no stack has: nothing to do, the message done.
    "reconcile_segment.json": ("ReconcileFunction", _partial_failures()),
    # The imports bucket's "Object Created" (EventBridge) for the file of an import no stack has.
    "import_validate_object_created.json": (
        "ImportValidateFunction",
        lambda r: r == {"imports": {"01KB0000000000000000000006": "UNKNOWN"}},
    ),
    # A chunk of an import no stack has: reported failed, tried again after the visibility timeout.
    "import_chunk_batch.json": (
        "ImportChunkFunction",
        _partial_failures("5f6e7d8c-0004-4b3a-9c8d-7e6f5a4b3c2d"),
    ),
    # S3's "Object Created" (EventBridge) of a KTP copy in a bucket this stack does not have (the
    # stack's own bucket names differ): nothing to check, nothing deleted.
    "document_check_object_created.json": ("DocumentCheckFunction", lambda r: r == {"checked": False}),
    # Cognito's pre-token trigger for an agent: no MFA required of agents, the token as it is.
    "token_gate_agent.json": (
        "TokenGateFunction",
        lambda r: r["userName"] == "agen.lalabata" and r["response"] == {"claimsOverrideDetails": None},
    ),
    # An audit record's INSERT: archived (again: already archived), nothing reported failed.
    "audit_archive_stream.json": ("AuditArchiveFunction", _partial_failures()),
    "audit_archive_verify.json": (
        "AuditArchiveFunction",
        lambda r: r["subject_id"] == "01KB0000000000000000000005",
    ),
}

EXPECTED = {
    **{name: spec[0] for name, spec in HTTP.items()},
    **{name: spec[0] for name, spec in OTHER.items()},
}
EVENT_FILES = sorted(EVENTS_DIR.glob("*.json"))


def template_functions() -> set[str]:
    resources = load_yaml(ROOT / "template.yaml")["Resources"]
    return {lid for lid, r in resources.items() if r.get("Type") == "AWS::Serverless::Function"}


def _release_nik(event: dict[str, Any], register: FunctionInvoker, stack: MotoStack) -> None:
    """Make sure the NIK of a registration event is free before the event runs.

    The session's moto is shared by every integration test, and the sample files may be invoked
    by other tests too, so "nobody took this NIK yet" cannot be assumed. Two layers:
    - the sample NIKs use serials 9001-9099, which tests/support/farmers.make_nik (counting up
      from 1) never reaches in practice, so normally nothing needs releasing;
    - if the NIK is taken anyway (an earlier run of the same file in this session, or another
      test using it), its claim item is deleted, so the registration is judged on its own merits
      and not on test order. The claim is found with the store's own lookup and the handler's own
      key, so a change of key layout fails here loudly instead of silently skipping the release.
    A registration that carries an Idempotency-Key and was already run in this session is
    replayed from the idempotency record instead: still the same 201, by design.
    """
    if event.get("routeKey") != "POST /farmers" or not event.get("body"):
        return
    from sutasoma.adapters.dynamo import keys
    from sutasoma.adapters.dynamo.codec import to_dynamo
    from sutasoma.adapters.secrets import secret_text
    from sutasoma.domain.nik import nik_lookup_hash

    nik = json.loads(event["body"]).get("nik")
    if not (isinstance(nik, str) and len(nik) == 16 and nik.isascii() and nik.isdigit()):
        return  # never reaches the store
    with applied_environment(register.env):
        settings = register.settings()
        nik_hash = nik_lookup_hash(nik, secret_text(settings.nik_hash_secret_arn).encode())
    farmers = stack.storage().farmers
    if farmers.id_for_nik(nik_hash) is not None:
        key = to_dynamo(dict(keys.nik_claim(nik_hash)))
        stack.clients("dynamodb").delete_item(TableName=settings.table_name, Key=key)
        assert farmers.id_for_nik(nik_hash) is None, "could not release the NIK claim"


def test_events_dir_has_files() -> None:
    assert EVENT_FILES, f"no sample events in {EVENTS_DIR}"


def test_every_expectation_has_a_file() -> None:
    missing = sorted(set(EXPECTED) - {p.name for p in EVENT_FILES})
    assert not missing, f"expected events that are not in events/: {missing}"


def test_every_function_has_a_sample_event() -> None:
    """`sam local invoke` works for every function: each has an event here (and a test)."""
    assert sorted(template_functions() - set(EXPECTED.values())) == []


@pytest.mark.parametrize("path", [p for p in EVENT_FILES if p.name in OTHER], ids=lambda p: p.name)
def test_sample_event_of_a_queue_stream_or_schedule(path: Path, moto_stack: MotoStack) -> None:
    function, satisfied = OTHER[path.name]
    result = FunctionInvoker(moto_stack, function).raw(json.loads(path.read_text(encoding="utf-8")))
    assert satisfied(result), result


@pytest.mark.parametrize("path", EVENT_FILES, ids=lambda p: p.name)
def test_sample_event(path: Path, register: FunctionInvoker, moto_stack: MotoStack) -> None:
    assert path.name in EXPECTED, (
        f"events/{path.name} has no expectation: add it to HTTP or OTHER here and to events/README.md"
    )
    if path.name in OTHER:
        return  # test_sample_event_of_a_queue_stream_or_schedule
    function, status, code = HTTP[path.name]
    event = json.loads(path.read_text(encoding="utf-8"))
    _release_nik(event, register, moto_stack)

    result = (
        register(event) if function == "RegisterFunction" else FunctionInvoker(moto_stack, function)(event)
    )

    assert result.status == status, result.body
    assert result.code == code, result.body
    if status >= 400:
        assert result.headers.get("content-type") == "application/problem+json"
    elif event["routeKey"] == "POST /farmers":
        sent = json.loads(event["body"])
        assert result.body["nik_masked"] == sent["nik"][:4] + "********" + sent["nik"][-4:]
        assert result.body["kecamatan_code"] == sent["kecamatan_code"]
        assert result.body["registration_status"] == "PENDING"
