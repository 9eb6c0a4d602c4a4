"""Who may use a route at all, asked by every HTTP function before it reads the request: a token
that names a caller (else 401/403), and for the routes only some roles may use, that role
(CONTRACT.md "Acting outside one's role → 403"). An agent who asks a coordinator's route, or an
access token sent instead of the ID token, gets 401/403, not a verdict on the body it sent. The use cases check the
same rules (sutasoma.domain.identity) again; rules that depend on the data (the farmer's
kecamatan) are theirs alone.

Keys are API Gateway's route keys, as template.yaml names the routes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sutasoma.api.identity import caller_from_claims
from sutasoma.domain.errors import DomainError
from sutasoma.domain.identity import (
    CORRECT_IDENTITY,
    EXPORT_FARMERS,
    IMPORT_MEMBERS,
    MAKE_REPORT,
    OPEN_CLAIM_DOCUMENT,
    OPEN_KTP,
    READ_REPORT,
    VERIFY_CLAIM,
    RoleRule,
)

ROLE_ONLY_ROUTES: Mapping[str, RoleRule] = {
    "GET /farmers/{farmer_id}/ktp": OPEN_KTP,
    "POST /farmers/{farmer_id}/corrections": CORRECT_IDENTITY,
    "GET /claims/{claim_id}/documents/{doc_type}": OPEN_CLAIM_DOCUMENT,
    "POST /claims/{claim_id}/verify": VERIFY_CLAIM,
    "POST /reports/{period}": MAKE_REPORT,
    "GET /reports/{period}": READ_REPORT,
    "GET /reports/{period}/files/{file_type}": READ_REPORT,
    "POST /reports/{period}/reconcile": MAKE_REPORT,
    "GET /reports/{period}/reconcile/{job_id}": MAKE_REPORT,
    "POST /imports": IMPORT_MEMBERS,
    "GET /imports/{import_id}": IMPORT_MEMBERS,
    "POST /imports/{import_id}/commit": IMPORT_MEMBERS,
    "GET /imports/{import_id}/mismatches": IMPORT_MEMBERS,
    "GET /farmers/export": EXPORT_FARMERS,
}


def route_refusal(event: Mapping[str, Any]) -> DomainError | None:
    """Why this caller may not use this route at all (401/403), or None: a token that names no
    caller (an access token, no role, no kecamatan) on any route the JWT authorizer guards, and
    a role outside the route's rule. Public routes (no authorizer) authenticate themselves."""
    rule = ROLE_ONLY_ROUTES.get(str(event.get("routeKey") or ""))
    jwt = ((event.get("requestContext") or {}).get("authorizer") or {}).get("jwt")
    if rule is None and jwt is None:
        return None
    try:
        caller = caller_from_claims((jwt or {}).get("claims"))
        if rule is not None:
            rule.check(caller)
    except DomainError as refused:
        return refused
    return None
