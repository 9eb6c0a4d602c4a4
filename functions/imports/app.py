"""Member imports and farmer exports: /imports routes and GET /farmers/export (docs/imports.md).

Thin: parse the request, call one use case, shape the response. The file's check and the
commit's chunks run in their own functions (import_validate, import_chunk).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.utilities.typing import LambdaContext

from sutasoma.api import files
from sutasoma.api.http import Body, Path, Query, Response
from sutasoma.api.import_presenters import import_out, mismatch_out
from sutasoma.api.listing import MAX_PAGE_SIZE, resolve_scope
from sutasoma.api.models.common import CoverageState
from sutasoma.api.models.imports import ImportCreate, ImportOut, ImportStarted, MismatchPage, UploadForm
from sutasoma.api.resolver import IDEMPOTENCY_HEADER, build_resolver, current_caller, header, lambda_entry
from sutasoma.app.imports import NewImport, mismatch_cursor
from sutasoma.app.queries import FarmerFilters
from sutasoma.runtime import import_wiring, wiring
from sutasoma.runtime.settings import SettingsSource
from sutasoma.runtime.settings.http import ImportSettings

SETTINGS = SettingsSource(ImportSettings)  # validated now: a missing variable fails the cold start
app = build_resolver()

ImportId = Annotated[str, Path(description="ULID of the import")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@app.post(
    "/imports",
    tags=["Imports"],
    summary="Open a member import (admin)",
    responses={201: {"description": "Waiting for its file: upload it with the presigned POST"}},
)
def open_import(body: Annotated[ImportCreate, Body()]) -> Response[ImportStarted]:
    started = import_wiring.import_desk(SETTINGS.get()).start(
        current_caller(app), NewImport.model_validate(body.model_dump()), header(app, IDEMPOTENCY_HEADER)
    )
    answer = ImportStarted(
        import_id=started.import_id,
        status=started.status,
        upload=UploadForm(
            upload_url=started.upload_url,
            fields=started.fields,
            object_key=started.object_key,
            max_bytes=started.max_bytes,
            expires_in=started.expires_in,
        ),
    )
    return Response(status_code=201, content_type="application/json", body=answer)


@app.get(
    "/imports/template.xlsx",
    tags=["Imports"],
    summary="The import template workbook",
    responses={200: {"description": "XLSX: the header row, an example row, and what each column means",
                     "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}},
)  # fmt: skip
def template():  # type: ignore[no-untyped-def]
    # No return annotation: Powertools passes the binary body through as is (as the report files).
    return Response(
        status_code=200, content_type=XLSX, body=files.template_workbook(),
        headers={"Content-Disposition": 'attachment; filename="template-impor-anggota.xlsx"'},
    )  # fmt: skip


@app.get("/imports/<import_id>", tags=["Imports"], summary="An import's status and results (admin)")
def read_import(import_id: ImportId) -> ImportOut:
    return import_out(import_wiring.import_desk(SETTINGS.get()).status(current_caller(app), import_id))


@app.post(
    "/imports/<import_id>/commit",
    tags=["Imports"],
    summary="Write the valid rows (admin)",
    responses={
        202: {"description": "COMMITTING: the chunks are on their way; follow GET /imports/{import_id}"}
    },
)
def commit_import(import_id: ImportId) -> Response[ImportOut]:
    desk = import_wiring.import_desk(SETTINGS.get())
    caller = current_caller(app)
    desk.commit(caller, import_id)
    return Response(
        status_code=202, content_type="application/json", body=import_out(desk.status(caller, import_id))
    )


@app.get(
    "/imports/<import_id>/mismatches",
    tags=["Imports"],
    summary="Imported members BPJS did not confirm (admin)",
    description="Members whose KPJ BPJS does not know, or knows with another NIK (participant look-up): "
    "to check with BPJS. The farmer resource says it too (`imported.bpjs_check`).",
)
def mismatches(
    import_id: ImportId,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> MismatchPage:
    views, more = import_wiring.import_desk(SETTINGS.get()).mismatches(
        current_caller(app), import_id, limit, mismatch_cursor(cursor)
    )
    return MismatchPage(
        items=[mismatch_out(v) for v in views],
        next_cursor=views[-1].mismatch.farmer_id if more and views else None,
    )


@app.get(
    "/farmers/export",
    tags=["Farmers"],
    summary="The farmer list as a file (coordinator of the kecamatan, admin)",
    description="XLSX or CSV of the farmers of the caller's scope, filtered by village and coverage state. "
    "NIK masked for coordinators, whole for admins; phones whole (the list is for visits and calls). "
    "Each export is audited (FARMERS_EXPORTED). More than EXPORT_MAX_ROWS farmers: 422 EXPORT_TOO_LARGE.",
    responses={200: {"description": "The file", "content": {XLSX: {"schema": {"type": "string", "format": "binary"}},
                                                            "text/csv": {"schema": {"type": "string"}}}}},
)  # fmt: skip
def export_farmers(  # type: ignore[no-untyped-def]
    kecamatan_code: Annotated[str | None, Query(max_length=32)] = None,
    village_code: Annotated[str | None, Query(max_length=32)] = None,
    coverage_state: Annotated[CoverageState | None, Query()] = None,
    format: Annotated[Literal["xlsx", "csv"], Query()] = "xlsx",
):
    caller = current_caller(app)
    scope = resolve_scope(caller, kecamatan_code, village_code)
    filters = FarmerFilters(village_code=village_code, coverage_state=coverage_state)
    export = import_wiring.farmer_exports(SETTINGS.get()).export(caller, scope, filters, format)
    body, content_type = files.export_file(export, format)
    name = "-".join(["petani", *(scope if len(scope) == 1 else ["soppeng"]), export.export_id[-6:].lower()])
    return Response(
        status_code=200, content_type=content_type, body=body,
        headers={"Content-Disposition": f'attachment; filename="{name}.{format}"'},
    )  # fmt: skip


def _on_invoke(context: LambdaContext) -> None:
    wiring.idempotency(SETTINGS.get()).register_lambda_context(context)


lambda_handler: Any = lambda_entry(app, on_invoke=_on_invoke)
