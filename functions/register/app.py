"""Farmer registration: /farmers routes, the agent's worklist, plus /health, /docs and
/openapi.json.

Thin: parse the request, call one use case, shape the response. /openapi.json and /docs serve
the whole API's document, merged at development time from every function's routes by
scripts/openapi.py (`make openapi`) into openapi.json, which ships next to this file.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path as FilePath
from typing import Annotated, Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sutasoma.api import presenters
from sutasoma.api.http import Body, Path, Query, Response
from sutasoma.api.listing import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    decode_cursor,
    encode_cursor,
    farmer_position,
    one_kecamatan,
    resolve_scope,
)
from sutasoma.api.models.common import DownloadUrl, Health, UploadUrl
from sutasoma.api.models.farmers import (
    CorrectionCreate,
    CoverageState,
    DeathCreate,
    Farmer,
    FarmerCreate,
    FarmerDetail,
    FarmerPage,
    FarmerPatch,
    KtpUploadRequest,
    RegistrationStatus,
)
from sutasoma.api.models.worklist import Worklist
from sutasoma.api.resolver import IDEMPOTENCY_HEADER, build_resolver, current_caller, header, lambda_entry
from sutasoma.app.corrections import Correction
from sutasoma.app.deaths import DeathReport
from sutasoma.app.farmer_records import FarmerEdit, etag_of, versions_in
from sutasoma.app.queries import FarmerFilters
from sutasoma.app.registration import NewFarmer
from sutasoma.runtime import wiring
from sutasoma.runtime.settings import SettingsSource
from sutasoma.runtime.settings.http import RegisterSettings

SETTINGS = SettingsSource(RegisterSettings)  # validated now: a missing variable fails the cold start
app = build_resolver(scope=lambda: wiring.resource_scope(SETTINGS.get()))

OPENAPI_FILE = FilePath(__file__).with_name("openapi.json")

FarmerId = Annotated[str, Path(description="ULID of the farmer")]


@app.get("/health", tags=["Operations"])
def health() -> Health:
    return Health(status="ok")


@cache
def _openapi_document() -> str:
    return OPENAPI_FILE.read_text(encoding="utf-8")


@cache
def _swagger_page() -> str:
    # Imported here: Powertools' OpenAPI models cost ~70 ms of every cold start, for /docs only.
    from aws_lambda_powertools.event_handler.openapi import swagger_ui
    from aws_lambda_powertools.event_handler.openapi.swagger_ui import generate_swagger_html

    assets = FilePath(swagger_ui.__file__).parent  # Powertools ships the Swagger UI bundle
    # The document inlined in a <script>: "</" must not close it.
    spec = _openapi_document().replace("</", "<\\/")
    js = (assets / "swagger-ui-bundle.min.js").read_text(encoding="utf-8")
    css = (assets / "swagger-ui.min.css").read_text(encoding="utf-8")
    return generate_swagger_html(spec, js, css, "", None, persist_authorization=False)


@app.get(
    "/openapi.json",
    tags=["Operations"],
    summary="The OpenAPI 3.1 document of the whole API",
    responses={
        200: {
            "description": "OpenAPI document",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    },
)
def openapi() -> Response[str]:
    return Response(status_code=200, content_type="application/json", body=_openapi_document())


@app.get(
    "/docs",
    tags=["Operations"],
    summary="Swagger UI for the whole API",
    responses={200: {"description": "Swagger UI", "content": {"text/html": {"schema": {"type": "string"}}}}},
)
def docs() -> Response[str]:
    return Response(status_code=200, content_type="text/html", body=_swagger_page())


@app.get(
    "/agents/me/worklist",
    tags=["Worklist"],
    summary="The caller's farmers to visit",
    description="Due this month, in arrears (months owed and amount), about to lapse, and claims waiting "
    "for documents, for the caller's kecamatan (an admin names one with kecamatan_code). Each farmer is in "
    "at most one list; lists are sorted by village, then name. See docs/api.md.",
)
def worklist(
    kecamatan_code: Annotated[
        str | None,
        Query(max_length=32, description="Admin: the kecamatan to list (required); others: their own only"),
    ] = None,
    village_code: Annotated[str | None, Query(max_length=32, description="Narrow to one village")] = None,
) -> Worklist:
    kecamatan = one_kecamatan(current_caller(app), kecamatan_code, village_code)
    return presenters.worklist_out(wiring.worklist(SETTINGS.get()).worklist(kecamatan, village_code))


@app.post("/farmers", tags=["Farmers"], responses={201: {"description": "Registered"}})
def register_farmer(body: Annotated[FarmerCreate, Body()]) -> Response[Farmer]:
    command = NewFarmer.model_validate(body.model_dump())
    farmer = wiring.register_farmer(SETTINGS.get())(
        current_caller(app), command, header(app, IDEMPOTENCY_HEADER)
    )
    return Response(status_code=201, content_type="application/json", body=presenters.farmer_out(farmer))


@app.get("/farmers", tags=["Farmers"])
def list_farmers(
    kecamatan_code: Annotated[str | None, Query()] = None,
    village_code: Annotated[str | None, Query()] = None,
    registration_status: Annotated[RegistrationStatus | None, Query()] = None,
    coverage_state: Annotated[CoverageState | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> FarmerPage:
    scope = resolve_scope(current_caller(app), kecamatan_code, village_code)
    position = decode_cursor(cursor, scope, farmer_position) if cursor else None
    start = (position[0], (position[1], position[2])) if position else None
    filters = FarmerFilters(village_code, registration_status, coverage_state, q)
    page = wiring.farmer_records(SETTINGS.get()).search(filters, scope, limit, start)
    last = page.items[-1] if page.more and page.items else None
    return FarmerPage(
        items=presenters.farmer_page(page.items),
        next_cursor=encode_cursor((last.kecamatan_code, last.village_code, last.farmer_id)) if last else None,
    )


@app.get(
    "/farmers/<farmer_id>",
    tags=["Farmers"],
    responses={200: {"description": "The farmer; `ETag` header for a later PATCH's `If-Match`"}},
)
def get_farmer(farmer_id: FarmerId) -> Response[FarmerDetail]:
    farmer = wiring.farmer_records(SETTINGS.get()).get(current_caller(app), farmer_id)
    return _with_etag(presenters.farmer_detail(farmer), farmer)


@app.patch(
    "/farmers/<farmer_id>",
    tags=["Farmers"],
    responses={
        200: {"description": "Changed; the new `ETag`"},
        412: {"description": "If-Match names the record before a person's later change"},
    },
)
def patch_farmer(farmer_id: FarmerId, body: Annotated[FarmerPatch, Body()]) -> Response[Farmer]:
    edit = FarmerEdit.model_validate(body.model_dump(exclude_unset=True))
    if_match = header(app, "if-match")
    expected = versions_in(if_match, farmer_id) if if_match else None
    farmer = wiring.farmer_records(SETTINGS.get()).patch(current_caller(app), farmer_id, edit, expected)
    return _with_etag(presenters.farmer_out(farmer), farmer)


@app.post("/farmers/<farmer_id>/death", tags=["Farmers"])
def record_death(farmer_id: FarmerId, body: Annotated[DeathCreate, Body()]) -> Farmer:
    report = DeathReport.model_validate(body.model_dump())
    farmer = wiring.record_death(SETTINGS.get())(
        current_caller(app), farmer_id, report, header(app, IDEMPOTENCY_HEADER)
    )
    return presenters.farmer_out(farmer)


@app.post("/farmers/<farmer_id>/corrections", tags=["Farmers"])
def correct_farmer(farmer_id: FarmerId, body: Annotated[CorrectionCreate, Body()]) -> Farmer:
    correction = Correction.model_validate(body.model_dump())
    return presenters.farmer_out(
        wiring.correct_farmer(SETTINGS.get())(current_caller(app), farmer_id, correction)
    )


def _with_etag(body: Farmer, farmer: Any) -> Response[Any]:
    return Response(
        status_code=200, content_type="application/json", body=body, headers={"ETag": etag_of(farmer)}
    )


@app.post("/farmers/<farmer_id>/reactivate", tags=["Farmers"])
def reactivate_farmer(farmer_id: FarmerId) -> Farmer:
    farmer = wiring.farmer_records(SETTINGS.get()).reactivate(current_caller(app), farmer_id)
    return presenters.farmer_out(farmer)


@app.post(
    "/farmers/<farmer_id>/ktp",
    tags=["Farmers"],
    summary="A presigned POST for the farmer's KTP copy",
    description="Send multipart/form-data to upload_url: every field of `fields`, then the file as `file` "
    "(at most max_bytes, of the content type asked). Once S3 has it, the file is checked (JPEG, PNG or PDF "
    "signature, not nearly empty); the farmer's `ktp_uploaded_at` is set only if it passes.",
)
def ktp_upload_url(farmer_id: FarmerId, body: Annotated[KtpUploadRequest | None, Body()] = None) -> UploadUrl:
    content_type = body.content_type if body else "image/jpeg"
    upload = wiring.farmer_records(SETTINGS.get()).ktp_upload(current_caller(app), farmer_id, content_type)
    return UploadUrl(
        upload_url=upload.url, object_key=upload.object_key, expires_in=upload.expires_in,
        fields=upload.fields, max_bytes=upload.max_bytes,
    )  # fmt: skip


@app.get(
    "/farmers/<farmer_id>/ktp",
    tags=["Farmers"],
    summary="A link to the farmer's KTP copy (coordinator, admin)",
    responses={
        200: {"description": "A link to the copy", "content": {"application/json": {"model": DownloadUrl}}},
        404: {"description": "No KTP copy stored yet"},
    },
    description="A short-lived presigned GET of the stored copy. Each link issued is recorded in the audit "
    "trail (KTP_READ) before it is answered.",
)
def ktp_download_url(farmer_id: FarmerId) -> DownloadUrl:
    download = wiring.farmer_records(SETTINGS.get()).ktp_download(current_caller(app), farmer_id)
    return DownloadUrl(download_url=download.url, expires_in=download.expires_in)


def _on_invoke(context: LambdaContext) -> None:
    wiring.idempotency(SETTINGS.get()).register_lambda_context(context)


lambda_handler: Any = lambda_entry(app, on_invoke=_on_invoke)
