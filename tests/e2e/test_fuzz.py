"""Property-based fuzzing of the whole API with schemathesis, against our own /openapi.json.

The schema is the one the local stack serves (functions/register/openapi.json, the merged document
of every function's routes). Every operation gets a few generated requests, sent as the demo admin
(every kecamatan, report generation) and checked for:
- no 5xx (`not_a_server_error`): whatever a client sends, the API answers with a 4xx at worst;
- `status_code_conformance` and `content_type_conformance`: the status, and its content type, are
  documented for the operation;
- `response_schema_conformance`: the body of every documented status matches its schema.

Random ids mostly meet 404 here; tests/e2e/test_fuzz_stateful.py follows the document's links
from created farmers and claims to their deep routes.

One test per operation (the ids are read from the committed document at collection; the requests
are generated from the served one). `make test` runs a handful of examples per operation;
`make fuzz` runs the same tests with many more (`SUTASOMA_FUZZ_EXAMPLES`), as the admin and
as an agent (`SUTASOMA_FUZZ_USERS`). schemathesis's own
pytest plugin (`schemathesis.pytest.from_fixture`) fails on pytest 9 (`Function._nodeid`), hence
the plain Hypothesis `@given` over `operation.as_strategy()`.
"""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.farmers import farmer_body, make_nik

pytestmark = pytest.mark.e2e

MAX_EXAMPLES = int(os.environ.get("SUTASOMA_FUZZ_EXAMPLES", "6"))
DOCUMENT = Path(__file__).resolve().parents[2] / "functions" / "register" / "openapi.json"
METHODS = ("get", "post", "put", "patch", "delete")
# Who sends the requests: the admin sees every route whole; `make fuzz` adds an agent (own kecamatan).
USERS = os.environ.get("SUTASOMA_FUZZ_USERS", "admin").split(",")

# Operations with a known schema mismatch not yet fixed: label -> reason (each one an xfail).
# Found so far: POST /reports/0000-01 answered 500 (year 0 out of range); fixed in 49a8cf6 (periods
# limited to 2000-2100, a 422).
KNOWN_MISMATCHES: dict[str, str] = {}


def operation_labels() -> list[str]:
    paths = json.loads(DOCUMENT.read_text(encoding="utf-8"))["paths"]
    return [
        f"{method.upper()} {path}" for path, item in paths.items() for method in item if method in METHODS
    ]


def params() -> list[Any]:
    return [
        pytest.param(label, id=label, marks=pytest.mark.xfail(reason=KNOWN_MISMATCHES[label], strict=False))
        if label in KNOWN_MISMATCHES
        else pytest.param(label, id=label)
        for label in operation_labels()
    ]


@pytest.fixture(scope="session")
def fuzz_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # 127.0.0.1 only: never through a proxy
    return session


@pytest.fixture(scope="session")
def api_schema(local_stack: dict[str, Any], id_token: Any, fuzz_session: requests.Session) -> Any:
    api_url = str(local_stack["api_url"]).rstrip("/")
    # One farmer with an heir, so that lists answer items and their schema is checked too (the
    # shared stack starts empty; other tests may or may not have left farmers behind).
    body = farmer_body(full_name="Fuzz Binti Schema", nik=make_nik(date(1979, 5, 14), "F", serial=9917))
    body["birth_date"] = "1979-05-14"
    created = fuzz_session.post(
        f"{api_url}/farmers",
        json=body,
        headers={"Authorization": f"Bearer {id_token('agen.lalabata')}"},
        timeout=30,
    )
    assert created.status_code in (201, 409), created.text
    loaded = schemathesis.openapi.from_url(f"{api_url}/openapi.json", timeout=30, proxies={})
    loaded.config.update(base_url=api_url)
    return loaded


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("label", params())
def test_operation_never_fails_and_matches_its_schema(
    label: str,
    user: str,
    api_schema: Any,
    id_token: Any,
    fuzz_session: requests.Session,
    local_stack: dict[str, Any],
) -> None:
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, f"{label} is in openapi.json but not in the served document"
    headers = {"Authorization": f"Bearer {id_token(user)}"}
    base_url = str(local_stack["api_url"]).rstrip("/")

    @hypothesis.given(case=operation.as_strategy())
    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate, hypothesis.Phase.shrink],
    )
    def fuzz(case: Any) -> None:
        case.call_and_validate(
            base_url=base_url,
            session=fuzz_session,
            headers=headers,
            timeout=30,
            checks=[
                not_a_server_error,
                status_code_conformance,
                content_type_conformance,
                response_schema_conformance,
            ],
        )

    fuzz()
