"""Claims: /claims, /claims/{id}, /claims/{id}/documents, /claims/{id}/verify.

Thin: parse the request, call ClaimService, shape the response.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from sutasoma.adapters.idempotency import IDEMPOTENCY_HEADER
from sutasoma.api.models import (
    ClaimCreate,
    ClaimOut,
    ClaimPage,
    ClaimStatus,
    DocumentUploadRequest,
    DocumentUploadUrl,
)
from sutasoma.api.resolver import build_resolver, current_caller, header, lambda_entry
from sutasoma.runtime import wiring

app = build_resolver()

ClaimId = Annotated[str, Path(description="ULID of the claim")]


@app.post("/claims", tags=["Claims"], responses={201: {"description": "Submitted"}})
def submit_claim(body: Annotated[ClaimCreate, Body()]) -> Response[ClaimOut]:
    claim = wiring.claim_service().submit(current_caller(app), body, header(app, IDEMPOTENCY_HEADER))
    return Response(status_code=201, content_type="application/json", body=claim)


@app.get("/claims", tags=["Claims"])
def list_claims(
    status: Annotated[ClaimStatus | None, Query()] = None,
    kecamatan_code: Annotated[str | None, Query(max_length=32)] = None,
    farmer_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> ClaimPage:
    return wiring.claim_service().search(
        current_caller(app), status, kecamatan_code, farmer_id, limit, cursor
    )


@app.get("/claims/<claim_id>", tags=["Claims"])
def get_claim(claim_id: ClaimId) -> ClaimOut:
    return wiring.claim_service().get(current_caller(app), claim_id)


@app.post("/claims/<claim_id>/documents", tags=["Claims"])
def document_upload_url(
    claim_id: ClaimId, body: Annotated[DocumentUploadRequest, Body()]
) -> DocumentUploadUrl:
    return wiring.claim_service().document_upload_url(
        current_caller(app), claim_id, body.doc_type, body.content_type
    )


@app.post("/claims/<claim_id>/verify", tags=["Claims"])
def verify_claim(claim_id: ClaimId) -> ClaimOut:
    return wiring.claim_service().verify(current_caller(app), claim_id)


def _on_invoke(context: LambdaContext) -> None:
    wiring.idempotency_runner().register_lambda_context(context)


lambda_handler: Any = lambda_entry(app, on_invoke=_on_invoke)
