"""Claims: /claims, /claims/{id}, /claims/{id}/documents, /claims/{id}/verify.

Thin: parse the request, call the claim desk, shape the response.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sutasoma.api import presenters
from sutasoma.api.http import Body, Path, Query, Response
from sutasoma.api.listing import MAX_PAGE_SIZE, claim_position, decode_cursor, encode_cursor, resolve_scope
from sutasoma.api.models.claims import (
    ClaimCreate,
    ClaimOut,
    ClaimPage,
    ClaimStatus,
    DocumentDownload,
    DocumentUploadRequest,
    DocumentUploadUrl,
    VerifyRequest,
)
from sutasoma.api.resolver import IDEMPOTENCY_HEADER, build_resolver, current_caller, header, lambda_entry
from sutasoma.app.claims import ClaimView, NewClaim
from sutasoma.runtime import wiring
from sutasoma.runtime.settings import SettingsSource
from sutasoma.runtime.settings.http import ClaimSettings

SETTINGS = SettingsSource(ClaimSettings)  # validated now: a missing variable fails the cold start
app = build_resolver(scope=lambda: wiring.resource_scope(SETTINGS.get()))

ClaimId = Annotated[str, Path(description="ULID of the claim")]


@app.post("/claims", tags=["Claims"], responses={201: {"description": "Submitted"}})
def submit_claim(body: Annotated[ClaimCreate, Body()]) -> Response[ClaimOut]:
    command = NewClaim.model_validate(body.model_dump())
    view = wiring.claim_desk(SETTINGS.get()).submit(
        current_caller(app), command, header(app, IDEMPOTENCY_HEADER)
    )
    return Response(status_code=201, content_type="application/json", body=presenters.claim_out(view))


@app.get("/claims", tags=["Claims"])
def list_claims(
    status: Annotated[ClaimStatus | None, Query()] = None,
    kecamatan_code: Annotated[str | None, Query(max_length=32)] = None,
    farmer_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> ClaimPage:
    caller, desk = current_caller(app), wiring.claim_desk(SETTINGS.get())
    if kecamatan_code is None and farmer_id is not None:
        kecamatan_code = desk.farmer_kecamatan(caller, farmer_id)
    scope = resolve_scope(caller, kecamatan_code)
    position = decode_cursor(cursor, scope, claim_position) if cursor else None
    page = desk.search(scope, status, farmer_id, limit, (position[0], position[1]) if position else None)
    # Lists mask the claimant's phone and bank account (documents: as recorded on each claim).
    items = [presenters.claim_out(ClaimView(claim, frozenset()), in_list=True) for claim in page.items]
    last = page.items[-1] if page.more and page.items else None
    return ClaimPage(
        items=items, next_cursor=encode_cursor((last.kecamatan_code, last.claim_id)) if last else None
    )


@app.get("/claims/<claim_id>", tags=["Claims"])
def get_claim(claim_id: ClaimId) -> ClaimOut:
    return presenters.claim_out(wiring.claim_review(SETTINGS.get()).get(current_caller(app), claim_id))


@app.post("/claims/<claim_id>/documents", tags=["Claims"])
def document_upload_url(
    claim_id: ClaimId, body: Annotated[DocumentUploadRequest, Body()]
) -> DocumentUploadUrl:
    upload = wiring.claim_review(SETTINGS.get()).upload(
        current_caller(app), claim_id, body.doc_type, body.content_type
    )
    return DocumentUploadUrl(
        upload_url=upload.url, object_key=upload.object_key, expires_in=upload.expires_in,
        fields=upload.fields, max_bytes=upload.max_bytes,
    )  # fmt: skip


@app.get(
    "/claims/<claim_id>/documents/<doc_type>",
    tags=["Claims"],
    responses={
        200: {
            "description": "A link to the document",
            "content": {"application/json": {"model": DocumentDownload}},
        },
        404: {"description": "Not uploaded (or not a document this claim needs)"},
    },
)
def open_document(claim_id: ClaimId, doc_type: Annotated[str, Path(max_length=40)]) -> DocumentDownload:
    link = wiring.claim_review(SETTINGS.get()).open_document(current_caller(app), claim_id, doc_type)
    return DocumentDownload(download_url=link.url, expires_in=link.expires_in)


@app.post("/claims/<claim_id>/verify", tags=["Claims"])
def verify_claim(claim_id: ClaimId, body: Annotated[VerifyRequest | None, Body()] = None) -> ClaimOut:
    percent = body.disability_percent if body else None
    return presenters.claim_out(
        wiring.claim_review(SETTINGS.get()).verify(current_caller(app), claim_id, percent)
    )


def _on_invoke(context: LambdaContext) -> None:
    wiring.idempotency(SETTINGS.get()).register_lambda_context(context)


lambda_handler: Any = lambda_entry(app, on_invoke=_on_invoke)
