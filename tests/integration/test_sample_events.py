"""Every sample event in events/ gives the status and `code` that events/README.md promises.

The events are the ones `sam local invoke RegisterFunction -e events/<file>.json` uses; here they
run through the register handler on moto, exactly as written (nothing in them is rewritten).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from local.loader import applied_environment
from tests.support.stack import ROOT, FunctionInvoker, MotoStack

EVENTS_DIR = ROOT / "events"

# file -> (HTTP status, problem `code` or None for a success). Keep in step with events/README.md.
EXPECTED: dict[str, tuple[int, str | None]] = {
    "register_farmer.json": (201, None),
    "register_farmer_other_kecamatan.json": (403, "FORBIDDEN"),
    "register_farmer_bad_nik.json": (422, "NIK_INVALID"),
    "register_farmer_nik_outside_soppeng.json": (201, None),
    "list_farmers.json": (200, None),
    "get_farmer.json": (404, "NOT_FOUND"),
    "health.json": (200, None),
}

EVENT_FILES = sorted(EVENTS_DIR.glob("*.json"))


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


@pytest.mark.parametrize("path", EVENT_FILES, ids=lambda p: p.name)
def test_sample_event(path: Path, register: FunctionInvoker, moto_stack: MotoStack) -> None:
    assert path.name in EXPECTED, (
        f"events/{path.name} has no expectation: add it to EXPECTED here and to events/README.md"
    )
    status, code = EXPECTED[path.name]
    event = json.loads(path.read_text(encoding="utf-8"))
    _release_nik(event, register, moto_stack)

    result = register(event)

    assert result.status == status, result.body
    assert result.code == code, result.body
    if status >= 400:
        assert result.headers.get("content-type") == "application/problem+json"
    elif event["routeKey"] == "POST /farmers":
        sent = json.loads(event["body"])
        assert result.body["nik_masked"] == sent["nik"][:4] + "********" + sent["nik"][-4:]
        assert result.body["kecamatan_code"] == sent["kecamatan_code"]
        assert result.body["registration_status"] == "PENDING"
