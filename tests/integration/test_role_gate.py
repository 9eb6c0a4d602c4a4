"""Routes only some roles may use answer 403 FORBIDDEN to the others before the request is read
(CONTRACT.md "Acting outside one's role → 403"; sutasoma.api.roles). Before
this, an agent who sent an empty body to POST /imports, or a bad period to GET /reports/{period},
was told 422 VALIDATION_ERROR with the route's field rules: a verdict on input the route would
never have taken from them.

Each case is input the route refuses (the allowed caller gets 422 or 404 for it, checked too, so
the 403 is not the answer to everyone); the refused caller gets 403 whatever it sends, a body
that is not JSON included, and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from sutasoma.api.roles import ROLE_ONLY_ROUTES
from sutasoma.domain.identity import Role
from tests.support.events import claims_for, http_event
from tests.support.stack import FunctionInvoker, MotoStack

AGENT = claims_for("agent", "73.12.04", username="agen.lalabata")
COORDINATOR = claims_for("coordinator", "73.12.04", username="koordinator.lalabata")
ADMIN = claims_for("admin", username="admin.dinas")
UNKNOWN_ID = "01JAAAAAAAAAAAAAAAAAAAAAAA"


@dataclass(frozen=True)
class Case:
    function: str
    method: str
    route: str
    params: dict[str, str]
    refused: dict[str, str]  # a caller outside the route's roles
    allowed: dict[str, str]  # a caller inside them
    allowed_status: int  # what the allowed caller gets for the same (bad) input
    body: str | None = None
    query: dict[str, str] | None = None


CASES = [
    Case("RegisterFunction", "GET", "/farmers/{farmer_id}/ktp", {"farmer_id": UNKNOWN_ID}, AGENT, COORDINATOR, 404),
    Case("RegisterFunction", "POST", "/farmers/{farmer_id}/corrections", {"farmer_id": UNKNOWN_ID}, AGENT,
         COORDINATOR, 404, body="{}"),  # an unknown farmer before a bad body (app/scope.py)
    Case("ClaimFunction", "GET", "/claims/{claim_id}/documents/{doc_type}",
         {"claim_id": UNKNOWN_ID, "doc_type": "x" * 200}, AGENT, COORDINATOR, 404),
    Case("ClaimFunction", "POST", "/claims/{claim_id}/verify", {"claim_id": UNKNOWN_ID}, AGENT, COORDINATOR, 404,
         body='{"disability_percent": 500}'),
    Case("ReportFunction", "POST", "/reports/{period}", {"period": "2026-13"}, COORDINATOR, ADMIN, 422),
    Case("ReportFunction", "GET", "/reports/{period}", {"period": "2026-13"}, AGENT, COORDINATOR, 422),
    Case("ReportFunction", "GET", "/reports/{period}/files/{file_type}", {"period": "2026-11", "file_type": "pdf"},
         AGENT, COORDINATOR, 422),
    Case("ReconcileFunction", "POST", "/reports/{period}/reconcile", {"period": "2026-13"}, COORDINATOR, ADMIN, 422),
    Case("ReconcileFunction", "GET", "/reports/{period}/reconcile/{job_id}", {"period": "2026-13", "job_id": "x"},
         COORDINATOR, ADMIN, 422),
    Case("ImportsFunction", "POST", "/imports", {}, COORDINATOR, ADMIN, 422, body="{}"),
    Case("ImportsFunction", "GET", "/imports/{import_id}", {"import_id": UNKNOWN_ID}, COORDINATOR, ADMIN, 404),
    Case("ImportsFunction", "POST", "/imports/{import_id}/commit", {"import_id": UNKNOWN_ID}, AGENT, ADMIN, 404),
    Case("ImportsFunction", "GET", "/imports/{import_id}/mismatches", {"import_id": UNKNOWN_ID}, COORDINATOR,
         ADMIN, 422, query={"limit": "0"}),
    Case("ImportsFunction", "GET", "/farmers/export", {}, AGENT, COORDINATOR, 422, query={"format": "pdf"}),
]  # fmt: skip
LABELS = [f"{c.method} {c.route}" for c in CASES]


def _event(case: Case, claims: dict[str, str], body: str | None, content_type: str) -> dict[str, Any]:
    event = http_event(
        case.method, case.route, path_params=case.params or None, query=case.query, raw_body=body,
        claims=claims, headers={"Idempotency-Key": UNKNOWN_ID, "content-type": content_type},
    )  # fmt: skip
    return event


@pytest.mark.parametrize("case", CASES, ids=LABELS)
def test_a_caller_outside_the_roles_is_refused_before_the_input_is_read(
    moto_stack: MotoStack, case: Case
) -> None:
    invoke = FunctionInvoker(moto_stack, case.function)
    before = len(moto_stack.table_items())

    allowed = invoke(_event(case, case.allowed, case.body, "application/json"))
    refused = invoke(_event(case, case.refused, case.body, "application/json"))

    assert allowed.status == case.allowed_status, allowed.body
    assert (refused.status, refused.code) == (403, "FORBIDDEN"), refused.body
    assert refused.headers["content-type"] == "application/problem+json"
    assert "errors" not in refused.body  # nothing said about the input
    assert len(moto_stack.table_items()) == before


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.method == "POST"], ids=lambda c: f"{c.method} {c.route}"
)
def test_a_refused_caller_gets_403_for_a_body_that_is_not_json_too(moto_stack: MotoStack, case: Case) -> None:
    refused = FunctionInvoker(moto_stack, case.function)(_event(case, case.refused, "a=1", "text/plain"))
    assert (refused.status, refused.code) == (403, "FORBIDDEN"), refused.body


def test_the_refusal_is_the_use_cases_own_words(moto_stack: MotoStack) -> None:
    case = CASES[1]  # corrections: the same rule the use case checks (CORRECT_IDENTITY)
    refused = FunctionInvoker(moto_stack, case.function)(_event(case, AGENT, "{}", "application/json"))
    assert (
        refused.body["detail"] == "Hanya koordinator BPP atau admin yang dapat mengoreksi identitas petani."
    )


def test_every_gated_route_is_a_route_of_the_template_and_covered_here(moto_stack: MotoStack) -> None:
    """A rule under a misspelt route key would never apply; a gated route without a case here is untested."""
    routes = {
        route.route_key: spec.logical_id for spec in moto_stack.functions.values() for route in spec.routes
    }
    assert {key: routes.get(key) for key in ROLE_ONLY_ROUTES} == {
        f"{c.method} {c.route}": c.function for c in CASES
    }
    assert all(Role.AGENT not in rule.roles for rule in ROLE_ONLY_ROUTES.values())


def _bad_token(kind: str) -> dict[str, str]:
    claims = dict(AGENT)
    if kind == "access token":
        claims["token_use"] = "access"
    elif kind == "no role":
        claims["cognito:groups"] = "[farmer]"
    else:  # an agent with no kecamatan
        claims.pop("custom:kecamatan", None)
    return claims


@pytest.mark.parametrize(("kind", "status"), [("access token", 401), ("no role", 403), ("no kecamatan", 403)])
@pytest.mark.parametrize(
    ("function", "method", "route", "params"),
    [("RegisterFunction", "POST", "/farmers", {}), ("PayFunction", "POST", "/farmers/{farmer_id}/payments",
      {"farmer_id": UNKNOWN_ID}), ("ClaimFunction", "POST", "/claims", {})],
)  # fmt: skip
def test_a_token_that_names_no_caller_is_refused_before_the_body(
    moto_stack: MotoStack,
    kind: str,
    status: int,
    function: str,
    method: str,
    route: str,
    params: dict[str, str],
) -> None:
    """Before: an access token (or a user without a role) sending `{}` was told 422 and the field list."""
    event = http_event(method, route, path_params=params or None, raw_body="{}", claims=_bad_token(kind),
                       headers={"Idempotency-Key": UNKNOWN_ID})  # fmt: skip
    result = FunctionInvoker(moto_stack, function)(event)
    assert result.status == status and "errors" not in result.body, result.body
